"""Names and shapes in Python's ``ast`` trees: dotted names, their qualification through imports, placeholder bodies."""

from __future__ import annotations

import ast
from collections.abc import Mapping


def dotted(node: ast.expr) -> str:
    """``a.b.c`` for a chain of names; empty for anything else."""
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return node.id if isinstance(node, ast.Name) else ""


def qualify(name: str, imports: Mapping[str, str]) -> str:
    """A dotted name used in a file, qualified through its imports (``sa.orm`` -> ``sqlalchemy.orm``)."""
    head, _, rest = name.partition(".")
    target = imports.get(head)
    if not name or target is None:
        return name
    return f"{target}.{rest}" if rest else target


def placeholder_body(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a function does nothing but mark a hook (an abstract method, a protocol).

    Its body, docstring aside, is ``pass``, ``...`` or ``raise NotImplementedError``.
    """
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    return all(_does_nothing(statement) for statement in body)


def _does_nothing(statement: ast.stmt) -> bool:
    """``pass``, ``...`` or ``raise NotImplementedError``."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return statement.value.value is Ellipsis
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
    return False
