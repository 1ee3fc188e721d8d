"""Coverage-aware risk on real coverage data: per-function exposure, untested error paths, --run-tests."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from support import copy_fixture, marker_lines, run_cli, run_project_tests

from riskaudit.catalogue import default_catalogue
from riskaudit.layers import DEFAULT_LAYERS
from riskaudit.models import Severity, ToolStatus
from riskaudit.options import ScanOptions
from riskaudit.report.render import render_markdown
from riskaudit.results import ScanResult
from riskaudit.scan import scan

ORDERS = "shop/repositories/orders.py"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The coverage fixture with real coverage data from its own (partial) tests."""
    project = copy_fixture("coverageapp", tmp_path_factory.mktemp("coverageapp"))
    assert run_project_tests(project).returncode == 0
    return project


@pytest.fixture(scope="module")
def shop_result(shop: Path) -> ScanResult:
    """One scan of the coverage fixture."""
    # the fixture's repository keeps orders in a dict: it is a data layer by name, as a project can configure it
    layers = tuple(replace(layer, names=frozenset({"repositories"})) if layer.name == "data access" else layer
                   for layer in DEFAULT_LAYERS)
    return scan(shop, ScanOptions(python=sys.executable, layers=layers), default_catalogue())


def _at(result: ScanResult, line: int, rule_id: str) -> list[object]:
    return [f for f in result.findings if f.path == ORDERS and f.line == line and f.rule_id == rule_id]


def test_untested_except_block_is_reported_at_its_line(shop: Path, shop_result: ScanResult) -> None:
    (line,) = marker_lines(shop / ORDERS, "untested-except")
    assert _at(shop_result, line, "RA303")


def test_untested_cleanup_function_is_reported(shop: Path, shop_result: ScanResult) -> None:
    (line,) = marker_lines(shop / ORDERS, "untested-cleanup")
    assert _at(shop_result, line, "RA304")


def test_defect_in_untested_code_ranks_above_the_same_defect_in_tested_code(
    shop: Path, shop_result: ScanResult
) -> None:
    (tested_line,) = marker_lines(shop / ORDERS, "tested-comparison")
    (untested_line,) = marker_lines(shop / ORDERS, "untested-comparison")
    ranked = [f for f in shop_result.findings if f.path == ORDERS and f.rule_id == "RA207"]
    by_line = {f.line: f for f in ranked}
    tested, untested = by_line[tested_line], by_line[untested_line]
    assert (tested.coverage, untested.coverage) == (100.0, 0.0)
    assert untested.risk > tested.risk
    assert shop_result.findings.index(untested) < shop_result.findings.index(tested)


def test_function_coverage_matches_the_lines_coverage_reports(shop_result: ScanResult) -> None:
    functions = {f.qualname: f for f in shop_result.function_coverage if f.path == ORDERS}
    assert functions["OrderRepository.find"].percent == 100.0
    assert functions["OrderRepository.find_archived"].percent == 0.0
    assert functions["OrderRepository.rollback"].statements == 1
    add = functions["OrderRepository.add"]
    assert 0.0 < add.percent < 100.0 and len(add.missing) == 3  # the except line and its body
    file_missing = next(f for f in shop_result.coverage.files if f.path == ORDERS).missing  # type: ignore[union-attr]
    assert set(file_missing) == {line for f in functions.values() for line in f.missing}


def test_report_has_the_coverage_analysis_sections(shop_result: ScanResult) -> None:
    report = render_markdown(shop_result)
    section = report[report.index("## 3. Test coverage analysis") : report.index("## 4.")]
    assert "of the data access layer is never executed by the tests" in section
    assert "| `shop/repositories/orders.py` | data access | 70% | 30 | 9 | " in section
    assert "#### OrderRepository" in section and "`find_archived`" in section
    assert "except block in OrderRepository.add never executed" in section


def _run_tests_scan(project: Path, out: Path) -> tuple[int, dict[str, object]]:
    result = run_cli("scan", str(project), "--run-tests", "--format", "json", "--output", str(out))
    return result.returncode, json.loads(out.read_text())


def test_run_tests_gives_the_same_numbers_as_coverage_by_hand(shop: Path, tmp_path: Path) -> None:
    project = copy_fixture("coverageapp", tmp_path)
    code, data = _run_tests_scan(project, tmp_path / "r.json")
    assert code in (0, 1)
    runs = {r["name"]: r for r in data["runs"]}  # type: ignore[index, union-attr]
    assert runs["pytest"]["status"] == "ok" and runs["coverage"]["status"] == "ok"
    assert not (project / ".coverage").exists(), "--run-tests must not overwrite the project's own data"
    by_hand = subprocess.run(
        [sys.executable, "-m", "coverage", "json", "-o", "-", "-q"],
        cwd=shop,
        capture_output=True,
        text=True,
        check=True,
    )
    expected = {p: e["summary"]["percent_covered_display"] for p, e in json.loads(by_hand.stdout)["files"].items()}
    got = {f["path"]: f["display"] for f in data["coverage"]["files"]}  # type: ignore[index]
    assert got == expected


def test_red_suite_is_a_critical_finding(tmp_path: Path) -> None:
    project = copy_fixture("coverageapp", tmp_path)
    (project / "tests" / "test_red.py").write_text(
        "def test_one_fails() -> None:\n    assert 1 == 2\n\n\ndef test_two_fails() -> None:\n    assert False\n"
    )
    code, data = _run_tests_scan(project, tmp_path / "r.json")
    assert code == 1
    (failing,) = [f for f in data["findings"] if f["rule_id"] == "RA306"]  # type: ignore[union-attr, index]
    assert failing["severity"] == Severity.CRITICAL.value
    assert "2 failed" in failing["message"] and "test_red.py::test_one_fails" in failing["message"]


def test_suite_that_cannot_start_makes_the_analysis_incomplete(tmp_path: Path) -> None:
    project = copy_fixture("coverageapp", tmp_path)
    (project / "tests" / "conftest.py").write_text("raise RuntimeError('the test environment is broken')\n")
    out = tmp_path / "r.md"
    result = run_cli("scan", str(project), "--run-tests", "--output", str(out))
    assert result.returncode == 2
    report = out.read_text()
    assert "**Verdict: INCOMPLETE.**" in report
    assert "pytest" in report and "could not run" in report
    assert ToolStatus.FAILED.value.upper() in report


def test_mocked_only_database_tests_count_as_untested(tmp_path: Path) -> None:
    project = copy_fixture("migrationapp", tmp_path)
    assert run_project_tests(project).returncode == 0
    strict = tuple(replace(layer, coverage_threshold=100.0) for layer in DEFAULT_LAYERS)
    result = scan(project, ScanOptions(python=sys.executable, layers=strict), default_catalogue())
    assert any(f.rule_id == "RA509" for f in result.findings)
    assert result.mocked_data_layer
    repository = [f for f in result.findings if f.path and "repositories/" in f.path]
    measured = {f.path for f in result.function_coverage if f.percent > 0 and "repositories/" in f.path}
    assert measured, "the mocked tests do execute repository code"
    assert repository and all(f.coverage == 0.0 for f in repository)
    assert "mock the database" in render_markdown(result)
