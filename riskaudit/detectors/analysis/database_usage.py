"""What a file does with the database, shared by ``MockedDatabase`` (RA508) and ``RealDatabaseTest`` (RA509).

``DatabaseUsage`` holds a file's imports, the mocks it builds of SQLAlchemy objects, and the evidence that
it talks to a real database (an engine it creates, a database URL, testcontainers); a detector feeds it by
mixing in ``DatabaseUsageVisitor``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from riskaudit.detectors.base import call_name, dotted_name, keyword

MOCK_FACTORIES = frozenset(
    {"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock", "create_autospec"}
)
"""``unittest.mock`` constructors whose first argument (or ``spec=``/``spec_set=``) is the spec."""
DATABASE_TYPES = frozenset({"AsyncSession", "Session", "Connection", "AsyncConnection", "Engine", "AsyncEngine"})
"""SQLAlchemy classes that stand for the database."""
SESSION_METHODS = frozenset(
    {"execute", "commit", "rollback", "flush", "add", "scalars", "scalar", "get", "refresh", "delete"}
)
"""Methods of a session or connection that talk to the database."""
DATABASE_MODULES = ("sqlalchemy", "sqlmodel")
"""Packages the database classes come from."""
HTTP_MODULES = frozenset({"requests", "httpx", "aiohttp", "curl_cffi", "urllib3", "niquests", "http"})
"""Packages with a ``Session`` or ``Connection`` of their own."""
ASSIGNED_METHODS = frozenset({"execute", "commit", "rollback", "flush", "scalars", "scalar", "refresh", "add"})
"""Session methods whose replacement by a mock counts even on an untyped mock (no HTTP client has them)."""
SESSION_NAME = re.compile(r"session|^db$|_db$|^db_|^conn$|connection", re.IGNORECASE)
"""Variable names that hold a database session or connection."""
ENGINE_FACTORIES = frozenset({"create_engine", "create_async_engine", "engine_from_config", "async_engine_from_config"})
"""SQLAlchemy functions that create a real engine."""
SESSION_FACTORIES = frozenset({"sessionmaker", "async_sessionmaker", "scoped_session", "async_scoped_session"})
"""SQLAlchemy session factories (real when bound to an engine)."""
REAL_DATABASE_PACKAGES = ("testcontainers", "pytest_postgresql", "pytest_mysql", "pytest_alembic")
"""Test helpers that start or connect to a real database server."""
DATABASE_URL = re.compile(r"^(postgres|postgresql|sqlite|mysql|mariadb|oracle|mssql|cockroachdb)(\+\w+)?://")
"""A SQLAlchemy database URL."""


@dataclass(frozen=True)
class _Candidate:
    """A call that may mock the database, decided once the whole file's imports are known."""

    node: cst.Call
    """The mock construction or patch call."""
    kind: str
    """``spec`` (a mock built with a spec), ``patch`` (a string target), ``object`` (patch.object) or
    ``assigned`` (a mock assigned to a session's method)."""
    target: cst.BaseExpression | None = None
    """The spec expression or the patched object."""
    text: str = ""
    """The patch target string, or the patched attribute."""


def _string(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _positional(node: cst.Call, position: int) -> cst.BaseExpression | None:
    """The positional argument at ``position``, if given."""
    args = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
    return args[position] if position < len(args) else None


class DatabaseUsage:
    """What one file does with the database, read from its libcst nodes.

    Fed through ``DatabaseUsageVisitor``; complete in ``leave_Module``. Names are resolved through
    the file's imports, so ``Mock(spec=Session)`` counts only when ``Session`` comes from
    SQLAlchemy or SQLModel, not from ``requests``.
    """

    def __init__(self) -> None:
        self.origins: dict[str, str] = {}
        self.from_imports: list[tuple[str, str]] = []
        self.real: list[str] = []
        self.creates_engine = False
        self._candidates: list[_Candidate] = []

    @property
    def imports_database(self) -> bool:
        """Whether the file imports SQLAlchemy or SQLModel."""
        return any(origin.startswith(DATABASE_MODULES) for origin in self.origins.values())

    def resolve(self, node: cst.BaseExpression | None) -> str:
        """The full dotted origin of a name or attribute chain, through the imports; empty if not a name."""
        name = dotted_name(node) if node is not None else ""
        root, dot, rest = name.partition(".")
        origin = self.origins.get(root)
        return f"{origin}{dot}{rest}" if origin else name

    def database_type(self, node: cst.BaseExpression | None) -> str:
        """The SQLAlchemy class a spec or patch target names (``AsyncSession``); empty otherwise."""
        full = self.resolve(node)
        last = full.rpartition(".")[2]
        return last if last in DATABASE_TYPES and full.startswith(DATABASE_MODULES) else ""

    def add_import(self, node: cst.Import) -> None:
        """Record ``import a.b`` / ``import a.b as c``."""
        for alias in node.names:
            module = dotted_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.origins[alias.asname.name.value] = module
            else:
                self.origins[module.partition(".")[0]] = module.partition(".")[0]
            self._imported(module)

    def add_import_from(self, node: cst.ImportFrom) -> None:
        """Record ``from a.b import c [as d]`` (absolute imports only)."""
        if node.relative or node.module is None:
            return
        module = dotted_name(node.module)
        self._imported(module)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            self.origins[bound] = f"{module}.{name}"
            self.from_imports.append((module, name))

    def _imported(self, module: str) -> None:
        """Note an import of a real-database test helper."""
        if module.startswith(REAL_DATABASE_PACKAGES):
            self.real.append(f"imports {module}")

    def add_string(self, text: str) -> None:
        """Note a database URL."""
        if DATABASE_URL.match(text):
            self.real.append(f"database URL {text.split('://')[0]}://")

    def add_call(self, node: cst.Call) -> None:
        """Read one call: a mock, a patch, an engine or a bound session factory."""
        name = call_name(node)
        last = name.rpartition(".")[2]
        if last in MOCK_FACTORIES:
            spec = keyword(node, "spec") or keyword(node, "spec_set")
            target = spec.value if spec is not None else _positional(node, 0)
            if target is not None:
                self._candidates.append(_Candidate(node, "spec", target))
        elif last == "patch" or name == "monkeypatch.setattr" or name.endswith("patch.object"):
            self._patch(node, name)
        elif last in ENGINE_FACTORIES:
            self.creates_engine = True
            self.real.append(f"calls {last}()")
        elif last in SESSION_FACTORIES:
            bind = keyword(node, "bind")
            engine = bind.value if bind is not None else _positional(node, 0)
            if engine is not None and not (isinstance(engine, cst.Call) and _is_mock(engine)):
                self.real.append(f"binds {last}() to an engine")

    def _patch(self, node: cst.Call, name: str) -> None:
        """Record ``patch("...Session.execute")``, ``patch.object(Session, "commit")`` and monkeypatch.setattr."""
        given = keyword(node, "target")
        first = given.value if given is not None else _positional(node, 0)
        text = _string(first)
        if text is not None:
            self._candidates.append(_Candidate(node, "patch", text=text))
            return
        if name.endswith("patch.object") or name == "monkeypatch.setattr":
            attribute = _string(_positional(node, 1))
            if attribute is not None:
                self._candidates.append(_Candidate(node, "object", first, attribute))

    def add_assign(self, node: cst.Assign) -> None:
        """Record ``session.execute = AsyncMock(...)``: a mock put in place of a session's query method."""
        if not (isinstance(node.value, cst.Call) and _is_mock(node.value)):
            return
        for target in node.targets:
            owner = target.target
            if isinstance(owner, cst.Attribute) and owner.attr.value in ASSIGNED_METHODS:
                holder = dotted_name(owner.value).rpartition(".")[2]
                if SESSION_NAME.search(holder):
                    self._candidates.append(_Candidate(node.value, "assigned", text=f"{holder}.{owner.attr.value}"))

    def mocks(self) -> Iterator[tuple[cst.Call, str]]:
        """The calls that mock the database, each with the mocked target: ``AsyncSession``, ``Session.commit``."""
        for candidate in self._candidates:
            mocked = self._mocked(candidate)
            if mocked:
                yield candidate.node, mocked

    def _mocked(self, candidate: _Candidate) -> str:
        """What a candidate mocks, or empty when it is not the database."""
        if candidate.kind == "spec":
            return self.database_type(candidate.target)
        if candidate.kind == "assigned":
            return candidate.text
        if candidate.kind == "object":
            kind = self.database_type(candidate.target)
            return f"{kind}.{candidate.text}" if kind and candidate.text in SESSION_METHODS else ""
        parts = candidate.text.split(".")
        if len(parts) < 2 or parts[-1] not in SESSION_METHODS or parts[-2] not in DATABASE_TYPES:
            return ""
        if parts[0] in DATABASE_MODULES or (self.imports_database and not HTTP_MODULES.intersection(parts)):
            return f"{parts[-2]}.{parts[-1]}"
        return ""


def _is_mock(node: cst.Call) -> bool:
    """Whether a call builds a mock."""
    return call_name(node).rpartition(".")[2] in MOCK_FACTORIES


class DatabaseUsageVisitor:
    """Visitor methods that feed a ``DatabaseUsage``; mix in before ``Detector``."""

    usage: DatabaseUsage
    """What the file does with the database, complete once the module has been visited."""

    def visit_Module(self, node: cst.Module) -> None:
        """Start reading a file."""
        self.usage = DatabaseUsage()

    def visit_Import(self, node: cst.Import) -> None:
        """Read an import."""
        self.usage.add_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """Read a from-import."""
        self.usage.add_import_from(node)

    def visit_Call(self, node: cst.Call) -> None:
        """Read a call."""
        self.usage.add_call(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        """Read an assignment (``session.execute = AsyncMock()``)."""
        self.usage.add_assign(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        """Read a string literal (database URLs)."""
        value = node.evaluated_value
        if isinstance(value, str):
            self.usage.add_string(value)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        """Read the literal start of an f-string (``f"sqlite:///{path}"``)."""
        if node.parts and isinstance(node.parts[0], cst.FormattedStringText):
            self.usage.add_string(node.parts[0].value)
