"""The report's overview: findings per severity and role, and the findings left out of the count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from riskaudit.models import Finding, RawFinding, SuppressedFinding
from riskaudit.report.risks import severity_counts
from riskaudit.roles import SOURCE

LEFT_OUT_LIMIT = 10
"""Most suppressed or unmapped findings listed."""


@dataclass(frozen=True)
class SuppressedItem:
    """A finding silenced by an inline comment."""

    rule_id: str
    """Its rule."""
    location: str
    """``path:line``."""
    reason: str
    """The reason written in the comment."""


@dataclass(frozen=True)
class UnmappedItem:
    """A tool finding no catalogue rule covers."""

    code: str
    """``tool:code``."""
    location: str
    """Its file, or ``(project)``."""


@dataclass(frozen=True)
class SeverityRow:
    """One row of the findings-by-severity table."""

    label: str
    """What code it counts, like ``production code``."""
    counts: tuple[tuple[str, int], ...]
    """Findings per severity, most severe first: ``((severity, n), ...)``."""
    total: int
    """Findings of every severity."""


@dataclass(frozen=True)
class Overview:
    """How many findings there are, and which were left out."""

    role_counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    """Findings per severity, for production code and for tests and support code: ``(label, ((severity, n), ...))``."""
    severity_rows: tuple[SeverityRow, ...]
    """The same counts with each row's total (the HTML report's table)."""
    severity_total: SeverityRow
    """Findings per severity in all code, with the total: the table's last row."""
    deselected: int
    """Findings dropped by ``--select``/``--ignore``."""
    suppressed: tuple[SuppressedItem, ...]
    """The first suppressed findings, at most ``LEFT_OUT_LIMIT``."""
    suppressed_count: int
    """All suppressed findings."""
    suppressed_more: int
    """Suppressed findings beyond the listed ones."""
    unmapped: tuple[UnmappedItem, ...]
    """The first tool findings no rule covers, at most ``LEFT_OUT_LIMIT``."""
    unmapped_count: int
    """All tool findings no rule covers."""


def overview(
    findings: Sequence[Finding],
    deselected: int,
    suppressed: Sequence[SuppressedFinding],
    unmapped: Sequence[RawFinding],
) -> Overview:
    """The overview of a scan's findings."""
    production = [f for f in findings if f.role == SOURCE]
    elsewhere = [f for f in findings if f.role != SOURCE]
    role_counts = (
        ("production code", severity_counts(production)),
        ("tests and support code", severity_counts(elsewhere)),
    )
    return Overview(
        role_counts=role_counts,
        severity_rows=(
            SeverityRow("production code", role_counts[0][1], len(production)),
            SeverityRow("tests and support code", role_counts[1][1], len(elsewhere)),
        ),
        severity_total=SeverityRow("all code", severity_counts(findings), len(findings)),
        deselected=deselected,
        suppressed=tuple(
            SuppressedItem(s.finding.rule_id, s.finding.location, s.reason) for s in suppressed[:LEFT_OUT_LIMIT]
        ),
        suppressed_count=len(suppressed),
        suppressed_more=max(0, len(suppressed) - LEFT_OUT_LIMIT),
        unmapped=tuple(UnmappedItem(f"{u.tool}:{u.code}", u.path or "(project)") for u in unmapped[:LEFT_OUT_LIMIT]),
        unmapped_count=len(unmapped),
    )
