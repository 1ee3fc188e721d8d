"""The report's per-tool sections: what each tool reported, counted by its codes and the rules they map onto.

Every run gets a section, in the order of the runs, except the tools the report covers in sections of
their own (``DEDICATED``). How a section reads (its title, what its findings are called, whether the
rule's title has a column of its own, which findings it lists) comes from the tool's
``ToolStyle``; a tool without one reads like flake8.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from riskaudit.models import Finding, Severity, ToolRun, ToolStatus
from riskaudit.report.finding_view import FindingView
from riskaudit.report.header import tool_anchor
from riskaudit.report.rules_view import RuleView

DEDICATED = frozenset({"radon", "pytest", "coverage", "analysis", "riskaudit"})
"""Tools without a per-tool section: radon has the complexity section, the test run, coverage and the analysis
derived from it the coverage analysis, and riskaudit's own detectors speak through the ranked risks."""
ITEMS_LIMIT = 30
"""Most findings of a tool listed one per line in its section; the rest are listed by location."""
ITEMS_MIN_SEVERITY = Severity.MEDIUM
"""A section that lists its findings lists those at this severity or above."""
LOCATIONS_LIMIT = 3
"""Most ``path:line`` listed per code."""


@dataclass(frozen=True)
class ToolStyle:
    """How one tool's section reads."""

    title: str
    """The section's title in the HTML report, like ``Flake8 analysis``."""
    noun: str = "findings"
    """What the tool's findings are called, plural: ``findings``, ``errors``."""
    rule_column: bool = True
    """Whether the codes table gives the rule's title a column of its own (else it follows the rule id)."""
    codes_title: str = ""
    """A heading above the codes table, or empty for none."""
    items_title: str = ""
    """The heading of the findings listed one per line (at ``ITEMS_MIN_SEVERITY`` or above); empty: none are."""
    more_title: str = ""
    """The words before the list of further such findings."""


STYLES = {
    "mypy": ToolStyle(
        title="Mypy type errors",
        noun="errors",
        rule_column=False,
        codes_title="All type errors by code",
        items_title="Runtime-risk items",
        more_title="Further runtime-risk items",
    ),
}
"""Styles of the tools that do not read like flake8."""


def tool_style(name: str) -> ToolStyle:
    """How the section of a tool reads: its own style, or flake8's with the tool's name."""
    return STYLES.get(name) or ToolStyle(title=f"{name.capitalize()} analysis")


@dataclass(frozen=True)
class CodeCount:
    """How often one tool code occurred, with what it means."""

    code: str
    """The tool's code."""
    count: int
    """Occurrences."""
    rule: RuleView
    """The rule it maps onto."""
    example: str
    """One message of this code, as the tool printed it."""
    locations: tuple[str, ...]
    """The first few ``path:line`` where it occurs, at most ``LOCATIONS_LIMIT``."""
    places: tuple[FindingView, ...]
    """The highest-ranked finding at each of ``locations``, in their order (the HTML links them)."""


@dataclass(frozen=True)
class ToolSection:
    """What one tool reported."""

    name: str
    """The tool, like ``flake8``."""
    title: str
    """The section's title in the HTML report."""
    noun: str
    """What its findings are called, plural."""
    total: int
    """Its mapped findings."""
    produced: bool
    """Whether it completed; when not, ``reason`` says why."""
    reason: str
    """Why it failed or was skipped."""
    failed: bool
    """Whether it failed: its reason is then given in the tools table only, and the section refers to it."""
    status_label: str
    """Its status in capitals, like ``FAILED``."""
    row_anchor: str
    """The element id of its row in the HTML report's tools table."""
    codes: tuple[CodeCount, ...]
    """Its findings by code, most severe, then most frequent first."""
    rule_column: bool
    """Whether the codes table gives the rule's title a column of its own (else it follows the rule id)."""
    codes_title: str
    """A heading above the codes table, or empty."""
    items_title: str
    """The heading of the findings shown in full."""
    items: tuple[FindingView, ...]
    """Its findings listed one per line, ranked, at most ``ITEMS_LIMIT``; empty when the style lists none."""
    more_title: str
    """The words before the list of further such findings."""
    more: tuple[FindingView, ...]
    """Further findings that would be shown in full, listed by location."""


def reported_by(finding: Finding, tool: str) -> bool:
    """Whether the tool reported the finding (alone or with others)."""
    return any(source.partition(":")[0] == tool for source in finding.sources)


def code_counts(
    ranked: Iterable[tuple[Finding, FindingView]], tool: str, rules: Mapping[str, RuleView]
) -> tuple[CodeCount, ...]:
    """Mapped findings of one tool, counted by the tool's code; most severe, then most frequent first.

    ``ranked`` holds the ranked findings with their views.
    """
    counts: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}
    where: dict[tuple[str, str], dict[str, FindingView]] = {}
    for finding, view in ranked:
        for source in finding.sources:
            name, _, code = source.partition(":")
            if name != tool:
                continue
            key = (code, finding.rule_id)
            counts[key] += 1
            example.setdefault(key, finding.message)
            where.setdefault(key, {}).setdefault(finding.location, view)
    rows = []
    for key, count in counts.items():
        code, rule_id = key
        locations = tuple(sorted(where[key])[:LOCATIONS_LIMIT])
        places = tuple(where[key][location] for location in locations)
        rows.append(CodeCount(code, count, rules[rule_id], example[key], locations, places))
    return tuple(sorted(rows, key=lambda r: (r.rule.severity_rank, -r.count, r.code, r.rule.id)))


def tool_section(
    run: ToolRun, ranked: Sequence[tuple[Finding, FindingView]], rules: Mapping[str, RuleView]
) -> ToolSection:
    """The section of one run; ``ranked`` holds the ranked findings with their views."""
    style = tool_style(run.name)
    codes = code_counts(ranked, run.name, rules)
    shown: list[FindingView] = []
    if style.items_title:
        shown = [
            view
            for finding, view in ranked
            if reported_by(finding, run.name) and finding.severity.at_least(ITEMS_MIN_SEVERITY)
        ]
    return ToolSection(
        name=run.name,
        title=style.title,
        noun=style.noun,
        total=sum(c.count for c in codes),
        produced=run.status is ToolStatus.OK,
        reason=run.reason,
        failed=run.status is ToolStatus.FAILED,
        status_label=run.status.value.upper(),
        row_anchor=tool_anchor(run.name),
        codes=codes,
        rule_column=style.rule_column,
        codes_title=style.codes_title,
        items_title=style.items_title,
        items=tuple(shown[:ITEMS_LIMIT]),
        more_title=style.more_title,
        more=tuple(shown[ITEMS_LIMIT:]),
    )


def tool_sections(
    runs: Iterable[ToolRun], ranked: Sequence[tuple[Finding, FindingView]], rules: Mapping[str, RuleView]
) -> tuple[ToolSection, ...]:
    """A section per run without one of its own, in the order of the runs."""
    return tuple(tool_section(run, ranked, rules) for run in runs if run.name not in DEDICATED)
