"""Every detector against its own VALID and INVALID examples, collected from the classes."""

from __future__ import annotations

import libcst as cst
import pytest

from riskaudit.catalogue import default_catalogue
from riskaudit.detectors.registry import ALL_DETECTORS
from riskaudit.detectors.base import Detector, Example
from riskaudit.detectors.project import file_context, project_symbols
from riskaudit.detectors.runner import analyse_file
from riskaudit.models import RawFinding
from riskaudit.sources import SourceFile, SourceIndex, read_source


def _example(item: Example | str) -> Example:
    return item if isinstance(item, Example) else Example(item)


def _run(detector: type[Detector], example: Example, tmp_path: object) -> list[RawFinding]:
    """Run one detector on one example, as a one-file project."""
    from pathlib import Path

    root = Path(str(tmp_path))
    target = root / example.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(example.code, encoding="utf-8")
    source: SourceFile = read_source(root, example.path)
    assert not source.parse_error, source.parse_error
    project = project_symbols(SourceIndex({example.path: source}))
    outcome = analyse_file(example.path, example.code, project, [detector])
    assert not outcome.crashed and not outcome.skipped, (outcome.crashed, outcome.skipped)
    findings = list(outcome.findings)
    findings += detector.summarize({c: f for c, f in outcome.records}, project)
    return [f for f in findings if f.code == detector.CODE]


VALID = [
    pytest.param(d, _example(e), id=f"{d.__name__}-valid-{i}") for d in ALL_DETECTORS for i, e in enumerate(d.VALID)
]
INVALID = [
    pytest.param(d, _example(e), id=f"{d.__name__}-invalid-{i}")
    for d in ALL_DETECTORS
    for i, e in enumerate(d.INVALID)
]


@pytest.mark.parametrize(("detector", "example"), VALID)
def test_detector_is_silent_on_valid_code(detector: type[Detector], example: Example, tmp_path: object) -> None:
    assert _run(detector, example, tmp_path) == []


@pytest.mark.parametrize(("detector", "example"), INVALID)
def test_detector_reports_invalid_code(detector: type[Detector], example: Example, tmp_path: object) -> None:
    findings = _run(detector, example, tmp_path)
    assert findings, "no finding"
    if example.line is not None:
        assert example.line in {f.line for f in findings}, [f.line for f in findings]


@pytest.mark.parametrize("detector", ALL_DETECTORS, ids=lambda d: d.__name__)
def test_detector_has_examples_and_a_documented_rule(detector: type[Detector]) -> None:
    assert len(detector.VALID) >= 2 and len(detector.INVALID) >= 1
    assert detector.__doc__ and detector.MESSAGE and detector.CODE
    rule = default_catalogue().get(detector.RULE)
    assert any(m.tool == "riskaudit" and m.code == detector.CODE for m in rule.mappings)


@pytest.mark.parametrize("detector", ALL_DETECTORS, ids=lambda d: d.__name__)
def test_visitor_methods_looked_up_per_class_are_libcsts(detector: type[Detector]) -> None:
    context = file_context("app/module.py", project_symbols(SourceIndex({})))
    instance = detector(context)
    for visitor in (*instance.analyses(), instance):
        ours = visitor.get_visitors()
        theirs = cst.BatchableCSTVisitor.get_visitors(visitor)
        assert set(ours) == set(theirs) and ours, type(visitor).__name__
        assert all(ours[name] == theirs[name] for name in ours)


def test_detector_codes_are_unique() -> None:
    codes = [d.CODE for d in ALL_DETECTORS]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("migrations/versions/0001_init.py", True),
        ("app/db/migrations/versions/postgresql/2024_01_01_x.py", True),
        ("src/fief/alembic/main_versions/0001.py", True),
        ("migrations/versions/__init__.py", False),
        ("app/versions.py", False),
        ("app/models/version_info.py", False),
    ],
)
def test_migration_paths(path: str, expected: bool) -> None:
    from riskaudit.detectors.project import is_migration_path

    assert is_migration_path(path) is expected


def test_the_registry_holds_the_detector_modules_and_nothing_else() -> None:
    from pathlib import Path

    import riskaudit.detectors

    package = Path(riskaudit.detectors.__file__).parent
    framework = {"__init__", "base", "links", "project", "registry", "runner"}
    expected = {f"riskaudit.detectors.{path.stem}" for path in package.glob("*.py") if path.stem not in framework}
    assert {d.__module__ for d in ALL_DETECTORS} == expected
    shared = {path.stem for path in (package / "analysis").glob("*.py")} - {"__init__"}
    assert {"migrations", "database_usage"} <= shared
