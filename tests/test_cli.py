"""The command line as users and CI run it: exit codes, outputs, errors, render, rules, explain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskaudit.catalogue import default_catalogue
from support import copy_fixture, run_cli

PINNED = {"SOURCE_DATE_EPOCH": "1767225600"}


@pytest.fixture(scope="session")
def asyncapp_cli(asyncapp: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, Path]:
    """One CLI scan of the async fixture to JSON, then the JSON rendered to Markdown."""
    out = tmp_path_factory.mktemp("asyncapp-cli")
    results = out / "results.json"
    scanned = run_cli("scan", str(asyncapp), "--format", "json", "--output", str(results), env=PINNED)
    assert results.is_file(), scanned.stderr
    report = out / "report.md"
    rendered = run_cli("render", str(results), "--format", "markdown", "--output", str(report))
    assert rendered.returncode == 0, rendered.stderr
    return scanned.returncode, results, report


def test_critical_finding_exits_1(asyncapp_cli: tuple[int, Path, Path]) -> None:
    code, results, report = asyncapp_cli
    assert code == 1
    data = json.loads(results.read_text())
    assert data["schema_version"] == 1
    assert data["findings"][0]["rule_id"] == "RA101"
    assert "Verdict: NOT READY" in report.read_text()


def test_clean_fixture_exits_0(cleanapp: Path, tmp_path: Path) -> None:
    report = tmp_path / "clean.md"
    result = run_cli("scan", str(cleanapp), "--output", str(report))
    assert result.returncode == 0, result.stderr
    text = report.read_text()
    assert "**Verdict: READY.**" in text
    assert "PASSED (exit 0)" in text
    assert "Total line coverage **100%**" in text


def test_broken_mypy_config_is_incomplete_and_exits_2(tmp_path: Path) -> None:
    project = copy_fixture("cleanapp", tmp_path)
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace('"tests"]', '"tests", "no_such_module_for_riskaudit.py"]', 1))
    report = tmp_path / "report.md"
    result = run_cli("scan", str(project), "--output", str(report))
    assert result.returncode == 2
    text = report.read_text()
    assert "**Verdict: INCOMPLETE.**" in text
    assert "**mypy**" in text and "- mypy failed (see [Tools](#tools))" in text
    (row,) = [line for line in text.splitlines() if line.startswith("| mypy | FAILED |")]
    assert "no_such_module_for_riskaudit.py: error: Cannot read file" in row  # the reason, once, in Tools
    assert "INCOMPLETE" in result.stderr


def test_a_crashing_mypy_plugin_is_told_by_its_cause_and_verbose_shows_the_traceback(tmp_path: Path) -> None:
    project = copy_fixture("cleanapp", tmp_path)
    (project / "crashplugin.py").write_text(
        'def plugin(version):\n    raise RuntimeError("plugin exploded on purpose")\n', encoding="utf-8"
    )
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace("[tool.mypy]", '[tool.mypy]\nplugins = ["crashplugin.py"]', 1))
    plain = run_cli("scan", str(project), "--no-cache", "--output", str(tmp_path / "plain.md"))
    verbose = run_cli("scan", str(project), "--no-cache", "-v", "--output", str(tmp_path / "verbose.md"))
    assert plain.returncode == verbose.returncode == 2
    reason = "mypy crashed (INTERNAL ERROR): Error calling the plugin(version) entry point of crashplugin.py: " \
             "RuntimeError: plugin exploded on purpose"
    assert f"mypy failed: exit code 2: {reason}" in plain.stderr.splitlines()
    assert "Traceback (most recent call last):" not in plain.stderr
    shown = verbose.stderr.splitlines()
    start = shown.index("mypy's output:")
    assert "  Traceback (most recent call last):" in shown[start:]
    assert any(line.strip().endswith('crashplugin.py", line 2, in plugin') for line in shown[start:])
    assert "  error: INTERNAL ERROR -- Please try using mypy master on GitHub:" in shown[start:]


def test_a_plugin_the_environment_lacks_is_left_out_and_reported(tmp_path: Path) -> None:
    project = copy_fixture("cleanapp", tmp_path)
    config = project / "pyproject.toml"
    config.write_text(
        config.read_text().replace("[tool.mypy]", '[tool.mypy]\nplugins = ["no_such_plugin_for_riskaudit"]', 1)
    )
    report = tmp_path / "report.md"
    result = run_cli("scan", str(project), "--output", str(report))
    assert result.returncode == 0, result.stderr
    text = report.read_text()
    assert "| mypy | OK |" in text
    section = text.split("## Environment", 1)[1].split("\n## ", 1)[0]
    assert "**missing-plugin** `no_such_plugin_for_riskaudit`" in section


def test_fail_on_thresholds(asyncapp: Path, tmp_path: Path) -> None:
    never = run_cli("scan", str(asyncapp), "--fail-on", "none", "--format", "json", "--output", str(tmp_path / "a"))
    assert never.returncode == 0
    out = str(tmp_path / "b")
    only_ann = run_cli(
        "scan", str(asyncapp), "--select", "RA201", "--fail-on", "low", "--format", "json", "--output", out
    )
    assert only_ann.returncode == 1
    data = json.loads((tmp_path / "b").read_text())
    assert {f["rule_id"] for f in data["findings"]} == {"RA201"}
    assert data["deselected"] > 0


def test_ignore_drops_rules(asyncapp: Path, tmp_path: Path) -> None:
    result = run_cli(
        "scan", str(asyncapp), "--ignore", "RA101,RA2", "--format", "json", "--output", str(tmp_path / "r.json")
    )
    data = json.loads((tmp_path / "r.json").read_text())
    rules = {f["rule_id"] for f in data["findings"]}
    assert "RA101" not in rules and not any(r.startswith("RA2") for r in rules)
    assert "RA102" in rules
    assert result.returncode == 0  # nothing critical is left


def test_unknown_select_value_is_a_usage_error(cleanapp: Path) -> None:
    result = run_cli("scan", str(cleanapp), "--select", "XX9")
    assert result.returncode == 2
    assert "XX9" in result.stderr and "Traceback" not in result.stderr


def test_json_to_stdout(cleanapp: Path) -> None:
    result = run_cli("scan", str(cleanapp), "--format", "json", "--output", "-")
    assert result.returncode == 0
    assert json.loads(result.stdout)["meta"]["target"] == "cleanapp"


def test_missing_path_is_one_line_error(tmp_path: Path) -> None:
    result = run_cli("scan", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_project_is_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("no python here")
    result = run_cli("scan", str(tmp_path))
    assert result.returncode == 2
    assert "nothing to analyse" in result.stderr


def test_default_output_lands_in_cwd(cleanapp: Path, tmp_path: Path) -> None:
    result = run_cli("scan", str(cleanapp), cwd=tmp_path)
    assert result.returncode == 0
    assert (tmp_path / "riskaudit-report.md").read_text().startswith("# Risk analysis of cleanapp")
    assert "Report: riskaudit-report.md" in result.stderr


def test_render_rejects_bad_results(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 99}')
    result = run_cli("render", str(bad), "--output", str(tmp_path / "x.md"))
    assert result.returncode == 2
    assert "schema version" in result.stderr and str(bad) in result.stderr
    assert not (tmp_path / "x.md").exists()


def test_render_matches_in_process_rendering(asyncapp_cli: tuple[int, Path, Path]) -> None:
    from riskaudit.report.render import render_markdown
    from riskaudit.serialise import loads

    _, results, report = asyncapp_cli
    assert report.read_text() == render_markdown(loads(results.read_text()))


def test_rules_lists_the_catalogue() -> None:
    result = run_cli("rules")
    assert result.returncode == 0
    for rule_id in default_catalogue().rules:
        assert rule_id in result.stdout


@pytest.mark.parametrize("name", ["RA101", "ra101", "missing-await"])
def test_explain_shows_problem_risk_and_example(name: str) -> None:
    result = run_cli("explain", name)
    assert result.returncode == 0
    doc = default_catalogue().get("RA101").doc
    flat = " ".join(result.stdout.split())
    assert " ".join(doc.problem.split())[:60] in flat
    assert "Problem" in result.stdout and "Risk" in result.stdout and "Example" in result.stdout
    assert "mypy unused-coroutine" in result.stdout


@pytest.mark.parametrize("rule_id", list(default_catalogue().rules))
def test_explain_prints_the_example_as_written(rule_id: str) -> None:
    from typer.testing import CliRunner

    from riskaudit.cli import app

    result = CliRunner().invoke(app, ["explain", rule_id], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    doc = default_catalogue().get(rule_id).doc
    shown = result.output.split("\nExample\n", 1)[1].split("\n\nReported for\n", 1)[0]
    assert shown == doc.example
    assert shown.splitlines()[0].strip() and shown.splitlines()[-1].strip()


def test_explain_unknown_rule() -> None:
    result = run_cli("explain", "RA999")
    assert result.returncode == 2
    assert "RA999" in result.stderr


def test_same_input_same_bytes(cleanapp: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    for out in (first, second):
        run_cli("scan", str(cleanapp), "--format", "markdown", "--output", str(out), env=PINNED)
    assert "2026-01-01T00:00:00Z" in first.read_text()
    strip = [line for line in first.read_text().splitlines() if not line.startswith("| ")]
    assert strip == [line for line in second.read_text().splitlines() if not line.startswith("| ")]


def test_help_explains_exit_codes() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "Exit codes" in result.stdout
    scan_help = run_cli("scan", "--help")
    assert "--fail-on" in scan_help.stdout and "--coverage-file" in scan_help.stdout
