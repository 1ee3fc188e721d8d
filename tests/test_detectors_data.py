"""The data-integrity and concurrency detectors (RA501-RA503) on a fixture app, scanned once in-process."""

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

# (detector code = marker in the fixture, file, rule the finding maps onto)
PLANTED = [
    ("naive-datetime", "dataapp/models.py", "RA501"),
    ("naive-datetime", "dataapp/services.py", "RA501"),
    ("type-decorator", "dataapp/types.py", "RA502"),
    ("check-then-act-time", "dataapp/breaker.py", "RA503"),
    ("check-then-act-time", "dataapp/tokens.py", "RA503"),
]
CODES = {code for code, _, _ in PLANTED}
FILES = sorted({path for _, path, _ in PLANTED} | {"tests/test_services.py"})


@pytest.fixture(scope="module")
def dataapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the fixture app."""
    return copy_fixture("dataapp", tmp_path_factory.mktemp("dataapp"))


@pytest.fixture(scope="module")
def dataapp_result(dataapp: Path) -> ScanResult:
    """One in-process scan of the fixture app."""
    return scan(dataapp, ScanOptions(python=sys.executable), default_catalogue())


@pytest.mark.parametrize(("code", "path", "rule_id"), PLANTED)
def test_planted_defect_is_found_at_its_line(
    dataapp: Path, dataapp_result: ScanResult, code: str, path: str, rule_id: str
) -> None:
    lines = marker_lines(dataapp / path, code)
    assert lines, f"fixture lost its '# defect: {code}' markers"
    for line in lines:
        hits = [f for f in dataapp_result.findings if f.path == path and f.line == line and f.rule_id == rule_id]
        assert hits, f"no {rule_id} at {path}:{line}"
        assert any(f"riskaudit:{code}" in f.sources for f in hits)


def test_detectors_are_silent_on_unmarked_lines(dataapp: Path, dataapp_result: ScanResult) -> None:
    run = dataapp_result.run("riskaudit")
    assert run is not None and run.status is ToolStatus.OK, run
    ours = [f for f in run.findings if f.code in CODES]
    assert ours
    unexpected = [
        f"{f.path}:{f.line} {f.code}"
        for f in ours
        if f.path not in FILES or f.line not in marker_lines(dataapp / f.path, f.code)
    ]
    assert unexpected == []


def test_every_marker_has_exactly_its_own_code(dataapp: Path, dataapp_result: ScanResult) -> None:
    run = dataapp_result.run("riskaudit")
    assert run is not None
    found = {(f.path, f.line, f.code) for f in run.findings if f.code in CODES}
    planted = {(path, line, code) for code, path, _ in PLANTED for line in marker_lines(dataapp / path, code)}
    assert found == planted


def test_test_code_is_not_scanned_for_naive_datetimes(dataapp_result: ScanResult) -> None:
    assert not [f for f in dataapp_result.findings if f.path == "tests/test_services.py" and f.rule_id == "RA501"]


def test_rules_carry_their_documentation(dataapp_result: ScanResult) -> None:
    documented = dataapp_result.rules
    assert {"RA501", "RA502", "RA503"} <= set(documented)
    assert documented["RA501"].category == "data-integrity"
    assert documented["RA502"].category == "data-integrity"
    assert documented["RA503"].category == "concurrency"
    assert all(documented[rule_id].example for rule_id in ("RA501", "RA502", "RA503"))
