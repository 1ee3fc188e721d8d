"""hasattr() narrowing: ``X.name`` used under a ``hasattr(X, "name")`` guard, ``name`` undeclared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from riskaudit.detectors.analysis.hasattr_guards import HasattrGuards
from riskaudit.detectors.base import Detector, Example, FileContext, assignment_targets, dotted_name

_NEUTRAL_BASES = frozenset({"object", "Generic", "Protocol", "ABC"})
"""Base classes that declare no attributes a ``hasattr(self, ...)`` check could be about."""
_OWN = frozenset({"self", "cls", "self.__class__"})
"""Objects whose class is the enclosing class."""


@dataclass
class _ClassInfo:
    """What one class of the file declares, as far as this file shows."""

    name: str
    bases: tuple[str, ...]
    declared: set[str] = field(default_factory=set)


def _is_dunder(name: str) -> bool:
    """Whether an attribute is a dunder (``__iter__``): checking for one is a protocol check, not narrowing."""
    return name.startswith("__") and name.endswith("__")


def _class_level_names(body: cst.BaseSuite) -> set[str]:
    """Names a class body binds directly: attributes, annotations, methods, properties, nested classes."""
    names: set[str] = set()
    statements = list(body.body)
    while statements:
        statement = statements.pop()
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            names.add(statement.name.value)
        elif isinstance(statement, (cst.If, cst.Try, cst.With)):
            statements.extend(statement.body.body)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    targets = [t for a in small.targets for t in assignment_targets(a.target)]
                    names.update(t.value for t in targets if isinstance(t, cst.Name))
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)) and isinstance(small.target, cst.Name):
                    names.add(small.target.value)
    return names


def _base_name(arg: cst.Arg) -> str:
    """The last dotted part of a base class expression (``Generic[T]`` -> ``Generic``); empty if unknown."""
    value = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
    name = dotted_name(value)
    return name.rsplit(".", 1)[-1] if name else ""


class HasattrNarrowing(Detector):
    """Finds ``X.name`` used where only ``hasattr(X, "name")`` vouches for it.

    The guards are those ``HasattrGuards`` reads (``analysis/hasattr_guards.py``, shared with the
    ``hasattr-guard`` fact of mypy's findings): the body of ``if hasattr(...)`` (and the ``else`` of
    ``if not hasattr(...)``), the right side of ``and``/``or`` chains, both arms of conditional
    expressions, the element of a comprehension filtered by hasattr(), ``assert hasattr(...)`` and
    ``if not hasattr(...): return/raise/continue/break`` for the rest of the block. X is a name or
    an attribute chain (``obj``, ``self.model``); for any X but the enclosing class's own object its class is unknown,
    so the use is reported, as mypy does. ``hasattr(self, "a")`` (``cls``, ``self.__class__``) is
    fine when the class assigns ``self.a``/``cls.a`` anywhere, calls ``setattr(self, "a", ...)`` or
    binds ``a`` in its body (attribute, annotation, method, property), and is not reported when a
    base class outside the file could declare it. Left alone: module objects (feature detection
    such as ``hasattr(os, "fork")``), dunder attributes (protocol checks), writes and ``del`` of
    the attribute (set-if-present and remove-if-present rely on nothing), and uses after X was
    rebound inside the guard (``value = cast(Mapping, value)`` gives it a declared type). One
    finding per line, on the guarded use: the line mypy flags in typed code, so both merge; here it
    also covers untyped functions and ``ignore_errors`` modules.
    """

    RULE = "RA117"  # RA102 when the guarded use sits in a SQL expression (a fact of the mapping)
    CODE = "hasattr-narrowing"
    # sound: every guard is a call whose callee is the bare name `hasattr`; without one nothing is reported
    TRIGGERS = ("hasattr",)
    MESSAGE = (
        "`{obj}.{attr}` is only vouched for by hasattr(): `{attr}` is not declared on the class of `{obj}`, "
        "so no type checker verifies this access"
    )
    VALID = (
        "class Repo:\n    def __init__(self):\n        self.cache = None\n"
        "    def get(self):\n        if hasattr(self, 'cache'):\n            return self.cache\n",
        "class Repo:\n    cache: dict = {}\n    def get(self):\n"
        "        if hasattr(self, 'cache'):\n            return self.cache\n",
        "class Repo:\n    def get(self):\n        if not hasattr(self, '_cache'):\n"
        "            self._cache = {}\n        return self._cache\n",
        "class Repo:\n    @property\n    def size(self):\n        return 1\n"
        "    def get(self):\n        return self.size if hasattr(self, 'size') else 0\n",
        "def f(obj):\n    if hasattr(obj, 'name'):\n        return getattr(obj, 'name', None)\n",
        "def f(obj):\n    if hasattr(obj, 'name'):\n        return obj.title\n",
        "def f(obj):\n    if hasattr(obj, 'name'):\n        pass\n    return obj.name\n",
        "def f(obj):\n    if hasattr(obj, 'name'):\n        pass\n    else:\n        return obj.name\n",
        "def f(obj, other):\n    if hasattr(obj, 'name'):\n        return other.name\n",
        "def f(obj):\n    if hasattr(obj, '__iter__'):\n        return obj.__iter__()\n",
        "import os\ndef f():\n    if hasattr(os, 'fork'):\n        os.fork()\n",
        "from sqlalchemy import orm\ndef f():\n    return orm.foo if hasattr(orm, 'foo') else None\n",
        "class Repo(Base):\n    def get(self):\n        if hasattr(self, 'cache'):\n            return self.cache\n",
        "def f(obj):\n    if not hasattr(obj, 'name'):\n        obj.name = 'x'\n    return obj.name\n",
        "def f(obj):\n    x = hasattr(obj, 'name') or obj.name\n",
        # real code (sqlalchemy-utils proxy_dict.py): a write does not rely on the attribute
        "def expire(target):\n    if hasattr(target, '_proxy_dicts'):\n        target._proxy_dicts = {}\n",
        # real code (sqlalchemy ext/compiler.py): remove-if-present
        "def deregister(class_):\n    if hasattr(class_, '_compiler_dispatcher'):\n"
        "        del class_._compiler_dispatcher\n",
        # real code (sqlalchemy sql/type_api.py): the class of self declares impl
        "class TypeDecorator:\n    impl = None\n    def __init__(self):\n"
        "        if not hasattr(self.__class__, 'impl'):\n            raise AssertionError\n"
        "        self.impl = self.__class__.impl\n",
        # real code (starlette datastructures.py): rebound with a declared type inside the guard
        "from typing import Mapping, cast\ndef f(value):\n    if hasattr(value, 'items'):\n"
        "        value = cast(Mapping, value)\n        return list(value.items())\n",
    )
    INVALID = (
        Example(
            "class Repo:\n    def __init__(self, model):\n        self.model = model\n"
            "    def q(self, query):\n        if hasattr(self.model, 'is_deleted'):\n"
            "            query = query.where(self.model.is_deleted == False)\n        return query\n",
            line=6,
        ),
        Example("def f(obj):\n    if hasattr(obj, 'read') and callable(obj.read):\n        pass\n", line=2),
        Example("def f(obj):\n    return obj.name if hasattr(obj, 'name') else ''\n", line=2),
        Example("def f(obj):\n    if not hasattr(obj, 'name'):\n        return None\n    return obj.name\n", line=4),
        Example(
            "def f(obj):\n    if not hasattr(obj, 'name'):\n        raise TypeError\n    x = 1\n    return obj.name\n",
            line=5,
        ),
        Example(
            "def f(obj):\n    if not hasattr(obj, 'name'):\n        return 1\n    else:\n        return obj.name\n",
            line=5,
        ),
        Example("def f(value):\n    if hasattr(value, 'items'):\n        value = value.items()\n", line=3),
        Example("def f(obj):\n    assert hasattr(obj, 'name')\n    return obj.name\n", line=3),
        Example("def f(objs):\n    return [o.name for o in objs if hasattr(o, 'name')]\n", line=2),
        Example("def f(obj):\n    return not hasattr(obj, 'name') or obj.name\n", line=2),
        Example(
            "class Mixin:\n    def run(self):\n        if hasattr(self, 'hook'):\n            self.hook()\n", line=4
        ),
        Example(
            "class Base:\n    pass\nclass Child(Base):\n    def run(self):\n"
            "        if hasattr(self, 'hook'):\n            self.hook()\n",
            line=6,
        ),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._hasattr = HasattrGuards(self.position)
        self._classes: list[_ClassInfo] = []
        self._all_classes: list[_ClassInfo] = []
        self._modules: set[str] = set()
        self._pending: list[tuple[_ClassInfo, str, str, cst.Attribute]] = []
        self._lines: set[int] = set()
        self._written: set[int] = set()
        """ids of Attribute nodes that are assignment targets (a write does not rely on the attribute)."""

    def analyses(self) -> Sequence[cst.BatchableCSTVisitor]:
        """The hasattr guards of the file, followed in the same traversal."""
        return (self._hasattr,)

    # -- declarations ------------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        """Names bound to modules are feature-detected, not narrowed."""
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._modules.add(alias.asname.name.value)
            else:
                self._modules.add(dotted_name(alias.name).split(".", 1)[0])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """Lower-case names imported from a package are usually modules (``from sqlalchemy import orm``)."""
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            bound = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(bound, cst.Name) and alias.name.value.islower():
                self._modules.add(bound.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Enter a class: collect what its body binds."""
        info = _ClassInfo(node.name.value, tuple(_base_name(arg) for arg in node.bases))
        info.declared |= _class_level_names(node.body)
        self._classes.append(info)
        self._all_classes.append(info)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Leave a class."""
        self._classes.pop()

    def _declare(self, target: cst.BaseExpression) -> None:
        """Note writes: ``self.a = ...``/``cls.a = ...`` declare ``a`` on the enclosing class."""
        for item in assignment_targets(target):
            if isinstance(item, cst.Attribute):
                self._written.add(id(item))
                if self._classes and isinstance(item.value, cst.Name) and item.value.value in ("self", "cls"):
                    self._classes[-1].declared.add(item.attr.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        """Assignments to ``self.a`` declare ``a``."""
        for target in node.targets:
            self._declare(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """Annotated assignments to ``self.a`` declare ``a``."""
        self._declare(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        """Augmented assignments to ``self.a`` imply ``a`` exists (they also read it: not a pure write)."""
        self._declare(node.target)
        if isinstance(node.target, cst.Attribute):
            self._written.discard(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        """``del X.name`` under hasattr() is the remove-if-present idiom, not a use."""
        for item in assignment_targets(node.target):
            if isinstance(item, cst.Attribute):
                self._written.add(id(item))

    def visit_For(self, node: cst.For) -> None:
        """``for self.a in ...`` declares ``a``."""
        self._declare(node.target)

    def visit_Call(self, node: cst.Call) -> None:
        """``setattr(self, "a", ...)`` declares ``a``."""
        if not self._classes or not (isinstance(node.func, cst.Name) and node.func.value == "setattr"):
            return
        if len(node.args) >= 2 and isinstance(node.args[1].value, cst.SimpleString):
            name = node.args[1].value.evaluated_value
            if isinstance(name, str) and dotted_name(node.args[0].value) in ("self", "cls"):
                self._classes[-1].declared.add(name)

    # -- uses --------------------------------------------------------------------------------

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """A use of ``X.name``: report it when a hasattr(X, "name") guard is all that vouches for it."""
        if not self._hasattr.any or id(node) in self._written:
            return
        obj, attr = dotted_name(node.value), node.attr.value
        if not obj or _is_dunder(attr) or obj.split(".", 1)[0] in self._modules:
            return
        if self._hasattr.vouched_for(node) is None:
            return
        if obj in _OWN and self._classes:
            self._pending.append((self._classes[-1], obj, attr, node))
        else:
            self._report_once(node, obj, attr)

    def leave_Module(self, original_node: cst.Module) -> None:
        """Resolve ``hasattr(self, ...)`` uses once every class of the file has been read."""
        for info, obj, attr, node in self._pending:
            if self._undeclared(info, attr):
                self._report_once(node, obj, attr)

    def _undeclared(self, info: _ClassInfo, attr: str) -> bool:
        """Whether ``attr`` is surely not declared on the class or its bases (all bases must be in the file)."""
        by_name: dict[str, list[_ClassInfo]] = {}
        for known in self._all_classes:
            by_name.setdefault(known.name, []).append(known)
        pending, seen = [info], set()
        while pending:
            current = pending.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            if attr in current.declared:
                return False
            for base in current.bases:
                if base in _NEUTRAL_BASES:
                    continue
                if base not in by_name:
                    return False
                pending.extend(by_name[base])
        return True

    def _report_once(self, node: cst.Attribute, obj: str, attr: str) -> None:
        """One finding per line (two on a line would be two findings of one rule there)."""
        line = self.position(node).start.line
        if line in self._lines:
            return
        self._lines.add(line)
        self.report(node, self.MESSAGE.format(obj=obj, attr=attr))
