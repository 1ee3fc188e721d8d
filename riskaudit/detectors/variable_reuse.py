"""Variable reuse: one local name bound to SQL statements, or objects, of different kinds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from riskaudit.detectors.base import Detector, Example, FileContext, dotted_name

_SQL_PACKAGES = frozenset({"sqlalchemy", "sqlmodel"})
"""Top-level packages whose statement builders count."""
_BUILDERS = {
    "select": "select()",
    "insert": "insert()",
    "update": "update()",
    "delete": "delete()",
    "text": "text()",
    "union": "union()",
    "union_all": "union()",
    "except_": "union()",
    "except_all": "union()",
    "intersect": "union()",
    "intersect_all": "union()",
}
"""SQLAlchemy statement builders and the kind each produces (set operations are one kind)."""
_NOT_GENERATIVE = frozenset(
    {"subquery", "scalar_subquery", "cte", "alias", "exists", "compile", "label", "lateral", "as_scalar"}
)
"""Methods that turn a statement into something else (a subquery, a compiled form)."""


def _names(node: cst.CSTNode) -> Iterator[str]:
    """Every Name inside an expression."""
    if isinstance(node, cst.Name):
        yield node.value
    for child in node.children:
        yield from _names(child)


def _is_capwords(name: str) -> bool:
    """``UserRepository`` yes; ``USER_TABLE``, ``user`` and ``_Private`` no."""
    return name[:1].isupper() and any(c.islower() for c in name)


Branch = tuple[int, str, bool]
"""One enclosing branch: ``(id of the if/try/loop statement, which branch, whether the branches exclude each other)``.
"""


@dataclass
class _Scope:
    """The bindings of one function."""

    bindings: dict[str, list[tuple[str, tuple[Branch, ...]]]] = field(default_factory=dict)
    """Each name's earlier kinds, with the branches each binding was in."""
    declared: set[str] = field(default_factory=set)
    """Names with an annotation: their author declared what they may hold."""


def _common(first: tuple[Branch, ...], second: tuple[Branch, ...]) -> int:
    """Length of the shared outer branches of two bindings."""
    count = 0
    for a, b in zip(first, second):
        if a != b:
            break
        count += 1
    return count


class VariableReuse(Detector):
    """Finds a local name rebound, on some paths only, to a statement or object of a different kind.

    Kinds: SQLAlchemy/SQLModel statement builders imported from those packages (``select``,
    ``insert``, ``update``, ``delete``, ``text`` and the set operations ``union``/``intersect``/...,
    also through ``import sqlalchemy as sa``); a chained builder (``delete(M).where(...)``) counts as
    its root call. And constructors: a call of a project class or a CapWords name, not chained.
    Only plain ``name = <call>`` bindings in functions count. Not reuse: refinements that read the
    variable (``stmt = stmt.where(...)``, ``q = union(q, other)``); a name annotated in the function
    (``conn: Request | WebSocket``), whose author declared what it may hold; and an unconditional
    rebinding at the same or an outer level (``x = A(); ...; x = B()``: after it the kind no longer
    depends on the path).

    Reported: a rebinding inside a branch or loop the earlier binding is not in (the exemplar:
    ``stmt = delete(...)`` then ``if soft: stmt = update(...)``), and, for SQL statements,
    bindings in separate if/else or try/except branches too: the statement that reaches a shared
    ``execute()`` then depends on the path. Constructors in separate branches are a deliberate
    polymorphic choice (``Request``/``WebSocket``, ``params.Path``/``params.Query``) and are not
    reported, nor are constructors of one family (class names sharing their last CapWords word,
    ``JSONResponse``/``PlainTextResponse``).
    """

    RULE = "RA510"
    CODE = "variable-reuse"
    # sound: only bindings inside a `def` are compared (any CapWords call counts, so nothing narrower)
    TRIGGERS = ("def",)
    MESSAGE = (
        "`{name}` holds {first} on one path and is rebound here to {second} on another: "
        "which one the code below uses depends on the path taken"
    )
    VALID = (
        "from sqlalchemy import select\ndef f(A, x):\n    stmt = select(A)\n    if x:\n"
        "        stmt = stmt.where(A.id == x)\n",
        "from sqlalchemy import select, update\ndef f(A, c):\n    x = select(A)\ndef g(A, c):\n    if c:\n"
        "        x = update(A)\n",
        "from sqlalchemy import select\ndef f(A, B, c):\n    q = select(A)\n    if c:\n        q = select(B)\n",
        "from sqlalchemy import select, union\ndef f(A, B, c):\n    q = select(A)\n    if c:\n"
        "        q = union(q, select(B))\n",
        "def delete(x): ...\ndef update(x): ...\ndef f(A, c):\n    r = delete(A)\n    if c:\n        r = update(A)\n",
        "from sqlalchemy import select, update\ndef f(A, c):\n    stmt = select(A)\n    if c:\n"
        "        stmt, other = update(A), 1\n",
        "from sqlalchemy import select, delete\ndef f(A, c):\n    s = select(A).subquery()\n    if c:\n"
        "        s = delete(A)\n",
        "from sqlalchemy import delete, insert\ndef f(s, A):\n    stmt = delete(A)\n    s.execute(stmt)\n"
        "    stmt = insert(A)\n    s.execute(stmt)\n",
        "def f(ok):\n    if ok:\n        resp = JSONResponse({})\n    else:\n        resp = PlainTextResponse('')\n"
        "    return resp\n",
        "def f(c):\n    p = Path('a')\n    if c:\n        p = p.parent\n",
        "def f(c):\n    b = Builder().build()\n    if c:\n        b = Other().build()\n",
        "def f():\n    x = Cache()\n    x.fill()\n    x = Session()\n    x.close()\n",
        # real code (starlette middleware/exceptions.py): the annotation declares both kinds
        "async def f(scope):\n    conn: Request | WebSocket\n    if scope['type'] == 'http':\n"
        "        conn = Request(scope)\n    else:\n        conn = WebSocket(scope)\n",
        # real code (fastapi dependencies/utils.py): alternative classes in exclusive branches
        "def f(a, b):\n    if a:\n        info = params.Path()\n    elif b:\n        info = params.File()\n"
        "    else:\n        info = params.Query()\n",
        "def f():\n    try:\n        conn = Primary()\n    except OSError:\n        conn = Fallback()\n",
    )
    INVALID = (
        Example(
            "from sqlalchemy import delete, update\nasync def remove(session, M, soft):\n"
            "    stmt = delete(M).where(M.id == 1)\n    if soft:\n"
            "        stmt = update(M).where(M.id == 1).values(is_deleted=True)\n"
            "    await session.execute(stmt)\n",
            line=5,
        ),
        Example(
            "import sqlalchemy as sa\ndef f(M, soft):\n    if soft:\n        stmt = sa.update(M).values(x=1)\n"
            "    else:\n        stmt = sa.delete(M)\n    return stmt\n",
            line=6,
        ),
        Example(
            "from sqlalchemy import select, text\ndef f(M, raw):\n    q = select(M)\n    if raw:\n"
            "        q = text('SELECT 1')\n",
            line=5,
        ),
        Example(
            "from sqlalchemy import select, text\ndef f(M, xs):\n    q = select(M)\n    for x in xs:\n"
            "        q = text(x)\n",
            line=5,
        ),
        Example(
            "class Cache: ...\nclass Session: ...\ndef f(c):\n    s = Cache()\n    if c:\n        s = Session()\n",
            line=6,
        ),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._sql_names: dict[str, str] = {}
        self._sql_modules: set[str] = set()
        self._scopes: list[_Scope | None] = []
        self._branches: dict[int, Branch] = {}
        """Branch entries of the blocks still to be visited, by node id."""
        self._path: list[Branch] = []
        """The branches enclosing the current statement, outermost first."""

    def visit_Import(self, node: cst.Import) -> None:
        """``import sqlalchemy as sa``: ``sa.update(...)`` is a builder."""
        for alias in node.names:
            module = dotted_name(alias.name)
            if module.split(".", 1)[0] not in _SQL_PACKAGES:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._sql_modules.add(alias.asname.name.value)
            else:
                self._sql_modules.add(module.split(".", 1)[0])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """``from sqlalchemy import delete``, ``from sqlalchemy.dialects.postgresql import insert as pg_insert``."""
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        if dotted_name(node.module).split(".", 1)[0] not in _SQL_PACKAGES:
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            bound = alias.asname.name if alias.asname is not None else alias.name
            if not isinstance(bound, cst.Name):
                continue
            if alias.name.value in _BUILDERS:
                self._sql_names[bound.value] = alias.name.value
            else:
                self._sql_modules.add(bound.value)

    # -- scopes and branches -------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """A function has its own locals."""
        self._scopes.append(_Scope())

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """A class body is not a function: its bindings are not compared."""
        self._scopes.append(None)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Leave a class."""
        self._scopes.pop()

    def _register(self, node: cst.CSTNode | None, owner: cst.CSTNode, label: str, exclusive: bool) -> None:
        """Note that ``node`` is one branch of ``owner``."""
        if node is not None:
            self._branches[id(node)] = (id(owner), label, exclusive)

    def _enter(self, node: cst.CSTNode) -> None:
        """Entering a registered branch extends the path."""
        branch = self._branches.get(id(node))
        if branch is not None:
            self._path.append(branch)

    def _leave(self, node: cst.CSTNode) -> None:
        """Leaving a registered branch."""
        if id(node) in self._branches:
            self._path.pop()
            del self._branches[id(node)]

    def visit_If(self, node: cst.If) -> None:
        """``if``/``elif``: body and else exclude each other."""
        self._enter(node)
        self._register(node.body, node, "if", True)
        self._register(node.orelse, node, "else", True)

    def leave_If(self, original_node: cst.If) -> None:
        """Leave an ``if`` (or an ``elif`` branch)."""
        self._leave(original_node)

    def visit_Try(self, node: cst.Try) -> None:
        """``try``: the body (and its else) and each handler exclude each other."""
        self._register(node.body, node, "try", True)
        self._register(node.orelse, node, "try", True)
        for index, handler in enumerate(node.handlers):
            self._register(handler, node, f"except-{index}", True)

    def visit_For(self, node: cst.For) -> None:
        """A loop body may run zero times."""
        self._register(node.body, node, "loop", False)
        self._register(node.orelse, node, "loop-else", False)

    def visit_While(self, node: cst.While) -> None:
        """A loop body may run zero times."""
        self._register(node.body, node, "loop", False)
        self._register(node.orelse, node, "loop-else", False)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        """A block may be a branch."""
        self._enter(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        """Leave a block."""
        self._leave(original_node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        """A one-line block may be a branch."""
        self._enter(node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        """Leave a one-line block."""
        self._leave(original_node)

    def visit_Else(self, node: cst.Else) -> None:
        """An ``else`` branch."""
        self._enter(node)

    def leave_Else(self, original_node: cst.Else) -> None:
        """Leave an ``else``."""
        self._leave(original_node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        """An ``except`` branch."""
        self._enter(node)

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        """Leave an ``except``."""
        self._leave(original_node)

    # -- kinds and bindings --------------------------------------------------------------------

    def _sql_kind(self, callee: cst.BaseExpression) -> str:
        """The statement kind a builder call produces, or empty."""
        if isinstance(callee, cst.Name):
            original = self._sql_names.get(callee.value, "")
            return _BUILDERS.get(original, "")
        name = dotted_name(callee)
        if "." in name and name.split(".", 1)[0] in self._sql_modules:
            return _BUILDERS.get(name.rsplit(".", 1)[-1], "")
        return ""

    def _kind(self, value: cst.BaseExpression) -> str:
        """``delete()`` for ``delete(M).where(...)``, ``Cache(...)`` for ``Cache()``; empty for anything else."""
        if isinstance(value, cst.Call):
            name = dotted_name(value.func).rsplit(".", 1)[-1]
            if name and _is_capwords(name):
                return f"{name}(...)"
        root = value
        while isinstance(root, cst.Call) and isinstance(root.func, cst.Attribute):
            if root.func.attr.value in _NOT_GENERATIVE or not isinstance(root.func.value, cst.Call):
                break
            root = root.func.value
        if isinstance(root, cst.Call):
            return self._sql_kind(root.func)
        return ""

    def _bind(self, name: str, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        """Record one binding; report it when it brings a new kind on some paths only."""
        scope = self._scopes[-1] if self._scopes else None
        if scope is None or name in scope.declared:
            return
        kind = self._kind(value)
        if not kind or name in set(_names(value)):
            return
        path = tuple(self._path)
        earlier = scope.bindings.setdefault(name, [])
        clash = next((other for other, where in earlier if self._clashes(other, where, kind, path)), None)
        if clash is not None:
            self.report(node, self.MESSAGE.format(name=name, first=clash, second=kind))
        earlier.append((kind, path))

    def _clashes(self, first: str, first_path: tuple[Branch, ...], second: str, path: tuple[Branch, ...]) -> bool:
        """Whether a binding of kind ``second`` at ``path`` makes the name's kind path-dependent."""
        if first == second:
            return False
        common = _common(first_path, path)
        if len(path) <= common:
            return False
        if _is_sql(first) and _is_sql(second):
            return True
        if _last_word(first.removesuffix("(...)")) == _last_word(second.removesuffix("(...)")):
            return False
        exclusive = (
            common < len(first_path)
            and first_path[common][0] == path[common][0]
            and first_path[common][2]
            and first_path[common][1] != path[common][1]
        )
        return not exclusive

    def visit_Assign(self, node: cst.Assign) -> None:
        """``name = <call>`` (``a = b = <call>`` binds both)."""
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._bind(target.target.value, node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """``name: A | B`` declares what the name may hold: it is exempt in this function."""
        scope = self._scopes[-1] if self._scopes else None
        if scope is not None and isinstance(node.target, cst.Name):
            scope.declared.add(node.target.value)


def _is_sql(kind: str) -> bool:
    """Whether a kind is a SQL statement kind (``delete()``) rather than a constructor (``Cache(...)``)."""
    return kind.endswith("()")


def _last_word(name: str) -> str:
    """The last CapWords word of a class name (``PlainTextResponse`` -> ``Response``)."""
    for index in range(len(name) - 2, -1, -1):
        if name[index].isupper() and name[index + 1].islower():
            return name[index:]
    return name
