"""``Detector.TRIGGERS``: the substrings without which a detector can report nothing in a file.

The runner skips a detector (and the libcst parse, when none is left) for a file whose text holds
none of its triggers, so a trigger set that is too narrow silently hides findings. These tests check
that every detector made the decision, that no known finding is hidden (the INVALID examples and
hand-written variants with aliases and unusual spellings), and that, with the triggers switched off,
no example without a trigger gives a finding or a fact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from riskaudit.detectors.registry import ALL_DETECTORS
from riskaudit.detectors.base import Detector, Example, ProjectSymbols
from riskaudit.detectors.hasattr_narrowing import HasattrNarrowing
from riskaudit.detectors.library_internals import LibraryInternals
from riskaudit.detectors.migration_enum_check import MigrationEnumCheck
from riskaudit.detectors.migration_foreign_key import MigrationForeignKey, MigrationKeyTypeMismatch
from riskaudit.detectors.migration_indexes import MigrationIndexes
from riskaudit.detectors.migration_timestamp_default import MigrationTimestampDefault
from riskaudit.detectors.blocking_call import BlockingCall
from riskaudit.detectors.cancellation_swallowed import CancellationSwallowed
from riskaudit.detectors.coroutine_misuse import CoroutineMisused
from riskaudit.detectors.dangling_task import DanglingTask
from riskaudit.detectors.default_once import DefaultOnce
from riskaudit.detectors.statement_not_executed import StatementNotExecuted
from riskaudit.detectors.missing_await import MissingAwait
from riskaudit.detectors.mocked_database import MockedDatabase
from riskaudit.detectors.naive_datetime import NaiveDatetime
from riskaudit.detectors.project import file_context, project_symbols
from riskaudit.detectors.runner import analyse_file
from riskaudit.detectors.test_assertions import DiscardedCheck, AssertionFreeTest
from riskaudit.detectors.time_race import TimeCheckThenAct
from riskaudit.detectors.type_decorator import TypeDecoratorConversion
from riskaudit.detectors.variable_reuse import VariableReuse
from riskaudit.models import RawFinding
from riskaudit.sources import SourceIndex, read_source

TRIGGERED = [d for d in ALL_DETECTORS if d.TRIGGERS]
"""Detectors that skip files without their triggers."""

_ASYNC_DB = (
    "async def close() -> None: ...\n\n"
    "class Base:\n    async def flush(self) -> None: ...\n"
)
"""A project module with a coroutine function and a class with a coroutine method."""
_DB = {"app/db.py": _ASYNC_DB}
_USERS = (
    "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
    "    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))\n"
)
"""An Alembic revision creating ``users``."""


@dataclass(frozen=True)
class Snippet:
    """Realistic code a detector must report, spelled with aliases or unusual forms."""

    code: str
    line: int
    path: str = "app/module.py"
    others: Mapping[str, str] = field(default_factory=dict)
    """Other files of the project (the records of other modules, other revisions of the tree)."""


SNIPPETS: dict[type[Detector], list[Snippet]] = {
    DiscardedCheck: [
        Snippet("def test_x(r):\n    r.status_code  ==  200\n", 2, "tests/test_api.py"),
        Snippet("async def test_x(m):\n    m.assert_awaited_once\n", 2, "tests/test_api.py"),
        Snippet("def test_x(name):\n    name.startswith('a')\n", 2, "tests/test_api.py"),
    ],
    AssertionFreeTest: [
        Snippet(
            "class TestJobs:\n    async  def  test_run(self, job):\n        await job.run()\n", 2, "tests/test_jobs.py"
        ),
    ],
    HasattrNarrowing: [
        Snippet("def f(obj):\n    if hasattr (obj, 'name'):\n        return obj.name\n", 3),
        Snippet("class A:\n    def run(self):\n        return self.hook() if hasattr(self, 'hook') else None\n", 3),
        Snippet("def f(items):\n    return {i: i.name for i in items if hasattr(i, 'name')}\n", 2),
    ],
    LibraryInternals: [
        Snippet("import httpx as h\n\ndef f(resp: h.Response):\n    return resp._content\n", 4),
        # no underscore anywhere: only the `pool` trigger sees it
        Snippet("def size(engine):\n    return engine.pool.size()\n", 2),
        Snippet("def f(e):\n    p = e.get_pool()\n    return p.checkedout()\n", 3),
        Snippet("def f(obj):\n    return (obj.\n        _secret)\n", 2),
    ],
    MissingAwait: [
        # none of these files says async or await: the coroutine functions live in app/db.py
        Snippet("from app.db import close as shutdown\n\ndef stop():\n    shutdown()\n", 4, "app/service.py", _DB),
        Snippet("import app.db as database\n\ndef stop():\n    database.close()\n", 4, "app/service.py", _DB),
        Snippet("from .db import close\n\ndef stop():\n    close()\n", 4, "app/service.py", _DB),
        Snippet("class Repo(Base):\n    def stop(self):\n        self.flush()\n", 3, "app/repo.py", _DB),
        Snippet("class Repo(Base):\n    @classmethod\n    def stop(cls):\n        cls.flush()\n", 4, "app/r.py", _DB),
        Snippet("from app.db import close\n\ndef test_close():\n    close()\n", 4, "tests/test_db.py", _DB),
    ],
    CoroutineMisused: [
        # the coroutine functions live in app/db.py; these files do not say async or await
        Snippet("from app.db import close as shutdown\n\ndef stop():\n    if shutdown():\n        pass\n", 4,
                "app/service.py", _DB),
        Snippet("import app.db as database\n\ndef stop():\n    return database.close().x\n", 4, "app/service.py", _DB),
        Snippet("class Repo(Base):\n    def stop(self):\n        return not self.flush()\n", 3, "app/repo.py", _DB),
    ],
    BlockingCall: [
        Snippet("import time as t\n\nasync def handler():\n    t.sleep(0.5)\n", 4),
        Snippet("from requests import post as send\n\nclass C:\n    async def go(self):\n        send('u')\n", 5),
    ],
    CancellationSwallowed: [
        Snippet("import asyncio as aio\nasync def f(x):\n    try:\n        await x\n"
                "    except aio.CancelledError:\n        return\n", 5),
        Snippet("async def f(x):\n    try:\n        await x\n    except (ValueError, BaseException):\n"
                "        return\n", 4),
    ],
    DanglingTask: [
        Snippet("import asyncio as aio\nasync def f(c):\n    aio.ensure_future(c)\n", 3),
        Snippet("class W:\n    def go(self, c):\n        self.event_loop.create_task(c)\n", 3),
    ],
    DefaultOnce: [
        Snippet("from datetime import datetime as dt\nimport sqlalchemy as sa\n"
                "c = sa.Column(sa.DateTime, default=dt.utcnow())\n", 3),
        Snippet("from uuid import uuid4 as new_id\nclass M(Model):\n    id = UUIDField(default=new_id())\n", 3),
    ],
    StatementNotExecuted: [
        Snippet("import sqlalchemy as sa\ndef f(t):\n    sa.delete(t).where(t.c.id == 1)\n", 3),
        Snippet("from sqlmodel import update as upd\ndef f(T):\n    upd(T).values(x=1)\n", 3),
    ],
    MockedDatabase: [
        Snippet(
            "from unittest import mock as m\nimport sqlalchemy.orm as o\n\ndef test_x():\n"
            "    s = m.MagicMock(spec=o.Session)\n",
            5,
            "tests/test_repo.py",
        ),
        Snippet(
            "from sqlalchemy.orm import Session as DbSession\n\ndef test_x(monkeypatch):\n"
            "    monkeypatch.setattr(DbSession, 'commit', lambda self: None)\n",
            4,
            "tests/test_repo.py",
        ),
        Snippet(
            "from unittest.mock import patch\n\n@patch('sqlalchemy.orm.Session.execute')\ndef test_x(execute):\n"
            "    pass\n",
            3,
            "tests/test_repo.py",
        ),
        Snippet(
            "from unittest.mock import create_autospec\nfrom sqlmodel import Session\n\ndef test_x():\n"
            "    s = create_autospec(Session)\n",
            5,
            "tests/test_repo.py",
        ),
        Snippet(
            "from unittest import mock\n\ndef test_x():\n    db_conn = mock.Mock()\n    db_conn.commit = mock.Mock()\n",
            5,
            "tests/test_repo.py",
        ),
    ],
    NaiveDatetime: [
        Snippet("from datetime import datetime as dt\n\nstamp = dt.now()\n", 3),
        Snippet("import datetime as _d\nstamp = _d.datetime.utcnow()\n", 2),
        Snippet("from sqlalchemy import TIMESTAMP, Column\ncreated = Column('created', TIMESTAMP())\n", 2),
        Snippet(
            "import sqlalchemy as sa\nfrom sqlalchemy.orm import mapped_column\n"
            "created = mapped_column(type_=sa.DateTime)\n",
            3,
        ),
        Snippet(
            "from datetime import datetime as DT\nfrom pydantic import Field\n\nclass M:\n"
            "    at: DT = Field(default_factory=DT.utcnow)\n",
            5,
        ),
    ],
    TimeCheckThenAct: [
        Snippet(
            "class Limiter:\n    async def acquire(self):\n        if self._clock() - self.last >= self.period:\n"
            "            await self.flush()\n            self.last = self._clock()\n",
            3,
        ),
        Snippet(
            "import datetime\nclass T:\n    async def refresh(self):\n"
            "        if datetime.datetime.now() > self.expires:\n"
            "            self.token = await self.fetch()\n            self.expires = 1\n",
            4,
        ),
        # the await point is an `async for`: no `await` in the text
        Snippet(
            "import time\nclass Feed:\n    async def poll(self, source):\n        if time.time() > self.next_poll:\n"
            "            async for item in source:\n                self.items.append(item)\n"
            "            self.next_poll = time.time() + 5\n",
            4,
        ),
    ],
    TypeDecoratorConversion: [
        Snippet(
            "import json as j\nimport sqlalchemy as sa\n\nclass Blob(sa.types.TypeDecorator):\n    impl = sa.Text\n\n"
            "    def process_bind_param(self, value, dialect):\n        def enc(v):\n            return j.dumps(v)\n"
            "        return enc(value)\n",
            9,
        ),
        Snippet(
            "from json import dumps as to_json\nfrom sqlalchemy import types\n\nclass Base(types.TypeDecorator):\n"
            "    pass\n\nclass Doc(Base):\n    def process_bind_param(self, value, dialect):\n"
            "        return to_json(value, indent=2)\n",
            9,
        ),
        Snippet(
            "from sqlalchemy.types import TypeDecorator, CHAR\n\nclass PortableGuid(TypeDecorator):\n"
            "    impl = CHAR(36)\n\n    def process_result_value(self, value, dialect):\n        return f'{value}'\n",
            7,
        ),
    ],
    VariableReuse: [
        Snippet(
            "import sqlalchemy as sa\n\nasync def purge(session, M, ids):\n    stmt = sa.select(M)\n    while ids:\n"
            "        stmt = sa.delete(M).where(M.id == ids.pop())\n",
            6,
        ),
        Snippet(
            "from sqlalchemy.dialects.postgresql import insert as pg_insert\nfrom sqlalchemy import update\n\n"
            "def upsert(M, exists):\n    stmt = pg_insert(M)\n    if exists:\n        stmt = update(M)\n",
            7,
        ),
        Snippet("def f(c):\n    s = Cache()\n    for _ in c:\n        s = Session()\n", 4),
    ],
    MigrationEnumCheck: [
        Snippet(
            "import sqlalchemy as sa\nimport alembic.op\n\ndef upgrade():\n"
            "    alembic.op.add_column('orders', sa.Column('order_status', sa.Unicode(20)))\n",
            5,
            "migrations/versions/0002_orders.py",
        ),
        Snippet(
            "from alembic import op\nfrom sqlalchemy import Column, String\n\ndef upgrade():\n"
            "    with op.batch_alter_table('users') as b:\n        b.add_column(Column('role', String(16)))\n",
            6,
            "migrations/versions/0003_users.py",
        ),
    ],
    MigrationTimestampDefault: [
        Snippet(
            "from alembic import op\nfrom sqlalchemy import Column, DATETIME, func\n\ndef upgrade():\n"
            "    with op.batch_alter_table('jobs') as batch:\n"
            "        batch.add_column(Column('seen_at', DATETIME(), server_default=func.now()))\n",
            6,
            "migrations/versions/0004_jobs.py",
        ),
        Snippet(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('events', sa.Column('at', sa.TIMESTAMP, server_default=sa.text(' NOW() ')))\n",
            5,
            "migrations/versions/0005_events.py",
        ),
    ],
    MigrationIndexes: [
        Snippet(
            "from alembic import op\n\ndef upgrade():\n    with op.batch_alter_table('log') as b:\n"
            + "".join(f"        b.create_index('ix_log_{n}', ['c{n}'])\n" for n in range(9)),
            5,
            "migrations/versions/0006_log.py",
        ),
        # no create_index: every index is an index=True column of the create_table
        Snippet(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n    op.create_table(\n        'wide',\n"
            + "".join(f"        sa.Column('c{n}', sa.Integer(), index=True),\n" for n in range(9))
            + "    )\n",
            5,
            "migrations/versions/0007_wide.py",
        ),
    ],
    MigrationForeignKey: [
        # the users table and the column live in two revisions of one tree: both must be read
        Snippet(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    with op.batch_alter_table('orders') as b:\n"
            "        b.add_column(sa.Column('user_id', sa.BigInteger()))\n",
            6,
            "migrations/versions/0002_orders.py",
            {"migrations/versions/0001_users.py": _USERS},
        ),
    ],
    MigrationKeyTypeMismatch: [
        Snippet(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    with op.batch_alter_table('orders') as b:\n"
            "        b.add_column(sa.Column('user_id', sa.String(36)))\n",
            6,
            "migrations/versions/0002_orders.py",
            {"migrations/versions/0001_users.py": _USERS},
        ),
    ],
}


def _example(item: Example | str) -> Example:
    return item if isinstance(item, Example) else Example(item)


def _has_trigger(detector: type[Detector], text: str) -> bool:
    return any(trigger in text for trigger in detector.TRIGGERS)


def _project(root: Path, files: Mapping[str, str]) -> ProjectSymbols:
    """Write a project to disk and gather its records as a scan would."""
    for path, code in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    sources = {path: read_source(root, path) for path in files}
    assert not any(source.parse_error for source in sources.values())
    return project_symbols(SourceIndex(sources))


def _run(
    detectors: Sequence[type[Detector]], files: Mapping[str, str], project: ProjectSymbols
) -> tuple[list[RawFinding], dict[str, list[str]]]:
    """Every file through the runner's ``analyse_file`` (triggers applied), then the project summaries."""
    findings: list[RawFinding] = []
    records: dict[str, list[str]] = {}
    for path, code in files.items():
        outcome = analyse_file(path, code, project, detectors)
        assert not outcome.crashed and not outcome.skipped, (outcome.crashed, outcome.skipped)
        findings.extend(outcome.findings)
        for code_, recorded in outcome.records:
            records.setdefault(code_, []).extend(recorded)
    for detector in detectors:
        findings.extend(detector.summarize(records, project))
    return findings, records


@pytest.mark.parametrize("detector", ALL_DETECTORS, ids=lambda d: d.__name__)
def test_every_detector_declares_its_triggers(detector: type[Detector]) -> None:
    assert "TRIGGERS" in detector.__dict__, f"{detector.__name__} must decide on TRIGGERS (empty: every file)"
    assert isinstance(detector.TRIGGERS, tuple) and all(isinstance(t, str) and t for t in detector.TRIGGERS)


def test_the_detectors_without_triggers_are_the_known_ones() -> None:
    # RealDatabaseTest records a `test` fact for every test file, whatever it contains
    assert {d.__name__ for d in ALL_DETECTORS if not d.TRIGGERS} == {"RealDatabaseTest"}


@pytest.mark.parametrize("detector", TRIGGERED, ids=lambda d: d.__name__)
def test_every_invalid_example_holds_a_trigger(detector: type[Detector]) -> None:
    missing = [e.code for e in map(_example, detector.INVALID) if not _has_trigger(detector, e.code)]
    assert not missing, missing


SNIPPET_CASES = [
    pytest.param(detector, snippet, id=f"{detector.__name__}-{index}")
    for detector, snippets in SNIPPETS.items()
    for index, snippet in enumerate(snippets)
]


def test_every_triggered_detector_has_snippets() -> None:
    assert set(TRIGGERED) <= set(SNIPPETS)


@pytest.mark.parametrize(("detector", "snippet"), SNIPPET_CASES)
def test_unusual_spellings_hold_a_trigger_and_are_reported(
    detector: type[Detector], snippet: Snippet, tmp_path: Path
) -> None:
    assert _has_trigger(detector, snippet.code)
    files = {**snippet.others, snippet.path: snippet.code}
    findings, _ = _run([detector], files, _project(tmp_path, files))
    lines = [f.line for f in findings if f.code == detector.CODE and f.path == snippet.path]
    assert snippet.line in lines, lines


SETTLED = [
    # a later revision drops the column again, or adds its foreign key: only those calls are in it
    pytest.param(
        MigrationForeignKey,
        {
            "migrations/versions/0001_users.py": _USERS,
            "migrations/versions/0002_orders.py": "from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n"
            "    op.add_column('orders', sa.Column('user_id', sa.Integer()))\n",
            "migrations/versions/0003_drop.py": "from alembic import op\n\ndef upgrade():\n"
            "    op.drop_column('orders', 'user_id')\n",
        },
        id="fk-dropped-later",
    ),
    pytest.param(
        MigrationForeignKey,
        {
            "migrations/versions/0001_users.py": _USERS,
            "migrations/versions/0002_orders.py": "from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n"
            "    op.add_column('orders', sa.Column('user_id', sa.Integer()))\n",
            "migrations/versions/0003_fk.py": "from alembic import op\n\ndef upgrade():\n"
            "    op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'])\n",
        },
        id="fk-added-later",
    ),
    # the project attaches the private attribute itself, spelled without an underscore
    pytest.param(
        LibraryInternals,
        {
            "app/attach.py": "def attach(obj):\n    setattr(obj, '\\x5fcache', {})\n",
            "app/use.py": "import httpx\n\ndef f(response):\n    return response._cache\n",
        },
        id="private-defined-by-setattr",
    ),
]


@pytest.mark.parametrize(("detector", "files"), SETTLED)
def test_files_that_settle_a_candidate_elsewhere_are_read(
    detector: type[Detector], files: Mapping[str, str], tmp_path: Path
) -> None:
    assert all(_has_trigger(detector, code) for code in files.values())
    findings, _ = _run([detector], files, _project(tmp_path, files))
    assert not [f for f in findings if f.code == detector.CODE]


def _untriggered(detector: type[Detector]) -> type[Detector]:
    """The same detector with its triggers switched off: it looks at every file it applies to."""
    return type(f"Untriggered{detector.__name__}", (detector,), {"TRIGGERS": ()})


_CORPUS_PATHS = ("app/corpus.py", "tests/test_corpus.py", "migrations/versions/0009_corpus.py")
_HELPERS = {"app/db.py": _ASYNC_DB, "migrations/versions/0001_users.py": _USERS}
"""Other files of every corpus project: coroutines to call and a table to refer to."""


def _corpus() -> list[str]:
    """Every example and snippet of every detector (any detector's code is a fair test for another)."""
    codes = [_example(e).code for d in ALL_DETECTORS for e in (*d.VALID, *d.INVALID)]
    codes += [s.code for snippets in SNIPPETS.values() for s in snippets]
    return sorted(set(codes))


@pytest.mark.parametrize("index", range(len(_corpus())))
def test_without_a_trigger_there_is_nothing_to_report(index: int, tmp_path: Path) -> None:
    code = _corpus()[index]
    for path in _CORPUS_PATHS:
        files = {**_HELPERS, path: code}
        project = _project(tmp_path / path.replace("/", "_"), files)
        context = file_context(path, project)
        silent = [d for d in TRIGGERED if d.applies_to(context) and not _has_trigger(d, code)]
        if not silent:
            continue
        untriggered = [_untriggered(d) for d in silent]
        outcome = analyse_file(path, code, project, untriggered)
        assert not outcome.crashed and not outcome.skipped, (outcome.crashed, outcome.skipped)
        records = {c: list(f) for c, f in outcome.records}
        summarized = [f for d in untriggered for f in d.summarize(records, project)]
        assert not outcome.findings and not records and not summarized, (path, outcome, summarized)
