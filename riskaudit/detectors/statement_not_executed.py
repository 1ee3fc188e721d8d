"""SQL statements built and dropped, or a write statement executed twice where a new one was meant.

``update(User).where(...).values(...)`` as a bare statement never runs; ``session.execute(stmt)`` copied
with ``stmt`` still holding the previous ``delete`` runs that delete twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from riskaudit.detectors.analysis.blocks import TracksBlocks
from riskaudit.detectors.analysis.coroutine_calls import ReadsCoroutineCalls
from riskaudit.detectors.base import Example, FileContext, dotted_name

BUILDERS = frozenset({"select", "insert", "update", "delete", "text", "union", "union_all"})
"""SQLAlchemy statement constructors (also re-exported by SQLModel and dialects)."""
PACKAGES = ("sqlalchemy", "sqlmodel")
"""Packages whose builders they are."""
WRITES = frozenset({"insert", "update", "delete"})
"""Builders of statements that change rows: running one twice is never a second, different change."""
EXECUTORS = frozenset({"execute", "exec", "scalar", "scalars"})
"""Methods of sessions and connections that run a statement given as their first argument."""
_CODE = cst.Module(body=[])
"""Renders a node's source text."""


@dataclass(frozen=True)
class _Built:
    """A write statement held by a local name."""

    kind: str
    """``insert``, ``update`` or ``delete``."""
    line: int
    """Where it was built."""
    executed: tuple[tuple[int, str], ...] = ()
    """The blocks (ids) and argument texts of its executions so far."""


class StatementNotExecuted(ReadsCoroutineCalls, TracksBlocks):
    """Finds SQLAlchemy statements whose construction is a whole expression statement, or run twice.

    Building ``update(...)``/``delete(...)``/``insert(...)``/``select(...)``/``text(...)`` (with any chain of
    ``.where()``, ``.values()``, ...) does not run it: a statement that is neither executed, assigned,
    returned nor passed on does nothing. Silent: ``session.execute(update(...))``, ``stmt = delete(...)``,
    a ``select`` returned from a function, and builders of other libraries.

    A local holding an ``insert``/``update``/``delete`` that is executed a second time with the same
    arguments, with no new statement assigned to it in between and the first execution on the same path
    (the same block or an enclosing one), repeats a change where another was meant (a copied line whose
    statement was never renamed). Silent: the same statement run with other parameters (executemany
    style), a query (``select``) run twice, executions in separate branches, and a rebuilt statement.
    """

    RULE = "RA515"
    CODE = "statement-not-executed"
    MESSAGE = "`{name}(...)` builds a SQL statement that is never executed: the {kind} does not happen"
    SCOPE = "source"
    TRIGGERS = ("sqlalchemy", "sqlmodel")
    VALID = (
        "from sqlalchemy import update\nasync def rename(session, User):\n"
        "    await session.execute(update(User).values(name='x'))\n",
        "from sqlalchemy import delete\ndef purge(User):\n    stmt = delete(User)\n    return stmt\n",
        "from sqlalchemy import select\ndef query(User):\n    return select(User).where(User.id == 1)\n",
        "def reset(cache):\n    cache.update({})\n",
        "from sqlalchemy import insert\ndef load(conn, t, a, b):\n    stmt = insert(t)\n"
        "    conn.execute(stmt, a)\n    conn.execute(stmt, b)\n",
        "from sqlalchemy import select\ndef twice(conn, t):\n    q = select(t)\n    conn.execute(q)\n"
        "    conn.execute(q)\n",
        "from sqlalchemy import delete\ndef purge(conn, t, soft):\n    stmt = delete(t)\n    if soft:\n"
        "        conn.execute(stmt)\n    else:\n        conn.execute(stmt)\n",
        "from sqlalchemy import delete\ndef purge(conn, t, u):\n    stmt = delete(t)\n    conn.execute(stmt)\n"
        "    stmt = delete(u)\n    conn.execute(stmt)\n",
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._held: list[dict[str, _Built]] = []
        """Write statements held by local names, per enclosing function."""
        TracksBlocks.__init__(self)
    INVALID = (
        Example(
            "from sqlalchemy import update, delete\nasync def move(session, Rule, a, b):\n"
            "    await session.execute(delete(Rule).where(Rule.id == a))\n"
            "    update(Rule).where(Rule.id == b).values(parent=None)\n",
            line=4,
        ),
        Example("import sqlalchemy as sa\ndef mark(conn, t):\n    sa.text('UPDATE t SET x = 1')\n", line=3),
        Example(
            "from sqlalchemy import delete, update\nasync def move(session, Rule, a):\n"
            "    stmt = delete(Rule).where(Rule.id == a)\n    await session.execute(stmt)\n"
            "    stmt2 = update(Rule).where(Rule.parent == a).values(parent=None)\n"
            "    await session.execute(stmt)\n",
            line=6,
        ),
    )

    def visit_Expr(self, node: cst.Expr) -> None:
        """A bare expression statement that is a statement builder's chain."""
        built = self._builder(node.value)
        if built is not None:
            written, name = built
            kind = {"select": "query", "union": "query", "union_all": "query", "text": "SQL"}.get(name, name)
            self.report(node.value, self.MESSAGE.format(name=written, kind=kind))

    def _builder(self, node: cst.BaseExpression) -> tuple[str, str] | None:
        """The builder (as written, and its SQLAlchemy name) at the root of a call chain, or None."""
        root = node
        while isinstance(root, cst.Call) and isinstance(root.func, cst.Attribute):
            if not isinstance(root.func.value, cst.Call):
                break
            root = root.func.value
        if not isinstance(root, cst.Call):
            return None
        written = dotted_name(root.func)
        qualified = self._calls.qualified(written) if written else ""
        name = qualified.rpartition(".")[2]
        if name in BUILDERS and qualified.partition(".")[0] in PACKAGES:
            return written, name
        return None

    # -- a write statement executed twice -------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function: its statements are its own."""
        self._held.append({})

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._held.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        """``stmt = delete(...)`` holds a write statement; any other assignment to the name drops it."""
        if not self._held:
            return
        built = self._builder(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                self._held[-1].pop(name, None)
                if built is not None and built[1] in WRITES and len(node.targets) == 1:
                    self._held[-1][name] = _Built(built[1], self.position(node).start.line)

    def visit_Call(self, node: cst.Call) -> None:
        """``session.execute(stmt)``: a held write statement run again with the same arguments is reported."""
        func = node.func
        if not self._held or not isinstance(func, cst.Attribute) or func.attr.value not in EXECUTORS:
            return
        first = node.args[0].value if node.args and node.args[0].keyword is None else None
        held = self._held[-1].get(first.value) if isinstance(first, cst.Name) else None
        if held is None or not isinstance(first, cst.Name):
            return
        arguments = ", ".join(_CODE.code_for_node(arg) for arg in node.args)
        if any(block in self.enclosing_blocks and text == arguments for block, text in held.executed):
            self.report(node, f"`{first.value}` is executed again: it still holds the {held.kind} built on line "
                              f"{held.line}, so the {held.kind} runs twice and the statement meant here never runs")
        executed = (*held.executed, (self.current_block, arguments))
        self._held[-1][first.value] = _Built(held.kind, held.line, executed)
