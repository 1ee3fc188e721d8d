"""Cancellation swallowed: async code that catches ``CancelledError`` (or everything) and does not re-raise."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from riskaudit.detectors.analysis.coroutine_calls import ReadsCoroutineCalls
from riskaudit.detectors.base import Example, FileContext, dotted_name

CANCELLED = frozenset(
    {"asyncio.CancelledError", "asyncio.exceptions.CancelledError", "concurrent.futures.CancelledError",
     "trio.Cancelled", "BaseException", "builtins.BaseException"}
)
"""Exceptions whose catching catches a task's cancellation."""
LOGGING = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print"})
"""Callees that only record an exception: handing it to them does not pass it on."""


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The node and its descendants, not entering nested functions, lambdas or classes."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        if current is node or not isinstance(current, cst.FunctionDef | cst.Lambda | cst.ClassDef):
            pending.extend(current.children)


def _cancelled_names(node: cst.CSTNode) -> set[str]:
    """Receivers of ``x.cancel()`` calls in the code (``task`` for ``task.cancel()``)."""
    return {
        dotted_name(part.func.value)
        for part in _walk(node)
        if isinstance(part, cst.Call) and isinstance(part.func, cst.Attribute) and part.func.attr.value == "cancel"
    } - {""}


def _suspends(node: cst.CSTNode) -> bool:
    """Whether the code awaits (``await``, ``async for``, ``async with``): only there can cancellation arrive."""
    return any(
        isinstance(part, cst.Await) or (isinstance(part, cst.For | cst.With) and part.asynchronous is not None)
        for part in _walk(node)
    )


def _forwards(handler: cst.ExceptHandler) -> bool:
    """Whether the handler passes the cancellation on.

    It raises, cancels again, or hands the bound exception to code that may raise it
    (``self._convert_error(exc)``, ``future.set_exception(exc)``, ``self.error = exc``, ``return exc``);
    logging it is not handing it on.
    """
    bound = handler.name.name.value if handler.name and isinstance(handler.name.name, cst.Name) else ""
    for part in _walk(handler.body):
        if isinstance(part, cst.Raise):
            return True
        if isinstance(part, cst.Call) and isinstance(part.func, cst.Attribute):
            if part.func.attr.value in ("cancel", "uncancel"):
                return True
        if bound and _uses(part, bound):
            return True
    return False


def _uses(part: cst.CSTNode, bound: str) -> bool:
    """Whether a statement or call hands the bound exception on (not to a logging call)."""
    if isinstance(part, cst.Call) and _last(part.func) not in LOGGING:
        return any(isinstance(arg.value, cst.Name) and arg.value.value == bound for arg in part.args)
    if isinstance(part, cst.Assign | cst.Return):
        value = part.value
        return isinstance(value, cst.Name) and value.value == bound
    return False


def _last(func: cst.BaseExpression) -> str:
    """The last part of a callee's dotted name."""
    return dotted_name(func).rpartition(".")[2]


class CancellationSwallowed(ReadsCoroutineCalls):
    """Finds ``except`` clauses in async code that catch cancellation and end without raising.

    ``except asyncio.CancelledError:``, ``except BaseException:`` and a bare ``except:`` inside an
    ``async def`` whose handler neither raises, cancels again nor hands the bound exception on. Silent:
    awaiting what this function cancelled (``task.cancel()`` then ``try: await task except CancelledError:
    pass``), a ``try`` body that never awaits (a ``CancelledError`` there is a cancelled future's result,
    not this task's cancellation), and ``except Exception`` (it does not catch cancellation on 3.8+).
    """

    RULE = "RA512"
    CODE = "cancellation-swallowed"
    MESSAGE = (
        "{what} in async code ends without re-raising: the task's cancellation is swallowed, so cancel(), "
        "timeouts and shutdown wait for a task that keeps running (or returns as if it had finished)"
    )
    SCOPE = "source"
    TRIGGERS = ("except:", "BaseException", "Cancelled")
    VALID = (
        "import asyncio\nasync def run(job):\n    try:\n        await job()\n    except asyncio.CancelledError:\n"
        "        await cleanup()\n        raise\n",
        "import asyncio\nasync def stop(task):\n    task.cancel()\n    try:\n        await task\n"
        "    except asyncio.CancelledError:\n        pass\n",
        "async def run(job):\n    try:\n        await job()\n    except Exception:\n        log()\n",
        "def run(job):\n    try:\n        job()\n    except BaseException:\n        log()\n",
        "import asyncio\nasync def first(future):\n    try:\n        return future.result()\n"
        "    except asyncio.CancelledError:\n        return None\n",
        "async def recv(sock, convert):\n    try:\n        return await sock.recv()\n"
        "    except BaseException as exc:\n        convert(exc)\n",
        "async def run(job):\n    def inner():\n        try:\n            job()\n        except:\n            pass\n"
        "    return inner\n",
    )
    INVALID = (
        Example(
            "import asyncio\nasync def worker(queue):\n    while True:\n        try:\n            await queue.get()\n"
            "        except asyncio.CancelledError:\n            break\n",
            line=6,
        ),
        Example("async def run(job):\n    try:\n        await job()\n    except:\n        log()\n", line=4),
        Example(
            "from asyncio import CancelledError\nasync def run(job):\n    try:\n        await job()\n"
            "    except (ValueError, CancelledError):\n        return None\n",
            line=5,
        ),
        Example("async def run(job):\n    try:\n        await job()\n    except BaseException as e:\n        log(e)\n",
                line=4),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._cancelled: list[set[str]] = []
        """Per enclosing function: receivers of ``.cancel()`` calls seen so far."""
        self._exempt: list[bool] = []
        """Per enclosing ``try``: whether its handlers cannot swallow this task's cancellation (the body
        never awaits, or awaits what the function itself cancelled)."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function."""
        self._cancelled.append(set())

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._cancelled.pop()

    def visit_Call(self, node: cst.Call) -> None:
        """``task.cancel()``: awaiting task later may end in its CancelledError."""
        if self._cancelled and isinstance(node.func, cst.Attribute) and node.func.attr.value == "cancel":
            self._cancelled[-1].add(dotted_name(node.func.value))

    def visit_Try(self, node: cst.Try) -> None:
        """Enter a try: can cancellation arrive in its body, and is it one the function asked for?

        Cancellation arrives only at an await; a function that cancelled something (before or in the
        body) and then awaits in the body is waiting for that cancellation to finish.
        """
        suspends = _suspends(node.body)
        own = bool(self._cancelled and self._cancelled[-1]) or bool(_cancelled_names(node.body))
        self._exempt.append(not suspends or own)

    def leave_Try(self, original_node: cst.Try) -> None:
        """Leave a try."""
        self._exempt.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        """An except clause in async code: does it catch cancellation and end without passing it on?"""
        if not self._scope.inside_async or (self._exempt and self._exempt[-1]):
            return
        what = self._catches(node.type)
        if what and not _forwards(node):
            self.report(node, self.MESSAGE.format(what=what))

    def _catches(self, caught: cst.BaseExpression | None) -> str:
        """How the clause catches cancellation (``a bare `except:` ``), or empty when it does not."""
        if caught is None:
            return "a bare `except:`"
        names = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
        for name in names:
            written = dotted_name(name)
            qualified = self._calls.qualified(written) if written else ""
            if qualified in CANCELLED or (written == "CancelledError" and qualified == written):
                return f"`except {written}`"
        return ""
