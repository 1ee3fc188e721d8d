"""Coroutines misused: a coroutine object tested, compared, dereferenced, iterated or kept instead of awaited."""

from __future__ import annotations

from dataclasses import dataclass, replace

import libcst as cst

from riskaudit.detectors.analysis.blocks import TracksBlocks
from riskaudit.detectors.analysis.coroutine_calls import Coroutine, ReadsCoroutineCalls
from riskaudit.detectors.base import Example, FileContext, dotted_name

COROUTINE_ATTRIBUTES = frozenset(
    {"send", "throw", "close", "__await__", "cr_await", "cr_frame", "cr_running", "cr_code", "cr_origin"}
    | {"__aiter__", "__anext__", "asend", "athrow", "aclose"}
)
"""Attributes of the coroutine object itself, or of the async iterator an overridden async generator gives:
reading them is using the object, not a result."""
NOT_AWAITING = frozenset(
    {"bool", "len", "list", "tuple", "set", "frozenset", "dict", "str", "int", "float", "print", "sorted",
     "next", "iter", "repr", "sum", "min", "max", "any", "all", "enumerate", "json.dumps"}
)
"""Functions that take a value and never await it: a coroutine passed to them is never run."""


def _names(node: cst.CSTNode) -> set[str]:
    """Every plain name read in an expression."""
    found: set[str] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Name):
            found.add(current.value)
        pending.extend(current.children)
    return found


@dataclass(frozen=True)
class _Kept:
    """A coroutine assigned to a local name, waiting to be used."""

    node: cst.Call
    found: Coroutine
    name: str
    block: int
    """id of the block the assignment is in."""
    returned: int = 0
    """The line of a ``return`` on the assignment's path before the first use (0: none)."""


class CoroutineMisused(ReadsCoroutineCalls, TracksBlocks):
    """Finds coroutine objects used as if they were the call's result.

    ``if repo.exists(x):`` is always true, ``load_user().id`` reads an attribute of the coroutine object,
    ``for row in fetch():`` and ``len(load())`` fail, and ``job = run()`` with ``job`` never used again
    drops the call, as does a ``return`` on the assignment's path before ``job``'s first use (an early
    return for a cached value). The callee is resolved as for RA101 (``CoroutineCalls``:
    project ``async def``s through imports, ``self``, annotated or constructed objects, and the async APIs
    of well-known libraries). Near misses stay silent: an awaited call, a coroutine stored and awaited,
    gathered, scheduled or passed on later, returned, or read through the coroutine's own attributes.
    """

    RULE = "RA119"
    CODE = "coroutine-misused"
    MESSAGE = "coroutine of `{name}` is used without await"
    SCOPE = "all"
    # as RA101: a coroutine function is resolved through an import, an `async def` here, or self/cls
    TRIGGERS = ("import", "async", "self", "cls")
    VALID = (
        "async def exists() -> bool: ...\nasync def main():\n    if await exists():\n        pass\n",
        "async def load(): ...\nasync def main():\n    job = load()\n    await job\n",
        "import asyncio\nasync def load(): ...\nasync def main():\n    job = load()\n"
        "    task = asyncio.create_task(job)\n    await task\n",
        "async def load(): ...\ndef later():\n    job = load()\n    return job\n",
        "async def load(): ...\nasync def main():\n    coro = load()\n    coro.close()\n",
        "def exists(): ...\nasync def main():\n    if exists():\n        pass\n",
        "async def load(): ...\nasync def main(results):\n    job = load()\n    results.append(job)\n",
        "async def load(): ...\nasync def main():\n    user = await load()\n    print(user.id)\n",
        "async def load(): ...\nasync def main(x):\n    if x:\n        job = load()\n    else:\n        return 0\n"
        "    return await job\n",
        "async def load(): ...\ndef later(x):\n    job = load()\n    if x:\n        return job\n    return job\n",
        "async def load(): ...\nasync def main(x):\n    job = load()\n    def inner():\n        return 1\n"
        "    return await job\n",
    )
    INVALID = (
        Example("async def exists() -> bool: ...\nasync def main():\n    if exists():\n        pass\n", line=3),
        Example("async def load(): ...\nasync def main():\n    return load().id\n", line=3),
        Example(
            "class Repo:\n    async def rows(self): ...\n    async def names(self):\n"
            "        return [r.name for r in self.rows()]\n",
            line=4,
        ),
        Example("async def load(): ...\nasync def main():\n    job = load()\n    return 1\n", line=3),
        Example("async def count(): ...\nasync def main():\n    return count() > 0\n", line=3),
        Example(
            "class Repo:\n    async def _load(self, id): ...\n    def load(self, id):\n        return self._load(id)\n"
            "    async def name(self, id):\n        return self.load(id).name\n",
            line=6,
        ),
        Example("async def load(): ...\nasync def main():\n    rows = load()\n    return len(rows)\n", line=4),
        Example(
            "async def load(): ...\nasync def main(cached):\n    job = load()\n    if cached:\n        return cached\n"
            "    return await job\n",
            line=3,
        ),
        Example(
            "from sqlalchemy.ext.asyncio import AsyncSession\n"
            "async def first(session: AsyncSession, stmt):\n    return session.scalars(stmt).first()\n",
            line=3,
        ),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._kept: list[dict[str, _Kept]] = []
        """Coroutines assigned to local names, per enclosing function."""
        self._targets: set[int] = set()
        """ids of the Name nodes that are the assignment targets of kept coroutines."""
        self._misused: dict[int, str] = {}
        """ids of Name nodes of kept coroutines used as a value, with how."""
        TracksBlocks.__init__(self)

    # -- contexts that need the result, not the coroutine -------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        """``if coro():``."""
        self._value(node.test, "tested as a condition: a coroutine object is always true")

    def visit_While(self, node: cst.While) -> None:
        """``while coro():``."""
        self._value(node.test, "tested as a loop condition: a coroutine object is always true")

    def visit_IfExp(self, node: cst.IfExp) -> None:
        """``a if coro() else b``."""
        self._value(node.test, "tested as a condition: a coroutine object is always true")

    def visit_Assert(self, node: cst.Assert) -> None:
        """``assert coro()`` always passes."""
        self._value(node.test, "asserted: a coroutine object is always true, so the assert always passes")

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        """``coro() and x``."""
        for side in (node.left, node.right):
            self._value(side, "tested with and/or: a coroutine object is always true")

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        """``not coro()`` is always false."""
        if isinstance(node.operator, cst.Not):
            self._value(node.expression, "negated: `not` of a coroutine object is always false")

    def visit_Comparison(self, node: cst.Comparison) -> None:
        """``coro() == x``, ``coro() is None``, ``x in coro()``."""
        for side in (node.left, *(target.comparator for target in node.comparisons)):
            self._value(side, "compared: the comparison sees the coroutine object, not its result")

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """``coro().id`` (not the coroutine's own ``send``/``close``/...)."""
        if node.attr.value not in COROUTINE_ATTRIBUTES:
            self._value(node.value, f"dereferenced: `.{node.attr.value}` is read from the coroutine object "
                                    "(AttributeError), not from the result")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        """``coro()["k"]``."""
        self._value(node.value, "indexed: a coroutine object is not subscriptable (TypeError)")

    def visit_For(self, node: cst.For) -> None:
        """``for x in coro():``; an ``async for`` says the callee is an async generator (an override's)."""
        if node.asynchronous is None:
            self._value(node.iter, "iterated: a coroutine object is not iterable (TypeError)")

    def visit_CompFor(self, node: cst.CompFor) -> None:
        """``[x for x in coro()]`` (not ``async for``)."""
        if node.asynchronous is None:
            self._value(node.iter, "iterated: a coroutine object is not iterable (TypeError)")

    def visit_Call(self, node: cst.Call) -> None:
        """``len(coro())``: passed to a function that never awaits it."""
        callee = dotted_name(node.func)
        if callee in NOT_AWAITING:
            for arg in node.args:
                self._value(arg.value, f"passed to `{callee}()`, which does not await it")

    def _value(self, node: cst.BaseExpression, how: str) -> None:
        """The expression is used as a value: report a coroutine call there, mark a kept name."""
        if isinstance(node, cst.Call):
            found = self._calls.coroutine(node)
            if found:
                self.report(node, f"{self.MESSAGE.format(name=found.name)}: {how} ({found.how})")
        elif isinstance(node, cst.Name) and any(node.value in scope for scope in self._kept):
            self._misused.setdefault(id(node), how)

    # -- coroutines kept in a local name -----------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function: its kept coroutines are its own."""
        self._kept.append({})

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function: a kept coroutine never used again is dropped."""
        for kept in self._kept.pop().values():
            self.report(kept.node, f"{self.MESSAGE.format(name=kept.found.name)}: assigned to `{kept.name}` "
                                   f"and never awaited, so its body never runs ({kept.found.how})")

    def visit_Assign(self, node: cst.Assign) -> None:
        """``job = coro()`` in a function: wait for job's use."""
        if not self._kept or len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        if isinstance(node.value, cst.Call) and (found := self._calls.coroutine(node.value)):
            target = node.targets[0].target
            self._targets.add(id(target))
            self._kept[-1][target.value] = _Kept(node.value, found, target.value, self.current_block)

    def visit_Return(self, node: cst.Return) -> None:
        """A ``return`` on a kept coroutine's path before its first use: on that path it is never awaited."""
        if not self._kept or not self._kept[-1]:
            return
        returned = _names(node.value) if node.value is not None else set()
        line = self.position(node).start.line
        scope = self._kept[-1]
        for name, kept in scope.items():
            if not kept.returned and name not in returned and kept.block in self.enclosing_blocks:
                scope[name] = replace(kept, returned=line)

    def visit_Name(self, node: cst.Name) -> None:
        """A use of a kept coroutine: fine, unless it is used as a value (then misused)."""
        if not self._kept or id(node) in self._targets:
            return
        kept = next((scope.pop(node.value) for scope in reversed(self._kept) if node.value in scope), None)
        how = self._misused.get(id(node))
        if kept is not None and how is not None:
            self.report(node, f"{self.MESSAGE.format(name=kept.found.name)} (kept in `{kept.name}`): {how} "
                              f"({kept.found.how})")
        elif kept is not None and kept.returned:
            self.report(kept.node, f"{self.MESSAGE.format(name=kept.found.name)}: assigned to `{kept.name}`, which "
                                   f"the function can return on line {kept.returned} before awaiting, so on that "
                                   f"path its body never runs ({kept.found.how})")
