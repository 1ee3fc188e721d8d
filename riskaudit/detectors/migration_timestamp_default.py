"""Alembic migrations: timezone-less DateTime columns defaulting to the database clock."""

from __future__ import annotations

import libcst as cst

from riskaudit.detectors.base import Detector, Example, call_name
from riskaudit.detectors.analysis.migrations import ColumnDef, MigrationVisitor, is_true, string_value

DATETIME_TYPES = frozenset({"DateTime", "DATETIME", "TIMESTAMP"})
"""SQLAlchemy date-time types whose ``timezone`` defaults to False."""
NOW_FUNCTIONS = frozenset(
    {
        "now",
        "current_timestamp",
        "localtimestamp",
        "statement_timestamp",
        "transaction_timestamp",
        "clock_timestamp",
        "sysdate",
        "getdate",
        "sysdatetime",
    }
)
"""SQL functions returning the database's current time (``sa.func.<name>()`` or in SQL text)."""


def now_default(node: cst.BaseExpression | None) -> str:
    """How a server default reads the database clock (``CURRENT_TIMESTAMP``, ``func.now()``); empty if not.

    Only the bare clock counts: SQL text that converts it to a fixed zone
    (``timezone('utc', now())``, ``now() AT TIME ZONE 'UTC'``) does not.
    """
    if node is None:
        return ""
    if isinstance(node, cst.Call):
        owner, _, function = call_name(node).rpartition(".")
        if function.lower() in NOW_FUNCTIONS and (owner == "func" or owner.endswith(".func")):
            return f"{owner}.{function}()"
        if "current_timestamp" in function.lower() and "utc" not in function.lower():
            return f"{call_name(node)}()"
    text = string_value(node)
    if text is None:
        return ""
    normalised = "".join(text.lower().split())
    while normalised.startswith("(") and normalised.endswith(")"):
        normalised = normalised[1:-1]
    return text.strip() if normalised.removesuffix("()") in NOW_FUNCTIONS else ""


class MigrationTimestampDefault(MigrationVisitor, Detector):
    """Finds naive DateTime/TIMESTAMP columns whose server default is the database clock.

    A column counts when an Alembic revision's upgrade code creates it (``op.create_table`` or
    ``add_column``) with type ``sa.DateTime``/``sa.DATETIME``/``sa.TIMESTAMP`` without
    ``timezone=True`` and with ``server_default`` set to ``sa.text("CURRENT_TIMESTAMP")``,
    ``sa.text("now()")``, ``sa.func.now()``, ``func.current_timestamp()`` or a similar clock
    function, or a project helper named like one (``get_sql_current_timestamp()``, as in
    Dagster). SQL text that converts to a fixed zone (``timezone('utc', now())``) is fine.
    """

    RULE = "RA507"
    CODE = "migration-naive-timestamp-default"
    MESSAGE = (
        "column `{column}` of table `{table}` is a timezone-less {type} defaulting to {default}: "
        "its value depends on the database server's time zone"
    )
    SCOPE = "migrations"
    # sound: reported columns come only from op.create_table / (batch_)op.add_column calls
    TRIGGERS = ("create_table", "add_column")
    VALID = (
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('orders', sa.Column('created_at', sa.DateTime(timezone=True),\n"
            "        server_default=sa.func.now(), nullable=False))\n",
            path="migrations/versions/0001_orders.py",
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('orders', sa.Column('created_at', sa.DateTime(), nullable=False),\n"
            "        sa.Column('seen_at', sa.DateTime(), server_default=sa.text(\"timezone('utc', now())\")))\n",
            path="migrations/versions/0001_orders.py",
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.add_column('orders', sa.Column('paid_at', sa.TIMESTAMP(timezone=True),\n"
            "        server_default=sa.text('CURRENT_TIMESTAMP')))\n",
            path="migrations/versions/0002_paid.py",
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n    pass\n\ndef downgrade():\n"
            "    op.add_column('orders', sa.Column('paid_at', sa.DateTime(), server_default=sa.func.now()))\n",
            path="migrations/versions/0002_paid.py",
        ),
    )
    INVALID = (
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table(\n        'orders',\n"
            "        sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP')),\n    )\n",
            path="migrations/versions/0001_orders.py",
            line=7,
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy import func\n\ndef upgrade():\n"
            "    op.add_column('orders', sa.Column('paid_at', sa.DateTime, server_default=func.current_timestamp()))\n",
            path="migrations/versions/0002_paid.py",
            line=6,
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.add_column('orders', sa.Column('paid_at', sa.TIMESTAMP(timezone=False),\n"
            "        server_default=sa.text('now()')))\n",
            path="migrations/versions/0002_paid.py",
            line=5,
        ),
        Example(
            "import sqlalchemy as db\nfrom alembic import op\nfrom app.sql import get_sql_current_timestamp\n\n"
            "def upgrade():\n    op.create_table('jobs',\n"
            "        db.Column('create_timestamp', db.DateTime, server_default=get_sql_current_timestamp()))\n",
            path="migrations/versions/0003_jobs.py",
            line=7,
        ),
    )

    def leave_Module(self, original_node: cst.Module) -> None:
        """Report every naive timestamp column whose default is the database clock."""
        for column in self.schema.columns:
            default = self._naive_clock_default(column)
            if default:
                message = self.MESSAGE.format(
                    column=column.name, table=column.table, type=column.type_name, default=default
                )
                self.report(column.node, message)

    @staticmethod
    def _naive_clock_default(column: ColumnDef) -> str:
        """The clock default of a timezone-less date-time column; empty when it is not one."""
        if column.type_name not in DATETIME_TYPES or is_true(column.type_keyword("timezone")):
            return ""
        return now_default(column.keyword("server_default"))
