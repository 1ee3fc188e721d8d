"""Coverage data checked against the scanned tree: another project's data, or stale lines, never pass as measured."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from riskaudit.collectors import coverage
from riskaudit.collectors.coverage import fitting_files, matched_total
from riskaudit.discovery import load_target
from riskaudit.layers import LayerMap
from riskaudit.models import CoverageData, FileCoverage, ToolRun, ToolStatus
from riskaudit.sources import build_index

SOURCE = "def f(x):\n    if x:\n        return 1\n    return 2\n"
"""A 4-line module."""


def _json_report(files: dict[str, tuple[list[int], list[int]]], percent: float) -> str:
    """A coverage.py JSON report: (executed, missing) lines per file, with the totals given."""
    entries = {
        name: {
            "executed_lines": executed,
            "missing_lines": missing,
            "summary": {
                "num_statements": len(executed) + len(missing),
                "percent_covered": 100.0 * len(executed) / max(1, len(executed) + len(missing)),
                "percent_covered_display": "x",
            },
        }
        for name, (executed, missing) in files.items()
    }
    totals = {"percent_covered": percent, "percent_covered_display": str(round(percent))}
    return json.dumps({"files": entries, "totals": totals})


def _collect(tmp_path: Path, report: str) -> tuple[ToolRun, CoverageData | None]:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "app" / "logic.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "coverage.json").write_text(report, encoding="utf-8")
    target = load_target(tmp_path, sys.executable)
    lines = {path: len(source.lines) for path, source in build_index(target.root, target.source_paths).files.items()}
    return coverage.collect(target, tmp_path / "coverage.json", LayerMap(()), 80.0, 60.0, lines)


def test_data_of_another_project_is_not_measured(tmp_path: Path) -> None:
    run, data = _collect(tmp_path, _json_report({"other/pkg/core.py": ([1, 2, 3], [])}, 97.0))
    assert run.status is ToolStatus.SKIPPED and data is None
    assert run.reason.startswith("not measured: none of the 1 file(s) in coverage.json is in the scanned tree")


def test_stale_lines_are_left_out_and_the_total_is_of_the_matched_files(tmp_path: Path) -> None:
    report = _json_report({"app/logic.py": ([1, 2, 4], [3]), "app/__init__.py": ([900], [])}, 100.0)
    run, data = _collect(tmp_path, report)
    assert run.status is ToolStatus.OK and data is not None
    assert [f.path for f in data.files] == ["app/logic.py"]
    assert data.display == "75" and data.unmatched == ("app/__init__.py",)
    assert "have data for lines they do not have (stale data?): app/__init__.py" in run.reason
    assert any(f.code == "total-low" for f in run.findings)


def test_data_that_fits_keeps_coverage_py_totals(tmp_path: Path) -> None:
    run, data = _collect(tmp_path, _json_report({"app/logic.py": ([1, 2, 4], [3])}, 75.0))
    assert run.status is ToolStatus.OK and run.reason == "" and data is not None and data.display == "75"


@pytest.mark.parametrize(("last", "fits"), [(4, True), (5, False), (900, False)])
def test_a_file_fits_when_no_line_lies_past_its_end(last: int, fits: bool) -> None:
    entry = FileCoverage("app/a.py", 2, (last,), 50.0, "50", executed=(1,))
    kept, unfit = fitting_files([entry], {"app/a.py": 4})
    assert (kept == (entry,), unfit == ("app/a.py",)) == (fits, not fits)


def test_matched_total_counts_statements() -> None:
    files = [FileCoverage("a.py", 4, (3,), 75.0, "75"), FileCoverage("b.py", 0, (), 100.0, "100")]
    assert matched_total(files) == (75.0, "75")
    assert matched_total([]) == (100.0, "100")
