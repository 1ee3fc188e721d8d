"""Running every detector over the project: one libcst parse and one batched traversal per file."""

from __future__ import annotations

import inspect
import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path
from importlib.metadata import version

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from riskaudit import __version__
from riskaudit.caching.store import NO_CACHE, Cache, digest, findings_from_json, findings_to_json
from riskaudit.detectors.base import TOOL, Detector, ProjectSymbols
from riskaudit.detectors.project import file_context
from riskaudit.models import RawFinding, ToolRun, ToolStatus
from riskaudit.sources import SourceIndex
from riskaudit.running.workers import WorkerDied, WorkTimedOut, in_batches, one_at_a_time, shared_pool, worker_count

PARALLEL_THRESHOLD = 40
"""Below this many files the detectors run in-process (worker start-up would cost more)."""
UNREADABLE_SOURCE = "unreadable-source"
"""Code of a file Python would refuse to read (a bad encoding declaration)."""


@dataclass(frozen=True)
class FileOutcome:
    """What the detectors found in one file."""

    path: str
    """The file."""
    findings: tuple[RawFinding, ...]
    """Findings of every detector."""
    records: tuple[tuple[str, tuple[str, ...]], ...]
    """``(detector code, records)`` recorded for project-level summaries."""
    skipped: str = ""
    """Why the file was not analysed (it does not parse); empty otherwise."""
    crashed: str = ""
    """A detector that raised, and the error; empty otherwise."""


class LazyPositions:
    """Source positions of one module's nodes, computed on the first question (most files never ask)."""

    def __init__(self, wrapper: MetadataWrapper) -> None:
        self._wrapper = wrapper
        self._ranges: Mapping[cst.CSTNode, CodeRange] | None = None

    def __call__(self, node: cst.CSTNode) -> CodeRange:
        """The range of node in the file."""
        if self._ranges is None:
            self._ranges = positions(self._wrapper)
        return self._ranges[node]


def positions(wrapper: MetadataWrapper) -> Mapping[cst.CSTNode, CodeRange]:
    """The PositionProvider ranges (libcst's own) of every node of the wrapped module.

    ``wrapper.resolve`` would also walk the whole tree once more for batchable providers, even when
    there are none (a third of the cost on large files); generating the provider alone skips that walk.
    Where libcst lacks the provider's ``_gen`` hook, the public ``resolve`` gives the same ranges.
    """
    generate = getattr(PositionProvider(), "_gen", None)
    if generate is None:
        return wrapper.resolve(PositionProvider)
    ranges: Mapping[cst.CSTNode, CodeRange] = generate(wrapper)
    return ranges


def visitors(detectors: Iterable[Detector]) -> list[cst.BatchableCSTVisitor]:
    """What one batched traversal visits: each detector, just after the shared analyses it reads.

    An analysis several detectors share (``FileContext.shared_analysis``) is visited once, before the
    first of them.
    """
    ordered: list[cst.BatchableCSTVisitor] = []
    seen: set[int] = set()
    for visitor in (visitor for detector in detectors for visitor in (*detector.analyses(), detector)):
        if id(visitor) not in seen:
            seen.add(id(visitor))
            ordered.append(visitor)
    return ordered


def analyse_file(
    path: str, text: str, project: ProjectSymbols, detectors: Sequence[type[Detector]]
) -> FileOutcome:
    """Parse one file with libcst and run the applicable detectors over it in one traversal.

    Detectors whose ``TRIGGERS`` do not occur in the text are left out; a file no detector is left for
    is not parsed at all.
    """
    context = file_context(path, project)
    active = [kind(context) for kind in detectors if kind.applies_to(context) and kind.triggered_by(text)]
    if not active:
        return FileOutcome(path, (), ())
    try:
        # the tree is ours alone: no need for the defensive deep copy MetadataWrapper makes by default
        wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
    except (cst.ParserSyntaxError, RecursionError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return FileOutcome(path, (), (), skipped=first)
    except Exception as exc:  # noqa: BLE001 - libcst itself fails on some code Python accepts
        return FileOutcome(path, (), (), skipped=f"libcst cannot parse it ({type(exc).__name__}: {exc})")
    positions = LazyPositions(wrapper)
    for detector in active:
        detector.bind_positions(positions)
    try:
        wrapper.visit_batched(visitors(active))
    except RecursionError:
        return FileOutcome(path, (), (), skipped="too deeply nested for the detectors")
    except Exception as exc:  # noqa: BLE001 - a detector bug must show, not vanish
        return FileOutcome(path, (), (), crashed=f"{type(exc).__name__}: {exc}")
    findings = tuple(f for detector in active for f in detector.findings)
    records = tuple((detector.CODE, tuple(detector.records)) for detector in active if detector.records)
    return FileOutcome(path, findings, records)


def _analyse_batch(
    batch: Sequence[tuple[str, str]], project: ProjectSymbols, detectors: Sequence[type[Detector]]
) -> list[FileOutcome]:
    """Worker entry point: several files at once, to amortise process hand-over."""
    return [analyse_file(path, text, project, detectors) for path, text in batch]


def _execute(
    work: Sequence[tuple[str, str]],
    project: ProjectSymbols,
    detectors: Sequence[type[Detector]],
    jobs: int,
    executor: Executor | None = None,
    deadline: float = math.inf,
) -> list[FileOutcome]:
    """Analyse every file, in worker processes (the given executor's, else new ones) when there are ``jobs`` > 1.

    Raises:
        WorkerDied: a worker process died (or had died: the given executor was already broken).
        WorkTimedOut: the files were not all analysed by the ``deadline``.
    """
    batch = partial(_analyse_batch, project=project, detectors=detectors)
    what = f"the detectors' analysis of {len(work)} files"
    if jobs < 2:
        return one_at_a_time(batch, work, what=what, deadline=deadline)
    if executor is not None:
        return in_batches(executor, batch, work, jobs, what=what, deadline=deadline)
    with shared_pool(jobs, deadline) as (pool, _):
        if pool is None:
            return one_at_a_time(batch, work, what=what, deadline=deadline)
        return in_batches(pool, batch, work, jobs, what=what, deadline=deadline)


def _records(outcomes: Iterable[FileOutcome]) -> dict[str, tuple[str, ...]]:
    """What every file recorded, by detector code."""
    records: dict[str, list[str]] = {}
    for outcome in outcomes:
        for code, recorded in outcome.records:
            records.setdefault(code, []).extend(recorded)
    return {code: tuple(values) for code, values in records.items()}


def _project_findings(
    outcomes: Sequence[FileOutcome], project: ProjectSymbols, detectors: Sequence[type[Detector]]
) -> list[RawFinding]:
    """The file findings as each detector revises them with the project's records, then its project findings."""
    records = _records(outcomes)
    found = [f for outcome in outcomes for f in outcome.findings]
    for kind in detectors:
        places = [n for n, finding in enumerate(found) if finding.code == kind.CODE]
        revised = kind.revise([found[n] for n in places], records)
        if len(revised) != len(places):
            raise ValueError(f"{kind.__name__}.revise must give one finding for each it is given")
        for n, finding in zip(places, revised, strict=True):
            found[n] = finding
    return found + [finding for kind in detectors for finding in kind.summarize(records, project)]


def _problems(outcomes: Sequence[FileOutcome]) -> tuple[ToolStatus, str]:
    """FAILED naming the crashes when a detector raised; else OK, naming files that did not parse."""
    crashed = [f"{o.path}: {o.crashed}" for o in outcomes if o.crashed]
    if crashed:
        return ToolStatus.FAILED, f"a detector crashed: {'; '.join(crashed[:3])}"
    skipped = [f"{o.path} ({o.skipped})" for o in outcomes if o.skipped]
    return ToolStatus.OK, f"not analysed: {', '.join(skipped)}" if skipped else ""


def _outcome_to_json(outcome: FileOutcome) -> dict[str, object]:
    """A file's outcome as a cache value."""
    return {
        "findings": findings_to_json(outcome.findings),
        "records": [[code, list(values)] for code, values in outcome.records],
        "skipped": outcome.skipped,
    }


def _outcome_from_json(path: str, value: object) -> FileOutcome | None:
    """A cached outcome, or None when the entry is malformed."""
    if not isinstance(value, dict):
        return None
    findings = findings_from_json(value.get("findings"))
    records = value.get("records")
    skipped = value.get("skipped")
    if findings is None or not isinstance(records, list) or not isinstance(skipped, str):
        return None
    pairs: list[tuple[str, tuple[str, ...]]] = []
    for item in records:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], list)):
            return None
        if not all(isinstance(v, str) for v in item[1]):
            return None
        pairs.append((item[0], tuple(item[1])))
    return FileOutcome(path, findings, tuple(pairs), skipped=skipped)


def project_digest(project: ProjectSymbols, detectors: Sequence[type[Detector]]) -> str:
    """What every file's detector results depend on besides the file itself.

    ``private_names`` is left out: it enters each file's key as far as the file mentions the names.
    """
    state = {
        "module_of": sorted(project.module_of.items()),
        "async_functions": sorted((k, sorted(v)) for k, v in project.async_functions.items()),
        "async_methods": sorted((k, sorted(v)) for k, v in project.async_methods.items()),
        "classes": sorted(project.classes),
        "modules": sorted(project.modules),
        "bases": sorted((k, list(v)) for k, v in project.bases.items()),
        "types": sorted(project.types.items()),
        "unique_classes": sorted(project.unique_classes.items()),
        "coroutine_wrappers": sorted(project.coroutine_wrappers),
        "installed": project.installed.stamp,
        "detectors": [f"{d.__module__}.{d.__qualname__}" for d in detectors],
    }
    return digest("detectors", __version__, json.dumps(state), _code_digest(tuple(detectors)))


@lru_cache(maxsize=8)
def _code_digest(detectors: tuple[type[Detector], ...]) -> str:
    """Digest of every module of the detectors package (shared analysis included) and of the detectors given.

    Changed code means fresh results.
    """
    package = Path(inspect.getfile(Detector)).parent
    files = set(package.rglob("*.py")) | {Path(inspect.getfile(d)) for d in detectors}
    return digest(*(path.read_bytes() for path in sorted(files)))


def refused_sources(index: SourceIndex) -> list[RawFinding]:
    """Files Python would refuse to read (a bad encoding declaration) that the linters still accept."""
    return [
        RawFinding(TOOL, UNREADABLE_SOURCE, f"Python cannot import this file: {source.encoding_error}", path, 1)
        for path, source in sorted(index.files.items())
        if source.encoding_error
    ]


def run_detectors(
    index: SourceIndex,
    project: ProjectSymbols,
    detectors: Sequence[type[Detector]],
    workers: int | None = None,
    cache: Cache = NO_CACHE,
    executor: Executor | None = None,
    deadline: float = math.inf,
) -> ToolRun:
    """All detectors over all parsable files; project-level summaries at the end.

    ``workers`` processes (default: up to 4, one per core) share the files when there are enough of
    them; those of ``executor`` when given (it must have that many), else a pool of their own. A worker
    process that dies, or work in the workers still running at the ``deadline`` (``time.monotonic()``),
    fails the whole run: no findings, nothing cached.
    """
    start = time.monotonic()
    keys = _cache_keys(index, project, detectors)
    known = {path: _outcome_from_json(path, cache.get("detectors", key)) for path, key in keys.items()}
    work = [(path, index.files[path].text) for path in sorted(keys) if known[path] is None]
    jobs = 1 if len(work) < PARALLEL_THRESHOLD else workers or worker_count()
    run = ToolRun(
        TOOL,
        ToolStatus.OK,
        version=f"riskaudit {__version__} detectors, libcst {version('libcst')}",
        executable=f"{len(detectors)} detectors",  # not the process count: it depends on the cache and the cores
    )
    try:
        fresh = _execute(work, project, detectors, jobs, executor, deadline)
    except (WorkerDied, WorkTimedOut) as exc:
        return replace(run, status=ToolStatus.FAILED, duration=time.monotonic() - start, reason=str(exc))
    for outcome in fresh:
        if not outcome.crashed:
            cache.put("detectors", keys[outcome.path], _outcome_to_json(outcome))
    outcomes = _merged(index, fresh, known)
    findings = _project_findings(outcomes, project, detectors)
    findings += refused_sources(index)
    status, reason = _problems(outcomes)
    return replace(
        run, status=status, duration=time.monotonic() - start, reason=reason, findings=tuple(findings)
    )


def _cache_keys(index: SourceIndex, project: ProjectSymbols, detectors: Sequence[type[Detector]]) -> dict[str, str]:
    """The cache key of each parsable file's detector results."""
    base = project_digest(project, detectors)
    return {
        path: digest(base, path, source.text, *project.private_names_in(source.text))
        for path, source in index.files.items()
        if not source.parse_error
    }


def _merged(
    index: SourceIndex, fresh: Sequence[FileOutcome], known: Mapping[str, FileOutcome | None]
) -> list[FileOutcome]:
    """Every file's outcome in path order: analysed now, from the cache, or not parsed at all."""
    unparsed = {p: FileOutcome(p, (), (), skipped=s.parse_error) for p, s in index.files.items() if s.parse_error}
    by_path = {o.path: o for o in fresh} | {p: o for p, o in known.items() if o is not None} | unparsed
    return [by_path[path] for path in sorted(by_path)]
