"""The report's coverage analysis: what the tests never execute, by file, class, error path and CRAP score."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from riskaudit.layers import LayerMap
from riskaudit.models import CoverageData, Finding, FunctionCoverage, LayerCoverage, ToolRun, ToolStatus
from riskaudit.report.finding_view import FindingView
from riskaudit.report.header import tool_anchor
from riskaudit.report.wording import counted, format_ranges, percent

COVERAGE_ROWS_LIMIT = 40
"""Most files in the Markdown report's coverage table (critical layers and the worst covered first)."""
UNMATCHED_LIMIT = 10
"""Most files listed that the coverage data holds but the scan does not."""
UNTESTED_GROUPS_LIMIT = 6
"""Most classes/modules listed with their untested functions."""
FUNCTIONS_PER_GROUP = 8
"""Most untested functions listed per class or module (the largest; the rest are counted)."""
ERROR_PATHS_LIMIT = 20
"""Most untested error paths listed."""
RISKIEST_LIMIT = 10
"""Most functions listed by CRAP score."""
ERROR_PATH_CODES = frozenset({"analysis:untested-except", "analysis:untested-finally", "analysis:untested-cleanup"})
"""The sources of the findings about untested error handling."""
FLAGGED = "coverage:critical-layer-low"
"""The source of the findings about critical-layer files under their threshold."""
POOR_COVERAGE = 50.0
"""Files under this line coverage are listed whatever their layer."""
DATA_LAYERS = ("data access", "persistence")
"""The layers whose coverage a mocked database makes unverified."""


@dataclass(frozen=True)
class TestsRun:
    """How the test run riskaudit started (``--run-tests``) ended."""

    status_label: str
    """Its status in capitals, like ``OK``."""
    reason: str
    """Its summary, or empty."""
    failed: bool
    """Whether the run failed: its reason is then given in the tools table only, and the section refers to it."""
    row_anchor: str
    """The element id of the run's row in the HTML report's tools table."""


@dataclass(frozen=True)
class CoverageRow:
    """One file in the coverage table."""

    path: str
    """The file."""
    layer: str
    """Its critical layer, or ``-``."""
    display: str
    """Its coverage as ``coverage report`` prints it (without the percent sign)."""
    statements: int
    """Executable statements."""
    missing: int
    """Statements never executed."""
    missing_ranges: str
    """Missing lines as ranges, like ``12-18, 30``."""


@dataclass(frozen=True)
class LayerFile:
    """Coverage of one critical-layer file, for the coverage chart."""

    path: str
    """The file."""
    percent: float
    """Its line coverage, unrounded."""
    display: str
    """Its coverage as ``coverage report`` prints it (without the percent sign)."""
    threshold: float
    """Its layer's coverage threshold (percent)."""
    low: bool
    """Whether it is under the threshold or the scan reported it as under-tested."""


@dataclass(frozen=True)
class UntestedFunction:
    """A function no test executes."""

    name: str
    """Its name (without the class)."""
    start: int
    """The ``def`` line."""
    statements: str
    """Its measured statements in words, like ``3 statements``."""
    complexity: int
    """Cyclomatic complexity."""


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
    functions: tuple[UntestedFunction, ...]
    """The largest untested functions (at most ``FUNCTIONS_PER_GROUP``), in source order."""
    more: int = 0
    """Untested functions of the group not listed."""
    more_statements: int = 0
    """Their statements."""
    missing_words: str = ""
    """``missing`` in words, like ``1 statement`` or ``3 statements``."""
    more_words: str = ""
    """The functions not listed in words, like ``2 smaller functions (12 statements)``; empty when none."""


@dataclass(frozen=True)
class CrapRow:
    """A function in the CRAP table."""

    qualname: str
    """``Class.method`` or ``function``."""
    location: str
    """``path:line`` of its ``def``."""
    complexity: int
    """Cyclomatic complexity."""
    coverage: str
    """Its coverage, like ``40%``."""
    crap: float
    """CRAP score."""


@dataclass(frozen=True)
class CoverageSection:
    """Everything the coverage analysis shows."""

    tests_run: TestsRun | None
    """The test run riskaudit started, or None when it ran none."""
    measured: bool
    """Whether coverage was measured; everything below is empty when not."""
    reason: str
    """Why coverage was not measured (the coverage collector's reason)."""
    failed: bool
    """Whether the coverage collector failed: its reason is then given in the tools table only."""
    row_anchor: str
    """The element id of the coverage collector's row in the HTML report's tools table."""
    total: str
    """Total line coverage as coverage.py prints it (without the percent sign)."""
    source: str
    """The coverage data file read."""
    reader: str
    """What read it: the coverage collector's version."""
    layer_sentences: tuple[str, ...]
    """One sentence per critical layer: how much of it the tests never execute."""
    rows: tuple[CoverageRow, ...]
    """Files under their threshold: critical layers first, worst first."""
    rows_listed: tuple[CoverageRow, ...]
    """The first of them, at most ``COVERAGE_ROWS_LIMIT`` (the Markdown table)."""
    rows_more: int
    """Rows beyond the listed ones."""
    unmatched: tuple[str, ...]
    """The first files in the coverage data that are not in the scanned tree, at most ``UNMATCHED_LIMIT``."""
    unmatched_count: int
    """All such files."""
    not_run: tuple[str, ...]
    """The first test modules the run behind the data left out, at most ``UNMATCHED_LIMIT``."""
    not_run_count: int
    """All such test modules (a partial test run when not 0)."""
    not_run_more: int
    """Those beyond the listed ones."""
    tests_judged: int
    """Test modules the data can say were run or not."""
    unverified_count: int
    """Files whose coverage lacks those tests: not measured, no untested-code findings."""
    untested_groups: tuple[UntestedGroup, ...]
    """Never-executed functions per class, critical layers first, most untested first."""
    error_paths: tuple[FindingView, ...]
    """Untested except/finally blocks and cleanup functions, ranked, at most ``ERROR_PATHS_LIMIT``."""
    error_paths_more: int
    """Untested error paths beyond the listed ones."""
    riskiest: tuple[CrapRow, ...]
    """Functions with the highest CRAP scores."""
    layer_files: tuple[LayerFile, ...]
    """Every measured critical-layer file with statements, by path (the coverage chart)."""
    untested_share: str
    """Share of critical-layer statements never executed, e.g. ``62%``; empty when unknown."""


def _flagged(findings: Iterable[Finding]) -> set[str | None]:
    """Files the scan reported as critical-layer files under their threshold."""
    return {f.path for f in findings if FLAGGED in f.sources}


def coverage_rows(
    coverage: CoverageData, layers: LayerMap, findings: Iterable[Finding]
) -> tuple[tuple[CoverageRow, ...], str]:
    """Files under their threshold (critical layers and worst first) and the untested share of critical-layer code."""
    flagged = _flagged(findings)
    rows = []
    layer_statements = layer_missing = 0
    for entry in coverage.files:
        layer = layers.of(entry.path)
        if layer is not None and entry.statements:
            layer_statements += entry.statements
            layer_missing += len(entry.missing)
        if entry.statements and (entry.path in flagged or layer is not None or entry.percent < POOR_COVERAGE):
            rows.append((layer.name if layer else "", entry))
    rows.sort(key=lambda r: (r[0] == "", r[1].percent, r[1].path))
    share = f"{round(100 * layer_missing / layer_statements)}%" if layer_statements else ""
    return (
        tuple(
            CoverageRow(e.path, layer or "-", e.display, e.statements, len(e.missing), format_ranges(e.missing))
            for layer, e in rows
        ),
        share,
    )


def layer_files(coverage: CoverageData, layers: LayerMap, findings: Iterable[Finding]) -> tuple[LayerFile, ...]:
    """Every measured critical-layer file with statements, by path, against its layer's threshold."""
    flagged = _flagged(findings)
    rows = []
    for entry in coverage.files:
        layer = layers.of(entry.path)
        if layer is not None and entry.statements:
            low = entry.path in flagged or entry.percent < layer.coverage_threshold
            rows.append(LayerFile(entry.path, entry.percent, entry.display, layer.coverage_threshold, low))
    return tuple(rows)


def untested_function(fn: FunctionCoverage) -> UntestedFunction:
    """A function no test executes, as listed."""
    name = fn.qualname.rsplit(".", 1)[-1]
    return UntestedFunction(name, fn.start, counted(fn.statements, "statement"), fn.complexity)


def _group(path: str, owner: str, items: Sequence[FunctionCoverage]) -> UntestedGroup:
    """One class's (or module's) untested functions: the largest listed in source order, the rest counted."""
    largest = sorted(items, key=lambda f: (-f.complexity, -f.statements, f.start))[:FUNCTIONS_PER_GROUP]
    rest = [f for f in items if f not in largest]
    missing = sum(len(f.missing) for f in items)
    rest_statements = sum(f.statements for f in rest)
    return UntestedGroup(
        owner,
        path,
        items[0].layer,
        missing,
        tuple(untested_function(f) for f in sorted(largest, key=lambda f: f.start)),
        len(rest),
        rest_statements,
        counted(missing, "statement"),
        f"{counted(len(rest), 'smaller function')} ({counted(rest_statements, 'statement')})" if rest else "",
    )


def untested_groups(functions: Iterable[FunctionCoverage]) -> tuple[UntestedGroup, ...]:
    """Functions no test executes, grouped by class (or module), critical layers and most untested first."""
    groups: dict[tuple[str, str], list[FunctionCoverage]] = {}
    for fn in functions:
        if fn.statements and fn.percent == 0.0:
            owner = fn.qualname.rsplit(".", 1)[0] if fn.kind == "method" else fn.path
            groups.setdefault((fn.path, owner), []).append(fn)
    result = [_group(path, owner, items) for (path, owner), items in groups.items()]
    result.sort(key=lambda g: (g.layer == "", -g.missing, g.path, g.owner))
    return tuple(result[:UNTESTED_GROUPS_LIMIT])


def riskiest_functions(functions: Iterable[FunctionCoverage]) -> tuple[CrapRow, ...]:
    """The functions with the highest CRAP scores (measured ones only)."""
    measured = [f for f in functions if f.statements and f.crap > f.complexity]
    ranked = sorted(measured, key=lambda f: (-f.crap, f.path, f.start))[:RISKIEST_LIMIT]
    return tuple(CrapRow(f.qualname, f"{f.path}:{f.start}", f.complexity, percent(f.percent), f.crap) for f in ranked)


def layer_sentences(layer_coverage: Iterable[LayerCoverage], mocked_data_layer: bool) -> tuple[str, ...]:
    """One sentence per layer, like ``86% of the data access layer is never executed (...)``."""
    sentences = []
    for layer in layer_coverage:
        sentence = (
            f"{layer.untested_percent}% of the {layer.name} layer is never executed by the tests "
            f"({layer.missing} of {layer.statements} statements in {layer.files} "
            f"file{'s' if layer.files != 1 else ''})."
        )
        if mocked_data_layer and layer.name in DATA_LAYERS:
            sentence += " Its tests mock the database, so even the executed part is unverified against real SQL."
        sentences.append(sentence)
    return tuple(sentences)


def tests_run(run: ToolRun | None) -> TestsRun | None:
    """The test run riskaudit started, or None."""
    if run is None:
        return None
    return TestsRun(run.status.value.upper(), run.reason, run.status is ToolStatus.FAILED, tool_anchor(run.name))


def coverage_section(
    coverage: CoverageData | None,
    coverage_run: ToolRun | None,
    test_run: ToolRun | None,
    layers: LayerMap,
    ranked: Sequence[tuple[Finding, FindingView]],
    functions: Sequence[FunctionCoverage],
    layer_coverage: Sequence[LayerCoverage],
    mocked_data_layer: bool,
) -> CoverageSection:
    """The coverage analysis; ``ranked`` holds the ranked findings with their views."""
    findings = [finding for finding, _ in ranked]
    failed = coverage_run is not None and coverage_run.status is ToolStatus.FAILED
    if coverage is None:
        return CoverageSection(
            tests_run=tests_run(test_run),
            measured=False,
            reason=coverage_run.reason if coverage_run else "",
            failed=failed,
            row_anchor=tool_anchor("coverage"),
            total="",
            source="",
            reader="",
            layer_sentences=(),
            rows=(),
            rows_listed=(),
            rows_more=0,
            unmatched=(),
            unmatched_count=0,
            not_run=(),
            not_run_count=0,
            not_run_more=0,
            tests_judged=0,
            unverified_count=0,
            untested_groups=(),
            error_paths=(),
            error_paths_more=0,
            riskiest=(),
            layer_files=(),
            untested_share="",
        )
    rows, share = coverage_rows(coverage, layers, findings)
    error_paths = [view for finding, view in ranked if ERROR_PATH_CODES & set(finding.sources)]
    return CoverageSection(
        tests_run=tests_run(test_run),
        measured=True,
        reason="",
        failed=failed,
        row_anchor=tool_anchor("coverage"),
        total=coverage.display,
        source=coverage.source,
        reader=coverage_run.version if coverage_run else "coverage.py",
        layer_sentences=layer_sentences(layer_coverage, mocked_data_layer),
        rows=rows,
        rows_listed=rows[:COVERAGE_ROWS_LIMIT],
        rows_more=max(0, len(rows) - COVERAGE_ROWS_LIMIT),
        unmatched=coverage.unmatched[:UNMATCHED_LIMIT],
        unmatched_count=len(coverage.unmatched),
        not_run=tuple(item.test for item in coverage.not_run[:UNMATCHED_LIMIT]),
        not_run_count=len(coverage.not_run),
        not_run_more=max(0, len(coverage.not_run) - UNMATCHED_LIMIT),
        tests_judged=coverage.tests_judged,
        unverified_count=len(coverage.unverified),
        untested_groups=untested_groups(functions),
        error_paths=tuple(error_paths[:ERROR_PATHS_LIMIT]),
        error_paths_more=max(0, len(error_paths) - ERROR_PATHS_LIMIT),
        riskiest=riskiest_functions(functions),
        layer_files=layer_files(coverage, layers, findings),
        untested_share=share,
    )
