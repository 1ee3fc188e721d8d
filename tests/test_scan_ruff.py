"""End to end on a project that lints with ruff: ruff runs with the project's config, as a direct run would.

The ``ruffapp`` fixture configures ruff in ``pyproject.toml`` (a selection with bandit, datetimez, async
and ruff's own checks, a complexity limit, an excluded folder, per-file ignores) and not flake8. Every
planted defect carries ``# defect: CODE[, CODE]`` with the ruff codes that must be reported on its line.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import copy_fixture

from riskaudit.catalogue import default_catalogue
from riskaudit.collectors.ruff_output import parse_output
from riskaudit.models import ToolStatus
from riskaudit.options import ScanOptions
from riskaudit.results import ScanResult
from riskaudit.scan import scan

RULE_OF_CODE = {
    "F401": "RA212",
    "DTZ005": "RA501",
    "S608": "RA218",
    "E722": "RA208",
    "S110": "RA218",
    "B006": "RA205",
    "ASYNC251": "RA513",
    "RUF006": "RA511",
    "C901": "RA401",
}
"""The catalogue rule each planted ruff code maps onto."""
ORDERS = "shop/orders.py"
_MARKER = re.compile(r"#\s*defect:\s*(?P<codes>[A-Z0-9]+(?:,\s*[A-Z0-9]+)*)\s*$")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the fixture."""
    return copy_fixture("ruffapp", tmp_path_factory.mktemp("ruffapp"))


@pytest.fixture(scope="module")
def result(project: Path) -> ScanResult:
    """One in-process scan of the fixture with the project's own linter, shared by the tests here."""
    return scan(project, ScanOptions(python=sys.executable), default_catalogue())


def _planted(project: Path) -> set[tuple[str, str, int]]:
    """(code, file, line) of every marked defect."""
    lines = (project / ORDERS).read_text(encoding="utf-8").splitlines()
    return {
        (code.strip(), ORDERS, number)
        for number, line in enumerate(lines, 1)
        if (match := _MARKER.search(line))
        for code in match["codes"].split(",")
    }


def _direct_ruff(project: Path) -> set[tuple[str, str, int, int]]:
    """(code, file, line, column) of what ``ruff check .`` reports in the project, run directly."""
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--exit-zero", "--output-format=json", "."],
        cwd=project, capture_output=True, text=True, check=True,
    )
    return {(f.code, f.path or "", f.line or 0, f.column or 0) for f in parse_output(ruff.stdout, project)}


def test_the_projects_linter_is_ruff_and_the_report_says_why(result: ScanResult) -> None:
    assert [run.name for run in result.runs][:2] == ["ruff", "mypy"]
    assert result.run("flake8") is None
    assert result.meta.linter == "ruff"
    assert result.meta.linter_reason == "the project configures ruff (pyproject.toml [tool.ruff]), not flake8"


def test_rufs_findings_equal_a_direct_run_with_the_projects_config(result: ScanResult, project: Path) -> None:
    run = result.run("ruff")
    assert run is not None and run.status is ToolStatus.OK, run
    ours = {(f.code, f.path or "", f.line or 0, f.column or 0) for f in run.findings}
    assert ours == _direct_ruff(project)
    assert {(code, path, line) for code, path, line, _ in ours} == _planted(project)


def test_the_projects_excludes_and_per_file_ignores_hold(result: ScanResult) -> None:
    run = result.run("ruff")
    assert run is not None
    assert not [f for f in run.findings if f.path and not f.path.startswith("shop/")]


def test_every_planted_code_maps_onto_its_rule(result: ScanResult, project: Path) -> None:
    found = {(source, f.path, f.line, f.rule_id) for f in result.findings for source in f.sources}
    for code, path, line in _planted(project):
        assert (f"ruff:{code}", path, line, RULE_OF_CODE[code]) in found, (code, line)


def test_ruff_and_riskaudits_detectors_agreeing_make_one_finding(result: ScanResult, project: Path) -> None:
    planted = {code: line for code, _, line in _planted(project)}
    by_line = {(f.rule_id, f.line): f.sources for f in result.findings if f.path == ORDERS}
    assert by_line[("RA501", planted["DTZ005"])] == ("riskaudit:naive-datetime", "ruff:DTZ005")
    assert by_line[("RA513", planted["ASYNC251"])] == ("riskaudit:blocking-call", "ruff:ASYNC251")
    assert by_line[("RA511", planted["RUF006"])] == ("riskaudit:dangling-task", "ruff:RUF006")


def test_rufs_noqa_comment_silences_riskaudits_finding_of_the_same_defect(result: ScanResult, project: Path) -> None:
    lines = (project / ORDERS).read_text(encoding="utf-8").splitlines()
    (line,) = [number for number, text in enumerate(lines, 1) if "# noqa: DTZ005" in text]
    assert not [f for f in result.findings if f.path == ORDERS and f.line == line]
    (silenced,) = [s for s in result.suppressed if s.finding.path == ORDERS and s.finding.line == line]
    assert silenced.finding.rule_id == "RA501" and "noqa: DTZ005" in silenced.reason


def test_a_ruff_other_than_the_projects_pinned_release_is_an_environment_issue(result: ScanResult) -> None:
    run = result.run("ruff")
    assert run is not None
    (issue,) = [issue for issue in result.environment if issue.kind == "tool-version"]
    assert issue in run.environment and issue.subject == "ruff"
    assert f"{run.version} ran, the project pins ruff 0.6.9 (.pre-commit-config.yaml)" in issue.detail


def test_ruff_writes_nothing_into_the_target(result: ScanResult, project: Path) -> None:
    assert result.run("ruff") is not None
    assert not (project / ".ruff_cache").exists()


def test_the_command_shown_reproduces_the_run(result: ScanResult) -> None:
    run = result.run("ruff")
    assert run is not None
    assert run.command[-2:] == ("--output-file=<private report file>", "<5 files>")
    for option in ("check", "--output-format=json", "--no-fix", "--no-cache", "--force-exclude"):
        assert option in run.command


def test_linter_flake8_overrides_the_projects_choice(project: Path, tmp_path: Path) -> None:
    chosen = scan(project, ScanOptions(python=sys.executable, linter="flake8"), default_catalogue())
    assert chosen.run("ruff") is None
    flake8 = chosen.run("flake8")
    assert flake8 is not None and flake8.status is ToolStatus.OK
    assert chosen.meta.linter == "flake8" and "--linter flake8" in chosen.meta.linter_reason
    assert {f.code for f in flake8.findings} >= {"E722", "F401", "B006"}


def test_untrusted_runs_ruff_without_the_projects_config(project: Path) -> None:
    untrusted = scan(project, ScanOptions(untrusted=True), default_catalogue())
    run = untrusted.run("ruff")
    assert run is not None and run.status is ToolStatus.OK and "--isolated" in run.command
    codes = {f.code for f in run.findings}
    assert "F401" in codes and "E722" in codes  # ruff's default rules
    assert not codes & {"DTZ005", "S608", "RUF006", "C901"}  # the project's selection was not read
    assert any(f.path == "legacy/old.py" for f in run.findings)  # nor its excludes


def test_a_config_ruff_refuses_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "ruff.toml").write_text("[lint]\nselect = ['NOPE999']\n", encoding="utf-8")
    (tmp_path / "app.py").write_text('"""An app."""\n', encoding="utf-8")
    broken = scan(tmp_path, ScanOptions(python=sys.executable), default_catalogue())
    run = broken.run("ruff")
    assert run is not None and run.status is ToolStatus.FAILED
    assert "NOPE999" in run.reason and run.reason.startswith("exit code 2")
    assert broken.is_incomplete
