"""Tests that replace the SQLAlchemy session, connection or engine with a mock."""

from __future__ import annotations

import libcst as cst

from collections.abc import Mapping, Sequence
from dataclasses import replace

from riskaudit.detectors.analysis.database_usage import DatabaseUsageVisitor
from riskaudit.detectors.base import Detector, Example
from riskaudit.detectors.real_database_test import RealDatabaseTest
from riskaudit.models import RawFinding

BESIDE_REAL = "mocked-database-beside-real"
"""The code of a mocked database in a project whose other tests use a real one (RA517)."""


class MockedDatabase(DatabaseUsageVisitor, Detector):
    """Finds tests that replace SQLAlchemy's session, connection or engine with a mock.

    Reported at the mock: ``Mock``/``MagicMock``/``AsyncMock``/``NonCallableMock``/
    ``create_autospec`` whose spec (``spec=``, ``spec_set=`` or first argument) is
    ``AsyncSession``, ``Session``, ``Connection``, ``AsyncConnection``, ``Engine`` or
    ``AsyncEngine`` imported from SQLAlchemy or SQLModel (any dotted form); ``patch`` /
    ``mocker.patch`` of a ``"...Session.execute"``-style target (session methods: execute,
    commit, rollback, flush, add, scalars, scalar, get, refresh, delete) in a file that imports
    SQLAlchemy, or whose target starts with ``sqlalchemy``; and ``patch.object`` /
    ``monkeypatch.setattr`` of such a method on such a class; and a mock assigned to the query
    method of a variable named like a session or connection (``mock_session.execute =
    AsyncMock(...)``, also for untyped mocks). Patching a method of a session
    *instance* (``patch.object(session, "commit", side_effect=...)``) is not reported: that is how
    tests provoke failures on a real session. Whether a test file also uses a real database is
    recorded by ``RealDatabaseTest`` (RA509): where other tests do, a mock is one test's shortcut or a
    failure it injects, not the data layer going untested, and the finding is recoded as such (RA517).
    """

    RULE = "RA508"
    CODE = "mocked-database"
    MESSAGE = "test replaces the database's `{target}` with a mock: queries, constraints and transactions go untested"
    SCOPE = "tests"
    # sound: every candidate is a call named *Mock*/create_autospec (spec, assigned) or *patch* (patch, object)
    TRIGGERS = ("Mock", "create_autospec", "patch")
    VALID = (
        Example(
            "from unittest.mock import Mock\nimport requests\nfrom requests import Session\n\n"
            "def test_client():\n    http = Mock(spec=Session)\n    other = Mock(spec=requests.Session)\n",
            path="tests/test_client.py",
        ),
        Example(
            "from unittest.mock import patch\n\n@patch('requests.Session.get')\ndef test_fetch(get):\n    pass\n",
            path="tests/test_fetch.py",
        ),
        Example(
            "from unittest.mock import patch\nfrom sqlalchemy.orm import Session\n\n"
            "def test_commit_failure(session: Session):\n"
            "    with patch.object(session, 'commit', side_effect=RuntimeError):\n        pass\n",
            path="tests/test_repo.py",
        ),
        Example(
            "from unittest.mock import AsyncMock\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
            "def make():\n    return AsyncMock(spec=AsyncSession)\n",
            path="app/factories.py",
        ),
        Example(
            "from unittest.mock import MagicMock\n\ndef test_http():\n    http_session = MagicMock()\n"
            "    http_session.get = MagicMock()\n    client.execute = MagicMock()\n",
            path="tests/test_http.py",
        ),
        Example(
            "from unittest.mock import MagicMock\nfrom app.services import Mailer\n\n"
            "def test_mail():\n    mailer = MagicMock(spec=Mailer)\n",
            path="tests/test_mail.py",
        ),
    )
    INVALID = (
        Example(
            "from unittest.mock import AsyncMock, Mock\n\nasync def test_update():\n"
            "    mock_session = AsyncMock()\n    mock_session.execute = AsyncMock(return_value=Mock())\n",
            path="tests/test_blocks.py",
            line=5,
        ),
        Example(
            "from unittest.mock import AsyncMock\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
            "async def test_get():\n    session = AsyncMock(spec=AsyncSession)\n",
            path="tests/test_repo.py",
            line=5,
        ),
        Example(
            "import sqlalchemy.orm as orm\nfrom unittest import mock\n\n"
            "def test_get():\n    session = mock.create_autospec(orm.Session, instance=True)\n",
            path="tests/test_repo.py",
            line=5,
        ),
        Example(
            "from sqlalchemy.orm import Session\n\n"
            "def test_save(mocker):\n    mocker.patch('app.repo.Session.commit')\n",
            path="tests/test_repo.py",
            line=4,
        ),
        Example(
            "from unittest.mock import patch\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
            "def test_save():\n    with patch.object(AsyncSession, 'execute'):\n        pass\n",
            path="tests/test_repo.py",
            line=5,
        ),
    )

    def leave_Module(self, original_node: cst.Module) -> None:
        """Report every mock of the database."""
        for node, target in self.usage.mocks():
            self.report(node, self.MESSAGE.format(target=target))

    @classmethod
    def revise(cls, findings: Sequence[RawFinding], records: Mapping[str, Sequence[str]]) -> list[RawFinding]:
        """Where other tests run against a real database, each mock is recoded as one test's shortcut (RA517)."""
        real = RealDatabaseTest.real_database_tests(records)
        if not real:
            return list(findings)
        more = f" and {len(real) - 1} more" if len(real) > 1 else ""
        beside = f"; other tests run against a real database ({real[0]}{more})"
        return [replace(finding, code=BESIDE_REAL, message=finding.message + beside) for finding in findings]
