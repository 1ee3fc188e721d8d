"""Alembic migrations: more indexes on one table than its writes can comfortably afford."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from riskaudit.detectors.base import Detector, Example
from riskaudit.detectors.analysis.migrations import MigrationVisitor


def _index_calls(table: str, count: int) -> str:
    """A revision body creating ``count`` indexes on one table, for the examples."""
    lines = [f"    op.create_index('ix_{table}_c{n}', '{table}', ['c{n}'])\n" for n in range(count)]
    return "from alembic import op\n\ndef upgrade():\n" + "".join(lines)


class MigrationIndexes(MigrationVisitor, Detector):
    """Finds tables that one Alembic revision gives more than ``MAX_INDEXES`` indexes.

    Counted per table in upgrade code: ``op.create_index(name, "table", ...)``,
    ``batch_op.create_index`` inside ``op.batch_alter_table("table")``, and the ``sa.Index(...)``
    items and ``index=True`` columns of its ``op.create_table``. One finding per table, at its
    create_table call (or at the first create_index when the table is not created here), naming
    the indexes. Indexes created by other revisions are not counted.
    """

    RULE = "RA506"
    CODE = "migration-index-proliferation"
    MESSAGE = "table `{table}` gets {count} indexes (more than {limit}): {names}"
    SCOPE = "migrations"
    # sound: indexes are counted only from create_table items/columns and (batch_)op.create_index calls
    TRIGGERS = ("create_table", "create_index")
    MAX_INDEXES: ClassVar[int] = 8
    """More indexes than this on one table are reported."""
    VALID = (
        Example(_index_calls("audit_log", 8), path="migrations/versions/0001_audit.py"),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('events', sa.Column('id', sa.Integer(), primary_key=True),\n"
            "        sa.Column('kind', sa.String(20), index=True), sa.Index('ix_events_a', 'a'))\n"
            + "".join(f"    op.create_index('ix_other_{n}', 'other', ['c{n}'])\n" for n in range(6))
            + "".join(f"    op.create_index('ix_events_{n}', 'events', ['c{n}'])\n" for n in range(6)),
            path="migrations/versions/0001_events.py",
        ),
        Example(
            "from alembic import op\n\ndef upgrade():\n    pass\n\ndef downgrade():\n"
            + "".join(f"    op.create_index('ix_t_{n}', 't', ['c{n}'])\n" for n in range(12)),
            path="migrations/versions/0002_drop.py",
        ),
    )
    INVALID = (
        Example(_index_calls("audit_log", 9), path="migrations/versions/0001_audit.py", line=4),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table(\n        'events',\n        sa.Column('id', sa.Integer(), primary_key=True),\n"
            "        sa.Column('kind', sa.String(20), index=True),\n        sa.Index('ix_events_a', 'a'),\n    )\n"
            "    with op.batch_alter_table('events') as batch_op:\n"
            + "".join(f"        batch_op.create_index('ix_events_{n}', ['c{n}'])\n" for n in range(7)),
            path="migrations/versions/0001_events.py",
            line=5,
        ),
    )

    def leave_Module(self, original_node: cst.Module) -> None:
        """Report each table with too many indexes, once."""
        names: dict[str, list[str]] = {}
        anchors: dict[str, cst.Call] = {}
        for table in self.schema.tables:
            names.setdefault(table.name, []).extend(table.indexes)
            anchors.setdefault(table.name, table.node)
        for index in self.schema.indexes:
            names.setdefault(index.table, []).append(index.name)
            anchors.setdefault(index.table, index.node)
        for table_name, indexes in names.items():
            if len(indexes) > self.MAX_INDEXES:
                message = self.MESSAGE.format(
                    table=table_name, count=len(indexes), limit=self.MAX_INDEXES, names=", ".join(indexes)
                )
                self.report(anchors[table_name], message)
