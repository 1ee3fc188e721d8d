"""The reading of an Alembic revision shared by the migration detectors (RA504 to RA507).

``MigrationSchema`` holds the tables, columns, constraints and indexes a revision's upgrade code creates.
Each migration detector owns one and feeds it from its visitor methods (mix in ``MigrationVisitor``), so
all of them still run in the single batched traversal of the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import libcst as cst

from riskaudit.detectors.base import call_name, dotted_name, keyword

_OPS = {
    "create_table": (0, "table_name"),
    "add_column": (0, "table_name"),
    "create_index": (1, "table_name"),
    "create_foreign_key": (1, "source_table"),
    "create_check_constraint": (1, "table_name"),
    "drop_table": (0, "table_name"),
    "drop_column": (0, "table_name"),
}
"""Alembic operations the migration detectors read, with where ``op.<operation>`` takes the table."""
INTEGER_TYPES = frozenset({"Integer", "BigInteger", "SmallInteger", "INTEGER", "BIGINT", "SMALLINT", "INT"})
"""Integer column types."""
TEXT_TYPES = frozenset(
    {"String", "VARCHAR", "Text", "TEXT", "Unicode", "UnicodeText", "CHAR", "NVARCHAR", "AutoString"}
)
"""String column types (keys stored as text)."""
VARIANTS = frozenset({"with_variant", "evaluates_none"})
"""Type methods that return the same type for another dialect or option."""


def positional(node: cst.Call) -> list[cst.BaseExpression]:
    """The positional arguments of a call (``*args`` left out)."""
    return [arg.value for arg in node.args if arg.keyword is None and not arg.star]


def argument(node: cst.Call, position: int, name: str) -> cst.BaseExpression | None:
    """An argument given either at ``position`` or as keyword ``name``."""
    given = keyword(node, name)
    if given is not None:
        return given.value
    args = positional(node)
    return args[position] if position < len(args) else None


def string_value(node: cst.BaseExpression | None) -> str | None:
    """The text of a string literal (``op.f("...")`` and ``sa.text("...")`` unwrapped); None otherwise."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.Call) and call_name(node).split(".")[-1] in ("f", "text", "literal_column"):
        args = positional(node)
        return string_value(args[0]) if args else None
    return None


def strings(node: cst.BaseExpression | None) -> list[str]:
    """The string literals of a list or tuple literal (a single string counts as one)."""
    if isinstance(node, (cst.List, cst.Tuple)):
        return [text for element in node.elements if (text := string_value(element.value)) is not None]
    text = string_value(node)
    return [text] if text is not None else []


def table_key(node: cst.BaseExpression | None) -> str:
    """A name for the table an operation targets: the literal, or the expression's shape when computed."""
    text = string_value(node)
    if text is not None:
        return text
    if node is None:
        return ""
    if isinstance(node, cst.FormattedString):
        return "".join(
            part.value
            if isinstance(part, cst.FormattedStringText)
            else "{" + (dotted_name(part.expression) if isinstance(part, cst.FormattedStringExpression) else "") + "}"
            for part in node.parts
        )
    return dotted_name(node)


def last_name(node: cst.BaseExpression) -> str:
    """The last component of a (called) dotted name: ``String`` for ``sa.String(50)``."""
    target = node.func if isinstance(node, cst.Call) else node
    return dotted_name(target).split(".")[-1]


def is_true(node: cst.BaseExpression | None) -> bool:
    """Whether an expression is the literal ``True``."""
    return isinstance(node, cst.Name) and node.value == "True"


@dataclass
class ColumnDef:
    """A column a migration creates, with ``create_table`` or ``add_column``."""

    name: str
    """Column name."""
    node: cst.Call
    """The ``sa.Column(...)`` call."""
    table: str
    """The table it belongs to (see ``table_key``)."""
    type: cst.BaseExpression | None
    """Its type expression (``sa.String(20)``, ``sa.DateTime``), None when not given."""

    @property
    def type_name(self) -> str:
        """The type's class name, ``String`` for ``sa.String(length=20)``; empty when unknown."""
        return last_name(self.type) if self.type is not None else ""

    def type_keyword(self, name: str) -> cst.BaseExpression | None:
        """A keyword argument of the type call (``timezone`` of ``sa.DateTime(timezone=True)``)."""
        if isinstance(self.type, cst.Call):
            given = keyword(self.type, name)
            return given.value if given is not None else None
        return None

    def keyword(self, name: str) -> cst.BaseExpression | None:
        """A keyword argument of the column call."""
        given = keyword(self.node, name)
        return given.value if given is not None else None

    def schema_items(self, kind: str) -> Iterator[cst.Call]:
        """Positional schema items of the column of one kind (``ForeignKey``, ``CheckConstraint``)."""
        for item in positional(self.node):
            if isinstance(item, cst.Call) and last_name(item) == kind:
                yield item


@dataclass
class TableDef:
    """One ``op.create_table(...)`` call."""

    name: str
    """Table name (see ``table_key``)."""
    node: cst.Call
    """The call."""
    columns: list[ColumnDef] = field(default_factory=list)
    """Its columns, in order."""
    primary_key: list[str] = field(default_factory=list)
    """Primary key columns (``primary_key=True`` or ``PrimaryKeyConstraint``)."""
    foreign_keys: set[str] = field(default_factory=set)
    """Columns covered by a table-level ``ForeignKeyConstraint``."""
    checks: list[str] = field(default_factory=list)
    """SQL text of table- and column-level ``CheckConstraint``s."""
    indexes: list[str] = field(default_factory=list)
    """Names of ``sa.Index(...)`` items and ``index=True`` columns."""

    @property
    def key_type(self) -> str:
        """The type name of its single primary key column; empty when composite or unknown."""
        keys = set(self.primary_key)
        if len(keys) != 1:
            return ""
        (key,) = keys
        return next((column.type_name for column in self.columns if column.name == key), "")


@dataclass
class IndexDef:
    """One ``op.create_index`` / ``batch_op.create_index`` call."""

    name: str
    """Index name (``?`` when computed)."""
    table: str
    """Table name (see ``table_key``)."""
    node: cst.Call
    """The call."""


@dataclass(frozen=True)
class Operation:
    """One Alembic operation call, on ``op`` or on a ``batch_op`` (which has no table argument)."""

    node: cst.Call
    """The call."""
    batch: str | None
    """The table of the enclosing ``batch_alter_table``, or None for an ``op.`` call."""
    table_argument: tuple[int, str]
    """Position and keyword of the table argument of the ``op.`` form."""

    @property
    def table(self) -> str:
        """The table operated on (see ``table_key``)."""
        if self.batch is not None:
            return self.batch
        return table_key(argument(self.node, *self.table_argument))

    def argument(self, position: int, name: str) -> cst.BaseExpression | None:
        """An argument by its position in the ``op.`` form (one less in the batch form, after the table)."""
        if self.batch is not None and position > self.table_argument[0]:
            position -= 1
        return argument(self.node, position, name)


class MigrationSchema:
    """What the upgrade code of one Alembic revision creates, read from its libcst nodes.

    The owning detector forwards ``visit_FunctionDef``/``leave_FunctionDef``, ``visit_With``/
    ``leave_With``, ``visit_Assign`` and ``visit_Call`` (see ``MigrationVisitor``) and reads the
    result in ``leave_Module``. Code inside a function whose name starts with ``downgrade`` is
    ignored: it re-creates what an upgrade dropped, rarely runs in production, and is not where a
    schema defect is introduced. ``op.batch_alter_table(...) as batch_op`` blocks are followed, so
    ``batch_op.add_column``, ``batch_op.create_index`` and friends count for their table, and
    module-level type aliases (``_Integer = sa.Integer().with_variant(...)``) are resolved.
    """

    def __init__(self) -> None:
        self.tables: list[TableDef] = []
        self.added: list[ColumnDef] = []
        self.indexes: list[IndexDef] = []
        self.foreign_keys: set[tuple[str, str]] = set()
        self.checks: list[tuple[str, str]] = []
        self.drops: set[tuple[str, str]] = set()
        self.aliases: dict[str, cst.BaseExpression] = {}
        self._functions: list[str] = []
        self._batches: list[dict[str, str]] = [{}]

    @property
    def columns(self) -> Iterator[ColumnDef]:
        """Every created column: those of new tables, then added ones."""
        for table in self.tables:
            yield from table.columns
        yield from self.added

    def table(self, name: str) -> TableDef | None:
        """The table this revision creates under this name, if any."""
        return next((table for table in self.tables if table.name == name), None)

    def has_foreign_key(self, column: ColumnDef) -> bool:
        """Whether a column gets a foreign key: in its definition, its table or an ``op.create_foreign_key``.

        A ``create_foreign_key`` whose local columns are not literals covers every column of its table.
        """
        if any(column.schema_items("ForeignKey")):
            return True
        table = self.table(column.table)
        if table is not None and column.name in table.foreign_keys:
            return True
        return bool({(column.table, column.name), (column.table, "*"), ("", column.name)} & self.foreign_keys)

    def check_texts(self, column: ColumnDef) -> Iterator[str]:
        """SQL text of every CHECK constraint that may apply to a column's table."""
        for item in column.schema_items("CheckConstraint"):
            text = string_value(argument(item, 0, "sqltext"))
            if text is not None:
                yield text
        table = self.table(column.table)
        if table is not None:
            yield from table.checks
        yield from (text for name, text in self.checks if name in (column.table, ""))

    def enter_function(self, node: cst.FunctionDef) -> None:
        """Track the enclosing function (downgrade code is skipped)."""
        self._functions.append(node.name.value)

    def leave_function(self) -> None:
        """Leave a function."""
        self._functions.pop()

    def assign(self, node: cst.Assign) -> None:
        """Remember module-level ``NAME = <expression>`` (type aliases such as ``_Integer = sa.Integer()``)."""
        if not self._functions and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self.aliases[node.targets[0].target.value] = node.value

    def enter_with(self, node: cst.With) -> None:
        """Bind ``batch_op`` aliases of ``op.batch_alter_table("t") as batch_op``."""
        aliases = dict(self._batches[-1])
        for item in node.items:
            call = item.item
            if isinstance(call, cst.Call) and call_name(call).split(".")[-1] == "batch_alter_table":
                if item.asname is not None and isinstance(item.asname.name, cst.Name):
                    aliases[item.asname.name.value] = table_key(argument(call, 0, "table_name"))
        self._batches.append(aliases)

    def leave_with(self) -> None:
        """Drop the aliases of a ``with`` block."""
        self._batches.pop()

    @property
    def in_downgrade(self) -> bool:
        """Whether the current code is downgrade code."""
        return any(name.startswith("downgrade") for name in self._functions)

    def visit_call(self, node: cst.Call) -> None:
        """Read one call: an Alembic operation on ``op`` or a batch alias, or nothing."""
        owner, _, operation = call_name(node).rpartition(".")
        if operation not in _OPS or self.in_downgrade:
            return
        batch = self._batches[-1].get(owner)
        if batch is None and owner != "op" and not owner.endswith(".op"):
            return
        read = {
            "create_table": self._create_table,
            "add_column": self._add_column,
            "create_index": self._create_index,
            "create_foreign_key": self._create_foreign_key,
            "create_check_constraint": self._create_check_constraint,
            "drop_table": self._drop_table,
            "drop_column": self._drop_column,
        }[operation]
        read(Operation(node, batch, _OPS[operation]))

    def _add_column(self, op: Operation) -> None:
        """Record ``op.add_column(table, column)`` / ``batch_op.add_column(column)``."""
        column = _column(op.argument(1, "column"), op.table, self.aliases)
        if column is not None:
            self.added.append(column)

    def _create_index(self, op: Operation) -> None:
        """Record ``op.create_index(name, table, columns)`` / ``batch_op.create_index(name, columns)``."""
        self.indexes.append(IndexDef(string_value(op.argument(0, "index_name")) or "?", op.table, op.node))

    def _create_foreign_key(self, op: Operation) -> None:
        """Record the local columns of ``op.create_foreign_key(name, source, referent, local, remote)``."""
        local = op.argument(3, "local_cols")
        names = strings(local)
        literal = isinstance(local, (cst.List, cst.Tuple)) and len(names) == len(local.elements)
        self.foreign_keys.update((op.table, column) for column in (names if literal else ["*"]))

    def _create_check_constraint(self, op: Operation) -> None:
        """Record ``op.create_check_constraint(name, table, condition)``."""
        text = string_value(op.argument(2, "condition"))
        if text is not None:
            self.checks.append((op.table, text))

    def _drop_table(self, op: Operation) -> None:
        """Record ``op.drop_table(table)``: none of its columns remain."""
        if op.batch is None:
            self.drops.add((op.table, "*"))

    def _drop_column(self, op: Operation) -> None:
        """Record ``op.drop_column(table, column)`` / ``batch_op.drop_column(column)``."""
        column = string_value(op.argument(1, "column_name"))
        if column is not None:
            self.drops.add((op.table, column))

    def _create_table(self, op: Operation) -> None:
        """Record a table with its columns, constraints and inline indexes."""
        if op.batch is not None:
            return
        items = positional(op.node)
        table = TableDef(op.table, op.node)
        for item in items if keyword(op.node, "table_name") else items[1:]:
            if not isinstance(item, cst.Call):
                continue
            kind = last_name(item)
            column = _column(item, table.name, self.aliases)
            if column is not None:
                table.columns.append(column)
                if is_true(column.keyword("primary_key")):
                    table.primary_key.append(column.name)
                if is_true(column.keyword("index")):
                    table.indexes.append(f"ix_{table.name}_{column.name}")
            elif kind == "PrimaryKeyConstraint":
                table.primary_key.extend(text for value in positional(item) for text in strings(value))
            elif kind == "ForeignKeyConstraint":
                table.foreign_keys.update(strings(argument(item, 0, "columns")))
            elif kind == "CheckConstraint":
                text = string_value(argument(item, 0, "sqltext"))
                if text is not None:
                    table.checks.append(text)
            elif kind == "Index":
                table.indexes.append(string_value(argument(item, 0, "name")) or "?")
        self.tables.append(table)


class MigrationVisitor:
    """Visitor methods that feed a ``MigrationSchema``; mix in before ``Detector``.

    The schema is fresh for every module (``visit_Module``); the detector reads it in its own
    ``leave_Module``.
    """

    schema: MigrationSchema
    """What the revision creates, complete once the module has been visited."""

    def visit_Module(self, node: cst.Module) -> None:
        """Start reading a revision."""
        self.schema = MigrationSchema()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function (``upgrade``/``downgrade``)."""
        self.schema.enter_function(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self.schema.leave_function()

    def visit_Assign(self, node: cst.Assign) -> None:
        """Read a module-level assignment (type aliases)."""
        self.schema.assign(node)

    def visit_With(self, node: cst.With) -> None:
        """Enter a ``with`` block (``batch_alter_table``)."""
        self.schema.enter_with(node)

    def leave_With(self, original_node: cst.With) -> None:
        """Leave a ``with`` block."""
        self.schema.leave_with()

    def visit_Call(self, node: cst.Call) -> None:
        """Read Alembic operations."""
        self.schema.visit_call(node)


def _column_type(
    node: cst.BaseExpression | None, aliases: Mapping[str, cst.BaseExpression]
) -> cst.BaseExpression | None:
    """A column's type expression with module-level aliases and ``.with_variant(...)`` unwrapped.

    ``_Integer = sa.Integer().with_variant(sa.BigInteger(), "postgresql")`` and a column typed
    ``_Integer`` give ``sa.Integer()``.
    """
    for _ in range(8):
        if isinstance(node, cst.Name) and node.value in aliases:
            node = aliases[node.value]
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in VARIANTS:
            node = node.func.value
        else:
            break
    return node


def _column(
    node: cst.BaseExpression | None, table: str, aliases: Mapping[str, cst.BaseExpression]
) -> ColumnDef | None:
    """A ``sa.Column("name", type, ...)`` call as a ColumnDef; None for anything else."""
    if not isinstance(node, cst.Call) or last_name(node) != "Column":
        return None
    args = positional(node)
    name = string_value(args[0]) if args else None
    if name is None:
        given = keyword(node, "name")
        name = string_value(given.value) if given is not None else None
        kind = argument(node, 0, "type_")
    else:
        kind = argument(node, 1, "type_")
    if name is None:
        return None
    if isinstance(kind, cst.Call) and last_name(kind) in ("ForeignKey", "CheckConstraint", "Sequence"):
        kind = None
    return ColumnDef(name, node, table, _column_type(kind, aliases))


def type_family(type_name: str) -> str:
    """``integer`` or ``text`` (strings and UUIDs) for the types a key is commonly declared with; else empty."""
    if type_name in INTEGER_TYPES:
        return "integer"
    if type_name in TEXT_TYPES or "uuid" in type_name.lower() or "guid" in type_name.lower():
        return "text"
    return ""
