"""Check-then-act on time in async methods: a clock check on instance state, an await, then an unlocked write."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst

from riskaudit.detectors.base import Detector, Example, FileContext, call_name, dotted_name

_CLOCKS = frozenset(
    {"time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "now", "utcnow"}
    | {"clock", "_clock", "_now", "_time"}
)
"""Last dotted part of a call that reads the clock (``time.monotonic()``, ``loop.time()``, ``self._clock()``)."""
_LOCK_WORDS = frozenset({"lock", "locks", "rlock", "mutex", "semaphore", "sem", "cond", "condition"})
"""Words in the name of a context manager that serialises coroutines (``self._lock``, ``writeLock``)."""
_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
"""Words of a snake_case or camelCase name (``block``/``clock`` are not ``lock``)."""
_WALK_DEPTH = 8
"""How deep a comparison or an assigned value is searched (they are small expressions)."""


def _walk(node: cst.CSTNode, depth: int = _WALK_DEPTH) -> Iterator[cst.CSTNode]:
    """The node and its descendants down to a bounded depth, not entering nested lambdas."""
    yield node
    if depth and not isinstance(node, cst.Lambda):
        for child in node.children:
            yield from _walk(child, depth - 1)


def _instance_attr(node: cst.BaseExpression, owner: str) -> str:
    """The attribute of the instance a target chain starts with (``stats`` for ``self.stats.n[k]``)."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == owner:
            return node.attr.value
        node = node.value
    return ""


def _instance_reads(node: cst.CSTNode, owner: str) -> set[str]:
    """Instance attributes an expression reads (``self.a.b`` gives ``a``; a called ``self._clock()`` is left out)."""
    parts = list(_walk(node))
    callees = {id(part.func) for part in parts if isinstance(part, cst.Call)}
    return {
        part.attr.value
        for part in parts
        if isinstance(part, cst.Attribute)
        and isinstance(part.value, cst.Name)
        and part.value.value == owner
        and id(part) not in callees
    }


def _is_lock(node: cst.BaseExpression) -> bool:
    """Whether a context manager expression names a lock, semaphore or condition."""
    return any(
        isinstance(part, cst.Name) and any(w.lower() in _LOCK_WORDS for w in _WORD_RE.findall(part.value))
        for part in _walk(node, depth=6)
    )


@dataclass(eq=False)
class _Check:
    """A clock check on instance state, waiting for an await and then a related write."""

    node: cst.Comparison
    related: set[str]
    """Instance attributes read by the check and by the ``if`` tests around it."""
    awaited: bool = False
    where: tuple[int, ...] = ()
    """The blocks around the last await after the check."""
    calls: set[str] = field(default_factory=set)
    """Methods of the instance called after the await (their writes count, resolved at the class end)."""


@dataclass
class _Frame:
    """A method or function being visited."""

    name: str
    tracked: bool
    """Whether it is an ``async def`` method: checks are tracked."""
    method: bool
    """Whether it is a method of the enclosing class: its unlocked writes are recorded for callers."""
    owner: str = "self"
    """Name of the instance parameter."""
    locks: int = 0
    """Depth of lock contexts (a lock acquired with ``await lock.acquire()`` counts to the end)."""
    clock_names: set[str] = field(default_factory=set)
    """Locals that hold a clock reading or a value computed from one."""
    tests: list[set[str]] = field(default_factory=list)
    """Instance attributes read by each enclosing ``if`` test."""
    writes: set[str] = field(default_factory=set)
    """Instance attributes assigned outside any lock."""
    blocks: list[int] = field(default_factory=list)
    """Ids of the statement blocks around the current statement."""
    checks: list[_Check] = field(default_factory=list)


@dataclass
class _Class:
    """A class being visited: what its methods write, and checks waiting for that to be known."""

    writes: dict[str, set[str]] = field(default_factory=dict)
    waiting: list[_Check] = field(default_factory=list)


class TimeCheckThenAct(Detector):
    """Finds clock checks on instance state in async methods followed, after an await, by unlocked related writes.

    Tracked: ``async def`` methods of a class. A check is a comparison, outside any lock context,
    that reads the clock (``time.time()``, ``time.monotonic()``, ``loop.time()``, ``self._clock()``,
    ``datetime.now()``, or a local assigned from one) and an attribute of the instance. It is
    reported when, later in the method, an await (``await``, ``async for``, ``async with``) is
    followed by an unlocked write to a related instance attribute: one the check or an enclosing
    ``if`` test reads (``self.stats`` for ``self.stats.last_failure``), written directly or by a
    method of the same class called after the await. A check and write with no await between them is
    atomic under asyncio and is not reported, nor is a path that returns or raises between the
    await and the write (a return in a branch that does not hold the await, such as an ``except``
    clause, does not end the other paths). Lock contexts are ``with``/``async with`` on anything named with the word
    lock, mutex, semaphore or condition (``self._lock``, ``self._write_lock``; not ``self.block``).
    """

    RULE = "RA503"
    CODE = "check-then-act-time"
    MESSAGE = (
        "time check on instance state, then an await, then an unlocked write of that state: concurrent "
        "callers all pass the check before any of them records the result"
    )
    SCOPE = "source"
    # sound: checks are only opened inside `async def` methods
    TRIGGERS = ("async",)
    VALID = (
        "import asyncio, time\nclass B:\n    async def call(self, func):\n        async with self._lock:\n"
        "            if time.time() - self.stats.last_failure < self.timeout:\n                raise RuntimeError()\n"
        "            result = await func()\n            self.stats.failures = 0\n",
        "import time\nclass B:\n    def call(self, func):\n        if time.time() - self.last_failure < self.timeout:\n"
        "            raise RuntimeError()\n        result = func()\n        self.last_failure = 0\n",
        "import asyncio, time\nclass B:\n    async def wait(self, deadline):\n"
        "        while time.monotonic() < deadline:\n            await asyncio.sleep(0.1)\n",
        "import time\nclass B:\n    async def call(self, func):\n        self.deadline = 0\n"
        "        if time.monotonic() > self.deadline:\n            raise TimeoutError()\n        return await func()\n",
        "import time\nclass Notifier:\n    async def tick(self):\n        now = time.time()\n"
        "        if now - self.last_notified > self.timeout:\n            self.last_notified = now\n"
        "            await self.notify()\n",
        "import time\nclass B:\n    async def call(self, func):\n        if time.monotonic() < self.until:\n"
        "            await self.notify()\n            raise RuntimeError()\n        self.until = 1\n",
        "import time\nclass B:\n    async def call(self, func):\n        await self._lock.acquire()\n"
        "        if time.monotonic() > self.until:\n            self.until = await func()\n",
        "import time\nasync def call(obj, func):\n    if time.monotonic() > obj.until:\n"
        "        obj.until = await func()\n",
        "import time\nclass Palette:\n    async def search(self):\n        last = time.monotonic()\n"
        "        if time.monotonic() - last > self._BATCH_TIME:\n            await self.refresh()\n"
        "            self.shown = True\n",
        "import time\nclass Client:\n    async def send(self, request):\n"
        "        if time.time() >= self.expires_at:\n            await self._refresh()\n        return 1\n"
        "    async def _refresh(self):\n        async with self._refresh_lock:\n"
        "            self.expires_at = await self.fetch()\n",
    )
    INVALID = (
        Example(
            "import time\nclass CircuitBreaker:\n    async def call(self, func):\n"
            "        if self.state == 'open':\n"
            "            if time.time() - self.stats.last_failure_time < self.config.recovery_timeout:\n"
            "                raise RuntimeError('open')\n            self.state = 'half-open'\n"
            "        result = await func()\n        self.stats.failures = 0\n        return result\n",
            line=5,
        ),
        Example(
            "import time\nclass Token:\n    async def get(self):\n        now = time.monotonic()\n"
            "        if self._token and now < self._expires_at:\n            return self._token\n"
            "        self._token = await self._fetch()\n        self._expires_at = now + 3600\n"
            "        return self._token\n",
            line=5,
        ),
        Example(
            "import asyncio\nclass Pool:\n    async def reap(self):\n        loop = asyncio.get_running_loop()\n"
            "        if loop.time() > self._next_reap:\n            await self._close_idle()\n"
            "            self._next_reap = loop.time() + 60\n",
            line=5,
        ),
        Example(
            "import time\nclass Breaker:\n    async def call(self, func):\n"
            "        if self.state == 'open':\n"
            "            if time.monotonic() - self.opened_at < self.reset_timeout:\n"
            "                raise RuntimeError()\n            self.state = 'half-open'\n"
            "        try:\n            result = await func()\n        except Exception:\n"
            "            self._on_failure()\n            raise\n        self._on_success()\n        return result\n"
            "    def _on_success(self):\n        self.state = 'closed'\n"
            "    def _on_failure(self):\n        self.opened_at = time.monotonic()\n",
            line=5,
        ),
        Example(
            "import time\nclass Client:\n    async def add_csrf(self):\n        now = time.time()\n"
            "        if not self.token or now > self.token_expiration:\n            try:\n"
            "                response = await self.send()\n            except KeyError:\n"
            "                if self.old:\n                    return\n                raise\n"
            "            self.token = response.token\n",
            line=5,
        ),
        Example(
            "import time\nclass Breaker:\n    async def call(self, func):\n        async with self.block:\n"
            "            if time.monotonic() > self.until:\n                self.until = await func()\n",
            line=5,
        ),
    )

    def __init__(self, context: FileContext) -> None:
        """Start on one file with empty state."""
        super().__init__(context)
        self._scopes: list[_Class | _Frame] = []

    def _frame(self) -> _Frame | None:
        """The innermost scope if it is a function."""
        scope = self._scopes[-1] if self._scopes else None
        return scope if isinstance(scope, _Frame) else None

    def _tracked(self) -> _Frame | None:
        """The innermost scope if it is a tracked async method."""
        frame = self._frame()
        return frame if frame is not None and frame.tracked else None

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Enter a class: its ``async def`` methods are tracked."""
        self._scopes.append(_Class())

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Leave a class: report checks followed by calls to methods that write related state."""
        scope = self._scopes.pop()
        if not isinstance(scope, _Class):
            return
        for check in scope.waiting:
            if any(scope.writes.get(name, set()) & check.related for name in check.calls):
                self.report(check.node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function; a method records its writes, an ``async def`` method is tracked."""
        method = bool(self._scopes) and isinstance(self._scopes[-1], _Class)
        static = any(dotted_name(d.decorator) in ("staticmethod", "classmethod") for d in node.decorators)
        params = node.params.params
        method = method and not static and bool(params)
        owner = params[0].name.value if params else "self"
        self._scopes.append(_Frame(node.name.value, method and node.asynchronous is not None, method, owner))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function: hand its writes and its open awaited checks to the class."""
        frame = self._scopes.pop()
        if not isinstance(frame, _Frame) or not frame.method or not self._scopes:
            return
        if not isinstance(self._scopes[-1], _Class):
            return
        owner = self._scopes[-1]
        owner.writes.setdefault(frame.name, set()).update(frame.writes)
        owner.waiting.extend(check for check in frame.checks if check.awaited and check.calls)

    def visit_If(self, node: cst.If) -> None:
        """Remember what the ``if`` test reads: writes to it are related to checks inside."""
        frame = self._tracked()
        if frame is not None:
            frame.tests.append(_instance_reads(node.test, frame.owner))

    def leave_If(self, original_node: cst.If) -> None:
        """Leave the ``if``."""
        frame = self._tracked()
        if frame is not None:
            frame.tests.pop()

    def visit_With(self, node: cst.With) -> None:
        """Enter a lock context; ``async with`` on anything else is an await point."""
        frame = self._frame()
        if frame is None:
            return
        if any(_is_lock(item.item) for item in node.items):
            frame.locks += 1
        elif node.asynchronous is not None:
            self._awaited(frame)

    def leave_With(self, original_node: cst.With) -> None:
        """Leave a lock context."""
        frame = self._frame()
        if frame is not None and any(_is_lock(item.item) for item in original_node.items):
            frame.locks -= 1

    def visit_For(self, node: cst.For) -> None:
        """``async for`` is an await point."""
        frame = self._frame()
        if frame is not None and node.asynchronous is not None:
            self._awaited(frame)

    def visit_Await(self, node: cst.Await) -> None:
        """An await point; ``await lock.acquire()`` holds the lock for the rest of the method."""
        frame = self._frame()
        if frame is None:
            return
        if isinstance(node.expression, cst.Call) and call_name(node.expression).endswith(".acquire"):
            if _is_lock(node.expression.func):
                frame.locks += 1
                return
        self._awaited(frame)

    @staticmethod
    def _awaited(frame: _Frame) -> None:
        """Mark the open checks as crossed by an await, here."""
        for check in frame.checks:
            check.awaited = True
            check.where = tuple(frame.blocks)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        """Enter a block of statements."""
        self._enter_block(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        """Leave a block of statements."""
        self._leave_block()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        """Enter a one-line block (``if expired: return``)."""
        self._enter_block(node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        """Leave a one-line block."""
        self._leave_block()

    def _enter_block(self, node: cst.CSTNode) -> None:
        """Push a block on the current function's block path."""
        frame = self._tracked()
        if frame is not None:
            frame.blocks.append(id(node))

    def _leave_block(self) -> None:
        """Pop a block (the function's own body is popped with the function)."""
        frame = self._tracked()
        if frame is not None and frame.blocks:
            frame.blocks.pop()

    def visit_Call(self, node: cst.Call) -> None:
        """``self.method()`` after an await: the method's writes count for the open checks."""
        frame = self._tracked()
        if frame is None or frame.locks or not isinstance(node.func, cst.Attribute):
            return
        if isinstance(node.func.value, cst.Name) and node.func.value.value == frame.owner:
            for check in frame.checks:
                if check.awaited:
                    check.calls.add(node.func.attr.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        """A clock check on instance state, outside any lock, is opened."""
        frame = self._tracked()
        if frame is None or frame.locks or not self._reads_clock(node, frame):
            return
        reads = _instance_reads(node, frame.owner)
        if reads:
            frame.checks.append(_Check(node, reads.union(*frame.tests)))

    @staticmethod
    def _reads_clock(node: cst.CSTNode, frame: _Frame) -> bool:
        """Whether an expression reads the clock or a local holding a clock reading."""
        for part in _walk(node):
            if isinstance(part, cst.Call) and call_name(part).rpartition(".")[2] in _CLOCKS:
                return True
            if isinstance(part, cst.Name) and part.value in frame.clock_names:
                return True
        return False

    def leave_Assign(self, original_node: cst.Assign) -> None:
        """Track clock-valued locals and instance writes (after any await in the value)."""
        frame = self._frame()
        if frame is not None:
            self._assigned(frame, [t.target for t in original_node.targets], original_node.value)

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        """``self.count += 1`` is an instance write."""
        frame = self._frame()
        if frame is not None:
            self._assigned(frame, [original_node.target], None)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        """``self.x: int = ...`` is an instance write."""
        frame = self._frame()
        if frame is not None and original_node.value is not None:
            self._assigned(frame, [original_node.target], original_node.value)

    def _assigned(
        self, frame: _Frame, targets: Sequence[cst.BaseExpression], value: cst.BaseExpression | None
    ) -> None:
        """Locals may hold clock readings; an unlocked instance write closes related awaited checks."""
        flat: list[cst.BaseExpression] = []
        for target in targets:
            if isinstance(target, (cst.Tuple, cst.List)):
                flat.extend(el.value for el in target.elements)
            else:
                flat.append(target)
        clocked = frame.tracked and value is not None and self._reads_clock(value, frame)
        for target in flat:
            if isinstance(target, cst.Name):
                if clocked:
                    frame.clock_names.add(target.value)
                else:
                    frame.clock_names.discard(target.value)
                continue
            attr = _instance_attr(target, frame.owner)
            if attr and not frame.locks:
                frame.writes.add(attr)
                self._written(frame, attr)

    def _written(self, frame: _Frame, attr: str) -> None:
        """Report the awaited checks that this write of instance state completes."""
        done = [check for check in frame.checks if check.awaited and attr in check.related]
        for check in done:
            self.report(check.node)
        frame.checks = [check for check in frame.checks if all(check is not other for other in done)]

    def leave_Return(self, original_node: cst.Return) -> None:
        """Leaving the method ends the awaited checks on this path (calls made so far still count)."""
        self._path_ends()

    def leave_Raise(self, original_node: cst.Raise) -> None:
        """Raising ends the awaited checks on this path (calls made so far still count)."""
        self._path_ends()

    def _path_ends(self) -> None:
        """Park the checks whose await is always followed by this return/raise with the class.

        That holds when the return is in the await's block or a block around it; a return in a
        branch the await is not in (``if cached: return``, an ``except`` clause) leaves other paths open.
        """
        frame = self._tracked()
        if frame is None or len(self._scopes) < 2:
            return
        here = tuple(frame.blocks)
        ended = [check for check in frame.checks if check.awaited and check.where[: len(here)] == here]
        owner = self._scopes[-2]
        if isinstance(owner, _Class):
            owner.waiting.extend(check for check in ended if check.calls)
        frame.checks = [check for check in frame.checks if all(check is not other for other in ended)]
