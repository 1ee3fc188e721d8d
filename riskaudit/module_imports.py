"""The modules a file imports when it is itself imported: its module-level imports, resolved.

A test module that ran imported every module named at its top level, so each of them executed at
least its ``def`` and ``class`` lines. That makes these imports evidence of which tests a coverage
run left out (``riskaudit.coverage_reach``). Only imports that surely run count: not those inside
functions, ``if`` blocks (``if TYPE_CHECKING:``, version checks) or ``except`` handlers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import PurePosixPath


def module_name(path: str) -> str:
    """Dotted module name of a file path (``src/`` dropped, ``__init__`` folded into its package)."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def file_imports(tree: ast.Module, path: str) -> tuple[str, ...]:
    """``module_level_imports`` of the file at a target-relative path."""
    return module_level_imports(tree, module_name(path), PurePosixPath(path).name == "__init__.py")


def module_level_imports(tree: ast.Module, module: str, is_package: bool = False) -> tuple[str, ...]:
    """Dotted names the module's top level imports, in order, each once.

    ``from a.b import c`` gives ``a.b.c`` (``c`` may be a submodule) and ``a.b``; relative imports are
    resolved against ``module`` (the file's own dotted name; ``is_package`` for an ``__init__.py``).
    """
    found: dict[str, None] = {}
    for node in _top_level(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found[alias.name] = None
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            if base is None:
                continue
            if base:
                found[base] = None
            for alias in node.names:
                if alias.name != "*":
                    found[f"{base}.{alias.name}" if base else alias.name] = None
    return tuple(found)


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that surely run when the module is imported.

    ``try`` and ``with`` bodies do; those of an ``if`` may not (``if TYPE_CHECKING:``, a version check),
    nor those of an ``except`` or a ``def``.
    """
    for node in body:
        yield node
        if isinstance(node, ast.Try | ast.TryStar):
            yield from _top_level(node.body)
        elif isinstance(node, ast.With | ast.AsyncWith):
            yield from _top_level(node.body)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str | None:
    """The absolute module a ``from ... import`` reads from; None when a relative one climbs out of the tree."""
    if node.level == 0:
        return node.module or ""
    parts = module.split(".") if module else []
    keep = len(parts) - node.level + (1 if is_package else 0)
    if keep < 0:
        return None
    base = ".".join(parts[:keep])
    if node.module:
        return f"{base}.{node.module}" if base else node.module
    return base
