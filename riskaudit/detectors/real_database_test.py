"""A project with a SQLAlchemy data layer whose tests never touch a real database."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import libcst as cst

from riskaudit.detectors.base import TOOL, Detector, Example, ProjectSymbols
from riskaudit.detectors.analysis.database_usage import DatabaseUsageVisitor
from riskaudit.models import RawFinding
from riskaudit.roles import SOURCE, role_of

ENGINE_NAMES = re.compile(r"engine|sessionlocal|session_?factory|session_?maker|^async_session$", re.IGNORECASE)
"""Names of engines and session factories a test may import from the application."""
SHOWN = 3
"""How many paths a message names before it says "and N more"."""


def _listed(paths: Sequence[str]) -> str:
    """A few paths, comma-separated, with how many more there are."""
    shown = ", ".join(sorted(paths)[:SHOWN])
    return f"{shown} and {len(paths) - SHOWN} more" if len(paths) > SHOWN else shown


class RealDatabaseTest(DatabaseUsageVisitor, Detector):
    """Reports, once per project, a SQLAlchemy data layer that no test runs against a real database.

    What each file shows: a production module (not a test, example or migration) that imports
    SQLAlchemy or SQLModel is a data-access module; a non-test module that
    creates an engine is an engine module; a test file shows a real database when it calls
    ``create_engine``/``create_async_engine``, binds a ``sessionmaker``/``async_sessionmaker``,
    holds a database URL (``postgresql://``, ``sqlite+aiosqlite://``, ...), imports
    testcontainers or pytest-postgresql, or imports an engine or session factory (``engine``,
    ``SessionLocal``, ``async_session_maker``) from an engine module. ``summarize`` reports when
    there are data-access modules and no test shows a real database, naming the test files that
    mock it (see ``MockedDatabase``).

    The examples can only show the one-file cases; a data layer *with* a real-database test takes
    two files and is tested in tests/test_detectors_migrations.py.
    """

    RULE = "RA509"
    CODE = "no-real-database-test"
    MESSAGE = "no test runs against a real database, but the project has a SQLAlchemy data layer"
    SCOPE = "all"
    # none sound: every test file records a `test` fact (the message counts test files), whatever its text
    TRIGGERS = ()
    VALID = (
        Example(
            "from sqlalchemy import select\n\ndef report_query():\n    return select(1)\n",
            path="examples/report.py",
        ),
        Example(
            "from django.db import models\n\nclass Order(models.Model):\n    pass\n",
            path="shop/models.py",
        ),
        Example(
            "from sqlalchemy.ext.asyncio import create_async_engine\n\n"
            "engine = create_async_engine('sqlite+aiosqlite://')\n",
            path="tests/conftest.py",
        ),
    )
    INVALID = (
        Example(
            "from sqlalchemy import select\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
            "class OrderRepository:\n    def __init__(self, session: AsyncSession) -> None:\n"
            "        self.session = session\n",
            path="app/repositories/orders.py",
        ),
    )

    def leave_Module(self, original_node: cst.Module) -> None:
        """Record what this file says about the data layer and its tests."""
        context, usage = self.context, self.usage
        if context.is_test:
            self.records.append(f"test\t{context.path}")
            self.records.extend(f"real\t{context.path}\t{evidence}" for evidence in usage.real[:1])
            if any(usage.mocks()):
                self.records.append(f"mocks\t{context.path}")
            self.records.extend(
                f"imports\t{context.path}\t{module}" for module, name in usage.from_imports if ENGINE_NAMES.search(name)
            )
            return
        if context.is_migration:
            return
        if usage.creates_engine:
            self.records.append(f"engine-module\t{context.module}")
        if usage.imports_database and role_of(context.path) == SOURCE:
            self.records.append(f"data-access\t{context.path}")

    @classmethod
    def real_database_tests(cls, records: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
        """The test files that run against a real database: they create one, or import the project's engine."""
        recorded = [fact.split("\t") for fact in records.get(cls.CODE, ())]
        real = {fields[1] for fields in recorded if fields[0] == "real"}
        engines = {fields[1] for fields in recorded if fields[0] == "engine-module"}
        real |= {
            fields[1] for fields in recorded
            if fields[0] == "imports" and any(fields[2] == e or e.startswith(f"{fields[2]}.") for e in engines)
        }
        return tuple(sorted(real))

    @classmethod
    def summarize(cls, records: Mapping[str, Sequence[str]], project: ProjectSymbols) -> list[RawFinding]:
        """One project-level finding when there is a data layer and no test uses a real database."""
        recorded = [fact.split("\t") for fact in records.get(cls.CODE, ())]
        data_access = [fields[1] for fields in recorded if fields[0] == "data-access"]
        if not data_access or cls.real_database_tests(records):
            return []
        tests = [fields[1] for fields in recorded if fields[0] == "test"]
        mocks = [fields[1] for fields in recorded if fields[0] == "mocks"]
        layer = f"{len(data_access)} data-access module(s) ({_listed(data_access)})"
        if mocks:
            why = f"{len(mocks)} test file(s) mock the database instead ({_listed(mocks)})"
        elif tests:
            why = f"none of the {len(tests)} test file(s) creates an engine, uses a database URL or testcontainers"
        else:
            why = "the project has no tests"
        message = f"no test runs against a real database: {layer}; {why}"
        return [RawFinding(TOOL, cls.CODE, message, None)]
