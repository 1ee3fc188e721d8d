"""Coverage analysis: coverage per function, CRAP scores, untested error handling and each layer's untested share.

Pure functions over the source index, radon's complexities and the coverage measurement.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence

from riskaudit.ast_names import placeholder_body
from riskaudit.layers import LayerMap
from riskaudit.models import (
    CoverageData,
    FileCoverage,
    FunctionComplexity,
    FunctionCoverage,
    LayerCoverage,
    RawFinding,
)
from riskaudit.sources import SourceFile, SourceIndex, Symbol

ANALYSIS = "analysis"
"""The tool name of the findings derived here (the scan's own ``analysis`` run)."""
CLEANUP_NAME = re.compile(
    r"(^|_)(rollback|close|aclose|shutdown|cleanup|clean_up|dispose|teardown|tear_down|disconnect|release|"
    r"terminate)($|_)|^__a?exit__$",
    re.IGNORECASE,
)
"""Functions whose name says they clean up or end something: their absence from the tests is a finding."""
RECOVERY_NAME = re.compile(r"(^|_)(recover|recovery|reset|retry|fallback|on_error|handle_error)($|_)", re.IGNORECASE)
"""Names that may mean recovery (``recover_session``) or not (``retry_on_deadlock``, ``reset_counter``): such a
function is a cleanup path only when its body releases something (``CLEANUP_CALL``)."""
CLEANUP_CALL = re.compile(
    r"\.(a?close|rollback|dispose|release|shutdown|terminate|cancel|disconnect|kill|expunge_all|invalidate)\s*\("
)
"""A call that gives a resource back or undoes work."""
CRAP_THRESHOLD = 30.0
"""CRAP score above which a function is complex-and-untested (the conventional threshold)."""
MOCKED_LAYERS = frozenset({"data access", "persistence"})
"""Layers whose coverage does not count as evidence when the only database tests are mocked."""


def _count(number: int, noun: str) -> str:
    """``1 statement``, ``3 statements``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def crap_score(complexity: int, percent: float) -> float:
    """CRAP = cc^2 x (1 - coverage)^3 + cc: high for complex code that tests do not execute."""
    uncovered = 1.0 - max(0.0, min(percent, 100.0)) / 100.0
    return round(complexity * complexity * uncovered**3 + complexity, 2)


def _innermost(functions: Sequence[Symbol], line: int) -> Symbol | None:
    """The innermost function whose body (after the ``def`` line) holds the line."""
    best: Symbol | None = None
    for symbol in functions:
        if symbol.start < line <= symbol.end and (best is None or symbol.start > best.start):
            best = symbol
    return best


def file_function_coverage(
    source: SourceFile, entry: FileCoverage, complexity: dict[int, int], layers: LayerMap
) -> list[FunctionCoverage]:
    """Coverage of each function of one file; each measured line counts for its innermost function.

    The ``def`` line itself runs at import time, so it is not counted for the function.
    """
    functions = [s for s in source.symbols if s.kind in ("function", "method")]
    measured: dict[Symbol, list[int]] = {s: [] for s in functions}
    missing: dict[Symbol, list[int]] = {s: [] for s in functions}
    missing_lines = set(entry.missing)
    for line in sorted(set(entry.executed) | missing_lines):
        owner = _innermost(functions, line)
        if owner is not None:
            measured[owner].append(line)
            if line in missing_lines:
                missing[owner].append(line)
    layer = layers.of(source.path)
    result = []
    for symbol in functions:
        statements = len(measured[symbol])
        percent = 100.0 * (statements - len(missing[symbol])) / statements if statements else 100.0
        cc = complexity.get(symbol.start, 1)
        result.append(
            FunctionCoverage(
                path=source.path,
                qualname=symbol.qualname,
                kind=symbol.kind,
                start=symbol.start,
                end=symbol.end,
                statements=statements,
                missing=tuple(missing[symbol]),
                percent=percent,
                complexity=cc,
                crap=crap_score(cc, percent) if statements else float(cc),
                layer=layer.name if layer else "",
            )
        )
    return result


def function_coverage(
    index: SourceIndex,
    coverage: CoverageData | None,
    complexities: Iterable[FunctionComplexity],
    layers: LayerMap,
) -> tuple[FunctionCoverage, ...]:
    """Coverage of every function in every measured file, sorted by path and line."""
    if coverage is None:
        return ()
    by_file: dict[str, dict[int, int]] = {}
    for fn in complexities:
        by_file.setdefault(fn.path, {})[fn.start] = fn.complexity
    result: list[FunctionCoverage] = []
    for entry in coverage.files:
        source = index.get(entry.path)
        if source is not None and not source.parse_error:
            result.extend(file_function_coverage(source, entry, by_file.get(entry.path, {}), layers))
    return tuple(sorted(result, key=lambda f: (f.path, f.start)))


def is_cleanup(name: str, source: SourceFile | None, fn: FunctionCoverage) -> bool:
    """Whether a function is a cleanup path: named so, or named like recovery and releasing something."""
    if CLEANUP_NAME.search(name):
        return True
    if not RECOVERY_NAME.search(name) or source is None:
        return False
    body = "\n".join(source.lines[fn.start : fn.end])
    return CLEANUP_CALL.search(body) is not None


def is_stub(source: SourceFile | None, start: int, end: int) -> bool:
    """Whether the function on lines start..end does nothing but mark a hook (an abstract method, a protocol).

    Its body, docstring aside, is ``raise NotImplementedError``, ``pass`` or ``...``: a subclass provides
    the real one, and that is what the tests must run.
    """
    if source is None or not 1 <= start <= end <= len(source.lines):
        return False
    try:
        tree = ast.parse(textwrap.dedent("\n".join(source.lines[start - 1 : end])))
    except (SyntaxError, ValueError, RecursionError):
        return False
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return placeholder_body(node)


def error_path_findings(
    index: SourceIndex,
    coverage: CoverageData | None,
    functions: Sequence[FunctionCoverage],
    tests: Iterable[str],
    unreachable: Mapping[str, frozenset[int]] | None = None,
) -> tuple[RawFinding, ...]:
    """``except``/``finally`` blocks and cleanup functions that no test executes.

    Lines in ``unreachable`` (code for another Python version or platform) cannot run in the measured
    test run: their blocks are not findings.
    """
    if coverage is None:
        return ()
    skip = set(tests)
    cannot_run = unreachable or {}
    findings: list[RawFinding] = []
    for entry in coverage.files:
        source = index.get(entry.path)
        if source is None or entry.path in skip:
            continue
        measured = set(entry.executed) | set(entry.missing)
        missing = set(entry.missing)
        for block in source.error_paths:
            if block.line in cannot_run.get(entry.path, ()):
                continue
            lines = {n for n in range(block.start, block.end + 1) if n in measured}
            if lines and lines <= missing:
                owner = source.enclosing(block.line)
                where = f" in {owner.qualname}" if owner else ""
                findings.append(
                    RawFinding(
                        tool=ANALYSIS,
                        code=f"untested-{block.kind}",
                        message=(
                            f"{block.kind} block{where} never executed by the tests "
                            f"({_count(len(lines), 'statement')})"
                        ),
                        path=entry.path,
                        line=block.line,
                    )
                )
    for fn in functions:
        if fn.path in skip or not fn.statements or fn.percent != 0.0 or fn.start in cannot_run.get(fn.path, ()):
            continue
        source = index.get(fn.path)
        # the name first: parsing the body again (is_stub) only for the few functions named like cleanup
        if is_cleanup(fn.qualname.rsplit(".", 1)[-1], source, fn) and not is_stub(source, fn.start, fn.end):
            findings.append(
                RawFinding(
                    tool=ANALYSIS,
                    code="untested-cleanup",
                    message=f"{fn.qualname} (a rollback/close/shutdown path) is never executed by the tests",
                    path=fn.path,
                    line=fn.start,
                )
            )
    return tuple(findings)


def crap_findings(
    functions: Iterable[FunctionCoverage],
    tests: Iterable[str],
    unreachable: Mapping[str, frozenset[int]] | None = None,
) -> tuple[RawFinding, ...]:
    """Functions whose CRAP score says they are too complex for how little the tests run them.

    A function defined in code for another Python version or platform (``unreachable``) is not one.
    """
    skip = set(tests)
    cannot_run = unreachable or {}
    return tuple(
        RawFinding(
            tool=ANALYSIS,
            code="crap",
            message=(
                f"{fn.qualname}: complexity {fn.complexity}, {fn.percent:.0f}% covered, "
                f"CRAP score {fn.crap:g} (threshold {CRAP_THRESHOLD:g})"
            ),
            path=fn.path,
            line=fn.start,
        )
        for fn in functions
        if fn.path not in skip and fn.statements and fn.crap > CRAP_THRESHOLD
        and fn.start not in cannot_run.get(fn.path, ())
    )


def layer_coverage(
    coverage: CoverageData | None, layers: LayerMap, tests: Iterable[str]
) -> tuple[LayerCoverage, ...]:
    """Untested share of each critical layer that has measured code."""
    if coverage is None:
        return ()
    skip = set(tests)
    totals: dict[str, list[int]] = {}
    for entry in coverage.files:
        layer = layers.of(entry.path)
        if layer is None or entry.path in skip or not entry.statements:
            continue
        files, statements, missing = totals.setdefault(layer.name, [0, 0, 0])
        totals[layer.name] = [files + 1, statements + entry.statements, missing + len(entry.missing)]
    return tuple(
        LayerCoverage(layer.name, *totals[layer.name]) for layer in layers.layers if layer.name in totals
    )
