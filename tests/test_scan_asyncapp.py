"""End to end on the async SQLAlchemy fixture: real tools, planted defects, rule ids and lines."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from riskaudit.models import Severity, ToolStatus
from riskaudit.report.render import render_markdown
from riskaudit.results import ScanResult
from riskaudit.serialise import dumps, loads
from support import marker_lines

# (marker in the fixture, file, rule the finding must map onto, tool source)
PLANTED = [
    ("missing-await", "app/db/session.py", "RA101", "mypy:unused-coroutine"),
    ("hasattr-narrowing", "app/repositories/base.py", "RA102", "mypy:attr-defined"),
    ("variable-reuse", "app/repositories/base.py", "RA106", "mypy:assignment"),
    ("pool-internals", "app/db/session.py", "RA103", "mypy:attr-defined"),
    ("arg-type", "app/db/session.py", "RA108", "mypy:arg-type"),
    ("complex-function", "app/services/report.py", "RA401", "radon:cc-C"),
    ("complex-function", "app/services/report.py", "RA401", "flake8:C901"),
    ("missing-annotations", "app/db/session.py", "RA201", "flake8:ANN001"),
]


@pytest.mark.parametrize(("marker", "path", "rule_id", "source"), PLANTED)
def test_planted_defect_is_found_at_its_line(
    asyncapp: Path, asyncapp_result: ScanResult, marker: str, path: str, rule_id: str, source: str
) -> None:
    lines = marker_lines(asyncapp / path, marker)
    assert lines, f"fixture lost its '# defect: {marker}' marker"
    for line in lines:
        hits = [f for f in asyncapp_result.findings if f.path == path and f.line == line and f.rule_id == rule_id]
        assert hits, f"no {rule_id} at {path}:{line}"
        assert any(source in f.sources for f in hits)


def test_sqlalchemy_comparison_idiom_is_downgraded(asyncapp: Path, asyncapp_result: ScanResult) -> None:
    (line,) = marker_lines(asyncapp / "app/repositories/base.py", "hasattr-narrowing")
    (finding,) = [f for f in asyncapp_result.findings if "flake8:E712" in f.sources]
    assert (finding.rule_id, finding.line, finding.severity) == ("RA214", line, Severity.INFO)


def test_all_tools_ran(asyncapp_result: ScanResult) -> None:
    statuses = {run.name: run.status for run in asyncapp_result.runs}
    tools = ("flake8", "mypy", "radon", "coverage", "riskaudit", "analysis")
    assert statuses == {name: ToolStatus.OK for name in tools}
    assert all(run.version for run in asyncapp_result.runs)


def test_missing_await_is_one_finding_from_mypy_and_the_detector(asyncapp: Path, asyncapp_result: ScanResult) -> None:
    (line,) = marker_lines(asyncapp / "app/db/session.py", "missing-await")
    (finding,) = [f for f in asyncapp_result.findings if f.rule_id == "RA101"]
    assert finding.line == line
    assert finding.sources == ("mypy:unused-coroutine", "riskaudit:missing-await")


def test_variable_reuse_is_one_finding_from_mypy_and_the_detector(asyncapp: Path, asyncapp_result: ScanResult) -> None:
    (line,) = marker_lines(asyncapp / "app/repositories/base.py", "variable-reuse")
    (finding,) = [f for f in asyncapp_result.findings if f.line == line and f.path == "app/repositories/base.py"]
    assert finding.rule_id == "RA106"
    assert finding.sources == ("mypy:assignment", "riskaudit:variable-reuse")


def test_complex_function_and_radon_agree_in_one_finding(asyncapp: Path, asyncapp_result: ScanResult) -> None:
    (line,) = marker_lines(asyncapp / "app/services/report.py", "complex-function")
    (finding,) = [f for f in asyncapp_result.findings if f.rule_id == "RA401" and f.line == line]
    assert finding.sources == ("flake8:C901", "radon:cc-C")
    assert finding.symbol == "summarize"
    assert finding.complexity is not None and finding.complexity >= 12


def test_hasattr_variant_only_applies_inside_the_guard(asyncapp_result: ScanResult) -> None:
    attr_defined = [f for f in asyncapp_result.findings if "mypy:attr-defined" in f.sources]
    by_rule = Counter(f.rule_id for f in attr_defined)
    assert by_rule == {"RA102": 1, "RA103": 4}


def test_low_coverage_repository_is_a_critical_layer_finding(asyncapp_result: ScanResult) -> None:
    (finding,) = [f for f in asyncapp_result.findings if f.rule_id == "RA301" and f.path == "app/repositories/user.py"]
    assert finding.severity is Severity.HIGH
    assert finding.line is None
    assert finding.critical_layer


def test_missing_await_ranks_above_every_annotation_and_docstring_finding(asyncapp_result: ScanResult) -> None:
    ranked = list(asyncapp_result.findings)
    await_rank = next(i for i, f in enumerate(ranked) if f.rule_id == "RA101")
    noise = [i for i, f in enumerate(ranked) if f.rule_id in {"RA201", "RA203", "RA204", "RA114"}]
    assert noise, "the fixture should have annotation/docstring findings"
    assert await_rank < min(noise)
    assert ranked[0].rule_id == "RA101"


def test_mypy_findings_equal_a_direct_mypy_run(asyncapp: Path, asyncapp_result: ScanResult) -> None:
    direct = subprocess.run(
        [sys.executable, "-m", "mypy", "--output", "json"], cwd=asyncapp, capture_output=True, text=True, timeout=600
    )
    assert direct.returncode == 1, direct.stderr
    expected = Counter()
    for line in direct.stdout.splitlines():
        item = json.loads(line)
        if item["severity"] != "note":
            expected[(item["file"], item["line"], item["code"])] += 1
    reported = Counter(
        (f.path, f.line, source.split(":", 1)[1])
        for f in asyncapp_result.findings
        for source in f.sources
        if source.startswith("mypy:")
    )
    assert reported == expected
    assert sum(expected.values()) == len(asyncapp_result.run("mypy").findings)  # type: ignore[union-attr]


def test_coverage_numbers_equal_coverage_py(asyncapp: Path, asyncapp_result: ScanResult, tmp_path: Path) -> None:
    out = tmp_path / "direct.json"
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", "-o", str(out), "-q"], cwd=asyncapp, check=True, timeout=600
    )
    direct = json.loads(out.read_text())
    assert asyncapp_result.coverage is not None
    ours = {f.path: (f.display, len(f.missing), f.statements) for f in asyncapp_result.coverage.files}
    theirs = {
        path: (
            entry["summary"]["percent_covered_display"],
            entry["summary"]["missing_lines"],
            entry["summary"]["num_statements"],
        )
        for path, entry in direct["files"].items()
    }
    assert ours == theirs
    assert asyncapp_result.coverage.display == direct["totals"]["percent_covered_display"]


def test_markdown_report_reads_like_the_exemplar(asyncapp_result: ScanResult) -> None:
    report = render_markdown(asyncapp_result)
    sections = [
        "**Verdict: NOT READY.**",
        "## 1. Ranked risks in production code",
        "### 1.1 Coroutine called without await: CRITICAL (RA101)",
        "## 2. Test code and support code",
        "## 3. Test coverage analysis",
        "## 4. Complexity (radon)",
        "## 5. What each tool reported",
        "### 5.1 flake8",
        "### 5.2 mypy",
        "## 6. Recommendations",
        "## 7. Conclusion",
        "## Appendix: findings by rule",
        "How findings are ranked: risk = severity weight",
    ]
    positions = [report.index(section) for section in sections]
    assert positions == sorted(positions)
    first = report[report.index("### 1.1") : report.index("### 1.2")]
    assert "`app/db/session.py:74`" in first and "mypy:unused-coroutine, riskaudit:missing-await" in first
    assert "**The problem**" in first and "**Risk**" in first
    assert "app/repositories/user.py" in report[report.index("## 3.") : report.index("## 4.")]


def test_each_finding_is_shown_once_with_its_excerpt(asyncapp_result: ScanResult) -> None:
    report = render_markdown(asyncapp_result)
    (missing_await,) = [f for f in asyncapp_result.findings if f.rule_id == "RA101"]
    flagged = next(line for line in missing_await.excerpt if line.highlight)
    assert report.count(f">{flagged.number:5d} | {flagged.text}") == 1
    assert report.count(f"`{missing_await.location}`") == 1


def test_every_finding_cites_its_location_in_the_report(asyncapp_result: ScanResult) -> None:
    report = render_markdown(asyncapp_result)
    for finding in asyncapp_result.findings:
        if finding.severity.at_least(Severity.MEDIUM):
            assert finding.location in report, finding


def test_json_results_reproduce_the_same_report(asyncapp_result: ScanResult) -> None:
    restored = loads(dumps(asyncapp_result))
    assert restored == asyncapp_result
    assert render_markdown(restored) == render_markdown(asyncapp_result)


def test_excerpt_highlights_the_flagged_line(asyncapp_result: ScanResult) -> None:
    (finding,) = [f for f in asyncapp_result.findings if f.rule_id == "RA101"]
    highlighted = [line for line in finding.excerpt if line.highlight]
    assert len(highlighted) == 1 and highlighted[0].number == finding.line
    assert "defect: missing-await" in highlighted[0].text
