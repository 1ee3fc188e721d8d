"""End to end on code mypy does not check: riskaudit's own detectors find what mypy stays silent on.

The ``untypedapp`` fixture has unannotated functions (mypy skips their bodies) and an
``ignore_errors`` module. Every planted defect carries ``# defect: <code>`` on the reported line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import copy_fixture, marker_lines

from riskaudit.catalogue import default_catalogue
from riskaudit.models import ToolStatus
from riskaudit.options import ScanOptions
from riskaudit.results import ScanResult
from riskaudit.scan import scan

# (detector code = marker in the fixture, file, rule the finding must map onto)
PLANTED = [
    ("hasattr-narrowing", "untyped/repository.py", "RA102"),
    ("library-internals", "untyped/db.py", "RA103"),
    # delete() then update(): SQL statement kinds, so the finding joins mypy's RA106 rule
    ("variable-reuse", "untyped/legacy.py", "RA106"),
    ("missing-await", "untyped/legacy.py", "RA101"),
]
CODES = sorted({code for code, _, _ in PLANTED})


@pytest.fixture(scope="module")
def untypedapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the fixture."""
    return copy_fixture("untypedapp", tmp_path_factory.mktemp("untypedapp"))


@pytest.fixture(scope="module")
def result(untypedapp: Path) -> ScanResult:
    """One in-process scan of the fixture, shared by every test here."""
    return scan(untypedapp, ScanOptions(python=sys.executable), default_catalogue())


def _planted(project: Path) -> dict[tuple[str, str], list[int]]:
    """Marked lines by (code, file)."""
    return {(code, path): marker_lines(project / path, code) for code, path, _ in PLANTED}


def test_mypy_and_the_detectors_ran(result: ScanResult) -> None:
    mypy, detectors = result.run("mypy"), result.run("riskaudit")
    assert mypy is not None and mypy.status is ToolStatus.OK, mypy
    assert detectors is not None and detectors.status is ToolStatus.OK, detectors


@pytest.mark.parametrize(("code", "path", "rule_id"), PLANTED)
def test_planted_defect_is_found_by_the_detector_alone(
    untypedapp: Path, result: ScanResult, code: str, path: str, rule_id: str
) -> None:
    lines = marker_lines(untypedapp / path, code)
    assert lines, f"fixture lost its '# defect: {code}' marker"
    for line in lines:
        hits = [f for f in result.findings if f.path == path and f.line == line and f.rule_id == rule_id]
        assert len(hits) == 1, f"expected one {rule_id} at {path}:{line}, got {hits}"
        (finding,) = hits
        assert finding.sources == (f"riskaudit:{code}",), finding.sources


@pytest.mark.parametrize(("code", "path", "rule_id"), PLANTED)
def test_mypy_is_silent_on_every_planted_line(
    untypedapp: Path, result: ScanResult, code: str, path: str, rule_id: str
) -> None:
    mypy = result.run("mypy")
    assert mypy is not None
    lines = set(marker_lines(untypedapp / path, code))
    assert [f for f in mypy.findings if f.path == path and f.line in lines] == []


def test_no_detector_finding_lands_on_an_unmarked_line(untypedapp: Path, result: ScanResult) -> None:
    planted = _planted(untypedapp)
    for finding in result.findings:
        for source in finding.sources:
            tool, _, code = source.partition(":")
            if tool != "riskaudit" or code not in CODES:
                continue
            marked = {line for (c, _), lines in planted.items() if c == code for line in lines}
            files = {p for (c, p) in planted if c == code}
            assert finding.path in files and finding.line in marked, f"{source} at {finding.location}"


def test_every_planted_defect_is_one_finding(untypedapp: Path, result: ScanResult) -> None:
    planted = _planted(untypedapp)
    ours = [f for f in result.findings if any(s.removeprefix("riskaudit:") in CODES for s in f.sources)]
    assert len(ours) == sum(len(lines) for lines in planted.values())
