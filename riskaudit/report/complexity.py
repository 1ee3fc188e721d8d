"""The report's complexity section: the functions radon ranks C or worse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from riskaudit.models import FunctionComplexity, ToolRun, ToolStatus
from riskaudit.report.header import tool_anchor

COMPLEX_LIMIT = 15
"""Most functions in the Markdown report's complexity table (the most complex first)."""


@dataclass(frozen=True)
class ComplexFunction:
    """A function of rank C or worse."""

    qualname: str
    """``Class.method`` or ``function``."""
    location: str
    """``path:line`` of its ``def``."""
    complexity: int
    """Cyclomatic complexity."""
    rank: str
    """radon's rank, C to F."""


@dataclass(frozen=True)
class ComplexitySection:
    """What radon measured."""

    produced: bool
    """Whether radon completed; when not, ``reason`` says why."""
    reason: str
    """Why radon did not produce results."""
    failed: bool
    """Whether radon failed: its reason is then given in the tools table only, and the section refers to it."""
    row_anchor: str
    """The element id of radon's row in the HTML report's tools table."""
    measured: int
    """Functions measured."""
    count: int
    """Functions of rank C or worse."""
    functions: tuple[ComplexFunction, ...]
    """Every function of rank C or worse, most complex first."""
    listed: tuple[ComplexFunction, ...]
    """The most complex of them, at most ``COMPLEX_LIMIT`` (the Markdown table)."""
    more: int
    """Such functions beyond the listed ones."""


def complexity_section(
    run: ToolRun | None, functions: Sequence[FunctionComplexity], measured: int
) -> ComplexitySection:
    """The complexity section from radon's run and the complex functions it found."""
    rows = tuple(ComplexFunction(f.qualname, f"{f.path}:{f.start}", f.complexity, f.rank) for f in functions)
    return ComplexitySection(
        produced=run is not None and run.status is ToolStatus.OK,
        reason=run.reason if run is not None else "it did not run",
        failed=run is not None and run.status is ToolStatus.FAILED,
        row_anchor=tool_anchor("radon"),
        measured=measured,
        count=len(rows),
        functions=rows,
        listed=rows[:COMPLEX_LIMIT],
        more=max(0, len(rows) - COMPLEX_LIMIT),
    )
