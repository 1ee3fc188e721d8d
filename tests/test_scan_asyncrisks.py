"""End to end on untyped async code: coroutine misuse, event-loop risks and data-layer slips riskaudit finds alone.

The ``asyncrisks`` fixture is modelled on shapes seen in real services: a repository attribute typed by the
constructor's annotation, methods inherited from a base repository, a session taken from an
``async_sessionmaker`` factory, a repository method awaited in one caller and not in another, a coroutine
tested with ``if``. Its functions are unannotated, so mypy does not check their bodies. Every planted
defect carries ``# defect: <code>`` on the line it must be reported on.
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

RULES = {
    "missing-await": "RA101",
    "coroutine-misused": "RA119",
    "dangling-task": "RA511",
    "cancellation-swallowed": "RA512",
    "blocking-call": "RA513",
    "default-evaluated-once": "RA514",
    "statement-not-executed": "RA515",
}
FILES = ("shop/models.py", "shop/repository.py", "shop/service.py", "shop/db.py")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the fixture."""
    return copy_fixture("asyncrisks", tmp_path_factory.mktemp("asyncrisks"))


@pytest.fixture(scope="module")
def result(project: Path) -> ScanResult:
    """One in-process scan of the fixture, shared by every test here."""
    return scan(project, ScanOptions(python=sys.executable), default_catalogue())


def _planted(project: Path) -> set[tuple[str, str, int]]:
    """(code, file, line) of every marked defect."""
    return {(code, path, line) for code in RULES for path in FILES for line in marker_lines(project / path, code)}


def _ours(result: ScanResult) -> set[tuple[str, str, int]]:
    """(code, file, line) of every finding of the rules under test, by the riskaudit code that fed it."""
    return {
        (source.removeprefix("riskaudit:"), finding.path or "", finding.line or 0)
        for finding in result.findings
        for source in finding.sources
        if source.removeprefix("riskaudit:") in RULES
    }


def test_the_detectors_ran(result: ScanResult) -> None:
    detectors = result.run("riskaudit")
    assert detectors is not None and detectors.status is ToolStatus.OK, detectors


def test_every_rule_has_planted_defects(project: Path) -> None:
    assert {code for code, _, _ in _planted(project)} == set(RULES)


@pytest.mark.parametrize("code", sorted(RULES))
def test_planted_defects_are_found_at_their_lines(project: Path, result: ScanResult, code: str) -> None:
    planted = {item for item in _planted(project) if item[0] == code}
    found = {item for item in _ours(result) if item[0] == code}
    assert found == planted


@pytest.mark.parametrize("code", sorted(RULES))
def test_each_finding_maps_onto_its_rule(result: ScanResult, code: str) -> None:
    rules = {f.rule_id for f in result.findings if f"riskaudit:{code}" in f.sources}
    assert rules == {RULES[code]}


def test_findings_say_how_the_callee_was_resolved(result: ScanResult) -> None:
    messages = {(f.path, f.line): f.message for f in result.findings if f.rule_id in ("RA101", "RA119")}
    assert "SQLAlchemy's AsyncSession.rollback is a coroutine method" in messages[("shop/repository.py", 27)]
    assert "`self.repo` is typed OrderRepository" in messages[("shop/service.py", 17)]
    assert "`BaseRepository.exists`" not in messages[("shop/service.py", 17)]


def test_mypy_is_silent_on_the_planted_lines(project: Path, result: ScanResult) -> None:
    mypy = result.run("mypy")
    assert mypy is not None and mypy.status is ToolStatus.OK, mypy
    planted = {(path, line) for _, path, line in _planted(project)}
    assert [f for f in mypy.findings if (f.path, f.line) in planted] == []
