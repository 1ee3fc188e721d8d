"""GitHub Actions annotations: escaping, one line per finding, failed tools, and the command line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from riskaudit.models import Finding, Severity, ToolRun, ToolStatus
from riskaudit.report.github import annotation, command, escape_data, escape_property, render_github
from riskaudit.results import ScanResult
from riskaudit.serialise import dumps
from support import run_cli


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", "plain text"),
        ("50% covered", "50%25 covered"),
        ("first\nsecond", "first%0Asecond"),
        ("dos\r\nline", "dos%0D%0Aline"),
        ("%0A is literal", "%250A is literal"),
        ("a: b, c", "a: b, c"),
        ("::error::injected", "::error::injected"),
    ],
)
def test_escape_data(text: str, expected: str) -> None:
    assert escape_data(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app/db.py", "app/db.py"),
        ("odd:dir name/a,b.py", "odd%3Adir name/a%2Cb.py"),
        ("RA101 missing-await", "RA101 missing-await"),
        ("riskaudit: mypy failed", "riskaudit%3A mypy failed"),
        ("100%\nnext", "100%25%0Anext"),
    ],
)
def test_escape_property(text: str, expected: str) -> None:
    assert escape_property(text) == expected


def test_command_line_shape() -> None:
    assert command("warning", "msg") == "::warning::msg"
    assert command("error", "a\nb", [("file", "x,y.py"), ("line", "3")]) == "::error file=x%2Cy.py,line=3::a%0Ab"


def _finding(path: str | None, line: int | None, severity: Severity = Severity.CRITICAL) -> Finding:
    return Finding("RA101", severity, path, line, "Value must be used\n(missing await?) 100%", ("mypy:x",))


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        (
            _finding("app/db.py", 74),
            "::error file=app/db.py,line=74,title=RA101 missing-await::Value must be used%0A(missing await?) 100%25",
        ),
        (_finding("app/db.py", None, Severity.MEDIUM), "::warning file=app/db.py,title=RA101 missing-await::"),
        (_finding(None, None, Severity.LOW), "::notice title=RA101 missing-await::"),
        (_finding("app/x.py", 1, Severity.INFO), "::notice file=app/x.py,line=1,title=RA101 missing-await::"),
        (_finding("app/x.py", 1, Severity.HIGH), "::error file=app/x.py,line=1,title=RA101 missing-await::"),
    ],
)
def test_annotation(finding: Finding, expected: str) -> None:
    assert annotation(finding, "missing-await", ".").startswith(expected)


def test_annotation_paths_follow_the_scanned_folder() -> None:
    line = annotation(_finding("app/db.py", 1), "missing-await", "backend")
    assert line.startswith("::error file=backend/app/db.py,")


def test_render_asyncapp(asyncapp_result: ScanResult) -> None:
    text = render_github(asyncapp_result)
    lines = text.splitlines()
    assert text.endswith("\n") and len(lines) == len(asyncapp_result.findings)
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    first = asyncapp_result.findings[0]
    assert first.column
    assert lines[0].startswith(
        f"::error file={first.path},line={first.line},col={first.column},title=RA101 missing-await::"
    )
    project = next(line for line in lines if "title=RA302 " in line)
    assert "file=" not in project


def test_failed_and_skipped_tools_come_first(asyncapp_result: ScanResult) -> None:
    runs = (
        ToolRun("mypy", ToolStatus.FAILED, reason="exit code 2:\nplugin missing"),
        ToolRun("coverage", ToolStatus.SKIPPED, reason="no coverage data"),
    )
    lines = render_github(dataclasses.replace(asyncapp_result, runs=runs)).splitlines()
    assert lines[0] == "::error title=riskaudit%3A mypy failed::exit code 2:%0Aplugin missing"
    assert lines[1] == "::notice title=riskaudit%3A coverage skipped::no coverage data"
    assert len(lines) == len(asyncapp_result.findings) + 2


def test_scan_prints_annotations_and_gates(asyncapp: Path) -> None:
    result = run_cli("scan", str(asyncapp), "--format", "github", "--output", "-")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("::") for line in lines)
    assert any(line.startswith("::error ") and "title=RA101 missing-await" in line for line in lines)


def test_render_writes_riskaudit_report_txt_by_default(asyncapp_result: ScanResult, tmp_path: Path) -> None:
    saved = tmp_path / "results.json"
    saved.write_text(dumps(asyncapp_result))
    result = run_cli("render", str(saved), "--format", "github", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Report: riskaudit-report.txt" in result.stderr
    assert (tmp_path / "riskaudit-report.txt").read_text() == render_github(asyncapp_result)
