"""The report's view model: everything a template shows, computed once from a scan result."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from riskaudit.environment import FIX_DEPENDENCIES
from riskaudit.gate import blocking, gated
from riskaudit.layers import LayerMap
from riskaudit.models import (
    EnvironmentIssue,
    FileCoverage,
    Finding,
    FunctionCoverage,
    RuleDoc,
    Severity,
    ToolRun,
    ToolStatus,
)
from riskaudit.ranking import FORMULA
from riskaudit.roles import SOURCE, SUPPORT, TEST
from riskaudit.results import ScanResult

RANKED_LIMIT = 25
"""Most distinct risks of production code in the report body (the rest are counted by rule in the appendix)."""
TEST_RANKED_LIMIT = 10
"""Most distinct risks of test code and support code in the report body."""
RANKED_MIN_SEVERITY = Severity.MEDIUM
"""Findings below this severity (annotations, docstrings, style, recognised idioms) are only counted."""
GROUP_LOCATIONS_LIMIT = 8
"""Most further locations listed under one distinct risk."""
COVERAGE_ROWS_LIMIT = 40
"""Most files in the report's coverage table (critical layers and the worst covered first)."""
COMPLEX_LIMIT = 15
"""Most functions in the report's complexity table (the most complex first)."""
ENVIRONMENT_LIMIT = 15
"""Most environment issues listed in the report."""
RUNTIME_ITEMS_LIMIT = 30
"""Most mypy runtime-risk items shown in full (with excerpt); the rest are listed."""
SUMMARY_LIMIT = 15
"""Most findings listed per severity in the critical-findings summary."""
LOCATIONS_LIMIT = 6
"""Most locations listed under one recommendation."""


@dataclass(frozen=True)
class CodeCount:
    """How often one tool code occurred, with what it means."""

    code: str
    """The tool's code."""
    count: int
    """Occurrences."""
    rule: RuleDoc
    """The rule it maps onto."""
    example: str
    """One message of this code, as the tool printed it."""
    locations: tuple[str, ...]
    """The first few ``path:line`` where it occurs."""


@dataclass(frozen=True)
class CoverageRow:
    """One file in the coverage table."""

    file: FileCoverage
    """Its coverage."""
    layer: str
    """Its critical layer, or empty."""
    missing_ranges: str
    """Missing lines as ranges, like ``12-18, 30``."""


@dataclass(frozen=True)
class Recommendation:
    """What to do about one rule, and where."""

    rule: RuleDoc
    """The rule."""
    count: int
    """Findings of the rule."""
    locations: tuple[str, ...]
    """The highest-ranked locations."""


@dataclass(frozen=True)
class UntestedGroup:
    """The never-executed functions of one class (or of a module's top level)."""

    owner: str
    """Class name, or the module path for module-level functions."""
    path: str
    """The file."""
    layer: str
    """Critical layer of the file, or empty."""
    missing: int
    """Statements of these functions never executed."""
    functions: tuple[FunctionCoverage, ...]
    """The untested functions, in source order."""


@dataclass(frozen=True)
class RiskGroup:
    """One distinct risk of the ranked list: a finding, with the others of the same cause."""

    rule: RuleDoc
    """The rule."""
    lead: Finding
    """The highest-ranked finding of the group (shown with its excerpt)."""
    others: tuple[Finding, ...]
    """The other findings of the same cause, ranked."""

    @property
    def count(self) -> int:
        """How many findings the group holds."""
        return 1 + len(self.others)


@dataclass(frozen=True)
class RuleTally:
    """How many findings one rule has, by the role of their code: the long tail, counted."""

    rule: RuleDoc
    """The rule."""
    source: int
    """Findings in production code (and project-level ones)."""
    test: int
    """Findings in test code."""
    support: int
    """Findings in support code: examples, documentation snippets, benchmarks, tooling."""


_QUOTED = re.compile(r"`[^`]*`|\"[^\"]*\"|'[^']*'")
_NUMBER = re.compile(r"\d+(\.\d+)?")


def cause(finding: Finding) -> tuple[str, str, str]:
    """What makes findings one cause: their rule, the role of their code and their message without names and numbers.

    ``'f' has cyclomatic complexity 14`` and ``'g' has cyclomatic complexity 17`` are one cause; two rules are not.
    """
    message = _NUMBER.sub("#", _QUOTED.sub("…", finding.message))
    return finding.rule_id, finding.role, message


def risk_groups(findings: Iterable[Finding], rules: Mapping[str, RuleDoc]) -> tuple[RiskGroup, ...]:
    """Ranked findings grouped by cause, in the order of each group's highest-ranked finding."""
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault(cause(finding), []).append(finding)
    return tuple(RiskGroup(rules[items[0].rule_id], items[0], tuple(items[1:])) for items in groups.values())


def rule_tally(findings: Iterable[Finding], rules: Mapping[str, RuleDoc]) -> tuple[RuleTally, ...]:
    """Findings per rule and role, most severe rule first, then most findings."""
    counts: dict[str, Counter[str]] = {}
    for finding in findings:
        counts.setdefault(finding.rule_id, Counter())[finding.role] += 1
    rows = [
        RuleTally(rules[rule_id], by_role[SOURCE], by_role[TEST], by_role[SUPPORT])
        for rule_id, by_role in counts.items()
    ]
    return tuple(sorted(rows, key=lambda r: (r.rule.severity.rank, -(r.source + r.test + r.support), r.rule.id)))


@dataclass(frozen=True)
class ReportView:
    """The report, ready for a template."""

    result: ScanResult
    """The underlying result (meta, runs, coverage)."""
    status: str
    """``INCOMPLETE``, ``NOT READY``, ``READY WITH RESERVATIONS`` or ``READY``."""
    headline: str
    """One sentence stating the verdict."""
    reasons: tuple[str, ...]
    """Why: the few facts behind the verdict."""
    gate: str
    """What the CI gate decided."""
    severity_counts: tuple[tuple[str, int], ...]
    """Findings per severity, most severe first."""
    failed_runs: tuple[ToolRun, ...]
    """Tools that failed."""
    flake8_codes: tuple[CodeCount, ...]
    """flake8 findings by code."""
    mypy_items: tuple[Finding, ...]
    """mypy findings at medium or above, each shown with excerpt."""
    mypy_more: tuple[Finding, ...]
    """Runtime-risk mypy findings beyond the shown limit."""
    mypy_codes: tuple[CodeCount, ...]
    """All mypy findings by code."""
    coverage_rows: tuple[CoverageRow, ...]
    """Files under their threshold: critical layers first, worst first."""
    critical_layer_untested: str
    """Share of critical-layer statements never executed, e.g. ``62%``; empty when unknown."""
    layer_sentences: tuple[str, ...]
    """One sentence per critical layer: how much of it the tests never execute."""
    untested_groups: tuple[UntestedGroup, ...]
    """Never-executed functions per class, critical layers first, most untested first."""
    error_paths: tuple[Finding, ...]
    """Untested except/finally blocks and cleanup functions, ranked."""
    riskiest_functions: tuple[FunctionCoverage, ...]
    """Functions with the highest CRAP scores."""
    must_fix: tuple[Finding, ...]
    """Critical findings (ranked)."""
    high: tuple[Finding, ...]
    """High findings (ranked)."""
    medium: tuple[Finding, ...]
    """Medium findings (ranked)."""
    low_count: int
    """Low and info findings, counted only."""
    recommendations: tuple[Recommendation, ...]
    """One per rule at medium or above, most urgent first."""
    conclusion: str
    """Closing paragraph."""
    formula: str
    """The ranking formula in words."""
    rules: dict[str, RuleDoc]
    """Rule docs by id."""
    ranked: tuple[RiskGroup, ...] = ()
    """The distinct risks of production code, highest first, at most ``RANKED_LIMIT``."""
    ranked_more: int = 0
    """Distinct risks of production code beyond the list (counted in the appendix)."""
    test_ranked: tuple[RiskGroup, ...] = ()
    """The distinct risks of test code and support code, highest first, at most ``TEST_RANKED_LIMIT``."""
    test_ranked_more: int = 0
    """Distinct risks of test code and support code beyond that list."""
    tally: tuple[RuleTally, ...] = ()
    """Every rule with findings, counted by role: the long tail."""
    role_counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()
    """Findings per severity, for production code and for tests and support code: ``(label, ((severity, n), ...))``."""
    group_locations_limit: int = GROUP_LOCATIONS_LIMIT
    """Most further locations listed under one distinct risk."""
    coverage_rows_limit: int = COVERAGE_ROWS_LIMIT
    """Most files listed in the coverage table."""
    complex_limit: int = COMPLEX_LIMIT
    """Most functions listed in the complexity table."""
    environment_shown: tuple[EnvironmentIssue, ...] = ()
    """The environment issues listed: those that leave the analysis incomplete first, then by findings."""
    environment_more: int = 0
    """Environment issues beyond the listed ones (all are in the JSON)."""
    environment_findings: int = 0
    """Tool findings the environment issues explain (not reported as findings)."""


def result_layers(result: ScanResult) -> LayerMap:
    """The critical layers of the result's files, as the scan decided them."""
    return LayerMap(result.layers, result.file_layers)


def format_ranges(lines: Sequence[int]) -> str:
    """``[1, 2, 3, 7]`` as ``1-3, 7``."""
    parts: list[str] = []
    start = previous = None
    for number in sorted(lines):
        if previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = number
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}-{previous}")
    return ", ".join(parts)


def _code_counts(result: ScanResult, tool: str) -> tuple[CodeCount, ...]:
    """Mapped findings of one tool, counted by the tool's code; most severe, then most frequent first."""
    counts: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}
    where: dict[tuple[str, str], list[str]] = {}
    for finding in result.findings:
        for source in finding.sources:
            name, _, code = source.partition(":")
            if name != tool:
                continue
            key = (code, finding.rule_id)
            counts[key] += 1
            example.setdefault(key, finding.message)
            where.setdefault(key, []).append(finding.location)
    rows = [
        CodeCount(code, count, result.rules[rule_id], example[key], tuple(sorted(set(where[key]))[:3]))
        for key, count in counts.items()
        for code, rule_id in [key]
    ]
    return tuple(sorted(rows, key=lambda r: (r.rule.severity.rank, -r.count, r.code, r.rule.id)))


def _coverage_rows(result: ScanResult) -> tuple[tuple[CoverageRow, ...], str]:
    """Files under their threshold and the untested share of critical-layer code."""
    if result.coverage is None:
        return (), ""
    flagged = {f.path for f in result.findings if "coverage:critical-layer-low" in f.sources}
    layers = result_layers(result)
    rows = []
    layer_statements = layer_missing = 0
    for entry in result.coverage.files:
        layer = layers.of(entry.path)
        if layer is not None and entry.statements:
            layer_statements += entry.statements
            layer_missing += len(entry.missing)
        if entry.statements and (entry.path in flagged or layer is not None or entry.percent < 50.0):
            rows.append(CoverageRow(entry, layer.name if layer else "", format_ranges(entry.missing)))
    rows.sort(key=lambda r: (r.layer == "", r.file.percent, r.file.path))
    share = f"{round(100 * layer_missing / layer_statements)}%" if layer_statements else ""
    return tuple(rows), share


UNTESTED_GROUPS_LIMIT = 12
"""Most classes/modules listed with their untested functions."""
RISKIEST_LIMIT = 10
"""Most functions listed by CRAP score."""
ERROR_PATH_CODES = frozenset({"analysis:untested-except", "analysis:untested-finally", "analysis:untested-cleanup"})


def untested_groups(functions: Iterable[FunctionCoverage]) -> tuple[UntestedGroup, ...]:
    """Functions no test executes, grouped by class (or module), critical layers and most untested first."""
    groups: dict[tuple[str, str], list[FunctionCoverage]] = {}
    for fn in functions:
        if fn.statements and fn.percent == 0.0:
            owner = fn.qualname.rsplit(".", 1)[0] if fn.kind == "method" else fn.path
            groups.setdefault((fn.path, owner), []).append(fn)
    result = [
        UntestedGroup(owner, path, items[0].layer, sum(len(f.missing) for f in items), tuple(items))
        for (path, owner), items in groups.items()
    ]
    result.sort(key=lambda g: (g.layer == "", -g.missing, g.path, g.owner))
    return tuple(result[:UNTESTED_GROUPS_LIMIT])


def riskiest_functions(functions: Iterable[FunctionCoverage]) -> tuple[FunctionCoverage, ...]:
    """The functions with the highest CRAP scores (measured ones only)."""
    measured = [f for f in functions if f.statements and f.crap > f.complexity]
    return tuple(sorted(measured, key=lambda f: (-f.crap, f.path, f.start))[:RISKIEST_LIMIT])


def layer_sentences(result: ScanResult) -> tuple[str, ...]:
    """One sentence per layer, like ``86% of the data access layer is never executed (...)``."""
    sentences = []
    for layer in result.layer_coverage:
        sentence = (
            f"{layer.untested_percent}% of the {layer.name} layer is never executed by the tests "
            f"({layer.missing} of {layer.statements} statements in {layer.files} "
            f"file{'s' if layer.files != 1 else ''})."
        )
        if result.mocked_data_layer and layer.name in ("data access", "persistence"):
            sentence += " Its tests mock the database, so even the executed part is unverified against real SQL."
        sentences.append(sentence)
    return tuple(sentences)


def _recommendations(findings: Iterable[Finding], rules: dict[str, RuleDoc]) -> tuple[Recommendation, ...]:
    """One recommendation per rule at medium or above, in order of the rule's highest-ranked finding."""
    order: list[str] = []
    places: dict[str, list[str]] = {}
    for finding in findings:
        if not finding.severity.at_least(Severity.MEDIUM):
            continue
        if finding.rule_id not in places:
            order.append(finding.rule_id)
        places.setdefault(finding.rule_id, []).append(finding.location)
    return tuple(
        Recommendation(rules[rule_id], len(places[rule_id]), tuple(places[rule_id][:LOCATIONS_LIMIT]))
        for rule_id in order
    )


def _verdict(result: ScanResult, by_severity: Counter[Severity]) -> tuple[str, str, tuple[str, ...]]:
    """Status, headline and reasons."""
    reasons: list[str] = []
    for run in result.incomplete:
        reasons.append(f"{run.name} did not complete: {run.reason}")
    top_rules = Counter(f.rule_id for f in result.findings if f.severity.at_least(Severity.HIGH))
    ordered = sorted(top_rules.items(), key=lambda kv: (result.rules[kv[0]].severity.rank, -kv[1]))
    for rule_id, count in ordered[:4]:
        rule = result.rules[rule_id]
        reasons.append(f"{count} x {rule.title} ({rule.severity.value}, {rule_id})")
    for layer in result.layer_coverage:
        if layer.untested_percent >= 50:
            reasons.append(f"{layer.untested_percent}% of the {layer.name} layer is never executed by the tests")
    if result.mocked_data_layer:
        reasons.append("the data layer is tested only against a mocked database")
    coverage = result.run("coverage")
    if coverage is not None and coverage.status is ToolStatus.SKIPPED:
        reasons.append("test coverage was not measured: the tests' reach is unknown")
    reasons.extend(_environment_reasons(result))
    if result.is_incomplete:
        causes = [f"{run.name} failed" for run in result.incomplete]
        causes += [f"{len(issue.files)} file(s) not analysed" for issue in result.environment_gaps]
        headline = f"The analysis is INCOMPLETE ({'; '.join(causes)}): this report cannot clear the code."
        return "INCOMPLETE", headline, tuple(reasons)
    if by_severity[Severity.CRITICAL]:
        count = by_severity[Severity.CRITICAL]
        headline = f"Not ready for production: {count} critical finding(s) must be fixed first."
        return "NOT READY", headline, tuple(reasons)
    if by_severity[Severity.HIGH]:
        count = by_severity[Severity.HIGH]
        headline = f"Ready with reservations: no critical findings, but {count} high-risk finding(s)."
        return "READY WITH RESERVATIONS", headline, tuple(reasons)
    return "READY", "Ready: no critical or high-risk findings.", tuple(reasons)


def _environment_reasons(result: ScanResult) -> list[str]:
    """The verdict's hints about the environment: files it kept from analysis, findings it explains."""
    reasons = [f"not analysed: {issue.detail}; {issue.fix}" for issue in result.environment_gaps]
    lacking = [issue for issue in result.environment if issue.fix == FIX_DEPENDENCIES or issue.kind == "missing-stubs"]
    if lacking:
        folded = sum(issue.findings for issue in lacking)
        reasons.append(
            f"the environment lacks {len(lacking)} package(s), stub(s) or plugin(s) the project uses"
            f" ({folded} tool finding(s) they explain are not reported, see Environment): "
            "install the project's dependencies in the interpreter you pass with --python"
        )
    return reasons


def _conclusion(status: str, result: ScanResult, untested: str) -> str:
    """The closing paragraph."""
    sentences = []
    if status == "INCOMPLETE":
        sentences.append("Part of the analysis did not run: the absence of findings from those tools means nothing.")
    if result.coverage is not None and untested:
        sentences.append(
            f"{untested} of the critical-layer code (data access, persistence, auth) is never executed by the tests:"
            " passing tests give a false sense of security there."
        )
    elif result.coverage is None:
        sentences.append("Without coverage data, passing tests say nothing about which code they exercise.")
    critical = sum(f.severity is Severity.CRITICAL for f in result.findings)
    high = sum(f.severity is Severity.HIGH for f in result.findings)
    if critical:
        sentences.append(f"Do not deploy until the {critical} must-fix item(s) are resolved.")
    elif high:
        sentences.append(f"Deploying is possible, but review the {high} high-risk item(s) first.")
    else:
        sentences.append("Nothing found blocks a deploy; keep the remaining items on the maintenance list.")
    return " ".join(sentences)


def gate_text(result: ScanResult) -> str:
    """What the CI gate decided, with its exit code."""
    failing = blocking(gated(result), result.meta.fail_on)
    new = " new" if result.baseline is not None else ""
    if result.is_incomplete:
        return "FAILED (exit 2): the analysis is incomplete"
    if failing:
        return f"FAILED (exit 1): {len(failing)}{new} finding(s) at or above --fail-on {result.meta.fail_on}"
    return f"PASSED (exit 0): nothing{new} at or above --fail-on {result.meta.fail_on}"


def _from_mypy(finding: Finding) -> bool:
    """Whether mypy reported the finding (alone or with others)."""
    return any(source.startswith("mypy:") for source in finding.sources)


def build_view(result: ScanResult) -> ReportView:
    """The view model of a scan result."""
    by_severity = Counter(f.severity for f in result.findings)
    status, headline, reasons = _verdict(result, by_severity)
    runtime = [f for f in result.findings if _from_mypy(f) and f.severity.at_least(Severity.MEDIUM)]
    rows, untested = _coverage_rows(result)
    risks = [f for f in result.findings if f.severity.at_least(RANKED_MIN_SEVERITY)]
    production = risk_groups((f for f in risks if f.role == SOURCE), result.rules)
    elsewhere = risk_groups((f for f in risks if f.role != SOURCE), result.rules)
    shown_environment = tuple(
        sorted(result.environment, key=lambda i: (not i.incomplete, -i.findings, i.kind, i.subject))
    )
    return ReportView(
        result=result,
        status=status,
        headline=headline,
        reasons=reasons,
        gate=gate_text(result),
        severity_counts=tuple((s.value, by_severity[s]) for s in Severity),
        failed_runs=result.incomplete,
        flake8_codes=_code_counts(result, "flake8"),
        mypy_items=tuple(runtime[:RUNTIME_ITEMS_LIMIT]),
        mypy_more=tuple(runtime[RUNTIME_ITEMS_LIMIT:]),
        mypy_codes=_code_counts(result, "mypy"),
        coverage_rows=rows,
        critical_layer_untested=untested,
        layer_sentences=layer_sentences(result),
        untested_groups=untested_groups(result.function_coverage),
        error_paths=tuple(f for f in result.findings if ERROR_PATH_CODES & set(f.sources)),
        riskiest_functions=riskiest_functions(result.function_coverage),
        must_fix=tuple(f for f in result.findings if f.severity is Severity.CRITICAL),
        high=tuple(f for f in result.findings if f.severity is Severity.HIGH),
        medium=tuple(f for f in result.findings if f.severity is Severity.MEDIUM),
        low_count=by_severity[Severity.LOW] + by_severity[Severity.INFO],
        recommendations=_recommendations(result.findings, dict(result.rules)),
        conclusion=_conclusion(status, result, untested),
        formula=FORMULA,
        rules=dict(result.rules),
        ranked=production[:RANKED_LIMIT],
        ranked_more=max(0, len(production) - RANKED_LIMIT),
        test_ranked=elsewhere[:TEST_RANKED_LIMIT],
        test_ranked_more=max(0, len(elsewhere) - TEST_RANKED_LIMIT),
        tally=rule_tally(result.findings, result.rules),
        role_counts=(
            ("production code", _severity_counts(f for f in result.findings if f.role == SOURCE)),
            ("tests and support code", _severity_counts(f for f in result.findings if f.role != SOURCE)),
        ),
        environment_shown=shown_environment[:ENVIRONMENT_LIMIT],
        environment_more=max(0, len(shown_environment) - ENVIRONMENT_LIMIT),
        environment_findings=sum(issue.findings for issue in result.environment),
    )


def _severity_counts(findings: Iterable[Finding]) -> tuple[tuple[str, int], ...]:
    """Findings per severity, most severe first."""
    counts = Counter(f.severity for f in findings)
    return tuple((s.value, counts[s]) for s in Severity)


@dataclass(frozen=True)
class LayerFileCoverage:
    """Coverage of one critical-layer file, for the coverage chart."""

    file: FileCoverage
    """Its coverage."""
    layer: str
    """Its critical layer."""
    threshold: float
    """The layer's coverage threshold (percent)."""
    flagged: bool
    """Whether the scan reported the file as under-tested."""


def category_counts(result: ScanResult) -> tuple[tuple[str, int], ...]:
    """Findings per rule category, most frequent first (ties by name)."""
    counts = Counter(result.rules[f.rule_id].category for f in result.findings)
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def tool_counts(result: ScanResult) -> tuple[tuple[str, int], ...]:
    """Findings each tool took part in, by tool name."""
    counts = Counter(tool for f in result.findings for tool in sorted({s.partition(":")[0] for s in f.sources}))
    return tuple(sorted(counts.items()))


def rule_counts(result: ScanResult) -> tuple[tuple[RuleDoc, int], ...]:
    """Findings per rule, by rule id."""
    counts = Counter(f.rule_id for f in result.findings)
    return tuple((result.rules[rule_id], counts[rule_id]) for rule_id in sorted(counts))


def layer_file_coverage(result: ScanResult) -> tuple[LayerFileCoverage, ...]:
    """Every measured critical-layer file with statements, by path; empty when coverage was not measured."""
    if result.coverage is None:
        return ()
    flagged = {f.path for f in result.findings if "coverage:critical-layer-low" in f.sources}
    layers = result_layers(result)
    rows = []
    for entry in result.coverage.files:
        layer = layers.of(entry.path)
        if layer is not None and entry.statements:
            rows.append(LayerFileCoverage(entry, layer.name, layer.coverage_threshold, entry.path in flagged))
    return tuple(rows)
