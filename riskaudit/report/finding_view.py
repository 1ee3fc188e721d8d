"""A ranked finding as the reports show it: where it is, what it says, why it ranks where it does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from riskaudit.models import ExcerptLine, Finding
from riskaudit.report.rules_view import RuleView
from riskaudit.report.wording import percent


@dataclass(frozen=True)
class FindingView:
    """One ranked finding, ready for a template."""

    rank: int
    """Its 1-based position in the ranking."""
    anchor: str
    """Its element id in the HTML report, ``f-<rank>``."""
    rule: RuleView
    """The rule it maps onto."""
    severity: str
    """Its severity (the rule's, or lower in test code), like ``high``."""
    severity_label: str
    """The severity in capitals, like ``HIGH``."""
    severity_rank: int
    """0 for critical, growing as the severity falls (a sort key)."""
    risk: float
    """Ranking score; higher is more urgent."""
    location: str
    """``path:line``, ``path`` or ``(project)``."""
    location_key: str
    """Sort key: by path, then numerically by line, project-level first."""
    symbol: str
    """Qualified name of the enclosing function or class, or empty."""
    message: str
    """The tool's or detector's message."""
    sources: str
    """Every tool/code that reported it, comma-separated, like ``mypy:unused-coroutine, riskaudit:missing-await``."""
    tools: tuple[str, ...]
    """The tools that reported it, by name."""
    new: bool
    """Whether a ``--baseline`` does not hold it (always False without a baseline)."""
    excerpt: tuple[ExcerptLine, ...]
    """A few lines of code around it; empty when none is stored."""
    excerpt_block: str
    """The excerpt as numbered lines, ``>`` marking the flagged one, each ending in a newline (Markdown's block)."""
    no_excerpt: str
    """Why there is no excerpt, for a finding without one; empty when it has one."""
    score_line: str
    """What its risk score is made of: severity, confidence, exposure, coverage, complexity, critical layer."""


def tools_of(finding: Finding) -> tuple[str, ...]:
    """The tools that reported a finding, by name."""
    return tuple(sorted({source.partition(":")[0] for source in finding.sources}))


def location_key(finding: Finding) -> str:
    """A sort key ordering locations by path, then numerically by line (project-level first); a tab ends the path."""
    if finding.path is None:
        return ""
    return f"{finding.path}\t{finding.line or 0:09d}"


EXCERPT_CONTEXT = 2
"""Lines shown on each side of the flagged one in the Markdown report (the JSON and HTML keep all)."""


def excerpt_block(lines: Sequence[ExcerptLine], context: int = EXCERPT_CONTEXT) -> str:
    """Excerpt lines numbered in a five-character column, ``>`` marking the flagged line, each ending in a newline.

    Only ``context`` lines on each side of the flagged line are kept.
    """
    marked = [line.number for line in lines if line.highlight]
    if marked:
        lines = [line for line in lines if marked[0] - context <= line.number <= marked[-1] + context]
    return "".join(f"{'>' if line.highlight else ' '}{line.number:5d} | {line.text}\n" for line in lines)


def no_excerpt(finding: Finding) -> str:
    """Why a finding shows no code: it concerns a whole file or the project, or none was stored; empty with one."""
    if finding.excerpt:
        return ""
    if finding.line is None:
        return f"No code excerpt: the finding concerns the whole {'file' if finding.path else 'project'}."
    return "No code excerpt is stored for this finding."


def score_line(finding: Finding, rule: RuleView) -> str:
    """The parts of a finding's risk score in words: ``Risk 45.0: high severity, high confidence, exposure 1.5``."""
    text = (
        f"Risk {finding.risk}: {finding.severity.value} severity, {rule.confidence} confidence,"
        f" exposure {finding.exposure}"
    )
    if finding.coverage is not None:
        text += f" · coverage {percent(finding.coverage)}"
    if finding.complexity is not None:
        text += f" · complexity {finding.complexity}"
    if finding.critical_layer:
        text += " · critical layer"
    return text


def finding_view(finding: Finding, rank: int, rules: Mapping[str, RuleView]) -> FindingView:
    """The view of the finding ranked at ``rank`` (1-based)."""
    rule = rules[finding.rule_id]
    return FindingView(
        rank=rank,
        anchor=f"f-{rank}",
        rule=rule,
        severity=finding.severity.value,
        severity_label=finding.severity.value.upper(),
        severity_rank=finding.severity.rank,
        risk=finding.risk,
        location=finding.location,
        location_key=location_key(finding),
        symbol=finding.symbol,
        message=finding.message,
        sources=", ".join(finding.sources),
        tools=tools_of(finding),
        new=finding.new is True,
        excerpt=finding.excerpt,
        excerpt_block=excerpt_block(finding.excerpt),
        no_excerpt=no_excerpt(finding),
        score_line=score_line(finding, rule),
    )


def finding_views(findings: Sequence[Finding], rules: Mapping[str, RuleView]) -> tuple[FindingView, ...]:
    """The view of every ranked finding, in rank order."""
    return tuple(finding_view(finding, rank, rules) for rank, finding in enumerate(findings, 1))
