"""The terminal summary at 80 columns: unbroken ``path:line:col`` lines, "N of M", excerpts, the gate line last."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from support import CliRun, run_cli

from riskaudit.models import ExcerptLine, Finding, Severity, ToolStatus
from riskaudit.report.terminal import GateLine, clip, excerpt_text, gate_line, shown_count, source_lines
from riskaudit.results import ScanResult

FINDING_LINE = re.compile(r"^(?P<where>\S+): (?P<rule>RA\d{3}) (?P<severity>[a-z]+) ")


@pytest.fixture(scope="module")
def summary(asyncapp: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, dict[str, object]]:
    """One CLI scan of the async fixture at 80 columns with ``--show-source``, and its JSON results."""
    results = tmp_path_factory.mktemp("terminal") / "results.json"
    run = run_cli(
        "scan", str(asyncapp), "--format", "json", "--output", str(results), "--show-source",
        env={"COLUMNS": "80", "TERM": "xterm"},
    )
    data = json.loads(results.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return run, data


def _finding_lines(stderr: str) -> list[re.Match[str]]:
    return [match for line in stderr.splitlines() if (match := FINDING_LINE.match(line))]


def test_each_listed_finding_is_one_unbroken_line_with_its_column(summary: tuple[CliRun, dict[str, object]]) -> None:
    run, data = summary
    findings = data["findings"]
    assert isinstance(findings, list)
    listed = _finding_lines(run.stderr)
    assert len(listed) == 8, run.stderr
    for match, finding in zip(listed, findings, strict=False):
        line = f":{finding['line']}" if finding["line"] else ""
        column = f":{finding['column']}" if finding.get("column") else ""
        assert match["where"] == f"{finding['path'] or '(project)'}{line}{column}"
        assert (match["rule"], match["severity"]) == (finding["rule_id"], finding["severity"])
    assert re.fullmatch(r"\S+\.py:\d+:\d+", listed[0]["where"])  # line and column


def test_the_summary_says_how_many_are_shown(summary: tuple[CliRun, dict[str, object]]) -> None:
    run, data = summary
    findings = data["findings"]
    assert isinstance(findings, list) and len(findings) > 8
    assert f"Top 8 of {len(findings)} findings (the report lists them all):" in run.stderr.splitlines()


def test_the_gate_line_comes_last_with_the_exit_code(summary: tuple[CliRun, dict[str, object]]) -> None:
    run, _ = summary
    assert run.returncode == 1
    assert run.stderr.splitlines()[-1] == (
        "Gate: FAILED - 1 finding(s) at or above critical (--fail-on critical); exit 1"
    )


def test_show_source_prints_the_flagged_line(summary: tuple[CliRun, dict[str, object]], asyncapp: Path) -> None:
    run, data = summary
    first = data["findings"][0]  # type: ignore[index]
    lines = run.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{first['path']}:{first['line']}:"))
    code = (asyncapp / first["path"]).read_text(encoding="utf-8").splitlines()[first["line"] - 1]
    marked = [line for line in lines[start + 1 : start + 12] if line.startswith("  > ")]
    assert marked[0] == f"  > {first['line']} | {code}"


def test_long_messages_end_in_an_ellipsis() -> None:
    assert clip("x" * 100) == "x" * 100
    assert clip("x" * 101) == "x" * 97 + "..."
    assert clip("first line\nsecond") == "first line..."
    assert clip("short") == "short"


def test_shown_count_wording() -> None:
    assert shown_count(8, 22) == "Top 8 of 22 findings (the report lists them all):"
    assert shown_count(1, 1) == "1 finding:"
    assert shown_count(3, 3) == "3 findings:"


def test_excerpts_drop_trailing_blank_lines_and_mark_the_line() -> None:
    lines = (ExcerptLine(9, "def f():", False), ExcerptLine(10, "\treturn 1", True), ExcerptLine(11, "", False))
    assert excerpt_text(lines) == ["     9 | def f():", "  > 10 |     return 1"]


def test_source_lines_read_a_low_finding_from_the_tree_and_never_outside_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("a = 1\nb = 2\n", encoding="utf-8")
    finding = Finding("RA201", Severity.LOW, "app.py", 2, "m", ("flake8:ANN001",))
    assert source_lines(finding, tmp_path) == (ExcerptLine(2, "b = 2", True),)
    assert source_lines(dataclasses.replace(finding, path="../outside.py"), tmp_path / "sub") == ()
    assert source_lines(dataclasses.replace(finding, line=None), tmp_path) == ()
    assert source_lines(finding, None) == ()


def _gate(result: ScanResult, **meta: object) -> str:
    return gate_line(dataclasses.replace(result, meta=dataclasses.replace(result.meta, **meta))).text


def test_gate_line_follows_the_threshold(asyncapp_result: ScanResult) -> None:
    assert _gate(asyncapp_result, fail_on="none") == "Gate: PASSED - --fail-on none: findings never fail it; exit 0"
    high = sum(f.severity.at_least(Severity.HIGH) for f in asyncapp_result.findings)
    assert _gate(asyncapp_result, fail_on="high") == (
        f"Gate: FAILED - {high} finding(s) at or above high (--fail-on high); exit 1"
    )


def test_gate_line_counts_new_findings_and_says_baselined_ones_remain(asyncapp_result: ScanResult) -> None:
    known = tuple(dataclasses.replace(f, new=False) for f in asyncapp_result.findings)
    assert asyncapp_result.baseline is None
    accepted = dataclasses.replace(asyncapp_result, findings=known)
    text = gate_line(accepted).text
    assert text.startswith("Gate: PASSED - no finding at or above critical")
    assert f"; {len(known)} baselined finding(s) remain; exit 0" in text


def test_gate_line_of_an_incomplete_run(asyncapp_result: ScanResult) -> None:
    failed = tuple(
        dataclasses.replace(run, status=ToolStatus.FAILED, reason="boom") if run.name == "mypy" else run
        for run in asyncapp_result.runs
    )
    broken = dataclasses.replace(asyncapp_result, runs=failed)
    assert broken.is_incomplete
    assert gate_line(broken) == GateLine(
        "INCOMPLETE", "Gate: INCOMPLETE - the analysis is incomplete (see above), so it cannot pass; exit 2"
    )


def _on_a_terminal(*args: str) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal (rich's live display then redirects stderr), read all of it."""
    primary, secondary = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskaudit", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=secondary,
        env={**os.environ, "COLUMNS": "80", "TERM": "xterm"},
    )
    os.close(secondary)
    seen = b""
    try:
        while True:
            ready, _, _ = select.select([primary], [], [], 600)
            if not ready:  # nothing for ten minutes: the scan hangs
                proc.kill()
                break
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(primary)
    return proc.wait(timeout=600), seen.decode("utf-8", errors="replace")


def test_a_scan_on_a_terminal_ends_with_its_summary(cleanapp: Path, tmp_path: Path) -> None:
    code, shown = _on_a_terminal("scan", str(cleanapp), "--no-cache", "--output", str(tmp_path / "r.md"))
    assert code == 0, shown
    assert "Gate: PASSED - no finding at or above critical (--fail-on critical); exit 0" in shown
    assert (tmp_path / "r.md").is_file()
