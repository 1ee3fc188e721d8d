"""The migration and mocked-database detectors end to end, on the migrationapp fixture.

One in-process scan of a copy of the fixture (real flake8, mypy, radon); every planted defect must
come out at its marked line under its rule, nothing of these rules anywhere else, and the
project-level RA509 finding must go away once a test creates a real engine.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import copy_fixture, marker_lines

from riskaudit.catalogue import default_catalogue
from riskaudit.detectors.mocked_database import MockedDatabase
from riskaudit.detectors.project import project_symbols
from riskaudit.detectors.real_database_test import RealDatabaseTest
from riskaudit.detectors.runner import run_detectors
from riskaudit.models import RawFinding
from riskaudit.options import ScanOptions
from riskaudit.results import ScanResult
from riskaudit.scan import scan
from riskaudit.sources import build_index

MIGRATION = "shop/migrations/versions/0001_initial.py"
TESTS = "tests/test_orders.py"
# (marker in the fixture, file, rule)
PLANTED = [
    ("migration-missing-fk", MIGRATION, "RA504"),
    ("migration-enum-no-check", MIGRATION, "RA505"),
    ("migration-index-proliferation", MIGRATION, "RA506"),
    ("migration-naive-timestamp-default", MIGRATION, "RA507"),
    ("mocked-database", TESTS, "RA508"),
]
RULES = {rule for _, _, rule in PLANTED} | {"RA509"}

REAL_ENGINE_TEST = '''"""Order repository tests against a real (in-memory SQLite) database."""

from sqlalchemy.ext.asyncio import create_async_engine

from shop.repositories.orders import Base


async def test_schema_creates() -> None:
    """The models create their tables."""
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
'''


@pytest.fixture(scope="module")
def migrationapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the fixture."""
    return copy_fixture("migrationapp", tmp_path_factory.mktemp("migrationapp"))


@pytest.fixture(scope="module")
def result(migrationapp: Path) -> ScanResult:
    """One in-process scan of the copy."""
    return scan(migrationapp, ScanOptions(python=sys.executable), default_catalogue())


@pytest.mark.parametrize(("marker", "path", "rule_id"), PLANTED, ids=[m for m, _, _ in PLANTED])
def test_planted_defect_is_found_at_its_line(
    migrationapp: Path, result: ScanResult, marker: str, path: str, rule_id: str
) -> None:
    lines = marker_lines(migrationapp / path, marker)
    assert lines, f"fixture lost its '# defect: {marker}' marker"
    for line in lines:
        hits = [f for f in result.findings if f.path == path and f.line == line and f.rule_id == rule_id]
        assert hits, f"no {rule_id} at {path}:{line}"
        assert any(source == f"riskaudit:{marker}" for f in hits for source in f.sources)


def test_no_finding_of_these_rules_on_an_unmarked_line(migrationapp: Path, result: ScanResult) -> None:
    marked = {
        (path, line) for marker, path, _ in PLANTED for line in marker_lines(migrationapp / path, marker)
    }
    stray = [
        f"{f.rule_id} {f.location}"
        for f in result.findings
        if f.rule_id in RULES and f.path is not None and (f.path, f.line) not in marked
    ]
    assert stray == []


def test_index_proliferation_names_the_table_and_its_indexes(result: ScanResult) -> None:
    (finding,) = [f for f in result.findings if f.rule_id == "RA506"]
    assert "`audit_log` gets 9 indexes" in finding.message
    assert "ix_audit_log_session_key" in finding.message and "ix_audit_log_created_at" in finding.message
    assert "ix_orders" not in finding.message


def test_missing_foreign_key_names_the_referenced_table(result: ScanResult) -> None:
    (finding,) = [f for f in result.findings if f.rule_id == "RA504"]
    assert "`user_id` of table `audit_log` refers to table `users`" in finding.message


def test_mocked_tests_and_no_real_engine_is_one_project_finding(result: ScanResult) -> None:
    (finding,) = [f for f in result.findings if f.rule_id == "RA509"]
    assert finding.path is None and finding.line is None
    assert "shop/repositories/orders.py" in finding.message
    assert "tests/test_orders.py" in finding.message


def test_the_rules_are_documented_in_the_result(result: ScanResult) -> None:
    assert RULES <= set(result.rules)
    assert result.rules["RA509"].category == "test-gap"
    assert result.rules["RA504"].category == "data-integrity"


def test_a_test_with_a_real_engine_clears_the_project_finding(tmp_path: Path) -> None:
    project = copy_fixture("migrationapp", tmp_path)
    (project / "tests" / "test_orders_db.py").write_text(REAL_ENGINE_TEST, encoding="utf-8")
    cleared = scan(project, ScanOptions(python=sys.executable), default_catalogue())
    assert not [f for f in cleared.findings if f.rule_id == "RA509"]
    # the mock itself is still reported, as the minor shortcut it is beside a real-database test
    assert not [f for f in cleared.findings if f.rule_id == "RA508"]
    assert [f for f in cleared.findings if f.rule_id == "RA517"], "the mock itself is still reported"


def _project_findings(root: Path, files: dict[str, str]) -> list[RawFinding]:
    """RA509's summary over a small project written from ``files``."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    index = build_index(root, sorted(files))
    run = run_detectors(index, project_symbols(index), [RealDatabaseTest, MockedDatabase], workers=1)
    return [f for f in run.findings if f.code == RealDatabaseTest.CODE]


REPOSITORY = (
    "from sqlalchemy.orm import Session\n\nclass Repo:\n    def __init__(self, s: Session) -> None:\n        pass\n"
)


@pytest.mark.parametrize(
    "test_code",
    [
        "from sqlalchemy import create_engine\n\ndef test_x():\n    create_engine('postgresql://u@db/app')\n",
        "def test_x(tmp_path):\n    url = f'sqlite:///{tmp_path}/app.db'\n",
        "from testcontainers.postgres import PostgresContainer\n",
        "from app.db import SessionLocal\n\ndef test_x():\n    SessionLocal()\n",
    ],
    ids=["create_engine", "sqlite-url", "testcontainers", "app-session-factory"],
)
def test_real_database_evidence_in_another_file_is_enough(tmp_path: Path, test_code: str) -> None:
    files = {
        "app/repositories/orders.py": REPOSITORY,
        "app/db.py": "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
        "SessionLocal = sessionmaker(bind=create_engine('postgresql://app@db/app'))\n",
        "tests/test_orders.py": test_code,
    }
    assert _project_findings(tmp_path, files) == []


def test_without_evidence_the_finding_is_project_level_and_says_why(tmp_path: Path) -> None:
    files = {
        "app/repositories/orders.py": REPOSITORY,
        "tests/test_orders.py": "from app.db import get_session\n\ndef test_x():\n    pass\n",
    }
    (finding,) = _project_findings(tmp_path, files)
    assert finding.path is None and finding.line is None
    assert "none of the 1 test file(s) creates an engine" in finding.message
