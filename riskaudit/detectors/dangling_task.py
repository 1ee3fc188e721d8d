"""Fire-and-forget tasks: ``asyncio.create_task(...)`` as a bare statement, its task referenced by nobody."""

from __future__ import annotations

import re

import libcst as cst

from riskaudit.detectors.analysis.coroutine_calls import ReadsCoroutineCalls
from riskaudit.detectors.base import Example, dotted_name

SPAWNERS = frozenset({"asyncio.create_task", "asyncio.ensure_future", "asyncio.tasks.create_task"})
"""Functions that schedule a coroutine as a task and return it."""
LOOP_FACTORIES = frozenset({"asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop"})
"""Functions that return the event loop (whose ``create_task`` is the same)."""
_LOOP_NAME = re.compile(r"(^|_)loop$", re.IGNORECASE)
"""A variable or attribute that holds the event loop (``loop``, ``self._loop``, ``event_loop``)."""


class DanglingTask(ReadsCoroutineCalls):
    """Finds tasks created and dropped: the event loop keeps only weak references to tasks.

    ``asyncio.create_task(coro())``, ``asyncio.ensure_future(...)`` and ``loop.create_task(...)`` as bare
    statements. A task kept in a variable, a set or a list, returned, awaited, or created by a TaskGroup
    (``tg.create_task``, which keeps its tasks) is fine.
    """

    RULE = "RA511"
    CODE = "dangling-task"
    MESSAGE = (
        "the task of `{name}(...)` is not kept: the event loop holds only a weak reference, so it can be "
        "garbage-collected before it finishes, and an exception it raises is never retrieved"
    )
    SCOPE = "source"
    TRIGGERS = ("create_task", "ensure_future")
    VALID = (
        "import asyncio\nasync def work(): ...\nasync def main():\n    task = asyncio.create_task(work())\n"
        "    await task\n",
        "import asyncio\nasync def work(): ...\nasync def main(tasks: set):\n"
        "    task = asyncio.create_task(work())\n    tasks.add(task)\n    task.add_done_callback(tasks.discard)\n",
        "import asyncio\nasync def work(): ...\nasync def main():\n    async with asyncio.TaskGroup() as tg:\n"
        "        tg.create_task(work())\n",
        "import asyncio\nasync def work(): ...\ndef start():\n    return asyncio.ensure_future(work())\n",
    )
    INVALID = (
        Example("import asyncio\nasync def work(): ...\nasync def main():\n    asyncio.create_task(work())\n", line=4),
        Example(
            "from asyncio import ensure_future\nasync def work(): ...\ndef start():\n    ensure_future(work())\n",
            line=4,
        ),
        Example(
            "import asyncio\nasync def work(): ...\nclass Worker:\n    def start(self):\n"
            "        self._loop.create_task(work())\n",
            line=5,
        ),
        Example(
            "import asyncio\nasync def work(): ...\ndef start():\n    asyncio.get_event_loop().create_task(work())\n",
            line=4,
        ),
    )

    def visit_Expr(self, node: cst.Expr) -> None:
        """A bare statement that creates a task."""
        if isinstance(node.value, cst.Call) and (name := self._spawner(node.value.func)):
            self.report(node.value, self.MESSAGE.format(name=name))

    def _spawner(self, func: cst.BaseExpression) -> str:
        """The spawning callee as written, or empty when the call does not create a free task."""
        written = dotted_name(func)
        if written and self._calls.qualified(written) in SPAWNERS:
            return written
        if not isinstance(func, cst.Attribute) or func.attr.value != "create_task":
            return ""
        receiver = func.value
        if isinstance(receiver, cst.Call) and self._calls.qualified(dotted_name(receiver.func)) in LOOP_FACTORIES:
            return f"{dotted_name(receiver.func)}().create_task"
        if isinstance(receiver, cst.Attribute):
            last = receiver.attr.value
        else:
            last = receiver.value if isinstance(receiver, cst.Name) else ""
        return f"{dotted_name(receiver)}.create_task" if _LOOP_NAME.search(last) else ""
