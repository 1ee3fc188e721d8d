"""Which calls of a file create a coroutine, told without a type checker and without the libraries installed.

``CoroutineCalls`` follows a file's imports, classes and functions in the detectors' traversal and answers,
for any call node, whether it calls a coroutine function and how that was found out:

- a project ``async def`` by name (same module, imported by name or through its module);
- a method through ``self``/``cls`` on the enclosing class and its project bases, and through ``super()``;
- a method of an object whose class the project reveals: an annotated parameter or variable, a local
  assigned from a constructor or a factory with a return annotation, ``async with factory() as s``,
  ``self.attr`` declared in the class (see ``riskaudit.declared_types``), a module-level variable;
- a method or function of the async API of a well-known library (``riskaudit.detectors.analysis.async_apis``),
  so that ``session.rollback()`` on an ``AsyncSession`` counts with SQLAlchemy not installed;
- an ``async def`` of any other library installed where the target runs (``riskaudit.installed_async``).

Types are tracked per function and without flow: the last assignment seen so far wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from riskaudit.declared_types import CALL
from collections.abc import Sequence

from riskaudit.detectors.analysis.async_apis import library_class, library_function, sibling
from riskaudit.detectors.analysis.async_scope import AsyncScope
from riskaudit.detectors.base import Detector, FileContext, Visitor, dotted_name

_DEPTH = 6
"""How many declarations a type lookup follows (a factory returning a factory's result, ...)."""


@dataclass(frozen=True)
class Coroutine:
    """A call that creates a coroutine."""

    name: str
    """The callee as written (``self.repo.save``)."""
    how: str
    """How the callee was resolved, for the finding's message."""


def _short(qualified: str) -> str:
    """The last dotted part."""
    return qualified.rpartition(".")[2]


class CoroutineCalls(Visitor):
    """Imports, classes and local types of one file, and the question "does this call make a coroutine?"."""

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context
        self._imports: dict[str, str] = {}
        """Local name -> qualified name, for every import (relative ones made absolute)."""
        self._classes: list[str] = []
        """Qualified names of the enclosing classes."""
        self._scopes: list[dict[str, str]] = []
        """Local types of the enclosing functions, innermost last."""
        self._kinds: list[str] = []
        """``class`` or ``function`` for each enclosing definition."""

    # -- declarations ------------------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        """``import a.b as c`` binds ``c`` to ``a.b``; ``import a.b`` binds ``a``."""
        for alias in node.names:
            module = dotted_name(alias.name)
            if alias.asname and isinstance(alias.asname.name, cst.Name):
                self._imports[alias.asname.name.value] = module
            else:
                head = module.partition(".")[0]
                self._imports[head] = head

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """``from m import x as y`` binds ``y`` to ``m.x`` (relative modules made absolute)."""
        if isinstance(node.names, cst.ImportStar):
            return
        base = self._absolute(node)
        for alias in node.names:
            if isinstance(alias.name, cst.Name):
                name = alias.name.value
                bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
                self._imports[bound] = f"{base}.{name}" if base else name

    def _absolute(self, node: cst.ImportFrom) -> str:
        """The absolute module an ImportFrom reads from."""
        module = dotted_name(node.module) if node.module is not None else ""
        if not node.relative:
            return module
        package = self.context.module.split(".")
        if not self.context.path.endswith("__init__.py"):
            package = package[:-1]
        depth = len(node.relative) - 1
        package = package[: len(package) - depth] if depth else package
        return ".".join([*package, module] if module else package)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Enter a class (only module-level classes are known by qualified name)."""
        self._classes.append(f"{self.context.module}.{node.name.value}" if not self._kinds else "")
        self._kinds.append("class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Leave a class."""
        self._classes.pop()
        self._kinds.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function: its annotated parameters and ``self``/``cls`` have known types."""
        scope: dict[str, str] = {}
        params = [*node.params.posonly_params, *node.params.params, *node.params.kwonly_params]
        in_class = bool(self._kinds) and self._kinds[-1] == "class" and bool(self._classes[-1])
        for index, param in enumerate(params):
            if index == 0 and in_class and not _is_static(node):
                scope[param.name.value] = self._classes[-1]
            else:  # a parameter shadows a function of the same name (a pytest fixture named like it)
                annotation = param.annotation
                scope[param.name.value] = self._annotation(annotation.annotation) if annotation else ""
        for star in (node.params.star_arg, node.params.star_kwarg):
            if isinstance(star, cst.Param):
                scope[star.name.value] = ""
        self._scopes.append(scope)
        self._kinds.append("function")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._scopes.pop()
        self._kinds.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        """``x = value``: x has the value's type, when known."""
        if self._scopes and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self._bind(node.targets[0].target.value, self.type_of(node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """``x: T = ...``: x is a T."""
        if self._scopes and isinstance(node.target, cst.Name):
            self._bind(node.target.value, self._annotation(node.annotation.annotation))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        """``with E as x`` and ``async with E as x``: x is what entering E gives (E itself for sessions)."""
        if self._scopes and node.asname is not None and isinstance(node.asname.name, cst.Name):
            self._bind(node.asname.name.value, self.type_of(node.item))

    def _bind(self, name: str, found: str) -> None:
        """A local name now holds a value of type found (empty: unknown, but still a local)."""
        self._scopes[-1][name] = found

    # -- types -----------------------------------------------------------------------------------

    def _annotation(self, node: cst.BaseExpression) -> str:
        """The qualified type an annotation names (``Optional[T]``, ``T | None`` and strings unwrapped)."""
        if isinstance(node, cst.SimpleString):
            try:
                node = cst.parse_expression(node.evaluated_value if isinstance(node.evaluated_value, str) else "")
            except cst.ParserSyntaxError:
                return ""
        if isinstance(node, cst.Subscript) and _short(dotted_name(node.value)) == "Optional" and node.slice:
            first = node.slice[0].slice
            return self._annotation(first.value) if isinstance(first, cst.Index) else ""
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            sides = [s for s in (node.left, node.right) if not (isinstance(s, cst.Name) and s.value == "None")]
            return self._annotation(sides[0]) if len(sides) == 1 else ""
        return self.qualified(dotted_name(node))

    def qualified(self, name: str) -> str:
        """A dotted name of this file made absolute: through the imports, else a class or declaration here."""
        if not name:
            return ""
        head, _, rest = name.partition(".")
        if head in self._imports:
            target = self._imports[head]
            return self._project_class(f"{target}.{rest}" if rest else target)
        local = f"{self.context.module}.{name}"
        project = self.context.project
        if local in project.async_methods or local in project.types:
            return local
        return name

    def _project_class(self, qualified: str) -> str:
        """A qualified name, or the project class it re-exports (``from app import Repo`` of ``app.db.Repo``)."""
        project = self.context.project
        if qualified in project.async_methods or qualified in project.types:
            return qualified
        if qualified.partition(".")[0] not in project.modules:
            return qualified
        return project.unique_classes.get(_short(qualified), qualified)

    def type_of(self, node: cst.BaseExpression, depth: int = _DEPTH) -> str:
        """The qualified class of an expression's value (a project class or a library one); empty: unknown."""
        if depth <= 0:
            return ""
        if isinstance(node, cst.Await):
            return self.type_of(node.expression, depth - 1)
        if isinstance(node, cst.Name):
            return self._name_type(node.value, depth)
        if isinstance(node, cst.Attribute):
            owner = self.type_of(node.value, depth - 1)
            return self.member_type(owner, node.attr.value, depth - 1) if owner else ""
        if isinstance(node, cst.Call):
            return self._call_type(node, depth - 1)
        return ""

    def _name_type(self, name: str, depth: int) -> str:
        for scope in reversed(self._scopes):
            if name in scope:
                return scope[name]
        declared = self._module_level(name)
        return self.declared_class(declared, depth - 1) if declared else ""

    def _module_level(self, name: str) -> str:
        """The declared type of a module-level name of this file or one imported from the project; empty if none."""
        types = self.context.project.types
        return types.get(f"{self.context.module}.{name}") or types.get(self._imports.get(name, ""), "")

    def declared_class(self, declared: str, depth: int = _DEPTH) -> str:
        """A declared type (see ``ProjectSymbols.types``) as a class: a call's prefix is followed."""
        if depth <= 0 or not declared.startswith(CALL):
            return declared
        return self.result_of(declared.removeprefix(CALL), depth - 1)

    def result_of(self, callee: str, depth: int = _DEPTH) -> str:
        """What calling a qualified callee gives: an instance of a class, or a function's declared result."""
        project = self.context.project
        if callee in project.async_methods or library_class(callee) is not None or project.installed.is_class(callee):
            return callee
        if callee in project.types:
            return self.declared_class(project.types[callee], depth - 1)
        function = library_function(callee)
        if function is not None and function[1] is not None:
            return f"{function[1].module}.{function[1].name}"
        return project.installed.result(callee) if function is None else ""

    def member_type(self, owner: str, attr: str, depth: int = _DEPTH) -> str:
        """The type of ``owner().attr``: a declared attribute of the class or of a project base."""
        for cls in self._lineage(owner):
            declared = self.context.project.types.get(f"{cls}.{attr}")
            if declared:
                return self.declared_class(declared, depth - 1)
        return ""

    def _call_type(self, node: cst.Call, depth: int) -> str:
        func = node.func
        if isinstance(func, cst.Attribute):
            owner = self.type_of(func.value, depth - 1)
            if not owner:
                module = self._imports.get(func.value.value, "") if isinstance(func.value, cst.Name) else ""
                return self.result_of(f"{module}.{func.attr.value}", depth - 1) if module else ""
            return self._method_result(owner, func.attr.value, depth)
        if isinstance(func, cst.Name):
            local = self._name_type(func.value, depth) if self._is_variable(func.value) else ""
            library = library_class(local) if local else None
            if library is not None and library.instance_call:
                found = sibling(library, library.instance_call)
                return f"{found.module}.{found.name}" if found else ""
            return self.result_of(self.qualified(func.value), depth - 1)
        return ""

    def _method_result(self, owner: str, method: str, depth: int) -> str:
        """What ``owner().method()`` gives: the catalogue's answer for a library class, else the declared result."""
        library = library_class(owner)
        if library is not None:
            returned = library.returns.get(method, "")
            found = sibling(library, returned) if returned else None
            return f"{found.module}.{found.name}" if found else ""
        for cls in self._lineage(owner):
            declared = self.context.project.types.get(f"{cls}.{method}")
            if declared:
                return self.declared_class(declared, depth - 1)
        return self.context.project.installed.result(f"{owner}.{method}")

    def _is_variable(self, name: str) -> bool:
        """Whether a name is a local, or a module variable built by a call (not a class or function name)."""
        return any(name in scope for scope in self._scopes) or self._module_level(name).startswith(CALL)

    def _lineage(self, cls: str) -> list[str]:
        """A project class and its project base classes, nearest first."""
        seen: list[str] = []
        pending = [cls]
        while pending and len(seen) < 32:
            current = pending.pop(0)
            if current and current not in seen:
                seen.append(current)
                pending.extend(self.context.project.bases.get(current, ()))
        return seen

    # -- the question ----------------------------------------------------------------------------

    def coroutine(self, call: cst.Call) -> Coroutine | None:
        """The coroutine a call creates, or None when it is not known to create one."""
        func = call.func
        name = dotted_name(func) or "call"
        if isinstance(func, cst.Name):
            return self._function(func.value, name)
        if not isinstance(func, cst.Attribute):
            return None
        attr = func.attr.value
        if isinstance(func.value, cst.Name) and func.value.value in self._imports and not self._is_variable(
            func.value.value
        ):
            target = self._imports[func.value.value]
            if attr in self.context.project.async_functions.get(target, frozenset()):
                return Coroutine(name, f"`{attr}` {self._is(f'{target}.{attr}')} of {target}")
            function = library_function(f"{target}.{attr}")
            if function is not None and function[0]:
                return Coroutine(name, f"{target}.{attr} is a coroutine function")
            if function is None and self.context.project.installed.is_function(f"{target}.{attr}"):
                return Coroutine(name, f"{target}.{attr} is an async def of the installed {_top(target)}")
        if _is_super(func.value):
            return self._super_method(attr, f"super().{attr}")
        owner = self.type_of(func.value)
        return self._method(owner, attr, name, func.value) if owner else None

    def _super_method(self, attr: str, name: str) -> Coroutine | None:
        """``super().attr()`` in a method: a coroutine when a project base class has ``async def attr``."""
        current = self._classes[-1] if self._classes and "function" in self._kinds else ""
        for base in self.context.project.bases.get(current, ()):
            if attr in self.context.project.async_methods.get(base, frozenset()):
                return Coroutine(name, f"`{_short(base)}.{attr}` {self._is(f'{base}.{attr}')}, reached through super()")
        return None

    def _function(self, local: str, name: str) -> Coroutine | None:
        project = self.context.project
        if any(local in scope for scope in self._scopes):
            return None
        if local in self._imports:
            module, _, original = self._imports[local].rpartition(".")
            if original in project.async_functions.get(module, frozenset()):
                return Coroutine(name, f"`{original}` {self._is(self._imports[local])} of {module}")
            function = library_function(self._imports[local])
            if function is not None and function[0]:
                return Coroutine(name, f"{self._imports[local]} is a coroutine function")
            if function is None and project.installed.is_function(self._imports[local]):
                return Coroutine(name, f"{self._imports[local]} is an async def of the installed {_top(module)}")
            return None
        if local in project.async_functions.get(self.context.module, frozenset()):
            return Coroutine(name, f"`{local}` {self._is(f'{self.context.module}.{local}')} of this module")
        return None

    def _method(self, owner: str, attr: str, name: str, receiver: cst.BaseExpression) -> Coroutine | None:
        library = library_class(owner)
        via = self._via(receiver, owner)
        if library is not None:
            if attr not in library.methods:
                return None
            return Coroutine(name, f"{library.library}.{attr} is a coroutine method{via}")
        if attr in self.context.project.async_methods.get(owner, frozenset()):
            return Coroutine(name, f"`{_short(owner)}.{attr}` {self._is(f'{owner}.{attr}')}{via}")
        installed = self.context.project.installed
        if owner.partition(".")[0] not in self.context.project.modules and attr in installed.methods(owner):
            return Coroutine(name, f"`{_short(owner)}.{attr}` is an async def of the installed {_top(owner)}{via}")
        return None

    def _is(self, qualified: str) -> str:
        """What makes the callee a coroutine function: it is one, or it returns the call of one."""
        if qualified in self.context.project.coroutine_wrappers:
            return "returns the coroutine of an async def (a plain def wrapping it)"
        return "is an async def"

    def _via(self, receiver: cst.BaseExpression, owner: str) -> str:
        """How the receiver's class was known, for the message (nothing for ``self``/``cls``)."""
        if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
            return ""
        return f"; `{dotted_name(receiver) or 'the receiver'}` is typed {_short(owner)}"


def _top(qualified: str) -> str:
    """The top-level package of a qualified name, as a finding names the library."""
    return qualified.partition(".")[0]


def _is_super(node: cst.BaseExpression) -> bool:
    """Whether an expression is ``super()`` (or ``super(Cls, self)``)."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super"


def _is_static(node: cst.FunctionDef) -> bool:
    """Whether a method is a ``@staticmethod`` (its first parameter is not the instance)."""
    return any(dotted_name(d.decorator).endswith("staticmethod") for d in node.decorators)


class ReadsCoroutineCalls(Detector):
    """Base of the detectors that read the file's ``CoroutineCalls`` and ``AsyncScope``.

    Both are the file's shared instances (``FileContext.shared_analysis``): however many detectors read
    them, each is built and visited once per file.
    """

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._calls = context.shared_analysis("coroutine-calls", lambda: CoroutineCalls(context))
        self._scope = context.shared_analysis("async-scope", AsyncScope)

    def analyses(self) -> Sequence[cst.BatchableCSTVisitor]:
        """Whether the code is async, and the file's imports, classes and local types."""
        return (self._scope, self._calls)
