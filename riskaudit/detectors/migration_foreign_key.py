"""Alembic migrations: ``*_id`` columns created without a foreign key to the table they name."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar
from pathlib import PurePosixPath

import libcst as cst

from riskaudit.detectors.analysis.migrations import MigrationVisitor, type_family
from riskaudit.detectors.base import TOOL, Detector, Example, ProjectSymbols
from riskaudit.models import RawFinding


def referenced_table(column: str, table: str, tables: Collection[str]) -> str:
    """The table a ``*_id`` column names, among the tables of its migrations tree; empty if none.

    ``user_id`` names ``user``/``users``, ``category_id`` names ``categories``, and a prefixed
    ``source_run_id`` falls back to its last word (``runs``). A column naming its own table
    (``experiment_id`` in ``experiments``, ``oauth_user_id`` in ``users``) is the table's own key
    or an external identifier, not a reference: empty.
    """
    stem = column.lower().removesuffix("_id")
    known = {name.lower(): name for name in tables}
    for word in dict.fromkeys((stem, stem.rpartition("_")[2])):
        forms = [word, f"{word}s", f"{word}es"] + ([f"{word[:-1]}ies"] if word.endswith("y") else [])
        found = next((known[form] for form in forms if form in known), "")
        if found:
            return "" if found.lower() == table.lower() else found
    return ""


_USERS = (
    "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
    "    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))\n"
)
"""The start of most examples: a revision whose upgrade creates ``users``."""


class MigrationForeignKey(MigrationVisitor, Detector):
    """Finds ``*_id`` columns that Alembic revisions create without a foreign key to the table they name.

    A column counts when its name ends in ``_id`` and it is created by ``op.create_table`` or
    ``op.add_column``/``batch_op.add_column`` in upgrade code, and its name names another table
    created in the same migrations tree (the same ``versions/`` folder): ``user_id`` and
    ``users``, ``category_id`` and ``categories``, ``source_run_id`` and ``runs``. Requiring the
    table keeps external identifiers (``external_id``, ``stripe_customer_id``, ``trace_id``) and
    tables of other databases out. It is fine when the column has a ``sa.ForeignKey``, its
    create_table has a ``sa.ForeignKeyConstraint`` over it, or any revision of the tree calls
    ``op.create_foreign_key``/``batch_op.create_foreign_key`` with it as a local column (with
    computed local columns, for any column of that table). A column or table that a revision of
    the tree drops again (``op.drop_column``, ``op.drop_table``) is no longer part of the schema
    and is not reported either, nor is a column whose type cannot hold the named table's key (a
    string ``oauth2_client_id`` next to an integer-keyed ``oauth2_clients``: an external id that
    happens to share the name). A column naming its own table is its key or an external id
    (``experiment_id`` in ``experiments``, ``oauth_user_id`` in ``users``). Decided in
    ``summarize``, since the tables, later foreign keys and drops live in other files.
    """

    RULE = "RA504"
    CODE = "migration-missing-fk"
    MESSAGE = "column `{column}` of table `{table}` refers to table `{target}` but has no foreign key"
    SCOPE = "migrations"
    # sound: table/fk/drop/column records come only from these operation calls (an attribute naming the op)
    TRIGGERS = ("create_table", "add_column", "create_foreign_key", "drop_table", "drop_column")
    VALID: ClassVar[Sequence[Example | str]] = (
        Example(
            _USERS + "    op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True),\n"
            "        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False))\n",
            path="migrations/versions/0001_orders.py",
        ),
        Example(
            _USERS + "    op.create_table('orders', sa.Column('id', sa.Integer()),\n"
            "        sa.Column('user_id', sa.Integer()), sa.PrimaryKeyConstraint('id'),\n"
            "        sa.ForeignKeyConstraint(['user_id'], ['users.id']))\n",
            path="migrations/versions/0001_orders.py",
        ),
        Example(
            _USERS + "    op.add_column('orders', sa.Column('user_id', sa.Integer()))\n"
            "    op.create_foreign_key('fk_orders_user', 'orders', 'users', ['user_id'], ['id'])\n",
            path="migrations/versions/0002_user.py",
        ),
        Example(
            _USERS + "    with op.batch_alter_table('orders') as batch_op:\n"
            "        batch_op.add_column(sa.Column('user_id', sa.Integer()))\n"
            "        batch_op.create_foreign_key('fk_orders_user', 'users', ['user_id'], ['id'])\n",
            path="migrations/versions/0002_user.py",
        ),
        Example(
            _USERS + "    op.create_table('experiments', sa.Column('experiment_id', sa.Integer(), primary_key=True))\n"
            "    op.add_column('users', sa.Column('oauth2_user_id', sa.String(), index=True))\n"
            "    op.create_table('payments', sa.Column('external_id', sa.String()),\n"
            "        sa.Column('stripe_customer_id', sa.String()), sa.Column('trace_id', sa.String()))\n",
            path="migrations/versions/0001_init.py",
        ),
        Example(
            _USERS + "    for table in ('services', 'spawners'):\n        column = 'user_id'\n"
            "        with op.batch_alter_table(table) as batch_op:\n"
            "            batch_op.add_column(sa.Column('user_id', sa.Integer()))\n"
            "            batch_op.create_foreign_key(None, 'users', [column], ['id'])\n",
            path="migrations/versions/0004_owners.py",
        ),
        Example(
            _USERS + "    op.drop_table('orders')\n\n"
            "def downgrade():\n    op.create_table('orders', sa.Column('user_id', sa.Integer()))\n",
            path="migrations/versions/0003_drop.py",
        ),
        Example(_USERS + "    op.create_table('orders', sa.Column('user_id', sa.Integer()))\n", path="app/schema.py"),
        Example(
            _USERS + "    op.add_column('accounts', sa.Column('user_id', sa.String(64), nullable=True))\n",
            path="migrations/versions/0006_accounts.py",
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            "_Integer = sa.Integer().with_variant(sa.BigInteger(), 'postgresql')\n\ndef upgrade():\n"
            "    op.create_table('users', sa.Column('id', _Integer, primary_key=True),\n"
            "        sa.Column('oauth2_client_id', sa.String(), index=True))\n"
            "    op.create_table('oauth2_clients', sa.Column('id', _Integer, primary_key=True))\n",
            path="migrations/versions/0007_oauth.py",
        ),
        Example(
            _USERS + "    op.create_table('agents', sa.Column('user_id', sa.String()))\n"
            "    op.create_table('files', sa.Column('user_id', sa.String()))\n"
            "    op.drop_column('agents', 'user_id')\n"
            "    with op.batch_alter_table('files') as batch_op:\n        batch_op.drop_column('user_id')\n",
            path="migrations/versions/0005_orgs.py",
        ),
    )
    INVALID: ClassVar[Sequence[Example | str]] = (
        Example(
            _USERS + "    op.create_table(\n        'orders',\n"
            "        sa.Column('id', sa.Integer(), primary_key=True),\n"
            "        sa.Column('user_id', sa.Integer(), nullable=False),\n    )\n",
            path="migrations/versions/0001_orders.py",
            line=9,
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('categories', sa.Column('id', sa.Integer(), primary_key=True))\n"
            "    with op.batch_alter_table('products') as batch_op:\n"
            "        batch_op.add_column(sa.Column('category_id', sa.Integer()))\n",
            path="migrations/versions/0002_category.py",
            line=7,
        ),
        Example(
            _USERS + "    op.add_column('orders', sa.Column('user_id', sa.Integer()))\n"
            "    op.create_foreign_key('fk_items_user', 'items', 'users', ['user_id'], ['id'])\n",
            path="migrations/versions/0002_user.py",
            line=6,
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('runs', sa.Column('run_uuid', sa.String(32), primary_key=True))\n"
            "    op.add_column('models', sa.Column('source_run_id', sa.String(32)))\n",
            path="migrations/versions/0003_models.py",
            line=6,
        ),
    )

    def leave_Module(self, original_node: cst.Module) -> None:
        """Record the revision's tables, foreign keys and ``*_id`` columns without one, by migrations tree."""
        tree = PurePosixPath(self.context.path).parent.as_posix()
        self.records.extend(f"table\t{tree}\t{table.name}\t{table.key_type}" for table in self.schema.tables)
        self.records.extend(f"fk\t{tree}\t{table}\t{column}" for table, column in sorted(self.schema.foreign_keys))
        self.records.extend(f"drop\t{tree}\t{table}\t{column}" for table, column in sorted(self.schema.drops))
        for column in self.schema.columns:
            if column.name.lower().endswith("_id") and not self.schema.has_foreign_key(column):
                start = self.position(column.node).start
                where = f"{self.context.path}\t{start.line}\t{start.column + 1}"
                self.records.append(f"column\t{tree}\t{where}\t{column.table}\t{column.name}\t{column.type_name}")

    MISMATCHED: ClassVar[bool] = False
    """Which columns this detector reports: those whose type can hold the named table's key (this one),
    or those whose type cannot (``MigrationKeyTypeMismatch``)."""

    @classmethod
    def summarize(cls, records: Mapping[str, Sequence[str]], project: ProjectSymbols) -> list[RawFinding]:
        """Report the recorded columns that name a table of their tree, get no foreign key and are never dropped."""
        return [
            RawFinding(TOOL, cls.CODE, cls.MESSAGE.format(**fields), path, line, column)
            for path, line, column, fields, mismatched in unreferenced_columns(records.get(cls.CODE, ()))
            if mismatched is cls.MISMATCHED
        ]


def unreferenced_columns(
    records: Sequence[str],
) -> list[tuple[str, int, int, dict[str, str], bool]]:
    """``*_id`` columns naming a table of their tree, never given a foreign key nor dropped.

    Each as (path, line, column, message fields, whether its type cannot hold the named table's key).
    """
    recorded = [fact.split("\t") for fact in records]
    tables: dict[str, dict[str, str]] = {}
    settled: set[tuple[str, str, str]] = set()
    for fields in recorded:
        if fields[0] == "table":
            tables.setdefault(fields[1], {})[fields[2]] = fields[3]
        elif fields[0] in ("fk", "drop"):
            settled.add((fields[1], fields[2], fields[3]))
    found = []
    for fields in recorded:
        if fields[0] != "column":
            continue
        tree, path, line, column, table, name, kind = fields[1:]
        if {(tree, table, name), (tree, table, "*")} & settled:
            continue
        known = tables.get(tree, {})
        target = referenced_table(name, table, known)
        families = {type_family(kind), type_family(known.get(target, ""))}
        if target:
            values = {"column": name, "table": table, "target": target, "kind": kind, "key": known[target]}
            found.append((path, int(line), int(column), values, len(families) == 2 and "" not in families))
    return found


class MigrationKeyTypeMismatch(MigrationForeignKey):
    """Finds ``*_id`` columns naming a table of the tree whose type cannot hold that table's key, with no foreign key.

    ``account_id String(36)`` next to an integer-keyed ``accounts``: if it is a reference, no foreign key
    can ever be added and every join compares a string with an integer; if it is an external identifier,
    its name says otherwise. Either way a reviewer should look, at lower confidence than RA504.
    """

    RULE = "RA516"
    CODE = "migration-key-type-mismatch"
    MESSAGE = (
        "column `{column}` of table `{table}` names table `{target}` but its type ({kind}) cannot hold "
        "`{target}`'s key ({key}), and it has no foreign key"
    )
    MISMATCHED = True
    # the same records as RA504's
    TRIGGERS = MigrationForeignKey.TRIGGERS
    VALID: ClassVar[Sequence[Example | str]] = (
        Example(
            _USERS + "    op.add_column('orders', sa.Column('user_id', sa.Integer()))\n",
            path="migrations/versions/0002_user.py",
        ),
        Example(
            _USERS + "    op.add_column('accounts', sa.Column('user_id', sa.String(64), sa.ForeignKey('users.id')))\n",
            path="migrations/versions/0006_accounts.py",
        ),
    )
    INVALID: ClassVar[Sequence[Example | str]] = (
        Example(
            _USERS + "    op.add_column('accounts', sa.Column('user_id', sa.String(64), nullable=True))\n",
            path="migrations/versions/0006_accounts.py",
            line=6,
        ),
    )
