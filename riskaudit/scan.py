"""The scan: one orchestrator running the stages of ``riskaudit.pipeline`` in order.

discover -> collect -> derive evidence -> map -> suppress -> scope -> rank; the CLI parses arguments,
calls ``scan`` and prints, and a library caller gets the same result from ``scan``.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath

from riskaudit import __version__
from riskaudit.caching.store import Cache
from riskaudit.catalogue import Catalogue, select_rules, with_severities
from riskaudit.collectors.interface import Listener
from riskaudit.collectors.mypy import CACHED_NOTE
from riskaudit.collectors.radon import REPORTED_CC_RANKS
from riskaudit.coverage_analysis import layer_coverage
from riskaudit.detectors.links import check_links
from riskaudit.detectors.registry import ALL_DETECTORS
from riskaudit.discovery import Target, load_target, unreadable_issue
from riskaudit.environment.issues import fold
from riskaudit.environment.packages import package_states
from riskaudit.environment.python import Version, interpreter_version
from riskaudit.errors import TargetError, UsageError
from riskaudit.mapping import Mapped, Placement, map_findings, merge, project_modules, rules_used
from riskaudit.models import FunctionComplexity, SuppressedFinding, ToolRun
from riskaudit.option_table import check_selection
from riskaudit.options import ScanOptions, check_conflicts
from riskaudit.pipeline.collect import Collection, collect
from riskaudit.pipeline.derive import Evidence, derive
from riskaudit.pipeline.scope import apply_scope, ignore_per_file, prepare_scope
from riskaudit.path_patterns import unmatched
from riskaudit.ranking import rank
from riskaudit.running.git import git_commit
from riskaudit.running.process import time_limit
from riskaudit.results import ScanMeta, ScanResult
from riskaudit.suppressions import suppress

Progress = Listener
"""Receives progress while a scan runs (see ``riskaudit.collectors.interface.Listener``)."""


class _Silent:
    """Progress that shows nothing."""

    def scanning(self, target: Target) -> None:
        """Ignore."""

    def started(self, tool: str) -> None:
        """Ignore."""

    def finished(self, run: ToolRun) -> None:
        """Ignore."""


def scan_date() -> str:
    """Now in UTC, or ``SOURCE_DATE_EPOCH`` when set, as ISO 8601 to the second.

    A malformed or out-of-range ``SOURCE_DATE_EPOCH`` raises UsageError (reproducible-builds.org: a tool
    should stop on it rather than guess), so that ``scan`` can refuse it before any tool runs.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        moment = datetime.datetime.now(datetime.UTC)
    else:
        problem = f"SOURCE_DATE_EPOCH={epoch[:40]!r}: not a whole number of seconds since 1970-01-01 UTC"
        if not epoch.isdigit():
            raise UsageError(problem)
        try:
            moment = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"{problem} that a date can hold (years 1970 to 9999)") from None
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def reproducible_runs(runs: tuple[ToolRun, ...]) -> tuple[ToolRun, ...]:
    """With ``SOURCE_DATE_EPOCH`` set: durations 0 and no trace of the result cache, for identical reports."""
    if not os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        return runs
    return tuple(
        replace(
            run,
            duration=0.0,
            executable=run.executable.removesuffix(CACHED_NOTE),
            command=_without_cache_dir(run.command),
        )
        for run in runs
    )


def _without_cache_dir(command: tuple[str, ...]) -> tuple[str, ...]:
    """A command without its ``--cache-dir PATH`` (the cache's place, not how the tool analysed)."""
    kept: list[str] = []
    skip = False
    for part in command:
        if skip:
            skip = False
        elif part == "--cache-dir":
            skip = True
        else:
            kept.append(part)
    return tuple(kept)


def prepare(path: Path, options: ScanOptions) -> Target:
    """The target at path with its files and interpreter; raises TargetError when there is nothing to scan.

    A configured path pattern that matches no file is noted with the files left out (a typo changes nothing).
    Options that exclude each other raise UsageError.
    """
    check_conflicts(options)
    target = load_target(
        path, options.python, options.untrusted, options.exclude, options.max_file_size,
        respect_gitignore=options.respect_gitignore,
    )
    idle = unmatched([glob for glob, _ in options.per_file_ignores], [f.path for f in target.files])
    if idle:
        notes = (f"[tool.riskaudit] per-file-ignores pattern {glob!r} matches no analysed file" for glob in idle)
        target = replace(target, not_analysed=(*target.not_analysed, *notes))
    if not target.files:
        nested = f" (nested projects, scan them separately: {', '.join(target.nested_projects)})"
        raise TargetError(
            f"{path}: no Python files found; nothing to analyse{nested if target.nested_projects else ''}"
        )
    return target


def scan(path: Path, options: ScanOptions, catalogue: Catalogue, progress: Progress | None = None) -> ScanResult:
    """A complete scan of the project at path, as the command line runs it.

    Raises a one-line ``RiskauditError`` for bad options, a target with nothing to scan, a bad baseline
    file or diff ref, and a baseline that cannot be written.
    """
    listener = progress or _Silent()
    scan_date()  # a bad SOURCE_DATE_EPOCH stops the scan before any tool runs
    with time_limit(options.timeout):
        target = prepare(path, options)
        check_selection(options, catalogue.rules)
        scope = prepare_scope(target, options)
        listener.scanning(target)
        return apply_scope(scan_target(target, path, options, catalogue, listener), scope, options)


def scan_target(
    target: Target, path: Path, options: ScanOptions, catalogue: Catalogue, progress: Progress | None = None
) -> ScanResult:
    """Run the stages on a prepared target: collect, derive evidence, map, suppress, rank (scope: ``scan``)."""
    check_links(catalogue, ALL_DETECTORS)
    catalogue = with_severities(catalogue, options.severities)
    # an untrusted target could ship a .riskaudit_cache that hides findings: never read it
    cache = Cache.for_target(target.root, options.use_cache and not target.untrusted)
    collection = collect(target, options, cache, progress or _Silent())
    cache.prune()
    evidence = derive(collection, [f.path for f in target.files if f.is_test], _tests_python(collection, target))
    runs = reproducible_runs(ordered_runs(collection, evidence))
    # findings the environment explains (missing packages, newer syntax) become environment issues
    folded = fold(
        runs, collection.index, target.declared_python, project_names(collection.index.files),
        lambda names: package_states(target.python, names), target.python,
    )
    mapped, suppressed = map_and_suppress(folded.runs, catalogue, collection, evidence, options)
    return ScanResult(
        meta=_meta(target, path, collection, options),
        runs=runs,
        findings=rank(mapped.findings),
        rules=rules_used((*mapped.findings, *(s.finding for s in suppressed)), catalogue),
        complex_functions=complex_functions(evidence.functions),
        functions_measured=len(evidence.functions),
        coverage=evidence.coverage,
        function_coverage=evidence.function_coverage,
        layer_coverage=layer_coverage(evidence.coverage, collection.layers, evidence.tests),
        layers=options.layers,
        file_layers=dict(sorted(collection.layers.files.items())),
        mocked_data_layer=bool(evidence.untested),
        unmapped=mapped.unmapped,
        deselected=mapped.deselected,
        suppressed=suppressed,
        environment=(
            *(issue for run in runs for issue in run.environment), *folded.issues,
            *filter(None, [unreadable_issue(target)]),
        ),
    )


def map_and_suppress(
    runs: tuple[ToolRun, ...], catalogue: Catalogue, collection: Collection, evidence: Evidence, options: ScanOptions
) -> tuple[Mapped, tuple[SuppressedFinding, ...]]:
    """Map the runs' findings onto the catalogue, drop excluded and per-file-ignored ones, apply suppressions.

    The findings about the suppressions themselves (RA601, RA602) are mapped like the others and join them.
    """
    kept = select_rules(catalogue.rules, options.select, options.ignore)
    where = Placement.of(
        collection.index, evidence.functions, evidence.coverage, collection.layers,
        evidence.function_coverage, evidence.untested,
    )
    mapped = map_findings(runs, catalogue, where, kept)
    # tools that pick their own files (mypy with `files` in its config) may still report excluded ones
    excluded = tuple((glob, ("RA",)) for glob in options.exclude)
    mapped = ignore_per_file(mapped, (*options.per_file_ignores, *excluded))
    suppression = suppress(mapped, collection.index, catalogue, runs, kept)
    mapped = suppression.mapped
    if suppression.problems is not None:
        mapped = merge(mapped, map_findings((suppression.problems,), catalogue, where, kept))
    return mapped, suppression.suppressed


def complex_functions(functions: Iterable[FunctionComplexity]) -> tuple[FunctionComplexity, ...]:
    """The functions radon ranks C or worse, most complex first."""
    reported = (f for f in functions if f.rank in REPORTED_CC_RANKS)
    return tuple(sorted(reported, key=lambda f: (-f.complexity, f.path, f.start)))


def ordered_runs(collection: Collection, evidence: Evidence) -> tuple[ToolRun, ...]:
    """Every run in report order: the collectors' in registry order, then the derived ones."""
    runs = [run for result in collection.results for run in result.runs]
    if evidence.analysis is not None:
        runs.append(evidence.analysis)
    return tuple(runs)


def _tests_python(collection: Collection, target: Target) -> Version | None:
    """The Python version that ran the measured tests (the target's), when there is coverage data."""
    measured = any(result.coverage is not None for result in collection.results)
    return interpreter_version(target.python) if measured else None


def project_names(paths: Iterable[str]) -> frozenset[str]:
    """Every top-level name a module of the project can be imported by.

    The modules and packages in the root and in every folder that is not itself part of a package (a
    folder on ``sys.path`` for a test, a script, a ``src/`` layout). An import mypy cannot find under
    such a name is never put down to the environment.
    """
    files = set(paths)
    names = set(project_modules(files))
    for path in files:
        parts = PurePosixPath(path).with_suffix("").parts
        for depth in range(len(parts)):
            folder = "/".join(parts[:depth])
            if depth and f"{folder}/__init__.py" in files:
                continue
            if parts[depth] != "__init__":
                names.add(parts[depth])
    return frozenset(names)


def _meta(target: Target, path: Path, collection: Collection, options: ScanOptions) -> ScanMeta:
    """Provenance of the scan."""
    lines = sum(len(f.lines) for f in collection.index.files.values())
    return ScanMeta(
        target=target.root.name,
        root=path.as_posix(),
        commit=git_commit(target.root),
        date=scan_date(),
        riskaudit_version=__version__,
        python=target.python,
        python_origin=target.python_origin,
        files=len(target.files),
        test_files=sum(f.is_test for f in target.files),
        lines=lines,
        fail_on=options.fail_on,
        nested_projects=target.nested_projects,
        untrusted=target.untrusted,
        not_analysed=target.not_analysed,
        config=os.path.relpath(options.config, target.root) if options.config is not None else "",
        linter=collection.linter.name,
        linter_reason=collection.linter.reason,
    )
