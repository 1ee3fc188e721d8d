"""Blocking calls on the event loop: synchronous sleep, HTTP, subprocess and database work inside ``async def``."""

from __future__ import annotations

import libcst as cst

from riskaudit.detectors.analysis.coroutine_calls import ReadsCoroutineCalls
from riskaudit.detectors.base import Example, dotted_name

BLOCKING_FUNCTIONS = {
    "time.sleep": "sleeps the whole event loop",
    "os.system": "waits for a shell command",
    "subprocess.run": "waits for a process",
    "subprocess.call": "waits for a process",
    "subprocess.check_call": "waits for a process",
    "subprocess.check_output": "waits for a process",
    "urllib.request.urlopen": "waits for an HTTP response",
    "socket.create_connection": "waits for a TCP connection",
    **{f"requests.{verb}": "waits for an HTTP response"
       for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request")},
    **{f"httpx.{verb}": "waits for an HTTP response"
       for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")},
}
"""Synchronous library functions that block the calling thread, and on what."""
SYNC_CLIENTS = {
    "sqlalchemy.orm.Session": "SQLAlchemy's synchronous Session",
    "sqlalchemy.orm.session.Session": "SQLAlchemy's synchronous Session",
    "sqlalchemy.engine.Connection": "SQLAlchemy's synchronous Connection",
    "sqlalchemy.engine.base.Connection": "SQLAlchemy's synchronous Connection",
    "sqlalchemy.Connection": "SQLAlchemy's synchronous Connection",
    "sqlmodel.Session": "SQLModel's synchronous Session",
    "requests.Session": "a requests Session",
    "httpx.Client": "httpx's synchronous Client",
}
"""Synchronous classes whose work below blocks on the network."""
SYNC_CLIENT_METHODS = frozenset(
    {"execute", "commit", "rollback", "flush", "query", "scalars", "scalar", "get", "refresh", "exec", "merge",
     "post", "put", "patch", "delete", "request", "send"}
)
"""Methods of those classes that do network round trips (``get`` is a query on a session, a request on a client)."""


class BlockingCall(ReadsCoroutineCalls):
    """Finds synchronous blocking work in coroutines: the event loop stops for every other request.

    ``time.sleep``, ``requests``/``httpx`` module functions, ``urllib.request.urlopen``, ``subprocess``'s
    waiting functions and ``os.system`` inside an ``async def``; and database or HTTP round trips on a
    synchronous SQLAlchemy ``Session``/``Connection``, SQLModel ``Session``, ``requests.Session`` or
    ``httpx.Client`` whose type the code declares (annotations, constructors, ``with``). Silent: the same
    calls in a plain ``def`` nested in the coroutine or passed uncalled to ``asyncio.to_thread`` or
    ``run_in_executor``, and the async counterparts (``asyncio.sleep``, ``AsyncSession``).
    """

    RULE = "RA513"
    CODE = "blocking-call"
    MESSAGE = "`{name}()` inside `async def {function}` {what}: every other coroutine on the loop waits with it"
    SCOPE = "source"
    TRIGGERS = ("async",)
    VALID = (
        "import asyncio\nasync def pause():\n    await asyncio.sleep(1)\n",
        "import asyncio, time\nasync def pause():\n    await asyncio.to_thread(time.sleep, 1)\n",
        "import time\nasync def pause():\n    def work():\n        time.sleep(1)\n    return work\n",
        "import time\ndef pause():\n    time.sleep(1)\n",
        "from sqlalchemy.ext.asyncio import AsyncSession\nasync def save(session: AsyncSession):\n"
        "    await session.commit()\n",
    )
    INVALID = (
        Example("import time\nasync def pause():\n    time.sleep(1)\n", line=3),
        Example("import requests\nasync def fetch(url):\n    return requests.get(url).json()\n", line=3),
        Example("from subprocess import run\nasync def build():\n    run(['make'])\n", line=3),
        Example(
            "from sqlalchemy.orm import Session\nasync def save(session: Session, item):\n    session.add(item)\n"
            "    session.commit()\n",
            line=4,
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        """A call on the event loop: does it block?"""
        function = self._scope.function
        if not self._scope.inside_async or function is None:
            return
        written = dotted_name(node.func)
        what = BLOCKING_FUNCTIONS.get(self._calls.qualified(written)) if written else None
        if what is None and isinstance(node.func, cst.Attribute) and node.func.attr.value in SYNC_CLIENT_METHODS:
            owner = SYNC_CLIENTS.get(self._calls.type_of(node.func.value))
            what = f"waits for a round trip on {owner}" if owner else None
        if what:
            self.report(node, self.MESSAGE.format(name=written or "call", function=function.name.value, what=what))
