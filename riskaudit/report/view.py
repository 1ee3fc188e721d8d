"""The report's view model: everything a template shows, computed once from a scan result.

The templates see only a ``ReportView`` and the frozen dataclasses it holds, never the scan result:
every value they print has a field here, and every choice they make (which runs failed, how many
places, which findings to list and how many more there are) is made by the builders. The parts live
in modules named after what they hold: the header and tools table (``header``), the environment
section, the findings overview, the ranked risks (``risks``), the coverage analysis, the complexity
section, the per-tool sections and the verdict.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from riskaudit.layers import LayerMap
from riskaudit.models import Severity
from riskaudit.ranking import FORMULA
from riskaudit.report.complexity import ComplexitySection, complexity_section
from riskaudit.report.coverage_view import CoverageSection, coverage_section
from riskaudit.report.environment_section import EnvironmentSection, environment_section
from riskaudit.report.finding_view import FindingView, finding_views
from riskaudit.report.header import Header, ToolRow, header, tool_rows
from riskaudit.report.overview import Overview, overview
from riskaudit.report.risks import (
    Recommendation,
    RiskItem,
    RuleTally,
    SummaryGroup,
    recommendations,
    risk_groups,
    risk_items,
    rule_tally,
    severity_counts,
    summary_groups,
)
from riskaudit.report.rules_view import RuleCount, category_counts, rule_counts, rule_views
from riskaudit.report.tool_sections import ToolSection, tool_sections
from riskaudit.report.verdict import conclusion, gate_text, verdict
from riskaudit.results import ScanResult
from riskaudit.roles import SOURCE

RANKED_LIMIT = 25
"""Most distinct risks of production code in the report body (the rest are counted by rule in the appendix)."""
TEST_RANKED_LIMIT = 10
"""Most distinct risks of test code and support code in the report body."""
RANKED_MIN_SEVERITY = Severity.MEDIUM
"""Findings below this severity (annotations, docstrings, style, recognised idioms) are only counted."""


@dataclass(frozen=True)
class ReportView:
    """The report, ready for a template."""

    status: str
    """``INCOMPLETE``, ``NOT READY``, ``READY WITH RESERVATIONS`` or ``READY``."""
    headline: str
    """One sentence stating the verdict."""
    reasons: tuple[str, ...]
    """Why: the few facts behind the verdict (the failed runs apart: see ``failed_runs``)."""
    gate: str
    """What the CI gate decided."""
    header: Header
    """Provenance of the scan and what restricted it."""
    tools: tuple[ToolRow, ...]
    """Every tool's run, in the order of the runs."""
    failed_runs: tuple[ToolRow, ...]
    """The runs that failed: the analysis is incomplete. The banner and the verdict name them and refer to their
    rows of the tools table, the one place their reasons are given."""
    environment: EnvironmentSection | None
    """What the environment limited, or None when it limited nothing."""
    severity_counts: tuple[tuple[str, int], ...]
    """Findings per severity, most severe first."""
    total: int
    """All findings."""
    overview: Overview
    """Findings per severity and role, and the findings left out of the count."""
    findings: tuple[FindingView, ...]
    """Every finding, ranked."""
    ranked: tuple[RiskItem, ...]
    """The distinct risks of production code, highest first, at most ``RANKED_LIMIT``."""
    ranked_more: int
    """Distinct risks of production code beyond the list (counted in the appendix)."""
    test_ranked: tuple[RiskItem, ...]
    """The distinct risks of test code and support code, highest first, at most ``TEST_RANKED_LIMIT``."""
    test_ranked_more: int
    """Distinct risks of test code and support code beyond that list."""
    low_count: int
    """Low and info findings, counted only."""
    coverage: CoverageSection
    """The coverage analysis."""
    complexity: ComplexitySection
    """What radon measured."""
    tool_sections: tuple[ToolSection, ...]
    """What each tool reported, in the order of the runs."""
    summary: tuple[SummaryGroup, ...]
    """The critical, high and medium findings."""
    recommendations: tuple[Recommendation, ...]
    """One per rule at medium or above, most urgent first."""
    conclusion: str
    """Closing paragraph."""
    formula: str
    """The ranking formula in words."""
    tally: tuple[RuleTally, ...]
    """Every rule with findings, counted by role: the long tail."""
    rule_counts: tuple[RuleCount, ...]
    """Every rule with findings and how many, by rule id."""
    tool_counts: tuple[tuple[str, int], ...]
    """Findings each tool took part in, by tool name."""
    category_counts: tuple[tuple[str, int], ...]
    """Findings per rule category, most frequent first."""


def result_layers(result: ScanResult) -> LayerMap:
    """The critical layers of the result's files, as the scan decided them."""
    return LayerMap(result.layers, result.file_layers)


def build_view(result: ScanResult) -> ReportView:
    """The view model of a scan result."""
    rules = rule_views(result.rules)
    views = finding_views(result.findings, rules)
    ranked = tuple(zip(result.findings, views, strict=True))
    risks = [item for item in ranked if item[0].severity.at_least(RANKED_MIN_SEVERITY)]
    production = risk_groups(item for item in risks if item[0].role == SOURCE)
    elsewhere = risk_groups(item for item in risks if item[0].role != SOURCE)
    production_items, elsewhere_items = risk_items(
        (("1", production[:RANKED_LIMIT]), ("2", elsewhere[:TEST_RANKED_LIMIT]))
    )
    coverage = coverage_section(
        result.coverage,
        result.run("coverage"),
        result.run("pytest"),
        result_layers(result),
        ranked,
        result.function_coverage,
        result.layer_coverage,
        result.mocked_data_layer,
    )
    by_severity = Counter(f.severity for f in result.findings)
    state = verdict(result)
    tools = Counter(tool for view in views for tool in view.tools)
    return ReportView(
        status=state.status,
        headline=state.headline,
        reasons=state.reasons,
        gate=gate_text(result),
        header=header(result.meta, result.baseline, result.diff),
        tools=tool_rows(result.runs),
        failed_runs=tool_rows(result.incomplete),
        environment=environment_section(result.environment),
        severity_counts=severity_counts(result.findings),
        total=len(result.findings),
        overview=overview(result.findings, result.deselected, result.suppressed, result.unmapped),
        findings=views,
        ranked=production_items,
        ranked_more=max(0, len(production) - RANKED_LIMIT),
        test_ranked=elsewhere_items,
        test_ranked_more=max(0, len(elsewhere) - TEST_RANKED_LIMIT),
        low_count=by_severity[Severity.LOW] + by_severity[Severity.INFO],
        coverage=coverage,
        complexity=complexity_section(result.run("radon"), result.complex_functions, result.functions_measured),
        tool_sections=tool_sections(result.runs, ranked, rules),
        summary=summary_groups(ranked),
        recommendations=recommendations(ranked, rules),
        conclusion=conclusion(state.status, result, coverage.untested_share),
        formula=FORMULA,
        tally=rule_tally(result.findings, rules),
        rule_counts=rule_counts(result.findings, rules),
        tool_counts=tuple(sorted(tools.items())),
        category_counts=category_counts(result.findings, rules),
    )
