"""The options table: every option reachable from where it can be set, and checked once.

Each option is reachable from the command line and from ``[tool.riskaudit]`` where it has a key, a
bad value gives the same error from both, the library refuses options that exclude each other, and
the README lists what the table holds.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import typer
from support import REPO, run_cli

from riskaudit.catalogue import default_catalogue
from riskaudit.cli import app
from riskaudit.config import load_config, scan_options
from riskaudit.errors import UsageError
from riskaudit.gate import FAIL_ON_CHOICES
from riskaudit.layers import Layer
from riskaudit.models import Severity
from riskaudit.option_table import (
    CONFIG_KEYS,
    OPTIONS,
    REPORT_OPTIONS,
    SCAN_OPTIONS,
    command_line_values,
    effective_options,
    option,
    parse_config,
)
from riskaudit.options import ScanOptions
from riskaudit.report.formats import EXTENSIONS, FORMATS
from riskaudit.scan import scan

COMMAND_LINE: dict[str, tuple[list[str], object]] = {
    "format": (["-f", "sarif"], "sarif"),
    "output": (["-o", "out.md"], "out.md"),
    "fail_on": (["--fail-on", "medium"], "medium"),
    "exit_zero": (["--exit-zero"], True),
    "python": (["--python", "/usr/bin/python3"], "/usr/bin/python3"),
    "coverage_file": (["--coverage-file", "cov.xml"], Path("cov.xml")),
    "pyright_report": (["--pyright-report", "pyright.json"], Path("pyright.json")),
    "run_tests": (["--run-tests"], True),
    "use_cache": (["--no-cache"], False),
    "respect_gitignore": (["--no-respect-gitignore"], False),
    "select": (["--select", "ra1,RA201", "--select", "RA3"], ("RA1", "RA201", "RA3")),
    "ignore": (["--ignore", "RA203"], ("RA203",)),
    "timeout": (["--timeout", "12.5"], 12.5),
    "max_file_size": (["--max-file-size", "2e6"], 2_000_000.0),
    "baseline": (["--baseline", "known.json"], Path("known.json")),
    "write_baseline": (["--write-baseline", "new.json"], Path("new.json")),
    "diff": (["--diff", "origin/main"], "origin/main"),
    "untrusted": (["--untrusted"], True),
    "config": (["--config", "cfg.toml"], Path("cfg.toml")),
    "linter": (["--linter", "ruff"], "ruff"),
}
"""Each command-line option given, and the ScanOptions value it must produce."""

CONFIG_FILE: dict[str, tuple[str, Any]] = {
    "fail-on": ('fail-on = "low"', "low"),
    "select": ('select = ["ra1"]', ("RA1",)),
    "ignore": ('ignore = ["RA203", "RA3"]', ("RA203", "RA3")),
    "timeout": ("timeout = 30", 30.0),
    "max-file-size": ("max-file-size = 250000", 250_000.0),
    "respect-gitignore": ("respect-gitignore = false", False),
    "linter": ('linter = "flake8"', "flake8"),
    "baseline": ('baseline = "b.json"', "b.json"),
    "pyright-report": ('pyright-report = "p.json"', "p.json"),
    "total-coverage-threshold": ("total-coverage-threshold = 75", 75.0),
    "exclude": ('exclude = ["legacy/*"]', ("legacy/*",)),
    "per-file-ignores": ('per-file-ignores = {"tests/*" = ["ra2"]}', (("tests/*", ("RA2",)),)),
    "severity": ('severity = {ra203 = "low"}', (("RA203", "low"),)),
    "critical-layers": (
        '[tool.riskaudit.critical-layers.billing]\npaths = ["app/billing/*"]\nthreshold = 95',
        (Layer("billing", frozenset(), 95.0, paths=("app/billing/*",)),),
    ),
}
"""Each ``[tool.riskaudit]`` key set, and the ScanOptions value it must produce (paths: below the root)."""


def _parsed(command: str, args: list[str]) -> dict[str, object]:
    """What typer's parser hands the command for these arguments."""
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    context = group.commands[command].make_context(command, args)
    return dict(context.params)


def _write_config(root: Path, text: str) -> None:
    table = text if text.startswith("[") else f"[tool.riskaudit]\n{text}"
    (root / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n{table}\n", encoding="utf-8")


def test_every_scan_option_has_one_field_and_distinct_names() -> None:
    assert sorted(o.field for o in OPTIONS) == sorted(f.name for f in fields(ScanOptions))
    flags = [flag for o in OPTIONS for flag in o.flags]
    assert len(flags) == len(set(flags))
    assert all(o.flags or o.key for o in OPTIONS), "an option neither the command line nor the config sets"
    assert set(COMMAND_LINE) == {o.field for o in SCAN_OPTIONS}
    assert set(CONFIG_FILE) == set(CONFIG_KEYS)


@pytest.mark.parametrize("field", list(COMMAND_LINE))
def test_every_option_is_reachable_from_the_command_line(field: str) -> None:
    args, expected = COMMAND_LINE[field]
    options = effective_options({}, command_line_values(SCAN_OPTIONS, _parsed("scan", [".", *args])))
    assert getattr(options, field) == expected
    assert getattr(ScanOptions(), field) != expected
    untouched = effective_options({}, command_line_values(SCAN_OPTIONS, _parsed("scan", ["."])))
    assert untouched == ScanOptions()


def test_render_reads_format_and_output_through_the_same_options() -> None:
    given = _parsed("render", ["r.json", "--format", "html", "--output", "-"])
    options = effective_options({}, command_line_values(REPORT_OPTIONS, given))
    assert (options.format, options.output) == ("html", "-")


@pytest.mark.parametrize("key", list(CONFIG_FILE))
def test_every_key_is_reachable_from_the_config_file(key: str, tmp_path: Path) -> None:
    text, expected = CONFIG_FILE[key]
    _write_config(tmp_path, text)
    field = CONFIG_KEYS[key].field
    value = getattr(effective_options(load_config(tmp_path / "pyproject.toml"), {}), field)
    assert value == (tmp_path / expected if field in ("baseline", "pyright_report") else expected)
    assert value != getattr(ScanOptions(), field)


@pytest.mark.parametrize("field", sorted(o.field for o in SCAN_OPTIONS if o.key and o.kind.shape != "switch"))
def test_command_line_wins_over_the_config_file_wins_over_the_default(field: str, tmp_path: Path) -> None:
    key = next(o.key for o in OPTIONS if o.field == field)
    assert key is not None
    _write_config(tmp_path, CONFIG_FILE[key][0])
    args, expected = COMMAND_LINE[field]
    given = command_line_values(SCAN_OPTIONS, _parsed("scan", [str(tmp_path), *args]))
    assert getattr(scan_options(tmp_path, given), field) == expected
    from_file = getattr(scan_options(tmp_path, {}), field)
    assert from_file != expected and from_file != getattr(ScanOptions(), field)


def test_a_flag_that_turns_a_setting_off_wins_over_the_config_file(tmp_path: Path) -> None:
    """A switch sets one value only: the config file sets either, the flag its own."""
    _write_config(tmp_path, "respect-gitignore = true")
    flag = command_line_values(SCAN_OPTIONS, _parsed("scan", [str(tmp_path), "--no-respect-gitignore"]))
    assert scan_options(tmp_path, flag).respect_gitignore is False
    assert scan_options(tmp_path, {}).respect_gitignore is True
    _write_config(tmp_path, "respect-gitignore = false")
    assert scan_options(tmp_path, {}).respect_gitignore is False


def test_untrusted_scans_do_not_read_the_config_file(tmp_path: Path) -> None:
    _write_config(tmp_path, 'fail-on = "none"')
    assert scan_options(tmp_path, {}).fail_on == "none"
    assert scan_options(tmp_path, {"untrusted": True}).fail_on == ScanOptions().fail_on


BAD_VALUES = [
    ("--fail-on", "urgent", 'fail-on = "urgent"', "--fail-on urgent", "fail-on = 'urgent'"),
    ("--timeout", "-1", "timeout = -1", "--timeout -1", "timeout = -1"),
    ("--timeout", "soon", 'timeout = "soon"', "--timeout soon", "timeout = 'soon'"),
    ("--select", "XX9", 'select = ["XX9"]', "--select/--ignore XX9", "--select/--ignore XX9"),
]
"""A bad value on the command line and in the config file, and how each error names it."""


@pytest.mark.parametrize(("flag", "text", "setting", "given_as", "configured_as"), BAD_VALUES)
def test_a_bad_value_gives_the_same_one_line_error_from_both(
    tmp_path: Path, flag: str, text: str, setting: str, given_as: str, configured_as: str
) -> None:
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    _write_config(tmp_path, "")
    given = run_cli("scan", str(tmp_path), flag, text, "-o", str(tmp_path / "r.md"))
    _write_config(tmp_path, setting)
    configured = run_cli("scan", str(tmp_path), "-o", str(tmp_path / "r.md"))
    problems = []
    for run, subject in ((given, given_as), (configured, configured_as)):
        assert run.returncode == 2, run.stderr
        (line,) = run.stderr.strip().splitlines()
        assert line.startswith("riskaudit: error: ") and f"{subject}: " in line, line
        problems.append(line.split(f"{subject}: ", 1)[1])
    assert problems[0] == problems[1]
    assert not (tmp_path / "r.md").exists()


def test_config_errors_name_the_key_and_list_the_known_ones() -> None:
    with pytest.raises(ValueError, match=None) as caught:
        parse_config({"fail-on": "high", "failon": "none"})
    assert str(caught.value) == f"unknown key 'failon' (known: {', '.join(sorted(CONFIG_KEYS))})"


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (ScanOptions(untrusted=True, run_tests=True), "--run-tests runs the target's code"),
        (ScanOptions(untrusted=True, python="/usr/bin/python3"), "--python runs the target's interpreter"),
        (ScanOptions(run_tests=True, coverage_file=Path("c.xml")), "--run-tests and --coverage-file exclude"),
        (ScanOptions(write_baseline=Path("b.json"), diff="HEAD"), "cannot be combined with --diff"),
    ],
)
def test_the_library_refuses_options_that_exclude_each_other(
    options: ScanOptions, fragment: str, tmp_path: Path
) -> None:
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(UsageError, match=None) as caught:
        scan(tmp_path, options, default_catalogue())
    assert fragment in str(caught.value)
    assert not (tmp_path / ".riskaudit_cache").exists()


def _usage_block() -> list[list[str]]:
    """The README's usage block, each line as its tokens."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Usage\n\n```\n(.*?)```", readme, re.S)
    assert block is not None
    return [[token.rstrip(",") for token in line.split()] for line in block.group(1).splitlines()]


def _command_line_flags() -> set[str]:
    """Every flag the command line has, the options table's and the CLI's own (``-q``, ``-V``, ``-h``)."""
    import typer.main

    from riskaudit.cli import app

    group = typer.main.get_command(app)
    commands = [group, *getattr(group, "commands", {}).values()]
    context = group.context_class(group, help_option_names=["-h", "--help"])
    return {
        flag
        for command in commands
        for param in command.get_params(context)
        for flag in (*param.opts, *param.secondary_opts)
        if flag.startswith("-")
    }


def test_the_readme_usage_block_lists_every_flag_with_its_value() -> None:
    lines = _usage_block()
    for entry in (*SCAN_OPTIONS, *REPORT_OPTIONS):
        for flag in entry.flags:
            line = next((tokens for tokens in lines if flag in tokens), None)
            assert line is not None, f"{flag} is not in the README's usage block"
            if entry.value_name and entry in SCAN_OPTIONS:
                assert entry.value_name in line, f"{flag}: the README does not show {entry.value_name}"
    known = {flag for entry in OPTIONS for flag in entry.flags} | _command_line_flags()
    shown = {token for tokens in lines for token in tokens if re.fullmatch(r"--?[a-z][a-z-]*", token)}
    assert shown <= known, f"the README lists flags riskaudit does not have: {sorted(shown - known)}"


def test_the_readme_config_example_sets_every_key() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```toml\n(\[tool\.riskaudit\].*?)```", readme, re.S)
    table = tomllib.loads(example)["tool"]["riskaudit"]
    assert set(table) == set(CONFIG_KEYS)
    assert set(parse_config(table)) == {entry.field for entry in CONFIG_KEYS.values()}


def test_the_results_schema_spells_severities_and_thresholds_as_the_code_does() -> None:
    schema = json.loads((REPO / "riskaudit" / "schema" / "results-v1.schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["Severity"]["enum"] == [s.value for s in Severity]
    assert schema["$defs"]["ScanMeta"]["properties"]["fail_on"]["enum"] == list(FAIL_ON_CHOICES)
    assert option("fail_on").kind.choices == FAIL_ON_CHOICES
    assert option("format").kind.choices == FORMATS == tuple(EXTENSIONS)
