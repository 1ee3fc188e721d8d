"""The report's environment section: what the environment the tools ran in (not the code) limited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from riskaudit.models import EnvironmentIssue

ENVIRONMENT_LIMIT = 15
"""Most environment issues listed in the report."""
FILES_LIMIT = 10
"""Most files listed as not analysed under one issue."""


@dataclass(frozen=True)
class EnvironmentItem:
    """One environment issue as listed."""

    kind: str
    """What it is about, like ``missing-package``."""
    subject: str
    """What it concerns: a package or module name, a plugin, a Python version."""
    tool: str
    """The tool whose analysis it affected."""
    findings: int
    """Tool findings folded into it."""
    examples: tuple[str, ...]
    """A few ``path:line`` locations where it showed."""
    detail: str
    """What happened."""
    files: tuple[str, ...]
    """Files the analysis left out because of it, at most ``FILES_LIMIT``."""
    files_more: int
    """Files left out beyond the listed ones."""
    fix: str
    """How to give the tools the environment they need."""
    incomplete: bool
    """Whether it leaves the analysis incomplete."""


@dataclass(frozen=True)
class EnvironmentSection:
    """The environment issues of a scan that has any."""

    items: tuple[EnvironmentItem, ...]
    """The issues listed: those that leave the analysis incomplete first, then by findings."""
    more: int
    """Issues beyond the listed ones (all are in the JSON)."""
    findings: int
    """Tool findings the issues explain (not reported as findings)."""


def environment_item(issue: EnvironmentIssue) -> EnvironmentItem:
    """One issue as listed."""
    return EnvironmentItem(
        kind=issue.kind,
        subject=issue.subject,
        tool=issue.tool,
        findings=issue.findings,
        examples=issue.examples,
        detail=issue.detail,
        files=issue.files[:FILES_LIMIT],
        files_more=max(0, len(issue.files) - FILES_LIMIT),
        fix=issue.fix,
        incomplete=issue.incomplete,
    )


def environment_section(issues: Sequence[EnvironmentIssue]) -> EnvironmentSection | None:
    """The section, or None when the environment limited nothing."""
    if not issues:
        return None
    ordered = sorted(issues, key=lambda i: (not i.incomplete, -i.findings, i.kind, i.subject))
    return EnvironmentSection(
        items=tuple(environment_item(issue) for issue in ordered[:ENVIRONMENT_LIMIT]),
        more=max(0, len(ordered) - ENVIRONMENT_LIMIT),
        findings=sum(issue.findings for issue in issues),
    )
