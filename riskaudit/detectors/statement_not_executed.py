"""SQL statements built and dropped: ``update(User).where(...).values(...)`` as a bare statement."""

from __future__ import annotations

import libcst as cst

from riskaudit.detectors.analysis.coroutine_calls import ReadsCoroutineCalls
from riskaudit.detectors.base import Example, dotted_name

BUILDERS = frozenset({"select", "insert", "update", "delete", "text", "union", "union_all"})
"""SQLAlchemy statement constructors (also re-exported by SQLModel and dialects)."""
PACKAGES = ("sqlalchemy", "sqlmodel")
"""Packages whose builders they are."""


class StatementNotExecuted(ReadsCoroutineCalls):
    """Finds SQLAlchemy statements whose construction is a whole expression statement.

    Building ``update(...)``/``delete(...)``/``insert(...)``/``select(...)``/``text(...)`` (with any chain of
    ``.where()``, ``.values()``, ...) does not run it: a statement that is neither executed, assigned,
    returned nor passed on does nothing. Silent: ``session.execute(update(...))``, ``stmt = delete(...)``,
    a ``select`` returned from a function, and builders of other libraries.
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
    )
    INVALID = (
        Example(
            "from sqlalchemy import update, delete\nasync def move(session, Rule, a, b):\n"
            "    await session.execute(delete(Rule).where(Rule.id == a))\n"
            "    update(Rule).where(Rule.id == b).values(parent=None)\n",
            line=4,
        ),
        Example("import sqlalchemy as sa\ndef mark(conn, t):\n    sa.text('UPDATE t SET x = 1')\n", line=3),
    )

    def visit_Expr(self, node: cst.Expr) -> None:
        """A bare expression statement that is a statement builder's chain."""
        root: cst.BaseExpression = node.value
        while isinstance(root, cst.Call) and isinstance(root.func, cst.Attribute):
            if not isinstance(root.func.value, cst.Call):
                break
            root = root.func.value
        if not isinstance(root, cst.Call):
            return
        written = dotted_name(root.func)
        qualified = self._calls.qualified(written) if written else ""
        name = qualified.rpartition(".")[2]
        if name in BUILDERS and qualified.partition(".")[0] in PACKAGES:
            kind = {"select": "query", "union": "query", "union_all": "query", "text": "SQL"}.get(name, name)
            self.report(node.value, self.MESSAGE.format(name=written, kind=kind))
