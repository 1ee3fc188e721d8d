"""radon: cyclomatic complexity per function and maintainability index per file (Python API)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

import radon
from radon.complexity import cc_rank
from radon.metrics import mi_rank, mi_visit
from radon.visitors import ComplexityVisitor, Function

from riskaudit.cache import NO_CACHE, Cache, digest, findings_from_json, findings_to_json
from riskaudit.models import FunctionComplexity, RawFinding, ToolRun, ToolStatus
from riskaudit.sources import SourceIndex

REPORTED_CC_RANKS = frozenset("CDEF")
"""Complexity ranks that become findings (C is 11-20)."""


def _functions(blocks: Iterable[object]) -> Iterator[Function]:
    """Functions and methods among radon's blocks, closures included."""
    for block in blocks:
        if isinstance(block, Function):
            yield block
            yield from _functions(block.closures)


def analyse_file(path: str, text: str) -> tuple[list[FunctionComplexity], list[RawFinding]]:
    """Complexity of every function in one file, and the findings for complex ones and low MI."""
    visitor = ComplexityVisitor.from_code(text)
    functions = [
        FunctionComplexity(path, fn.fullname, fn.lineno, fn.endline, fn.complexity, cc_rank(fn.complexity))
        for fn in _functions(visitor.blocks)
    ]
    findings = [
        RawFinding(
            tool="radon",
            code=f"cc-{fn.rank}",
            message=f"'{fn.qualname}' has cyclomatic complexity {fn.complexity} (rank {fn.rank})",
            path=path,
            line=fn.start,
        )
        for fn in functions
        if fn.rank in REPORTED_CC_RANKS
    ]
    index = mi_visit(text, True)
    if mi_rank(index) == "C":
        findings.append(
            RawFinding(
                tool="radon",
                code="mi-C",
                message=f"maintainability index {index:.1f} (rank C, below 10)",
                path=path,
            )
        )
    return functions, findings


def _cached_file(path: str, text: str, cache: Cache) -> tuple[list[FunctionComplexity], list[RawFinding]]:
    """``analyse_file`` through the cache (keyed by radon's version and the file's text)."""
    key = digest("radon", radon.__version__, path, text)
    entry = cache.get("radon", key)
    if isinstance(entry, dict):
        cached_findings = findings_from_json(entry.get("findings"))
        cached_functions = _functions_from_json(path, entry.get("functions"))
        if cached_findings is not None and cached_functions is not None:
            return cached_functions, list(cached_findings)
    functions, findings = analyse_file(path, text)
    rows = [[f.qualname, f.start, f.end, f.complexity, f.rank] for f in functions]
    cache.put("radon", key, {"functions": rows, "findings": findings_to_json(findings)})
    return functions, findings


def _functions_from_json(path: str, value: object) -> list[FunctionComplexity] | None:
    """Function complexities back from cached rows, or None when malformed."""
    if not isinstance(value, list):
        return None
    result = []
    for row in value:
        if not (isinstance(row, list) and len(row) == 5):
            return None
        qualname, start, end, complexity, rank = row
        if not (isinstance(qualname, str) and isinstance(rank, str)):
            return None
        if not all(isinstance(n, int) for n in (start, end, complexity)):
            return None
        result.append(FunctionComplexity(path, qualname, start, end, complexity, rank))
    return result


def collect(index: SourceIndex, cache: Cache = NO_CACHE) -> tuple[ToolRun, tuple[FunctionComplexity, ...]]:
    """Analyse every parsable file; files radon cannot read are named in the run's reason."""
    start = time.monotonic()
    functions: list[FunctionComplexity] = []
    findings: list[RawFinding] = []
    skipped: list[str] = []
    for path, source in sorted(index.files.items()):
        if source.parse_error:
            skipped.append(path)
            continue
        try:
            file_functions, file_findings = _cached_file(path, source.text, cache)
        except (SyntaxError, ValueError, RecursionError) as exc:
            skipped.append(f"{path} ({exc})")
            continue
        functions.extend(file_functions)
        findings.extend(file_findings)
    reason = f"not analysed: {', '.join(skipped)}" if skipped else ""
    run = ToolRun(
        "radon",
        ToolStatus.OK,
        version=f"radon {radon.__version__}",
        executable="radon (Python API)",
        duration=time.monotonic() - start,
        reason=reason,
        findings=tuple(findings),
    )
    return run, tuple(functions)
