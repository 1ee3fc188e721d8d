"""Whether the code being visited runs on the event loop: the innermost function is an ``async def``.

A plain ``def`` or a lambda nested in an ``async def`` is not on the loop when it runs (it may be handed
to a thread), so it ends the async scope; code at module or class level is in none.
"""

from __future__ import annotations

import libcst as cst

from riskaudit.detectors.base import Visitor


class AsyncScope(Visitor):
    """The stack of enclosing functions, each marked async or not."""

    def __init__(self) -> None:
        super().__init__()
        self._functions: list[cst.FunctionDef | cst.Lambda] = []

    @property
    def inside_async(self) -> bool:
        """Whether the innermost enclosing function is an ``async def``."""
        return bool(self._functions) and isinstance(self._functions[-1], cst.FunctionDef) and (
            self._functions[-1].asynchronous is not None
        )

    @property
    def function(self) -> cst.FunctionDef | None:
        """The innermost enclosing ``def`` (None at module level or in a lambda)."""
        current = self._functions[-1] if self._functions else None
        return current if isinstance(current, cst.FunctionDef) else None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function."""
        self._functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._functions.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        """Enter a lambda (never async)."""
        self._functions.append(node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        """Leave a lambda."""
        self._functions.pop()
