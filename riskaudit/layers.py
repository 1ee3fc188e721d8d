"""Critical layers: the parts of a codebase where a defect costs most (data access, persistence, auth).

A file is in a layer because of what its code does: it imports an ORM, a database driver, Alembic or an
authentication library (the layer's ``content``). Configured folder or module names and path globs put
files in a layer too. Test code is never in a layer by its content.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from riskaudit.path_patterns import any_match

PERSISTENCE = "persistence"
"""Content kind: defines the schema or the database plumbing (ORM models, tables, engines, sessions, migrations)."""
DATA_ACCESS = "data access"
"""Content kind: talks to a database (queries, sessions, drivers) without defining the schema."""
AUTH = "auth"
"""Content kind: authenticates, hashes passwords, signs or verifies tokens."""
CONTENT_KINDS = (DATA_ACCESS, PERSISTENCE, AUTH)
"""Every content kind a layer can be recognised by."""

_ORM_SCHEMA = (
    "DeclarativeBase", "DeclarativeBaseNoMeta", "declarative_base", "as_declarative", "declared_attr",
    "Mapped", "mapped_column", "relationship", "backref", "registry", "MappedAsDataclass", "column_property",
    "composite", "synonym", "sessionmaker", "scoped_session",
)
"""Names of ``sqlalchemy.orm`` that declare the schema or set up sessions (``Session``, ``selectinload`` query)."""
SCHEMA_IMPORTS = (
    *(f"sqlalchemy.orm.{name}" for name in _ORM_SCHEMA),
    "sqlalchemy.ext.declarative", "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlalchemy.ext.asyncio.async_sessionmaker", "sqlalchemy.ext.asyncio.AsyncAttrs", "sqlalchemy.Column",
    "sqlalchemy.Table", "sqlalchemy.MetaData", "sqlalchemy.create_engine", "sqlalchemy.engine_from_config",
    "sqlalchemy.types.TypeDecorator", "sqlalchemy.TypeDecorator", "sqlmodel.SQLModel", "sqlmodel.Field",
    "alembic", "peewee", "tortoise", "piccolo", "ormar", "mongoengine", "beanie", "odmantic", "pony.orm",
    "django.db.models", "django.db.migrations", "flask_sqlalchemy", "sqlalchemy_utils",
)
"""Imports (qualified-name prefixes) of code that defines the schema or sets up the database."""
DATABASE_IMPORTS = (
    "sqlalchemy", "sqlmodel", "asyncpg", "psycopg", "psycopg2", "aiosqlite", "sqlite3", "pymongo", "motor",
    "redis", "aioredis", "databases", "pymysql", "aiomysql", "MySQLdb", "mysql.connector", "oracledb",
    "cx_Oracle", "pyodbc", "aioodbc", "cassandra", "elasticsearch", "opensearchpy", "clickhouse_driver",
    "duckdb", "django.db", "oslo_db", "edgedb", "neo4j", "influxdb_client",
)
"""Imports (qualified-name prefixes) of code that talks to a database."""
AUTH_IMPORTS = (
    "jose", "jwt", "passlib", "bcrypt", "argon2", "authlib", "itsdangerous", "oauthlib", "requests_oauthlib",
    "pyotp", "webauthn", "fastapi.security", "starlette.authentication", "django.contrib.auth", "flask_login",
    "flask_jwt_extended", "fastapi_users", "keystoneauth1", "keystonemiddleware", "ldap3", "msal",
    "hmac.compare_digest", "secrets.compare_digest", "cryptography.fernet", "nacl", "pwdlib",
)
"""Imports (qualified-name prefixes) of code that authenticates or handles credentials."""


def _imports_any(imports: Iterable[str], prefixes: Sequence[str]) -> bool:
    """Whether a qualified import is one of the prefixes or lies below one (``sqlalchemy.orm.Session``)."""
    return any(name == prefix or name.startswith(f"{prefix}.") for name in imports for prefix in prefixes)


def content_kinds(imports: Iterable[str]) -> frozenset[str]:
    """What a file's imports say it does: persistence (schema, plumbing) or data access, and auth."""
    names = tuple(imports)
    kinds: set[str] = set()
    if _imports_any(names, SCHEMA_IMPORTS):
        kinds.add(PERSISTENCE)
    elif _imports_any(names, DATABASE_IMPORTS):
        kinds.add(DATA_ACCESS)
    if _imports_any(names, AUTH_IMPORTS):
        kinds.add(AUTH)
    return frozenset(kinds)


@dataclass(frozen=True)
class Layer:
    """A named critical layer, recognised by what its code does, or by configured names and paths."""

    name: str
    """Display name, e.g. ``data access``."""
    names: frozenset[str]
    """Folder names or module stems that put a file in this layer (configured; none by default)."""
    coverage_threshold: float
    """Line coverage (percent) below which a file of the layer is a finding."""
    paths: tuple[str, ...] = ()
    """Path patterns (``riskaudit.path_patterns``), e.g. ``app/core/security*.py`` or a folder ``app/auth``."""
    content: str = ""
    """The content kind (``CONTENT_KINDS``) that puts a production file in this layer; empty: none."""


DEFAULT_LAYERS: tuple[Layer, ...] = (
    Layer("data access", frozenset(), 80.0, content=DATA_ACCESS),
    Layer("persistence", frozenset(), 80.0, content=PERSISTENCE),
    Layer("auth and security", frozenset(), 80.0, content=AUTH),
)


def layer_of(path: str, layers: Sequence[Layer] = DEFAULT_LAYERS) -> Layer | None:
    """The first critical layer a path belongs to by its configured names or path globs, or None.

    A path belongs to a layer when one of its folders, or its module name, is one of the layer's
    names (``app/repositories/user.py`` for ``repositories``), or it matches one of its globs.
    """
    pure = PurePosixPath(path)
    parts = [*pure.parts[:-1], pure.stem]
    for layer in layers:
        if any(part.lower() in layer.names for part in parts) or any_match(path, layer.paths):
            return layer
    return None


@dataclass(frozen=True)
class LayerMap:
    """Which critical layer each analysed file is in, decided once per scan."""

    layers: tuple[Layer, ...] = DEFAULT_LAYERS
    """The layers, in the order they are tried."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Layer name of each analysed file that is in a layer."""
    analysed: frozenset[str] = frozenset()
    """Every analysed file (in a layer or not)."""

    def of(self, path: str | None) -> Layer | None:
        """The layer of a path: as assigned for analysed files, by names and globs for any other path."""
        if path is None:
            return None
        if path in self.analysed or path in self.files:
            name = self.files.get(path)
            return next((layer for layer in self.layers if layer.name == name), None)
        return layer_of(path, self.layers)


def assign_layers(
    layers: Sequence[Layer], kinds: Mapping[str, frozenset[str]], tests: Iterable[str] = ()
) -> LayerMap:
    """The layer of every analysed file: the first layer whose names or globs match, or whose content it has.

    ``kinds`` holds the content kinds of every analysed file (see ``content_kinds``); ``tests`` are test
    and support files (examples, docs), which only configured names and globs can put in a layer.
    """
    skip = set(tests)
    files: dict[str, str] = {}
    for path, found in kinds.items():
        for layer in layers:
            by_content = bool(layer.content) and layer.content in found and path not in skip
            if by_content or layer_of(path, (layer,)) is not None:
                files[path] = layer.name
                break
    return LayerMap(tuple(layers), files, frozenset(kinds))
