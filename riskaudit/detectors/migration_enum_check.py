"""Alembic migrations: enum-like string columns (status, type, role, ...) with no CHECK constraint."""

from __future__ import annotations

import re

import libcst as cst

from riskaudit.detectors.base import Detector, Example
from riskaudit.detectors.analysis.migrations import ColumnDef, MigrationVisitor, argument

ENUM_NAMES = frozenset({"status", "state", "type", "kind", "role"})
"""Column names (or ``_``-suffixes) that hold one of a fixed set of values."""
STRING_TYPES = frozenset(
    {"String", "VARCHAR", "Text", "TEXT", "Unicode", "UnicodeText", "NVARCHAR", "CHAR", "NCHAR", "AutoString"}
)
"""SQLAlchemy (and SQLModel) string types; ``Enum`` is not one of them."""
OPEN_NAMES = frozenset(
    {"content_type", "mime_type", "mimetype", "media_type", "file_type", "error_type", "exception_type"}
)
"""Names that end like an enum but usually hold open-ended values (MIME types, exception class names)."""
AUTH_TABLE_WORDS = ("oauth", "auth", "login", "sso", "openid")
"""In tables named with these, ``state`` is the random OAuth/OpenID ``state`` parameter, not an enum."""
MAX_LENGTH = 255
"""A string column declared longer than this is sized for free text, not for a fixed set of values."""


def enum_like(name: str) -> bool:
    """Whether a column name reads as one of a fixed set of values."""
    lowered = name.lower()
    if lowered in OPEN_NAMES or lowered.endswith(tuple(f"_{open_name}" for open_name in OPEN_NAMES)):
        return False
    return lowered in ENUM_NAMES or lowered.rpartition("_")[2] in ENUM_NAMES


def oauth_state(column: ColumnDef) -> bool:
    """Whether a ``state`` column belongs to an OAuth/OpenID/login table (a random token, not an enum)."""
    return column.name.lower() == "state" and any(word in column.table.lower() for word in AUTH_TABLE_WORDS)


def declared_length(column: ColumnDef) -> int | None:
    """The literal length of a string type (``sa.String(50)``, ``sa.VARCHAR(length=50)``), if given."""
    if not isinstance(column.type, cst.Call):
        return None
    length = argument(column.type, 0, "length")
    return int(length.value) if isinstance(length, cst.Integer) else None


class MigrationEnumCheck(MigrationVisitor, Detector):
    """Finds enum-like string columns an Alembic revision creates with no CHECK constraint.

    A column counts when it is named ``status``, ``state``, ``type``, ``kind`` or ``role`` (or ends
    in ``_status``, ``_state``, ``_type``, ``_kind``, ``_role``), its type is a string type
    (``sa.String``, ``sa.VARCHAR``, ``sa.Text``, ``sa.Unicode``, ...), and it is created in
    upgrade code by ``op.create_table`` or ``add_column``. It is fine when a ``sa.CheckConstraint``
    in the column or its create_table, or an ``op.create_check_constraint`` for its table, mentions
    the column by name. ``sa.Enum`` columns are not string columns and are never reported, nor
    are MIME-type columns (``content_type``, ``mime_type``, ``media_type``) or string columns
    declared longer than ``MAX_LENGTH`` (sized for free text, like a user-defined ``model_type``).
    Open-ended names are left out: MIME types (``content_type``, ``mime_type``, ``media_type``,
    ``file_type``),
    exception names (``error_type``) and ``state`` in OAuth/login tables (the random ``state``
    parameter of the authorization flow).
    """

    RULE = "RA505"
    CODE = "migration-enum-no-check"
    MESSAGE = "string column `{column}` of table `{table}` holds enum-like values but nothing constrains them"
    SCOPE = "migrations"
    # sound: reported columns come only from op.create_table / (batch_)op.add_column calls
    TRIGGERS = ("create_table", "add_column")
    VALID = (
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('orders', sa.Column('status', sa.String(20), nullable=False),\n"
            "        sa.CheckConstraint(\"status IN ('new', 'paid')\", name='ck_orders_status'))\n",
            path="migrations/versions/0001_orders.py",
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('users', sa.Column('role', sa.Enum('admin', 'member', name='user_role')))\n",
            path="migrations/versions/0001_users.py",
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.add_column('orders', sa.Column('order_type', sa.String(10)))\n"
            "    op.create_check_constraint('ck_type', 'orders', \"order_type IN ('a', 'b')\")\n",
            path="migrations/versions/0002_type.py",
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('orders', sa.Column('status_code', sa.Integer()),\n"
            "        sa.Column('statement', sa.Text()), sa.Column('kind', sa.Integer()))\n",
            path="migrations/versions/0001_orders.py",
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('attachments', sa.Column('content_type', sa.String(100)),\n"
            "        sa.Column('model_type', sa.String(length=500)), sa.Column('mime_type', sa.Text()))\n",
            path="migrations/versions/0004_attachments.py",
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table('mcp_oauth', sa.Column('state', sa.String(length=255), nullable=False))\n"
            "    op.add_column('steps', sa.Column('error_type', sa.String(), nullable=True))\n"
            "    op.add_column('files', sa.Column('file_type', sa.String(), nullable=True))\n",
            path="migrations/versions/0005_oauth.py",
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            "def upgrade():\n    op.drop_column('orders', 'state')\n\n"
            "def downgrade():\n    op.add_column('orders', sa.Column('state', sa.String(10)))\n",
            path="migrations/versions/0003_drop_state.py",
        ),
    )
    INVALID = (
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    op.create_table(\n        'orders',\n        sa.Column('id', sa.Integer(), primary_key=True),\n"
            "        sa.Column('status', sa.String(20), nullable=False),\n"
            "        sa.CheckConstraint('id > 0'),\n    )\n",
            path="migrations/versions/0001_orders.py",
            line=8,
        ),
        Example(
            "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
            "    with op.batch_alter_table('users') as batch_op:\n"
            "        batch_op.add_column(sa.Column('account_type', sa.VARCHAR(length=16)))\n",
            path="migrations/versions/0002_users.py",
            line=6,
        ),
    )

    def leave_Module(self, original_node: cst.Module) -> None:
        """Report every unconstrained enum-like string column."""
        for column in self.schema.columns:
            if not enum_like(column.name) or column.type_name not in STRING_TYPES or oauth_state(column):
                continue
            length = declared_length(column)
            if (length is None or length <= MAX_LENGTH) and not self._checked(column):
                self.report(column.node, self.MESSAGE.format(column=column.name, table=column.table))

    def _checked(self, column: ColumnDef) -> bool:
        """Whether a CHECK constraint that may apply to the column's table mentions it."""
        pattern = re.compile(rf"\b{re.escape(column.name)}\b", re.IGNORECASE)
        return any(pattern.search(text) for text in self.schema.check_texts(column))
