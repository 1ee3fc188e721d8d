"""The async APIs of the libraries that matter most, known without the libraries installed.

A project that calls ``session.rollback()`` on an SQLAlchemy ``AsyncSession`` drops a coroutine whether
or not SQLAlchemy is installed where riskaudit runs. This catalogue lists, per library class, the methods
that return a coroutine (or another awaitable that does nothing until awaited), what some methods and
factories return, and the library functions that are coroutine functions. Classes are named by the
module prefix they live under and their name, so that ``sqlalchemy.ext.asyncio.session.AsyncSession``
and ``sqlalchemy.ext.asyncio.AsyncSession`` are one class while ``redis.Redis`` (synchronous) is not
``redis.asyncio.Redis``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AsyncClass:
    """A library class with coroutine methods."""

    module: str
    """Module prefix the class lives under (``sqlalchemy.ext.asyncio``)."""
    name: str
    """Class name."""
    library: str
    """How a finding names it (``SQLAlchemy's AsyncSession``)."""
    methods: frozenset[str]
    """Methods whose call returns a coroutine or an awaitable that does nothing until awaited."""
    returns: Mapping[str, str] = field(default_factory=dict)
    """What a method returns (awaited, or entered by ``async with``), by method: a class of this catalogue."""
    instance_call: str = ""
    """What calling an instance returns (a session factory gives a session); empty: not callable."""


def _methods(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SA = "sqlalchemy.ext.asyncio"
_SESSION = _methods(
    "close commit rollback flush refresh execute scalar scalars get get_one delete merge stream "
    "stream_scalars run_sync invalidate reset connection begin begin_nested aclose"
)
_CONNECTION = _methods(
    "close commit rollback execute scalar scalars stream stream_scalars run_sync invalidate exec_driver_sql "
    "get_raw_connection start begin begin_nested aclose"
)
_REDIS = _methods(
    "get set delete exists expire expireat incr incrby decr decrby hget hset hgetall hdel hincrby hkeys hvals "
    "lpush rpush lpop rpop lrange llen sadd srem smembers sismember zadd zrem zrange zscore publish ping keys "
    "mget mset setex setnx getset ttl pexpire flushdb flushall execute_command close aclose scan eval evalsha"
)
_HTTP_VERBS = _methods("get post put patch delete head options request")
_MOTOR_COLLECTION = _methods(
    "insert_one insert_many find_one update_one update_many delete_one delete_many replace_one count_documents "
    "estimated_document_count find_one_and_update find_one_and_delete find_one_and_replace create_index "
    "create_indexes drop_index drop distinct bulk_write"
)

CLASSES: tuple[AsyncClass, ...] = (
    AsyncClass(_SA, "AsyncSession", "SQLAlchemy's AsyncSession", _SESSION),
    AsyncClass("sqlmodel.ext.asyncio", "AsyncSession", "SQLModel's AsyncSession", _SESSION | {"exec"}),
    AsyncClass(_SA, "AsyncConnection", "SQLAlchemy's AsyncConnection", _CONNECTION),
    AsyncClass(
        _SA, "AsyncEngine", "SQLAlchemy's AsyncEngine", _methods("dispose raw_connection"),
        returns={"connect": "AsyncConnection", "begin": "AsyncConnection"},
    ),
    AsyncClass(_SA, "async_sessionmaker", "SQLAlchemy's async_sessionmaker", frozenset(), instance_call="AsyncSession"),
    AsyncClass(_SA, "async_scoped_session", "SQLAlchemy's async_scoped_session", _SESSION | {"remove"}),
    AsyncClass(
        "asyncpg", "Connection", "asyncpg's Connection",
        _methods(
            "execute executemany fetch fetchrow fetchval fetchmany close prepare copy_from_table copy_to_table "
            "copy_records_to_table copy_from_query set_type_codec reset reload_schema_state add_listener"
        ),
    ),
    AsyncClass(
        "asyncpg", "Pool", "asyncpg's Pool",
        _methods("execute executemany fetch fetchrow fetchval close release expire_connections"),
        returns={"acquire": "Connection"},
    ),
    AsyncClass(
        "aiohttp", "ClientSession", "aiohttp's ClientSession", _HTTP_VERBS | {"close", "ws_connect"},
        returns={verb: "ClientResponse" for verb in _HTTP_VERBS},
    ),
    AsyncClass("aiohttp", "ClientResponse", "aiohttp's ClientResponse", _methods("text json read")),
    AsyncClass(
        "httpx", "AsyncClient", "httpx's AsyncClient", _HTTP_VERBS | {"send", "aclose"},
        returns={verb: "Response" for verb in _HTTP_VERBS},
    ),
    AsyncClass("httpx", "Response", "httpx's Response", _methods("aread aclose")),
    AsyncClass("redis.asyncio", "Redis", "redis.asyncio's Redis", _REDIS),
    AsyncClass("redis.asyncio", "StrictRedis", "redis.asyncio's StrictRedis", _REDIS),
    AsyncClass("motor", "AsyncIOMotorCollection", "Motor's collection", _MOTOR_COLLECTION),
    AsyncClass(
        "motor", "AsyncIOMotorDatabase", "Motor's database",
        _methods("command create_collection drop_collection list_collection_names"),
    ),
    AsyncClass("anyio", "Event", "anyio's Event", _methods("wait")),
    AsyncClass("anyio", "Lock", "anyio's Lock", _methods("acquire")),
    AsyncClass("asyncio", "StreamReader", "asyncio's StreamReader", _methods("read readline readexactly readuntil")),
    AsyncClass("asyncio", "StreamWriter", "asyncio's StreamWriter", _methods("drain wait_closed start_tls")),
    AsyncClass("asyncio", "Queue", "asyncio's Queue", _methods("put get join")),
    AsyncClass("asyncio", "Lock", "asyncio's Lock", _methods("acquire")),
    AsyncClass("asyncio", "Event", "asyncio's Event", _methods("wait")),
    AsyncClass("asyncio", "Semaphore", "asyncio's Semaphore", _methods("acquire")),
    AsyncClass("asyncio", "Condition", "asyncio's Condition", _methods("acquire wait wait_for")),
)
"""Library classes with coroutine methods."""

FUNCTIONS: Mapping[str, str] = {
    "sqlalchemy.ext.asyncio.create_async_engine": "AsyncEngine",
    "sqlalchemy.ext.asyncio.async_engine_from_config": "AsyncEngine",
    "asyncpg.connect": "Connection",
    "asyncpg.create_pool": "Pool",
    "asyncio.sleep": "",
    "asyncio.wait_for": "",
    "asyncio.wait": "",
    "asyncio.open_connection": "",
    "asyncio.start_server": "",
    "asyncio.create_subprocess_exec": "",
    "asyncio.create_subprocess_shell": "",
    "asyncio.to_thread": "",
    "anyio.sleep": "",
    "anyio.open_file": "",
    "anyio.connect_tcp": "",
    "anyio.to_thread.run_sync": "",
    "aiofiles.os.remove": "",
    "aiofiles.os.rename": "",
    "aiofiles.os.makedirs": "",
    "aiofiles.os.stat": "",
}
"""Library coroutine functions by qualified name, with the catalogue class their awaited result is
(empty: none of interest). ``create_async_engine`` is not a coroutine function; it is listed for its result
only (see ``FACTORIES``)."""

FACTORIES = frozenset({"sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.async_engine_from_config"})
"""Functions of ``FUNCTIONS`` that are plain functions: their call gives the class at once, no coroutine."""


CATALOGUED = frozenset(
    {c.module.partition(".")[0] for c in CLASSES} | {name.partition(".")[0] for name in FUNCTIONS}
)
"""Top-level packages whose async API the catalogue holds: they are not read from site-packages too."""


def library_class(qualified: str) -> AsyncClass | None:
    """The catalogue class a qualified class name is (``sqlalchemy.ext.asyncio.session.AsyncSession``)."""
    module, _, name = qualified.rpartition(".")
    for known in CLASSES:
        if name == known.name and (module == known.module or module.startswith(f"{known.module}.")):
            return known
    return None


def sibling(owner: AsyncClass, name: str) -> AsyncClass | None:
    """The catalogue class ``name`` of the same library as owner (what a method or factory returns)."""
    root = owner.module.partition(".")[0]
    return next((c for c in CLASSES if c.name == name and c.module.partition(".")[0] == root), None)


def library_function(qualified: str) -> tuple[bool, AsyncClass | None] | None:
    """Whether a qualified function is a coroutine function, and the class its result is; None: unknown."""
    if qualified not in FUNCTIONS:
        return None
    result = FUNCTIONS[qualified]
    module = qualified.rpartition(".")[0]
    found = library_class(f"{module}.{result}") if result else None
    return qualified not in FACTORIES, found
