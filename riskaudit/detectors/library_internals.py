"""Library internals: SQLAlchemy pool internals and private attributes of third-party objects."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from riskaudit.detectors.base import (
    TOOL,
    Detector,
    Example,
    FileContext,
    ProjectSymbols,
    assignment_targets,
    dotted_name,
)
from riskaudit.models import RawFinding
from riskaudit.sources import is_private_name

_POOL_METHODS = frozenset({"size", "checkedin", "checkedout", "overflow"})
"""QueuePool-only methods that the ``Pool`` base class (what ``engine.pool`` is typed as) lacks."""
_PUBLIC_UNDERSCORE = frozenset(
    {
        "_replace",
        "_asdict",
        "_fields",
        "_make",
        "_field_defaults",
        "_mapping",
        "_t",
        "_tuple",
        "_meta",
    }
)
"""Documented public APIs spelled with one underscore so they cannot clash with field names:
namedtuple's (and SQLAlchemy ``Row``'s) ``_replace``/``_asdict``/``_fields``/``_make``/
``_field_defaults``, ``Row._mapping``/``_t``/``_tuple``, and Django's ``Model._meta``."""
_SELF = frozenset({"self", "cls"})
_STDLIB = frozenset(sys.stdlib_module_names)
_POOL = "pool"
_PRIVATE = "private"
_DEFINED = "defined"


@dataclass(frozen=True)
class _Method:
    """A method of a class: its parameters' annotation names."""

    owner: str
    name: str
    annotations: dict[str, set[str]]


def _root(node: cst.BaseExpression) -> cst.BaseExpression:
    """The leftmost expression of an attribute/call/subscript chain (``a`` in ``a.b().c[0]``)."""
    while True:
        if isinstance(node, cst.Attribute):
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Subscript):
            node = node.value
        else:
            return node


def _annotation_names(annotation: cst.Annotation | None) -> set[str]:
    """Every name and string literal inside an annotation (``Optional["Node"]`` -> Optional, Node)."""
    if annotation is None:
        return set()
    found: set[str] = set()
    pending: list[cst.CSTNode] = [annotation.annotation]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Name):
            found.add(node.value)
        elif isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
            found.update(part.strip() for part in node.evaluated_value.replace("|", " ").split())
        pending.extend(node.children)
    return found


class LibraryInternals(Detector):
    """Finds reliance on third-party internals: QueuePool-only pool methods and ``_private`` attributes.

    Pool: ``.size()``, ``.checkedin()``, ``.checkedout()``, ``.overflow()`` called on an expression
    ending in ``.pool`` (``engine.pool.size()``, ``self.engine.sync_engine.pool.checkedout()``) or
    on a name bound in the same function or at module level from such an expression or from a
    ``get_pool()`` call. Only what is visible syntactically: a ``pool`` parameter is not followed.

    Private attributes: ``obj._name`` (one underscore) read or written on anything but ``self``,
    ``cls``, ``super()`` and ``type(self)``. Not reported: chains rooted at a project module or
    project class, or at a standard-library module (``sys._getframe`` and ``os._exit`` are
    documented CPython APIs; the risk here is third-party upgrades); a parameter of the enclosing
    method annotated with its own class (or unannotated in a dunder method such as
    ``__eq__(self, other)``); documented underscore APIs (namedtuple's and SQLAlchemy Row's
    ``_asdict``/``_replace``/``_fields``/``_mapping``..., Django's ``_meta``); and, decided once the
    whole project has been read, any ``_name`` the project itself defines on a class (``self._name =``,
    a class-level ``_name``, a ``def _name`` method, ``__slots__``) or at module level: then the
    access is most likely to the project's own object.
    """

    RULE = "RA103"
    CODE = "library-internals"
    # sound: private names (accessed or defined) contain "_", pool calls need `pool`, setattr may escape "_"
    TRIGGERS = ("_", "pool", "setattr")
    MESSAGE = "`{expr}` relies on a library internal that its public type does not declare"
    POOL_MESSAGE = (
        "`{expr}()` exists only on QueuePool, not on the Pool type engine.pool has: "
        "AttributeError under NullPool/StaticPool or after an upgrade"
    )
    PRIVATE_MESSAGE = "`{expr}` uses a private attribute of a library object: it can change or vanish in any release"
    VALID = (
        "def f(pool):\n    return pool.size()\n",
        "def f(items):\n    return items.size()\n",
        "class A:\n    def f(self):\n        return self._x\n    def g(self):\n        return super()._y()\n",
        "class A:\n    def __init__(self):\n        self._x = 1\n    def __eq__(self, other):\n"
        "        return self._x == other._x\n",
        "class A:\n    def same(self, other: 'A'):\n        return other._key\n",
        "import sys\ndef f():\n    return sys._getframe(1)\n",
        "import os\ndef f():\n    os._exit(1)\n",
        "def f(row, point):\n    return row._mapping, point._replace(x=1), point._asdict(), point._fields\n",
        "class A:\n    _registry = {}\ndef f():\n    return A._registry\n",
        "class Node:\n    def __init__(self):\n        self._parent = None\ndef f(node):\n    return node._parent\n",
        "def _helper():\n    return 1\ndef f(mod):\n    return mod._helper()\n",
        "from app import db\ndef f():\n    return db._engine\n",
        "from . import db\ndef f():\n    return db._engine\n",
        "import app.db\ndef f():\n    return app.db._engine\n",
        "def f(x):\n    return x.__dict__, x.__class__, x._\n",
        # real code (httpx _status_codes.py): Enum's _sunder_ names are its documented API
        "def __new__(cls, value):\n    obj = int.__new__(cls, value)\n    obj._value_ = value\n    return obj\n",
        # real code (sqlmodel main.py, starlette testclient.py): imports and annotations are no runtime access
        "from pydantic._internal._repr import Representation\n",
        "import httpx\ndef get(url: httpx._types.URLTypes) -> None: ...\n",
        # real code (alembic util/sqla_compat.py, script/base.py): checked with hasattr(), it cannot raise
        "def f(identity):\n    assert hasattr(identity, '_as_dict')\n    return identity._as_dict()\n",
        # real code (sqlalchemy examples/custom_management.py): defined through __dict__
        "def init(instance):\n    instance.__dict__['_goofy_dict'] = {}\ndef get(instance):\n"
        "    return instance._goofy_dict\n",
        # real code (sqlalchemy-utils proxy_dict.py): the project attaches _proxy_dicts to objects itself
        "def get(parent):\n    if not hasattr(parent, '_proxy_dicts'):\n        parent._proxy_dicts = {}\n"
        "    return parent._proxy_dicts\n",
    )
    INVALID = (
        Example("from app.db import engine\ndef f():\n    return engine.pool.size()\n", line=3),
        Example("def f(engine):\n    pool = engine.pool\n    return pool.checkedin()\n", line=3),
        Example("class H:\n    def f(self):\n        return self.engine.sync_engine.pool.checkedout()\n", line=3),
        Example("pool = get_pool()\ndef f():\n    return pool.overflow()\n", line=3),
        Example("def f(session):\n    return session._connection\n", line=2),
        Example("def f(engine):\n    return engine.pool._pool\n", line=2),
        Example("import httpx\ndef f(response):\n    return response._content\n", line=3),
        Example("import sqlalchemy\ndef f():\n    return sqlalchemy.orm._x\n", line=3),
        Example("class A:\n    def f(self):\n        return self.session._transaction\n", line=3),
        Example("class A:\n    def f(self, session):\n        return session._connection\n", line=3),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._pools: list[set[str]] = [set()]
        self._classes: list[str] = []
        self._scopes: list[tuple[bool, _Method | None]] = []
        """Enclosing scopes: ``(True, None)`` for a class body, ``(False, method or None)`` for a function."""
        self._skip_roots: set[str] = set()
        """Names bound to project or standard-library modules and their members."""
        self._quiet = 0
        """Depth inside import statements and annotations, where dotted names are not runtime accesses."""
        self._checked: set[tuple[str, str]] = set()
        """``(object, name)`` of hasattr() checks: a checked private attribute degrades instead of raising."""
        self._defined: set[str] = set()
        """Private names this file defines (recorded once, at the end of the file)."""
        self._candidates: list[tuple[str, cst.CSTNode, str, str]] = []
        """``(kind, node, message, attr)`` of pool calls and private accesses, in visiting order."""

    # -- imports and definitions ---------------------------------------------------------------

    def _is_own_or_stdlib(self, module: str) -> bool:
        """Whether a module is the project's own or the standard library's."""
        top = module.split(".", 1)[0]
        return top in self.context.project.modules or top in _STDLIB

    def visit_Annotation(self, node: cst.Annotation) -> None:
        """Annotations name types (``httpx._types.URLTypes``): no runtime attribute access."""
        self._quiet += 1

    def leave_Annotation(self, original_node: cst.Annotation) -> None:
        """Leave an annotation."""
        self._quiet -= 1

    def leave_Import(self, original_node: cst.Import) -> None:
        """Leave an import."""
        self._quiet -= 1

    def leave_ImportFrom(self, original_node: cst.ImportFrom) -> None:
        """Leave an import."""
        self._quiet -= 1

    def visit_Import(self, node: cst.Import) -> None:
        """Names bound to project or standard-library modules are not third-party."""
        self._quiet += 1
        for alias in node.names:
            module = dotted_name(alias.name)
            if not self._is_own_or_stdlib(module):
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._skip_roots.add(alias.asname.name.value)
            else:
                self._skip_roots.add(module.split(".", 1)[0])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """Names imported relatively or from project/standard-library modules are not third-party."""
        self._quiet += 1
        if isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module) if node.module is not None else ""
        if not node.relative and not self._is_own_or_stdlib(module):
            return
        for alias in node.names:
            bound = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(bound, cst.Name):
                self._skip_roots.add(bound.value)

    def _define(self, name: str) -> None:
        """The project defines ``name`` itself."""
        if is_private_name(name):
            self._defined.add(name)

    def leave_Module(self, original_node: cst.Module) -> None:
        """Hand the file's candidates and private definitions to ``summarize``."""
        self._hand_over()
        self.records.extend(json.dumps([_DEFINED, name]) for name in sorted(self._defined))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Enter a class; its name is defined by the project."""
        self._classes.append(node.name.value)
        self._scopes.append((True, None))
        self._define(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Leave a class."""
        self._classes.pop()
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function: its own pool bindings, and which method (if any) it belongs to."""
        self._define(node.name.value)
        self._pools.append(set())
        if self._in_class_body():
            params = [*node.params.posonly_params, *node.params.params, *node.params.kwonly_params]
            annotations = {p.name.value: _annotation_names(p.annotation) for p in params}
            self._scopes.append((False, _Method(self._classes[-1], node.name.value, annotations)))
        else:
            self._scopes.append((False, self._scopes[-1][1] if self._scopes else None))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._pools.pop()
        self._scopes.pop()

    def _in_class_body(self) -> bool:
        """Whether the current statement is directly in a class body."""
        return bool(self._scopes) and self._scopes[-1][0]

    def _record_definitions(self, target: cst.BaseExpression, at_module: bool) -> None:
        """``obj._x = ...`` (the project attaches ``_x`` itself), or a module-level or class-level ``_x = ...``."""
        for item in assignment_targets(target):
            if isinstance(item, cst.Attribute):
                self._define(item.attr.value)
            elif isinstance(item, cst.Subscript) and dotted_name(item.value).endswith(".__dict__"):
                key = item.slice[0].slice if len(item.slice) == 1 else None
                if isinstance(key, cst.Index) and isinstance(key.value, cst.SimpleString):
                    literal = key.value.evaluated_value
                    if isinstance(literal, str):
                        self._define(literal)
            elif isinstance(item, cst.Name) and (at_module or self._in_class_body()):
                self._define(item.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        """Definitions, ``__slots__`` and pool bindings."""
        at_module = not self._scopes
        for target in node.targets:
            self._record_definitions(target.target, at_module)
            if isinstance(target.target, cst.Name):
                if target.target.value == "__slots__":
                    self._slots(node.value)
                if self._is_pool(node.value):
                    self._pools[-1].add(target.target.value)
                else:
                    self._pools[-1].discard(target.target.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """Annotated definitions and pool bindings."""
        self._record_definitions(node.target, not self._scopes)
        if isinstance(node.target, cst.Name) and node.value is not None and self._is_pool(node.value):
            self._pools[-1].add(node.target.value)

    def _slots(self, value: cst.BaseExpression) -> None:
        """``__slots__ = ("_a", "_b")`` defines ``_a`` and ``_b``."""
        if isinstance(value, (cst.Tuple, cst.List, cst.Set)):
            for element in value.elements:
                if isinstance(element.value, cst.SimpleString) and isinstance(element.value.evaluated_value, str):
                    self._define(element.value.evaluated_value)
        elif isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
            self._define(value.evaluated_value)

    # -- pool internals ------------------------------------------------------------------------

    @staticmethod
    def _is_pool(value: cst.BaseExpression) -> bool:
        """``<x>.pool`` or ``get_pool()``/``<x>.get_pool()``."""
        if isinstance(value, cst.Attribute):
            return value.attr.value == "pool"
        if isinstance(value, cst.Call):
            callee = value.func
            name = callee.attr.value if isinstance(callee, cst.Attribute) else dotted_name(callee)
            return name == "get_pool"
        return False

    def visit_Call(self, node: cst.Call) -> None:
        """``<pool>.size()`` and friends; ``setattr(obj, "_x", ...)`` defines ``_x``."""
        func = node.func
        if isinstance(func, cst.Name) and func.value in ("setattr", "hasattr") and len(node.args) >= 2:
            name = node.args[1].value
            if isinstance(name, cst.SimpleString) and isinstance(name.evaluated_value, str):
                if func.value == "setattr":
                    self._define(name.evaluated_value)
                else:
                    self._checked.add((dotted_name(node.args[0].value), name.evaluated_value))
        if not isinstance(func, cst.Attribute) or func.attr.value not in _POOL_METHODS:
            return
        receiver = func.value
        bound = isinstance(receiver, cst.Name) and (
            receiver.value in self._pools[-1] or receiver.value in self._pools[0]
        )
        if self._is_pool(receiver) or bound:
            self._record(_POOL, func, self.POOL_MESSAGE.format(expr=_text(func)))

    # -- private attributes --------------------------------------------------------------------

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """``obj._name`` on something that may be a third-party object."""
        attr = node.attr.value
        if self._quiet or not is_private_name(attr) or attr in _PUBLIC_UNDERSCORE:
            return
        receiver = node.value
        if isinstance(receiver, cst.Name) and receiver.value in _SELF:
            return
        if isinstance(receiver, cst.Call) and dotted_name(receiver.func) in ("super", "type", "vars"):
            return
        if (dotted_name(receiver), attr) in self._checked:
            return
        root = _root(receiver)
        if not isinstance(root, cst.Name):
            return
        name = root.value
        project = self.context.project
        if name in self._skip_roots or name in project.classes or name in project.modules:
            return
        if receiver is root and self._same_class_parameter(name):
            return
        self._record(_PRIVATE, node, self.PRIVATE_MESSAGE.format(expr=_text(node)), attr)

    def _same_class_parameter(self, name: str) -> bool:
        """A parameter of the enclosing method typed as the method's own class (or ``other`` in a dunder)."""
        method = self._scopes[-1][1] if self._scopes else None
        if method is None or name not in method.annotations:
            return False
        names = method.annotations[name]
        if names & {method.owner, "Self"}:
            return True
        return not names and method.name.startswith("__") and method.name.endswith("__")

    def _record(self, kind: str, node: cst.CSTNode, message: str, attr: str = "") -> None:
        """Keep a candidate finding; ``leave_Module`` hands it to ``summarize``."""
        self._candidates.append((kind, node, message, attr))

    def _hand_over(self) -> None:
        """Candidates as records, but not private accesses to names this file or the project defines.

        ``summarize`` would drop those anyway; leaving them out here spares the file the position lookup
        when no candidate is left.
        """
        project = self.context.project.private_names
        for kind, node, message, attr in self._candidates:
            if kind == _PRIVATE and (attr in self._defined or attr in project):
                continue
            start = self.position(node).start
            self.records.append(json.dumps([kind, self.context.path, start.line, start.column + 1, attr, message]))

    @classmethod
    def summarize(cls, records: Mapping[str, Sequence[str]], project: ProjectSymbols) -> list[RawFinding]:
        """Findings: every pool-internals call, and private accesses to names the project never defines."""
        decoded = [json.loads(item) for item in records.get(cls.CODE, ())]
        defined = {record[1] for record in decoded if record[0] == _DEFINED} | project.private_names
        findings: list[RawFinding] = []
        seen: set[tuple[str, int]] = set()
        for kind in (_POOL, _PRIVATE):
            for record in decoded:
                if record[0] != kind:
                    continue
                _, path, line, column, attr, message = record
                if (kind == _PRIVATE and attr in defined) or (path, line) in seen:
                    continue
                seen.add((path, line))
                findings.append(RawFinding(TOOL, cls.CODE, message, path, line, column))
        return sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.column or 0))


def _text(node: cst.CSTNode) -> str:
    """Source text of a small expression, shortened for a message."""
    code = cst.Module(body=[]).code_for_node(node)
    return code if len(code) <= 60 else f"...{code[-57:]}"
