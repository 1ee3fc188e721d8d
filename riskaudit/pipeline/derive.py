"""Derive evidence: what the collectors' results say together, before findings are mapped.

Coverage per function (radon's complexities over coverage's lines), the untested error handling and
complex-and-untested functions that follow from it (the scan's own ``analysis`` run, beside the tools'
runs), and the data-layer files whose coverage is no evidence because their only database tests are
mocked. Pure functions of the collected results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from riskaudit import __version__
from riskaudit.coverage_analysis import (
    ANALYSIS,
    MOCKED_LAYERS,
    crap_findings,
    error_path_findings,
    function_coverage,
)
from riskaudit.environment.python import Version
from riskaudit.layers import LayerMap
from riskaudit.models import CoverageData, FunctionComplexity, FunctionCoverage, ToolRun, ToolStatus
from riskaudit.pipeline.collect import Collection
from riskaudit.runtime_guards import unreachable_lines
from riskaudit.sources import SourceIndex


DERIVED_FROM = "coverage data and radon's complexities"
"""What the analysis run is computed from (shown where a tool's executable is)."""


@dataclass(frozen=True)
class Evidence:
    """What the collected results say together: the measurements the mapping and ranking use."""

    functions: tuple[FunctionComplexity, ...]
    """Cyclomatic complexity of every function."""
    coverage: CoverageData | None
    """The coverage measurement, or None when not measured."""
    function_coverage: tuple[FunctionCoverage, ...]
    """Coverage, complexity and CRAP score of every measured function."""
    untested: frozenset[str]
    """Data-layer files whose coverage counts as none (their only database tests are mocked)."""
    analysis: ToolRun | None
    """The findings derived from coverage (untested error handling, CRAP), or None without coverage data."""
    tests: tuple[str, ...]
    """The target's test files."""


def mocked_files(coverage: CoverageData | None, layers: LayerMap) -> frozenset[str]:
    """Data-layer files whose coverage is no evidence because the only database tests are mocked."""
    if coverage is None:
        return frozenset()
    return frozenset(
        entry.path
        for entry in coverage.files
        if (layer := layers.of(entry.path)) is not None and layer.name in MOCKED_LAYERS
    )


def unreachable_code(index: SourceIndex, version: Version | None) -> dict[str, frozenset[int]]:
    """Per file, the lines that cannot run on the interpreter that ran the tests (see ``runtime_guards``)."""
    found = {path: unreachable_lines(source.runtime_guards, version) for path, source in index.files.items()}
    return {path: lines for path, lines in found.items() if lines}


def derive(collection: Collection, tests: Sequence[str], version: Version | None = None) -> Evidence:
    """The evidence of one scan's collected results; version: the Python that ran the tests, when known."""
    functions = tuple(fn for result in collection.results for fn in result.functions)
    coverage = next((result.coverage for result in collection.results if result.coverage is not None), None)
    measured = function_coverage(collection.index, coverage, functions, collection.layers)
    if coverage is not None and coverage.unverified:  # their coverage lacks tests that did not run
        unverified = set(coverage.unverified)
        measured = tuple(fn for fn in measured if fn.path not in unverified)
    analysis = None
    if coverage is not None:
        unreachable = unreachable_code(collection.index, version)
        skipped = (*tests, *coverage.unverified)
        found = (
            error_path_findings(collection.index, coverage, measured, skipped, unreachable)
            + crap_findings(measured, tests, unreachable)
        )
        analysis = ToolRun(
            ANALYSIS, ToolStatus.OK, version=f"riskaudit {__version__}", executable=DERIVED_FROM, findings=found
        )
    mocked = any(result.mocked_database for result in collection.results)
    untested = mocked_files(coverage, collection.layers) if mocked else frozenset()
    return Evidence(functions, coverage, measured, untested, analysis, tuple(tests))
