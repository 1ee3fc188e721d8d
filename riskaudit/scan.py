"""The scan pipeline: discover, run the collectors concurrently, map, rank."""

from __future__ import annotations

import datetime
import os
import shutil
import tempfile
from fnmatch import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import replace
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Protocol

from riskaudit import __version__
from riskaudit.cache import Cache
from riskaudit.catalogue import Catalogue, select_rules, with_severities
from riskaudit.collectors import coverage as coverage_collector
from riskaudit.collectors import flake8 as flake8_collector
from riskaudit.collectors import mypy as mypy_collector
from riskaudit.collectors.mypy import CACHED_NOTE
from riskaudit.collectors import pytest_run
from riskaudit.collectors import radon as radon_collector
from riskaudit.collectors.process import run_process
from riskaudit.detectors import ALL_DETECTORS
from riskaudit.detectors.project import project_facts
from riskaudit.detectors.runner import run_detectors
from riskaudit.environment.issues import fold
from riskaudit.environment.packages import package_states
from riskaudit.workers import worker_count, worker_pool
from riskaudit.discovery import Target, load_target
from riskaudit.errors import TargetError
from riskaudit.mapping import Mapped, map_findings, project_modules, rules_used
from riskaudit.exposure import MOCKED_LAYERS, crap_findings, error_path_findings, function_coverage, layer_coverage
from riskaudit.layers import Layer, LayerMap, assign_layers, content_kinds
from riskaudit.models import CoverageData, Finding, ToolRun, ToolStatus
from riskaudit.options import ScanOptions, check_conflicts
from riskaudit.results import ScanMeta, ScanResult
from riskaudit.sources import SourceIndex
from riskaudit.sources_cache import index_sources
from riskaudit.suppressions import suppress

NO_REAL_DATABASE_TEST = "no-real-database-test"
"""The detector code saying the data layer has no test against a real database."""
TOOL_ORDER = ("flake8", "mypy", "radon", "pytest", "coverage", "riskaudit")


class Progress(Protocol):
    """Receives progress while a scan runs; the CLI shows it, tests can record it."""

    def started(self, tool: str) -> None:
        """Note that a collector started."""

    def finished(self, run: ToolRun) -> None:
        """Note that a collector ended, whatever its status."""


class _Silent:
    """Progress that shows nothing."""

    def started(self, tool: str) -> None:
        """Ignore."""

    def finished(self, run: ToolRun) -> None:
        """Ignore."""


def scan_date() -> str:
    """Now in UTC, or ``SOURCE_DATE_EPOCH`` when set, as ISO 8601 to the second."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if epoch.isdigit()
        else datetime.datetime.now(datetime.UTC)
    )
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


def git_commit(root: Path) -> str:
    """The target's short commit id, with ``-dirty`` when it has local changes; empty outside git."""
    if shutil.which("git") is None:
        return ""
    head = run_process(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, timeout=30)
    if head.returncode != 0:
        return ""
    status = run_process(["git", "status", "--porcelain", "--untracked-files=no", "--", "."], cwd=root, timeout=60)
    dirty = status.returncode == 0 and bool(status.stdout.strip())
    return head.stdout.strip() + ("-dirty" if dirty else "")


def prepare(path: Path, options: ScanOptions) -> Target:
    """The target at path with its files and interpreter; raises TargetError when there is nothing to scan.

    Options that exclude each other raise UsageError.
    """
    check_conflicts(options)
    target = load_target(path, options.python, options.untrusted, options.exclude)
    if not target.files:
        nested = f" (nested projects, scan them separately: {', '.join(target.nested_projects)})"
        raise TargetError(
            f"{path}: no Python files found; nothing to analyse{nested if target.nested_projects else ''}"
        )
    return target


def scan(path: Path, options: ScanOptions, catalogue: Catalogue, progress: Progress | None = None) -> ScanResult:
    """Run a complete scan of the project at path; raises TargetError when there is nothing to scan."""
    return scan_target(prepare(path, options), path, options, catalogue, progress)


def scan_target(
    target: Target, path: Path, options: ScanOptions, catalogue: Catalogue, progress: Progress | None = None
) -> ScanResult:
    """Run the collectors on a prepared target, then map and rank their findings."""
    catalogue = with_severities(catalogue, options.severities)
    listener = progress or _Silent()
    # an untrusted target could ship a .riskaudit_cache that hides findings: never read it
    cache = Cache.for_target(target.root, options.use_cache and not target.untrusted)
    jobs = worker_count()
    # mypy and flake8 run as subprocesses; radon and the detectors share one pool of worker processes,
    # radon's work handed over from a thread while this one hands over the detectors'
    with (
        ThreadPoolExecutor(max_workers=4, thread_name_prefix="riskaudit") as pool,
        worker_pool(jobs) as workers,
    ):
        futures: dict[str, Future[ToolRun]] = {}
        for name, job in (
            ("mypy", lambda: mypy_collector.collect(target, options.timeout, cache)),
            ("flake8", lambda: flake8_collector.collect(target, options.timeout, cache)),
        ):
            listener.started(name)
            futures[name] = pool.submit(job)
        index = index_sources(target.root, target.source_paths, cache)
        layers = file_layers(index, options.layers, target)
        coverage_future = pool.submit(_coverage_stage, target, options, layers, listener)
        listener.started("radon")
        radon_future = pool.submit(radon_collector.collect, index, cache, workers, jobs)
        listener.started("riskaudit")
        detectors_run = run_detectors(
            index, project_facts(index), ALL_DETECTORS, workers=jobs, cache=cache, executor=workers
        )
        listener.finished(detectors_run)
        radon_run, functions = radon_future.result()
        listener.finished(radon_run)
        test_run, coverage_run, coverage = coverage_future.result()
        runs = {"radon": radon_run, "coverage": coverage_run, "riskaudit": detectors_run}
        if test_run is not None:
            runs["pytest"] = test_run
        for name, future in futures.items():
            runs[name] = future.result()
            listener.finished(runs[name])
    cache.prune()
    tests = [f.path for f in target.files if f.is_test]
    measured = function_coverage(index, coverage, functions, layers)
    if coverage_run.status is ToolStatus.OK:
        extra = error_path_findings(index, coverage, measured, tests) + crap_findings(measured, tests)
        runs["coverage"] = replace(coverage_run, findings=coverage_run.findings + extra)
    mocked = any(f.code == NO_REAL_DATABASE_TEST for f in detectors_run.findings)
    untested = mocked_files(coverage, layers) if mocked else frozenset()
    ordered = reproducible_runs(tuple(runs[name] for name in TOOL_ORDER if name in runs))
    # findings the environment explains (missing packages, newer syntax) become environment issues
    folded = fold(
        ordered, index, target.declared_python, project_names(index.files),
        lambda names: package_states(target.python, names), target.python,
    )
    kept = select_rules(catalogue.rules, options.select, options.ignore)
    mapped = map_findings(folded.runs, catalogue, index, functions, coverage, layers, kept, measured, untested)
    # tools that pick their own files (mypy with `files` in its config) may still report excluded ones
    excluded = tuple((glob, ("RA",)) for glob in options.exclude)
    mapped = ignore_per_file(mapped, (*options.per_file_ignores, *excluded))
    mapped, suppressed = suppress(
        mapped, index, catalogue, folded.runs, kept,
        lambda run: map_findings(
            (run,), catalogue, index, functions, coverage, layers, kept, measured, untested
        ),
    )
    return ScanResult(
        meta=_meta(target, path, sum(len(f.lines) for f in index.files.values()), options),
        runs=ordered,
        findings=mapped.findings,
        rules=rules_used((*mapped.findings, *(s.finding for s in suppressed)), catalogue),
        complex_functions=tuple(
            sorted(
                (f for f in functions if f.rank in radon_collector.REPORTED_CC_RANKS),
                key=lambda f: (-f.complexity, f.path, f.start),
            )
        ),
        functions_measured=len(functions),
        coverage=coverage,
        function_coverage=measured,
        layer_coverage=layer_coverage(coverage, layers, tests),
        layers=options.layers,
        file_layers=dict(sorted(layers.files.items())),
        mocked_data_layer=bool(untested),
        unmapped=mapped.unmapped,
        deselected=mapped.deselected,
        suppressed=suppressed,
        environment=(*(issue for run in ordered for issue in run.environment), *folded.issues),
    )


def file_layers(index: SourceIndex, layers: Sequence[Layer], target: Target) -> LayerMap:
    """The critical layer of every analysed file, from what its imports say it does and the configured layers."""
    kinds = {path: content_kinds(name for _, name in source.imports) for path, source in index.files.items()}
    return assign_layers(layers, kinds, (f.path for f in target.files if f.is_test))


def _coverage_stage(
    target: Target, options: ScanOptions, layers: LayerMap, listener: Progress
) -> tuple[ToolRun | None, ToolRun, CoverageData | None]:
    """Run the test suite first when asked (``--run-tests``), then read the coverage data."""
    if not options.run_tests:
        listener.started("coverage")
        run, data = coverage_collector.collect(
            target, options.coverage_file, layers, options.total_coverage_threshold, options.timeout
        )
        listener.finished(run)
        return None, run, data
    listener.started("pytest")
    with tempfile.TemporaryDirectory(prefix="riskaudit-tests-") as temp:
        data_file = Path(temp) / ".coverage"
        test_run = pytest_run.run_suite(target, data_file, options.timeout)
        listener.finished(test_run)
        listener.started("coverage")
        if test_run.status is ToolStatus.FAILED:
            run = ToolRun("coverage", ToolStatus.SKIPPED, reason="not measured: the test suite did not run")
            listener.finished(run)
            return test_run, run, None
        run, data = coverage_collector.collect(
            target, data_file, layers, options.total_coverage_threshold, options.timeout
        )
        listener.finished(run)
    if data is not None:
        data = replace(data, source="--run-tests")
        run = replace(run, executable="--run-tests")
    return test_run, run, data


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


def ignore_per_file(mapped: Mapped, ignores: Sequence[tuple[str, Sequence[str]]]) -> Mapped:
    """Drop findings of the rules configured away for matching paths; they count as deselected."""
    if not ignores:
        return mapped

    def ignored(finding: Finding) -> bool:
        return finding.path is not None and any(
            fnmatch(finding.path, glob) and any(finding.rule_id.startswith(p) for p in prefixes)
            for glob, prefixes in ignores
        )

    kept = tuple(f for f in mapped.findings if not ignored(f))
    return replace(mapped, findings=kept, deselected=mapped.deselected + len(mapped.findings) - len(kept))


def mocked_files(coverage: CoverageData | None, layers: LayerMap) -> frozenset[str]:
    """Data-layer files whose coverage is no evidence because the only database tests are mocked."""
    if coverage is None:
        return frozenset()
    return frozenset(
        entry.path
        for entry in coverage.files
        if (layer := layers.of(entry.path)) is not None and layer.name in MOCKED_LAYERS
    )


def _meta(target: Target, path: Path, lines: int, options: ScanOptions) -> ScanMeta:
    """Provenance of the scan."""
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
    )
