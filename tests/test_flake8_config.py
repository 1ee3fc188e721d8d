"""flake8 whatever the project's config holds: output options riskaudit neutralises, plugins it lacks.

The fixture projects are scanned with the real flake8: ``flake8optionsapp`` switches on every output
option a config can hold and has a local plugin that prints and reports a two-line message;
``flake8pluginsapp`` asks for a local plugin and a required plugin that are not installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import copy_fixture, marker_lines

from riskaudit.catalogue import default_catalogue
from riskaudit.collectors import flake8_plugins
from riskaudit.collectors.flake8_plugins import LocalPlugin, PluginConfig, Unavailable
from riskaudit.running.launch import module_command
from riskaudit.models import ToolRun, ToolStatus
from riskaudit.options import ScanOptions
from riskaudit.results import ScanResult
from riskaudit.scan import scan

ABSENT_MODULE = "riskaudit_fixture_absent_dependency"
ABSENT_PLUGIN = "flake8-riskaudit-fixture-absent"


@pytest.fixture(scope="module")
def options_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture whose config switches every output option on."""
    return copy_fixture("flake8optionsapp", tmp_path_factory.mktemp("flake8options"))


@pytest.fixture(scope="module")
def options_scan(options_project: Path) -> ScanResult:
    """One scan of it."""
    return scan(options_project, ScanOptions(python=sys.executable, use_cache=False), default_catalogue())


@pytest.fixture(scope="module")
def plugins_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture whose config needs plugins this environment lacks."""
    return copy_fixture("flake8pluginsapp", tmp_path_factory.mktemp("flake8plugins"))


@pytest.fixture(scope="module")
def plugins_scan(plugins_project: Path) -> ScanResult:
    """One scan of it."""
    return scan(plugins_project, ScanOptions(python=sys.executable, use_cache=False), default_catalogue())


def _flake8(result: ScanResult) -> ToolRun:
    return next(run for run in result.runs if run.name == "flake8")


def _positions(run: ToolRun, path: str) -> list[tuple[str, int | None]]:
    return sorted((f.code, f.line) for f in run.findings if f.path == path)


# --- every output option in the project's config -------------------------------------------------


def test_output_options_of_the_config_leave_the_scan_complete(options_scan: ScanResult) -> None:
    run = _flake8(options_scan)
    assert run.status is ToolStatus.OK, run.reason
    assert not options_scan.incomplete


def test_output_options_of_the_config_leave_every_finding(options_project: Path, options_scan: ScanResult) -> None:
    state = options_project / "optionsapp" / "state.py"
    found = _positions(_flake8(options_scan), "optionsapp/state.py")
    assert ("E711", marker_lines(state, "E711")[0]) in found
    assert ("F401", 3) in found
    assert [f.message for f in _flake8(options_scan).findings if f.code == "RAM100"] == [
        "global state\nshared by every caller"
    ]
    assert ("RAM100", marker_lines(state, "RAM100")[0]) in found


def test_the_config_output_file_is_not_written_into_the_project(options_project: Path) -> None:
    assert not (options_project / "flake8-report.txt").exists()


def test_the_command_shown_is_riskaudit_s(options_scan: ScanResult) -> None:
    command = _flake8(options_scan).command
    assert command[:3] == tuple(module_command(sys.executable, "flake8"))
    assert "--output-file=<private report file>" in command
    assert any(part.startswith("--append-config=") and part.endswith("flake8_output.cfg") for part in command)
    assert Path(next(p for p in command if p.startswith("--append-config="))[len("--append-config="):]).is_file()


# --- plugins the environment lacks ---------------------------------------------------------------


def test_missing_plugins_leave_the_scan_complete(plugins_scan: ScanResult) -> None:
    run = _flake8(plugins_scan)
    assert run.status is ToolStatus.OK, run.reason
    assert not plugins_scan.incomplete
    assert run.reason.startswith("ran without plugins this environment lacks")


def test_missing_plugins_are_environment_issues(plugins_scan: ScanResult) -> None:
    issues = {issue.subject: issue for issue in _flake8(plugins_scan).environment}
    assert set(issues) == {ABSENT_MODULE, ABSENT_PLUGIN}
    local, required = issues[ABSENT_MODULE], issues[ABSENT_PLUGIN]
    assert (local.kind, local.tool) == (required.kind, required.tool) == ("missing-plugin", "flake8")
    assert local.detail.endswith("codes not checked: RAQ")
    assert f"absent (No module named '{ABSENT_MODULE}')" in local.detail
    assert ABSENT_PLUGIN in required.detail
    assert local.fix == required.fix == "install the project's dependencies in the interpreter you pass with --python"
    assert plugins_scan.environment == _flake8(plugins_scan).environment


def test_the_installed_local_plugin_still_runs(plugins_project: Path, plugins_scan: ScanResult) -> None:
    service = plugins_project / "pluginsapp" / "service.py"
    found = _positions(_flake8(plugins_scan), "pluginsapp/service.py")
    assert ("RAP100", marker_lines(service, "RAP100")[0]) in found
    assert ("E711", marker_lines(service, "E711")[0]) in found


def test_the_rest_of_the_config_still_applies(plugins_scan: ScanResult) -> None:
    run = _flake8(plugins_scan)
    assert "E711" not in {code for code, _ in _positions(run, "legacy/old.py")}  # per-file-ignores
    assert _positions(run, "generated/gen.py") == []  # exclude, relative to setup.cfg
    assert "E501" not in {code for code, _ in _positions(run, "pluginsapp/service.py")}  # max-line-length = 100


def test_a_cached_run_still_reports_the_missing_plugins(tmp_path: Path) -> None:
    project = copy_fixture("flake8pluginsapp", tmp_path)
    options = ScanOptions(python=sys.executable)
    entries = project / ".riskaudit_cache" / "flake8"
    first = _flake8(scan(project, options, default_catalogue()))
    stored = sorted(path.name for path in entries.rglob("*.json"))
    second = _flake8(scan(project, options, default_catalogue()))
    assert stored and sorted(path.name for path in entries.rglob("*.json")) == stored  # the same keys: hits
    assert second.environment == first.environment and len(second.environment) == 2
    assert second.findings == first.findings and any(f.code == "RAP100" for f in second.findings)


def test_flake8_alone_refuses_the_config(plugins_project: Path) -> None:
    """Without riskaudit's overrides flake8 does not run at all: the mechanism is needed."""
    result = subprocess.run(
        [*module_command(sys.executable, "flake8"), "pluginsapp/service.py"],
        cwd=plugins_project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "FailedToLoadPlugin" in result.stderr or "required plugins were not installed" in result.stdout


def test_the_probe_finds_what_flake8_cannot_load(plugins_project: Path) -> None:
    config = flake8_plugins.read_plugin_config(flake8_plugins.find_config(plugins_project))
    found = flake8_plugins.probe(sys.executable, plugins_project, config, 120)
    assert isinstance(found, Unavailable)
    assert dict(found.missing) == {"absent": ABSENT_MODULE}
    assert {"flake8", "pyflakes", "pycodestyle", "flake8-bugbear"} <= found.installed


def test_the_probe_reports_its_own_failure(tmp_path: Path) -> None:
    config = PluginConfig(tmp_path / "setup.cfg", (LocalPlugin("extension", "X", "x:X"),))
    found = flake8_plugins.probe(str(tmp_path / "no-python"), tmp_path, config, 60)
    assert isinstance(found, str) and found.startswith(f"cannot check the plugins of {tmp_path / 'setup.cfg'}")


# --- reading the config flake8 uses ---------------------------------------------------------------


def test_find_config_takes_the_first_file_with_a_flake8_section(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n")
    (tmp_path / "tox.ini").write_text("[flake8]\nmax-line-length = 100\n")
    (tmp_path / ".flake8").write_text("[flake8]\n")
    assert flake8_plugins.find_config(tmp_path) == tmp_path / "tox.ini"


def test_find_config_looks_in_the_parent_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / ".flake8").write_text("[flake8:local-plugins]\nextension = X = x:X\n")
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    assert flake8_plugins.find_config(inner) == tmp_path / ".flake8"


def test_find_config_stops_below_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".flake8").write_text("[flake8]\n")
    inner = tmp_path / "project"
    inner.mkdir()
    assert flake8_plugins.find_config(inner) is None


def test_read_plugin_config_of_an_openstack_style_section(tmp_path: Path) -> None:
    """Entries one per line or comma-separated, paths relative to the config, the underscore spelling first."""
    config = tmp_path / "tox.ini"
    config.write_text(
        "[flake8]\nrequire_plugins = flake8-a flake8-b\nrequire-plugins = ignored\n\n"
        "[flake8:local-plugins]\nextension =\n  M301 = checks:no_db\n  M302 = checks:utcnow, N1 = other.mod:Check\n"
        "report = fancy = reporting:Fancy\npaths = ./masakari/hacking, ./tools\n"
    )
    read = flake8_plugins.read_plugin_config(config)
    assert read.local == (
        LocalPlugin("extension", "M301", "checks:no_db"),
        LocalPlugin("extension", "M302", "checks:utcnow"),
        LocalPlugin("extension", "N1", "other.mod:Check"),
        LocalPlugin("report", "fancy", "reporting:Fancy"),
    )
    assert [plugin.module for plugin in read.local] == ["checks", "checks", "other.mod", "reporting"]
    assert read.paths == (str(tmp_path / "masakari" / "hacking"), str(tmp_path / "tools"))
    assert read.required == ("flake8-a", "flake8-b")


def test_omission_groups_local_plugins_by_missing_package(tmp_path: Path) -> None:
    config = PluginConfig(
        tmp_path / "tox.ini",
        (
            LocalPlugin("extension", "M301", "checks:a"),
            LocalPlugin("extension", "M302", "checks:b"),
            LocalPlugin("extension", "N1", "fine:c"),
        ),
        required=("flake8_Bugbear", "flake8-gone"),
    )
    left_out = flake8_plugins.omission(
        config, Unavailable({"checks": "hacking.core"}, frozenset({"flake8-bugbear"})), own_flake8=True
    )
    assert [plugin.name for plugin in left_out.local] == ["M301", "M302"]
    assert left_out.required == ("flake8-gone",)
    assert [(issue.kind, issue.subject) for issue in left_out.issues] == [
        ("missing-plugin", "hacking"),
        ("missing-plugin", "flake8-gone"),
    ]
    assert left_out.issues[0].detail.endswith("codes not checked: M301, M302")
    fix = "install the project's dependencies and flake8 in the interpreter you pass with --python"
    assert left_out.issues[0].fix == fix
    override = flake8_plugins.override_config(left_out)
    assert "require-plugins = flake8_Bugbear\nrequire_plugins = flake8_Bugbear\n" in override
    assert "[flake8:local-plugins]\nextension =\n    N1 = fine:c\nreport =\n" in override


def test_nothing_left_out_overrides_nothing(tmp_path: Path) -> None:
    config = PluginConfig(tmp_path / "tox.ini", (LocalPlugin("extension", "N1", "fine:c"),))
    left_out = flake8_plugins.omission(config, Unavailable({}, frozenset()), own_flake8=False)
    assert not left_out and left_out.issues == ()
    assert flake8_plugins.override_config(left_out) == ""
