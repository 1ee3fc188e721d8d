"""Missing await: a coroutine function called as a bare statement, never awaited."""

from __future__ import annotations

import libcst as cst

from riskaudit.detectors.analysis.coroutine_calls import ReadsCoroutineCalls
from riskaudit.detectors.base import Example


class MissingAwait(ReadsCoroutineCalls):
    """Finds calls of coroutine functions whose coroutine is dropped as a bare statement.

    The callee is resolved by ``CoroutineCalls``: the project's own ``async def`` functions and methods
    (through imports, ``self``/``cls``, and objects whose class the project's annotations, constructors
    and factories reveal) and the async APIs of well-known libraries, installed or not. The message says
    how. Only bare expression statements are reported here (an awaited, returned, stored or scheduled
    coroutine is fine; a coroutine tested, compared or dereferenced is ``CoroutineMisused``'s).
    Works on code mypy does not check (untyped functions, ``ignore_errors`` modules).
    """

    RULE = "RA101"
    CODE = "missing-await"
    MESSAGE = "coroutine of `{name}` is created but never awaited: its body never runs"
    SCOPE = "all"
    # sound: callees resolve via an import, an `async def` of this module, or self/cls (names, not attributes);
    # a library or project type comes through an import too
    TRIGGERS = ("import", "async", "self", "cls")
    VALID = (
        "async def ping() -> None: ...\nasync def main() -> None:\n    await ping()\n",
        "import asyncio\nasync def ping() -> None: ...\nasync def main() -> None:\n"
        "    task = asyncio.create_task(ping())\n    await task\n",
        "import asyncio\nasync def ping() -> None: ...\nasync def main() -> None:\n"
        "    await asyncio.gather(ping(), ping())\n",
        "async def ping() -> None: ...\ndef later():\n    return ping()\n",
        "def ping() -> None: ...\nasync def main() -> None:\n    ping()\n",
        "class Repo:\n    async def save(self) -> None: ...\n    def sync(self) -> None: ...\n"
        "    async def run(self) -> None:\n        self.sync()\n        await self.save()\n",
        "async def ping() -> None: ...\nasync def main(tg) -> None:\n    tg.create_task(ping())\n",
        "from sqlalchemy.orm import Session\ndef undo(session: Session):\n    session.rollback()\n",
        "from sqlalchemy.ext.asyncio import AsyncSession\nasync def store(session: AsyncSession, item):\n"
        "    session.add(item)\n    await session.commit()\n",
        "import redis\ndef clear(client: redis.Redis):\n    client.delete('k')\n",
        "class Repo:\n    async def save(self): ...\nasync def run(repo):\n    repo.save()\n",
        "class Base:\n    def close(self):\n        self.closed = True\nclass Repo(Base):\n    async def close(self):\n"
        "        super().close()\n",
        "class Store:\n    def save(self, item):\n        raise NotImplementedError\n"
        "class SqlStore(Store):\n    async def save(self, item): ...\nclass FileStore(Store):\n"
        "    def save(self, item): ...\nclass Service:\n    def __init__(self, store: Store):\n"
        "        self.store = store\n    async def run(self, item):\n        self.store.save(item)\n",
    )
    INVALID = (
        Example("async def ping() -> None: ...\nasync def main() -> None:\n    ping()\n", line=3),
        Example(
            "class Repo:\n    async def save(self) -> None: ...\n    async def run(self):\n        self.save()\n",
            line=4,
        ),
        Example(
            "class Base:\n    async def close(self) -> None: ...\nclass Repo(Base):\n"
            "    def shutdown(self):\n        self.close()\n",
            line=5,
        ),
        Example("async def dispose() -> None: ...\ndef stop():\n    dispose()\n", line=3),
        Example(
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "async def undo(session: AsyncSession):\n    session.rollback()\n",
            line=3,
        ),
        Example(
            "class Repo:\n    async def save(self): ...\nclass Service:\n    def __init__(self, repo: Repo):\n"
            "        self.repo = repo\n    async def run(self):\n        self.repo.save()\n",
            line=7,
        ),
        Example(
            "from sqlalchemy.ext.asyncio import async_sessionmaker\nfactory = async_sessionmaker()\n"
            "async def store(item):\n    async with factory() as session:\n        session.add(item)\n"
            "        session.commit()\n",
            line=6,
        ),
        Example("import asyncio\nasync def main():\n    asyncio.sleep(1)\n", line=3),
        Example(
            "class Store:\n    def save(self, item):\n        raise NotImplementedError\n"
            "class SqlStore(Store):\n    async def save(self, item): ...\n"
            "class Service:\n    def __init__(self, store: Store):\n        self.store = store\n"
            "    async def run(self, item):\n        self.store.save(item)\n",
            line=10,
        ),
        Example(
            "async def fetch(id): ...\ndef get(id):\n    return fetch(id)\nasync def main():\n"
            "    await get(1)\n    get(2)\n",
            line=6,
        ),
        Example(
            "class Base:\n    async def close(self): ...\nclass Repo(Base):\n    async def close(self):\n"
            "        super().close()\n",
            line=5,
        ),
    )

    def visit_Expr(self, node: cst.Expr) -> None:
        """A bare expression statement: report it when it calls a coroutine function."""
        if isinstance(node.value, cst.Call) and (found := self._calls.coroutine(node.value)):
            self.report(node.value, f"{self.MESSAGE.format(name=found.name)} ({found.how})")
