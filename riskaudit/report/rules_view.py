"""The catalogue rules as the reports show them: their documentation with its severity in words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from riskaudit.models import Finding, RuleDoc
from riskaudit.report.wording import counted


@dataclass(frozen=True)
class RuleView:
    """One rule's documentation, ready for a template."""

    id: str
    """Stable id such as ``RA101``."""
    slug: str
    """Readable kebab-case name."""
    title: str
    """One-line title."""
    category: str
    """Rule family: runtime, typing, test-gap, data-integrity, concurrency, security, maintainability."""
    severity: str
    """Default severity, like ``high``."""
    severity_label: str
    """The severity in capitals, like ``HIGH``."""
    severity_rank: int
    """0 for critical, growing as the severity falls (a sort key)."""
    confidence: str
    """How sure a hit is a real risk: ``high``, ``medium`` or ``low``."""
    problem: str
    """What is wrong."""
    risk: str
    """Why it hurts in production."""
    recommendation: str
    """What to do about it."""
    example: str
    """A short code example of the fix, as catalogued."""
    example_code: str
    """The example without its leading and trailing blank lines (an HTML code block)."""


@dataclass(frozen=True)
class RuleCount:
    """A rule with findings and how many it has."""

    rule: RuleView
    """The rule."""
    count: int
    """Its findings."""
    findings: str
    """The count in words, like ``3 findings``."""


def rule_view(doc: RuleDoc) -> RuleView:
    """The view of one rule's documentation."""
    return RuleView(
        id=doc.id,
        slug=doc.slug,
        title=doc.title,
        category=doc.category,
        severity=doc.severity.value,
        severity_label=doc.severity.value.upper(),
        severity_rank=doc.severity.rank,
        confidence=doc.confidence.value,
        problem=doc.problem,
        risk=doc.risk,
        recommendation=doc.recommendation,
        example=doc.example,
        example_code=doc.example.strip("\n"),
    )


def rule_views(docs: Mapping[str, RuleDoc]) -> dict[str, RuleView]:
    """The view of every rule, by id."""
    return {rule_id: rule_view(doc) for rule_id, doc in docs.items()}


def rule_counts(findings: Iterable[Finding], rules: Mapping[str, RuleView]) -> tuple[RuleCount, ...]:
    """Findings per rule, by rule id."""
    counts = Counter(f.rule_id for f in findings)
    return tuple(
        RuleCount(rules[rule_id], counts[rule_id], counted(counts[rule_id], "finding")) for rule_id in sorted(counts)
    )


def category_counts(findings: Iterable[Finding], rules: Mapping[str, RuleView]) -> tuple[tuple[str, int], ...]:
    """Findings per rule category, most frequent first (ties by name)."""
    counts = Counter(rules[f.rule_id].category for f in findings)
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
