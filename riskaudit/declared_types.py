"""What a file reveals about the types of its names, read from annotations and constructor calls.

The coroutine detectors need to know that ``self.repo.save()`` calls ``Repository.save`` without running
a type checker: this module reads, from one file's syntax tree, the few declarations that say so.

- ``attr``: an instance attribute of a class (``Repo.session``), from a class-level annotation
  (``session: AsyncSession``), an annotated ``self.x: T = ...``, ``self.x = T(...)`` or ``self.x = param``
  where the method's parameter is annotated;
- ``returns``: the return annotation of a function or method (``get_repo``, ``Service.repo``);
- ``var``: a module-level variable from its annotation or the call that built it
  (``session_factory = async_sessionmaker(engine)``);
- ``wraps``: a plain ``def`` whose every ``return`` returns a call of one callee (``return fetch(id)``):
  if the callee is a coroutine function, so is the wrapper, for its callers. The type is the callee as
  written there, qualified through the imports (``self.fetch`` stays as it is);
- ``abstract``: a plain method whose body does nothing (a docstring, ``pass``, ``...``, ``raise
  NotImplementedError``): what it is, its subclasses' overrides say (empty type).

Each is a ``DeclaredType`` whose ``type`` is a dotted name qualified through the file's absolute imports
(``sqlalchemy.ext.asyncio.AsyncSession``), or a local class name the project resolves later; a type
built by a call is the callee prefixed with ``CALL`` (the result of calling it: an instance of a class,
or what a function returns). ``Optional[T]``, ``T | None`` and string annotations are unwrapped; other
generics and unions say nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from riskaudit.ast_names import dotted, placeholder_body, qualify

CALL = "()"
"""Prefix of a type that is the result of calling the dotted name after it."""
_OPTIONAL = frozenset({"Optional", "typing.Optional", "t.Optional"})
"""Spellings of ``Optional`` whose argument is the type."""


@dataclass(frozen=True)
class DeclaredType:
    """One name whose type the file declares."""

    kind: str
    """``attr``, ``returns``, ``var``, ``wraps`` or ``abstract``."""
    name: str
    """``Class.attr`` for an attribute, the function's qualified name for ``returns``, the variable's name."""
    type: str
    """The qualified dotted type, or ``CALL`` and the qualified callee whose result it is."""


def annotation_type(node: ast.expr | None, imports: Mapping[str, str]) -> str:
    """The dotted type an annotation names, qualified through the imports; empty when it names none."""
    if node is None:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return ""
    if isinstance(node, ast.Subscript) and dotted(node.value) in _OPTIONAL:
        return annotation_type(node.slice, imports)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [side for side in (node.left, node.right) if not _is_none(side)]
        return annotation_type(sides[0], imports) if len(sides) == 1 else ""
    return qualify(dotted(node), imports)


def value_type(node: ast.expr, imports: Mapping[str, str], parameters: Mapping[str, str]) -> str:
    """The type of an assigned value: a call's result, an annotated parameter, or nothing known."""
    if isinstance(node, ast.Await):
        node = node.value
    if isinstance(node, ast.Call) and (callee := dotted(node.func)):
        return CALL + qualify(callee, imports)
    if isinstance(node, ast.Name):
        return parameters.get(node.id, "")
    return ""


def declared_types(tree: ast.Module, imports: Mapping[str, str]) -> tuple[DeclaredType, ...]:
    """Every declaration of the module that names a type (see the module docstring)."""
    return tuple(_module(tree.body, imports))


def _module(body: list[ast.stmt], imports: Mapping[str, str]) -> Iterator[DeclaredType]:
    for statement in body:
        if isinstance(statement, ast.ClassDef):
            yield from _class(statement, imports)
        elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _function(statement.name, statement, imports)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            if found := annotation_type(statement.annotation, imports):
                yield DeclaredType("var", statement.target.id, found)
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and (found := value_type(statement.value, imports, {})):
                yield DeclaredType("var", target.id, found)


def _class(node: ast.ClassDef, imports: Mapping[str, str]) -> Iterator[DeclaredType]:
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            if found := annotation_type(statement.annotation, imports):
                yield DeclaredType("attr", f"{node.name}.{statement.target.id}", found)
        elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _function(f"{node.name}.{statement.name}", statement, imports)
            yield from _instance_attributes(node.name, statement, imports)
            if isinstance(statement, ast.FunctionDef) and placeholder_body(statement):
                yield DeclaredType("abstract", f"{node.name}.{statement.name}", "")


def _function(
    name: str, node: ast.FunctionDef | ast.AsyncFunctionDef, imports: Mapping[str, str]
) -> Iterator[DeclaredType]:
    """A function's declared result, and the one callee a plain ``def`` returns the call of."""
    if found := annotation_type(node.returns, imports):
        yield DeclaredType("returns", name, found)
    if isinstance(node, ast.FunctionDef) and (callee := _returned_callee(node)):
        head = callee.partition(".")[0]
        yield DeclaredType("wraps", name, callee if head in ("self", "cls") else qualify(callee, imports))


def _returned_callee(node: ast.FunctionDef) -> str:
    """The dotted callee every ``return`` of the function (not of nested ones) returns the call of; empty if none."""
    callees: set[str] = set()
    pending: list[ast.AST] = list(node.body)
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Return):
            value = current.value
            callee = dotted(value.func) if isinstance(value, ast.Call) else ""
            if not callee:
                return ""
            callees.add(callee)
        elif isinstance(current, ast.Yield | ast.YieldFrom):
            return ""
        elif not isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(current))
    return callees.pop() if len(callees) == 1 else ""


def _instance_attributes(
    owner: str, method: ast.FunctionDef | ast.AsyncFunctionDef, imports: Mapping[str, str]
) -> Iterator[DeclaredType]:
    """``self.x`` assignments of one method whose value or annotation names a type."""
    arguments = [*method.args.posonlyargs, *method.args.args, *method.args.kwonlyargs]
    if not arguments:
        return
    receiver = arguments[0].arg
    parameters = {a.arg: found for a in arguments[1:] if (found := annotation_type(a.annotation, imports))}
    for statement in ast.walk(method):
        if isinstance(statement, ast.AnnAssign) and _is_attribute_of(statement.target, receiver):
            found = annotation_type(statement.annotation, imports)
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            found = value_type(statement.value, imports, parameters)
        else:
            continue
        target = statement.target if isinstance(statement, ast.AnnAssign) else statement.targets[0]
        if found and isinstance(target, ast.Attribute) and _is_attribute_of(target, receiver):
            yield DeclaredType("attr", f"{owner}.{target.attr}", found)


def _is_attribute_of(node: ast.expr, receiver: str) -> bool:
    """Whether node is ``receiver.attr``."""
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == receiver


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
