"""radon: cyclomatic complexity per function and maintainability index per file (Python API)."""

from __future__ import annotations

import ast
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor

import radon
from radon.complexity import cc_rank
from radon.metrics import mi_rank
from radon.visitors import ComplexityVisitor, Function

from riskaudit.caching.store import NO_CACHE, Cache, digest, findings_from_json, findings_to_json
from riskaudit.collectors.raw_metrics import maintainability_index
from riskaudit.collectors.interface import CollectContext, Collected
from riskaudit.models import FunctionComplexity, RawFinding, ToolRun, ToolStatus
from riskaudit.sources import SourceIndex
from riskaudit.running.workers import WorkerDied, WorkTimedOut, in_batches, one_at_a_time

REPORTED_CC_RANKS = frozenset("CDEF")
"""Complexity ranks that become findings (C is 11-20)."""


def _functions(blocks: Iterable[object]) -> Iterator[Function]:
    """Functions and methods among radon's blocks, closures included."""
    for block in blocks:
        if isinstance(block, Function):
            yield block
            yield from _functions(block.closures)


def analyse_file(path: str, text: str) -> tuple[list[FunctionComplexity], list[RawFinding]]:
    """Complexity of every function in one file, and the findings for complex ones and low MI.

    The file is parsed once for both; the maintainability index equals radon's ``mi_visit(text, True)``
    but its raw line counts take linear time (radon's own are quadratic in a statement's length).
    """
    tree = ast.parse(text)
    visitor = ComplexityVisitor.from_ast(tree)
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
    index = maintainability_index(text, tree)
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


_Outcome = tuple[list[FunctionComplexity], list[RawFinding]] | str
"""A file's complexities and findings, or why radon could not analyse it."""
PARALLEL_THRESHOLD = 40
"""Below this many uncached files radon runs in this process (handing work over would cost more)."""


def _analyse_batch(batch: Sequence[tuple[str, str]]) -> list[_Outcome]:
    """``analyse_file`` over several files (a worker's unit of work); errors become their message."""
    outcomes: list[_Outcome] = []
    for path, text in batch:
        try:
            outcomes.append(analyse_file(path, text))
        except (SyntaxError, ValueError, RecursionError) as exc:
            outcomes.append(f"{path} ({exc})")
    return outcomes


def _analyse_all(
    work: Sequence[tuple[str, str]], executor: Executor | None, jobs: int, deadline: float
) -> list[_Outcome]:
    """Every file's outcome, in order; spread over the executor's workers when there is enough work."""
    what = f"radon's analysis of {len(work)} files"
    if executor is None or len(work) < PARALLEL_THRESHOLD:
        return one_at_a_time(_analyse_batch, work, what=what, deadline=deadline)
    return in_batches(executor, _analyse_batch, work, jobs, what=what, deadline=deadline)


def _cache_key(path: str, text: str) -> str:
    """The cache key of a file's radon results: radon's version, the path and the text."""
    return digest("radon", radon.__version__, path, text)


def _from_cache(path: str, text: str, cache: Cache) -> tuple[list[FunctionComplexity], list[RawFinding]] | None:
    """A file's cached results, or None when absent or malformed."""
    entry = cache.get("radon", _cache_key(path, text))
    if not isinstance(entry, dict):
        return None
    cached_findings = findings_from_json(entry.get("findings"))
    cached_functions = _functions_from_json(path, entry.get("functions"))
    if cached_findings is None or cached_functions is None:
        return None
    return cached_functions, list(cached_findings)


def _to_cache(
    path: str, text: str, functions: Sequence[FunctionComplexity], findings: Sequence[RawFinding], cache: Cache
) -> None:
    """Store a file's results."""
    rows = [[f.qualname, f.start, f.end, f.complexity, f.rank] for f in functions]
    cache.put("radon", _cache_key(path, text), {"functions": rows, "findings": findings_to_json(findings)})


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


def collect(
    index: SourceIndex,
    cache: Cache = NO_CACHE,
    executor: Executor | None = None,
    jobs: int = 2,
    deadline: float = math.inf,
) -> tuple[ToolRun, tuple[FunctionComplexity, ...]]:
    """Analyse every parsable file; files radon cannot read are named in the run's reason.

    Files not in the cache are analysed in the executor's worker processes (``jobs`` of them) when
    given and there are enough, else here. A worker process that dies, or work in the workers still
    running at the ``deadline`` (``time.monotonic()``), fails the whole run: no findings, no functions,
    nothing cached.
    """
    start = time.monotonic()
    parsable = {path: source.text for path, source in sorted(index.files.items()) if not source.parse_error}
    results = {path: _from_cache(path, text, cache) for path, text in parsable.items()}
    work = [(path, text) for path, text in parsable.items() if results[path] is None]
    try:
        outcomes = _analyse_all(work, executor, jobs, deadline)
    except (WorkerDied, WorkTimedOut) as exc:
        return _run(ToolStatus.FAILED, start, reason=str(exc)), ()
    failures: dict[str, str] = {}
    for (path, text), outcome in zip(work, outcomes, strict=True):
        if isinstance(outcome, str):
            failures[path] = outcome
        else:
            results[path] = outcome
            _to_cache(path, text, *outcome, cache)
    functions: list[FunctionComplexity] = []
    findings: list[RawFinding] = []
    skipped: list[str] = []
    for path in sorted(index.files):
        result = results.get(path)
        if result is None:
            skipped.append(failures.get(path, f"{path} ({index.files[path].parse_error})"))
            continue
        functions.extend(result[0])
        findings.extend(result[1])
    reason = f"not analysed: {', '.join(skipped)}" if skipped else ""
    return _run(ToolStatus.OK, start, reason, tuple(findings)), tuple(functions)


def _run(status: ToolStatus, start: float, reason: str = "", findings: tuple[RawFinding, ...] = ()) -> ToolRun:
    """The radon run, timed from ``start``; a FAILED one (a worker process died) has no findings."""
    return ToolRun(
        "radon",
        status,
        version=f"radon {radon.__version__}",
        executable="radon (Python API)",
        duration=time.monotonic() - start,
        reason=reason,
        findings=findings,
    )


class Radon:
    """radon behind the collector interface: complexity per function, maintainability per file."""

    def collect(self, context: CollectContext) -> Collected:
        """The run of radon on the parsed sources, with every function's complexity."""
        run, functions = collect(
            context.sources.index, context.cache, context.workers, context.jobs, context.deadline
        )
        return Collected((run,), functions=functions)


COLLECTOR = Radon()
"""The radon collector (see ``riskaudit.collectors.registry``)."""
