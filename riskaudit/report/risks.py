"""The ranked risks: findings grouped by cause and numbered, the long tail counted by rule, what to do first."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from riskaudit.models import Finding, Severity
from riskaudit.report.finding_view import FindingView
from riskaudit.report.rules_view import RuleView
from riskaudit.report.wording import counted, places
from riskaudit.roles import SOURCE, SUPPORT, TEST

GROUP_LOCATIONS_LIMIT = 8
"""Most further locations listed under one distinct risk."""
LOCATIONS_LIMIT = 6
"""Most locations listed under one recommendation."""
EXAMPLES_LIMIT = 3
"""Recommendations shown with their rule's code example; the rest name ``riskaudit explain``."""
SUMMARY_LIMIT = 15
"""Most findings listed per severity in the critical-findings summary."""
SUMMARY_TITLES = (
    (Severity.CRITICAL, "Must fix (critical)"),
    (Severity.HIGH, "High risk"),
    (Severity.MEDIUM, "Medium risk"),
)
"""The severities the critical-findings summary lists, with the title of each."""

Ranked = tuple[Finding, FindingView]
"""A ranked finding with its view."""


@dataclass(frozen=True)
class RiskGroup:
    """One distinct risk: a finding, with the others of the same cause (ranked, each with its view)."""

    lead: Ranked
    """The highest-ranked finding of the group."""
    others: tuple[Ranked, ...]
    """The other findings of the same cause, ranked."""


@dataclass(frozen=True)
class RiskItem:
    """One numbered distinct risk of the report: its lead finding shown in full, the others of its cause listed."""

    number: str
    """Its number in the report, like ``1.3``."""
    rule: RuleView
    """The rule."""
    head: FindingView
    """The highest-ranked finding of the group, shown with its excerpt."""
    places: str
    """How many places the cause occurs in, like ``3 places``; empty for one."""
    others: tuple[FindingView, ...]
    """The other findings of the same cause listed, ranked, at most ``GROUP_LOCATIONS_LIMIT``."""
    others_more: int
    """Further findings of the cause beyond the listed ones."""
    explained_in: str
    """The number of the earlier item that explains the same rule; empty when this item explains it."""
    lead: Finding
    """The highest-ranked finding itself (for programs that read the view, such as the corpus review)."""


@dataclass(frozen=True)
class RuleTally:
    """How many findings one rule has, by the role of their code: the long tail, counted."""

    rule: RuleView
    """The rule."""
    source: int
    """Findings in production code (and project-level ones)."""
    test: int
    """Findings in test code."""
    support: int
    """Findings in support code: examples, documentation snippets, benchmarks, tooling."""


@dataclass(frozen=True)
class Recommendation:
    """What to do about one rule, and where."""

    rule: RuleView
    """The rule."""
    count: int
    """Findings of the rule."""
    findings: str
    """The count in words, like ``3 findings``."""
    locations: tuple[str, ...]
    """The highest-ranked locations, at most ``LOCATIONS_LIMIT``."""
    places: tuple[FindingView, ...]
    """The findings at those locations, in the same order (the HTML links them)."""
    more: int
    """Findings of the rule beyond the listed locations."""
    with_example: bool = True
    """Whether the report shows the rule's example (the first ``EXAMPLES_LIMIT`` recommendations do;
    ``riskaudit explain`` shows every rule's)."""


@dataclass(frozen=True)
class SummaryGroup:
    """The findings of one severity in the critical-findings summary."""

    title: str
    """Like ``High risk``."""
    count: int
    """All findings of the severity."""
    findings: tuple[FindingView, ...]
    """The highest-ranked of them, at most ``SUMMARY_LIMIT``."""
    more: int
    """Findings of the severity beyond the listed ones."""


_QUOTED = re.compile(r"`[^`]*`|\"[^\"]*\"|'[^']*'")
_NUMBER = re.compile(r"\d+(\.\d+)?")


def cause(finding: Finding) -> tuple[str, str, str]:
    """What makes findings one cause: their rule, the role of their code and their message without names and numbers.

    ``'f' has cyclomatic complexity 14`` and ``'g' has cyclomatic complexity 17`` are one cause; two rules are not.
    """
    message = _NUMBER.sub("#", _QUOTED.sub("…", finding.message))
    return finding.rule_id, finding.role, message


def risk_groups(findings: Iterable[Ranked]) -> tuple[RiskGroup, ...]:
    """Ranked findings grouped by cause, in the order of each group's highest-ranked finding."""
    groups: dict[tuple[str, str, str], list[Ranked]] = {}
    for item in findings:
        groups.setdefault(cause(item[0]), []).append(item)
    return tuple(RiskGroup(items[0], tuple(items[1:])) for items in groups.values())


def risk_items(sections: Sequence[tuple[str, Sequence[RiskGroup]]]) -> tuple[tuple[RiskItem, ...], ...]:
    """The groups of each report section numbered ``<section>.<n>``; a rule is explained once, where it first shows.

    ``sections`` holds each section's number and groups, in the report's order.
    """
    explained: dict[str, str] = {}
    numbered: list[tuple[RiskItem, ...]] = []
    for prefix, groups in sections:
        items = []
        for index, group in enumerate(groups, 1):
            number = f"{prefix}.{index}"
            lead, head = group.lead
            items.append(
                RiskItem(
                    number=number,
                    rule=head.rule,
                    head=head,
                    places=places(1 + len(group.others)),
                    others=tuple(view for _, view in group.others[:GROUP_LOCATIONS_LIMIT]),
                    others_more=max(0, len(group.others) - GROUP_LOCATIONS_LIMIT),
                    explained_in=explained.get(lead.rule_id, ""),
                    lead=lead,
                )
            )
            explained.setdefault(lead.rule_id, number)
        numbered.append(tuple(items))
    return tuple(numbered)


def rule_tally(findings: Iterable[Finding], rules: Mapping[str, RuleView]) -> tuple[RuleTally, ...]:
    """Findings per rule and role, most severe rule first, then most findings."""
    counts: dict[str, Counter[str]] = {}
    for finding in findings:
        counts.setdefault(finding.rule_id, Counter())[finding.role] += 1
    rows = [
        RuleTally(rules[rule_id], by_role[SOURCE], by_role[TEST], by_role[SUPPORT])
        for rule_id, by_role in counts.items()
    ]
    return tuple(sorted(rows, key=lambda r: (r.rule.severity_rank, -(r.source + r.test + r.support), r.rule.id)))


def recommendations(findings: Iterable[Ranked], rules: Mapping[str, RuleView]) -> tuple[Recommendation, ...]:
    """One recommendation per rule at medium or above, in order of the rule's highest-ranked finding.

    ``findings`` holds the ranked findings with their views.
    """
    order: list[str] = []
    where: dict[str, list[FindingView]] = {}
    for finding, view in findings:
        if not finding.severity.at_least(Severity.MEDIUM):
            continue
        if finding.rule_id not in where:
            order.append(finding.rule_id)
        where.setdefault(finding.rule_id, []).append(view)
    result = []
    for number, rule_id in enumerate(order):
        count = len(where[rule_id])
        listed = tuple(where[rule_id][:LOCATIONS_LIMIT])
        result.append(
            Recommendation(
                rule=rules[rule_id],
                count=count,
                findings=counted(count, "finding"),
                locations=tuple(view.location for view in listed),
                places=listed,
                more=count - len(listed),
                with_example=number < EXAMPLES_LIMIT,
            )
        )
    return tuple(result)


def summary_groups(findings: Sequence[Ranked]) -> tuple[SummaryGroup, ...]:
    """The critical, high and medium findings, each severity's highest-ranked first."""
    groups = []
    for severity, title in SUMMARY_TITLES:
        views = [view for finding, view in findings if finding.severity is severity]
        groups.append(
            SummaryGroup(title, len(views), tuple(views[:SUMMARY_LIMIT]), max(0, len(views) - SUMMARY_LIMIT))
        )
    return tuple(groups)


def severity_counts(findings: Iterable[Finding]) -> tuple[tuple[str, int], ...]:
    """Findings per severity, most severe first: ``((severity, n), ...)``."""
    counts = Counter(f.severity for f in findings)
    return tuple((s.value, counts[s]) for s in Severity)
