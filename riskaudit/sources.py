"""Reading the target's source once: text, syntax tree and the symbols and facts derived from it per file."""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from riskaudit.ast_names import dotted as dotted_name
from riskaudit.ast_names import qualify
from riskaudit.declared_types import DeclaredType, declared_types
from riskaudit.models import ExcerptLine
from riskaudit.module_imports import file_imports
from riskaudit.roles import marks_generated
from riskaudit.runtime_guards import RuntimeGuard, guards_of


@dataclass(frozen=True)
class Symbol:
    """A function, method or class and the lines it spans."""

    qualname: str
    """Dotted name inside its module, e.g. ``BaseRepository.delete``."""
    kind: str
    """``function``, ``method`` or ``class``."""
    start: int
    """First line (the ``def``/``class`` line, after decorators)."""
    end: int
    """Last line."""


@dataclass(frozen=True)
class ErrorPath:
    """An ``except`` or ``finally`` block: code that runs only when something goes wrong or ends."""

    kind: str
    """``except`` or ``finally``."""
    line: int
    """The ``except`` line, or the first line of the ``finally`` body."""
    start: int
    """First line of the block's body."""
    end: int
    """Last line of the block's body."""
    reraises: bool = False
    """Whether the block ends by raising: an ``except`` that cleans up and re-raises swallows nothing."""


@dataclass(frozen=True)
class DefaultCall:
    """A call in a parameter's default value: evaluated once, when the ``def`` runs."""

    line: int
    """Line of the call."""
    column: int
    """1-based column of the call, as flake8 reports it."""
    callee: str
    """The callee's dotted name, qualified through the file's imports (``fastapi.Depends`` for ``Depends``)."""
    outer: str = ""
    """The qualified callee of the default's outermost call (``fastapi.Depends`` for ``get_repo(X)`` in
    ``Depends(get_repo(X))``); the callee itself for the outermost call."""


@dataclass(frozen=True)
class SourceFile:
    """One file's text and what riskaudit derives from its syntax tree."""

    path: str
    """Target-relative POSIX path."""
    lines: tuple[str, ...]
    """Decoded lines without line endings."""
    parse_error: str
    """Why the file could not be parsed; empty when it parsed."""
    symbols: tuple[Symbol, ...]
    """Functions, methods and classes, outermost first."""
    classes: frozenset[str]
    """Names of classes defined in this file."""
    async_functions: frozenset[str] = frozenset()
    """Names of module-level ``async def`` functions."""
    async_methods: tuple[tuple[str, frozenset[str]], ...] = ()
    """``(class name, async method names)`` for each class of the file."""
    class_bases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``(class name, base class names)`` for each class of the file (last dotted part of each base)."""
    error_paths: tuple[ErrorPath, ...] = ()
    """``except`` and ``finally`` blocks."""
    encoding_error: str = ""
    """Why Python would refuse the file's encoding declaration (the tools may still read it)."""
    sql_regions: tuple[tuple[int, int], ...] = ()
    """Line ranges of arguments to SQLAlchemy expression builders (``.where(...)``, ``and_(...)``)."""
    private_names: frozenset[str] = frozenset()
    """One-underscore names the file defines: classes, functions, module and class attributes,
    attributes it assigns on any object (``obj._x = ...``, ``setattr(obj, "_x", ...)``), ``__slots__``."""
    imports: tuple[tuple[str, str], ...] = ()
    """``(local name, qualified name)`` of each absolute import, in order: ``("Depends", "fastapi.Depends")``
    for ``from fastapi import Depends``, ``("sa", "sqlalchemy")`` for ``import sqlalchemy as sa``."""
    default_calls: tuple[DefaultCall, ...] = ()
    """Calls in parameter defaults, with their callees resolved through the imports."""
    module_attributes: frozenset[str] = frozenset()
    """``module.attr`` for each attribute the file sets on an imported module at run time
    (``pytest.x = ...``, ``setattr(pytest, "x", ...)`` after ``import pytest``)."""
    runtime_guards: tuple[RuntimeGuard, ...] = ()
    """Blocks that run only on some Python versions or platforms, or never (``if TYPE_CHECKING:``)."""
    declared_types: tuple[DeclaredType, ...] = ()
    """Attribute, return and module variable types the file declares (see ``riskaudit.declared_types``)."""
    module_imports: tuple[str, ...] = ()
    """Modules the file's top level imports, absolute (see ``riskaudit.module_imports``)."""
    generated: bool = False
    """Whether the file's header says it is generated code (``DO NOT EDIT``: ``riskaudit.roles``)."""

    def qualified(self, dotted: str) -> str:
        """A dotted name used in this file, qualified through its imports (``Q.x`` -> ``fastapi.Query.x``)."""
        head, _, rest = dotted.partition(".")
        for local, target in self.imports:
            if local == head:
                return f"{target}.{rest}" if rest else target
        return dotted

    def in_sql_expression(self, line: int) -> bool:
        """Whether a line lies inside an argument of a SQLAlchemy expression builder."""
        return any(start <= line <= end for start, end in self.sql_regions)

    @property
    def text(self) -> str:
        """The whole decoded text."""
        return "\n".join(self.lines)

    def enclosing(self, line: int) -> Symbol | None:
        """The innermost function/method/class spanning the line."""
        best: Symbol | None = None
        for symbol in self.symbols:
            if symbol.start <= line <= symbol.end and (best is None or symbol.start >= best.start):
                best = symbol
        return best

    def excerpt(self, line: int, context: int = 3) -> tuple[ExcerptLine, ...]:
        """The line and ``context`` lines either side, without the blank lines that would end it after the line."""
        if not 1 <= line <= len(self.lines):
            return ()
        first, last = max(1, line - context), min(len(self.lines), line + context)
        while last > line and not self.lines[last - 1].strip():
            last -= 1
        return tuple(
            ExcerptLine(number, self.lines[number - 1], number == line) for number in range(first, last + 1)
        )


def decode_source(data: bytes) -> str:
    """Decode Python source honouring its encoding cookie and BOM; bad bytes are replaced."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        text = data.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff")


def encoding_problem(data: bytes) -> str:
    """Why Python itself would refuse to read this source (a bad encoding declaration); empty if none."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        "".encode(encoding)
    except (SyntaxError, LookupError) as exc:
        return str(exc)
    return ""


def source_lines(text: str) -> tuple[str, ...]:
    r"""Split text into lines as Python does: only ``\n``, ``\r\n`` and ``\r`` end a line."""
    normal = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = normal.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(lines)


@dataclass(frozen=True)
class RawSource:
    """A file's bytes as read, and its decoded text."""

    data: bytes
    """The bytes on disk."""
    text: str
    """Decoded text (see ``decode_source``)."""
    lines: tuple[str, ...]
    """The text's lines without line endings."""
    encoding_error: str
    """Why Python would refuse the encoding declaration; empty when it would not."""


def read_raw(root: Path, path: str) -> RawSource | SourceFile:
    """The file's bytes and text, or, when it cannot be read, the SourceFile saying why."""
    try:
        data = (root / path).read_bytes()
    except OSError as exc:
        return SourceFile(path, (), f"cannot read: {exc.strerror or exc}", (), frozenset())
    text = decode_source(data)
    return RawSource(data, text, source_lines(text), encoding_problem(data))


def analyse_source(path: str, raw: RawSource) -> SourceFile:
    """Parse a read file and derive its facts; a file that does not parse is kept with the reason."""
    lines = raw.lines
    try:
        tree = ast.parse(raw.text.replace("\x00", ""), filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return SourceFile(path, lines, f"does not parse: {exc}", (), frozenset())
    collector = _TreeFacts()
    try:
        collector.visit(tree)
        collector.resolve_defaults()
    except RecursionError:
        # Python compiles deeper expressions than a recursive walk of their tree can follow
        return SourceFile(path, lines, "too deeply nested to analyse (recursion limit)", (), frozenset())
    return SourceFile(
        path,
        lines,
        "",
        tuple(collector.symbols),
        frozenset(collector.classes),
        frozenset(collector.async_functions),
        tuple((name, frozenset(methods)) for name, methods in sorted(collector.async_methods.items())),
        tuple(sorted(collector.class_bases.items())),
        tuple(collector.error_paths),
        encoding_error=raw.encoding_error,
        sql_regions=tuple(collector.sql_regions),
        private_names=frozenset(collector.private_names),
        imports=tuple(collector.imports),
        default_calls=tuple(collector.default_calls),
        module_attributes=collector.module_attributes(),
        runtime_guards=tuple(collector.runtime_guards),
        declared_types=declared_types(tree, dict(collector.imports)),
        module_imports=file_imports(tree, path),
        generated=marks_generated(lines),
    )


def read_source(root: Path, path: str) -> SourceFile:
    """Read and analyse one file; unreadable or unparsable files are kept with the reason."""
    raw = read_raw(root, path)
    return raw if isinstance(raw, SourceFile) else analyse_source(path, raw)


@dataclass(frozen=True)
class SourceIndex:
    """Every analysed file of the target, by path."""

    files: Mapping[str, SourceFile]
    """Files by target-relative path."""

    @property
    def project_classes(self) -> frozenset[str]:
        """Names of every class defined anywhere in the project."""
        return frozenset().union(*(f.classes for f in self.files.values()))

    def get(self, path: str | None) -> SourceFile | None:
        """The file at a path, or None when it was not analysed."""
        return None if path is None else self.files.get(path)


def build_index(root: Path, paths: Iterable[str]) -> SourceIndex:
    """Read every path once."""
    return SourceIndex({path: read_source(root, path) for path in paths})


SQL_EXPRESSION_CALLS = frozenset(
    {"where", "filter", "having", "on", "join", "outerjoin", "and_", "or_", "not_", "case", "exists",
     "where_clause", "onclause", "filter_where", "with_only_columns", "order_by"}
)
"""Calls whose arguments are SQLAlchemy expressions: there ``col == None`` builds ``IS NULL``."""


class _TreeFacts(ast.NodeVisitor):
    """Collects symbols, classes and the other facts of a file in one walk."""

    def __init__(self) -> None:
        self.symbols: list[Symbol] = []
        self.classes: set[str] = set()
        self.async_functions: set[str] = set()
        self.async_methods: dict[str, set[str]] = {}
        self.class_bases: dict[str, tuple[str, ...]] = {}
        self.sql_regions: list[tuple[int, int]] = []
        self.error_paths: list[ErrorPath] = []
        self.runtime_guards: list[RuntimeGuard] = []
        self.private_names: set[str] = set()
        self.imports: list[tuple[str, str]] = []
        self.default_calls: list[DefaultCall] = []
        self._defaults: list[tuple[int, int, str, str]] = []
        self._modules: dict[str, str] = {}
        self._set_on_names: set[tuple[str, str]] = set()
        self._stack: list[tuple[str, str]] = []

    def module_attributes(self) -> frozenset[str]:
        """``module.attr`` for the attributes set on names that an ``import`` statement bound."""
        return frozenset(
            f"{self._modules[name]}.{attr}" for name, attr in self._set_on_names if name in self._modules
        )

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self._modules[alias.asname] = alias.name
                self.imports.append((alias.asname, alias.name))
            else:  # ``import a.b`` binds ``a``
                head = alias.name.partition(".")[0]
                self._modules[head] = head
                self.imports.append((head, head))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    self.imports.append((alias.asname or alias.name, f"{node.module}.{alias.name}"))

    def resolve_defaults(self) -> None:
        """Qualify the callees of the default-value calls once every import is known."""
        imports = dict(self.imports)
        for line, column, dotted, outer in self._defaults:
            self.default_calls.append(DefaultCall(line, column, qualify(dotted, imports), qualify(outer, imports)))

    def _define(self, name: str) -> None:
        if is_private_name(name):
            self.private_names.add(name)

    def _symbol(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, kind: str) -> None:
        self._define(node.name)
        qualname = ".".join([name for name, _ in self._stack] + [node.name])
        end = node.end_lineno or node.lineno
        self.symbols.append(Symbol(qualname, kind, node.lineno, end))
        self._stack.append((node.name, kind))
        self.generic_visit(node)
        self._stack.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.add(node.name)
        if not self._stack:
            self.async_methods.setdefault(node.name, set())
            self.class_bases[node.name] = tuple(_last_name(base) for base in node.bases if _last_name(base))
        self._symbol(node, "class")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        if is_async_generator(node):
            pass  # calling it gives an async iterator to ``async for``, not a coroutine to await
        elif not self._stack:
            self.async_functions.add(node.name)
        elif len(self._stack) == 1 and self._stack[0][1] == "class":
            self.async_methods.setdefault(self._stack[0][0], set()).add(node.name)
        self._function(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if isinstance(default, ast.Call) and (outer := dotted_name(default.func)):
                for call in ast.walk(default):
                    if isinstance(call, ast.Call) and (name := dotted_name(call.func)):
                        self._defaults.append((call.lineno, call.col_offset + 1, name, outer))
        in_class = bool(self._stack) and self._stack[-1][1] == "class"
        self._symbol(node, "method" if in_class else "function")

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        raises = isinstance(node.body[-1], ast.Raise)
        self.error_paths.append(ErrorPath("except", node.lineno, node.body[0].lineno, _end(node.body), raises))
        self.generic_visit(node)

    def visit_If(self, node: ast.If) -> None:
        self.runtime_guards.extend(guards_of(node))
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        self._finally(node.finalbody)
        self.generic_visit(node)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self._finally(node.finalbody)
        self.generic_visit(node)

    def _finally(self, body: list[ast.stmt]) -> None:
        if body:
            self.error_paths.append(ErrorPath("finally", body[0].lineno, body[0].lineno, _end(body)))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assigned(target)
            if isinstance(target, ast.Name) and target.id == "__slots__":
                values = node.value.elts if isinstance(node.value, ast.Tuple | ast.List | ast.Set) else [node.value]
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        self._define(value.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assigned(node.target)
        self.generic_visit(node)

    def _assigned(self, target: ast.expr) -> None:
        """``obj._x = ...`` anywhere; ``_x = ...`` at module level or in a class body."""
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._assigned(element)
        elif isinstance(target, ast.Starred):
            self._assigned(target.value)
        elif isinstance(target, ast.Attribute):
            self._define(target.attr)
            if isinstance(target.value, ast.Name):
                self._set_on_names.add((target.value.id, target.attr))
        elif isinstance(target, ast.Subscript):
            self._define(_dict_key(target))
        elif isinstance(target, ast.Name) and (not self._stack or self._stack[-1][1] == "class"):
            self._define(target.id)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "setattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                self._define(name.value)
                if isinstance(node.args[0], ast.Name):
                    self._set_on_names.add((node.args[0].id, name.value))
        if _last_name(node.func) in SQL_EXPRESSION_CALLS and not _string_or_path_join(node.func):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                self.sql_regions.append((arg.lineno, arg.end_lineno or arg.lineno))
        self.generic_visit(node)


ASYNC_ITERATOR_TYPES = frozenset({"AsyncIterator", "AsyncGenerator", "AsyncIterable"})
"""Return annotations of an ``async def`` that is (or is overridden by) an async generator."""


def is_async_generator(node: ast.AsyncFunctionDef) -> bool:
    """Whether an ``async def`` is an async generator: it yields, or its return type says it iterates.

    An abstract ``async def stream(self) -> AsyncIterator[str]`` whose subclasses yield counts too.
    """
    if node.returns is not None and _last_name(node.returns) in ASYNC_ITERATOR_TYPES:
        return True
    pending: list[ast.AST] = list(node.body)
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(current))
    return False


def is_private_name(name: str) -> bool:
    """One leading underscore: not a dunder, a mangled ``__name``, ``_`` alone or an Enum ``_sunder_`` name."""
    return len(name) > 1 and name[0] == "_" and name[1] != "_" and not (len(name) > 2 and name[-1] == "_")


def _dict_key(target: ast.Subscript) -> str:
    """``"_x"`` for ``obj.__dict__["_x"]``; empty for any other subscript."""
    key = target.slice
    if dotted_name(target.value).endswith(".__dict__") and isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    return ""


def _string_or_path_join(func: ast.expr) -> bool:
    """Whether a call is ``"sep".join(...)`` or ``os.path.join(...)``: no SQL in its arguments."""
    if not (isinstance(func, ast.Attribute) and func.attr == "join"):
        return False
    owner = func.value
    return (isinstance(owner, ast.Constant) and isinstance(owner.value, str)) or dotted_name(owner).endswith("path")


def _end(body: Sequence[ast.stmt]) -> int:
    """Last line of a block."""
    return max((n.end_lineno or n.lineno) for n in body)


def _last_name(node: ast.expr) -> str:
    """``Base`` for ``Base``, ``pkg.Base`` or ``Base[T]``; empty for anything else."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""
