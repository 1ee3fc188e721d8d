"""Collect: every registered collector, concurrently, on one target; the sources read and parsed once.

The linter (flake8 or ruff) and mypy run as subprocesses from threads; radon and the detectors spread
their per-file work over one pool of worker processes; the test suite and coverage run in a thread of
their own. The source index is built here while the subprocess tools run, and handed to the collectors that read it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from riskaudit.caching.store import Cache
from riskaudit.collectors.interface import CollectContext, Collected, Listener, Sources
from riskaudit.collectors.linter_choice import LinterChoice, choose_linter
from riskaudit.collectors.registry import REGISTRY, Entry
from riskaudit.discovery import Target
from riskaudit.layers import Layer, LayerMap, assign_layers, content_kinds
from riskaudit.options import ScanOptions
from riskaudit.roles import SOURCE, role_of
from riskaudit.sources import SourceIndex
from riskaudit.caching.source_values import index_sources
from riskaudit.running.workers import shared_pool, worker_count


@dataclass(frozen=True)
class Collection:
    """What the collect stage produced: every collector's result, in registry order, and the sources."""

    results: tuple[Collected, ...]
    """One result per registered collector, in registry (report) order."""
    index: SourceIndex
    """Every analysed file."""
    layers: LayerMap
    """The critical layer of each file."""
    linter: LinterChoice
    """The linter that ran (flake8 or ruff) and why."""


class UndeclaredRunError(RuntimeError):
    """A collector returned a run its registry entry does not declare (it would be missing from reports)."""


def file_layers(index: SourceIndex, layers: Sequence[Layer], target: Target) -> LayerMap:
    """The critical layer of every analysed file, from what its imports say it does and the configured layers.

    What its imports say counts for production code only: a test, an example or a docs snippet that uses
    SQLAlchemy is not the persistence layer (configured names and globs can still put it in one).
    """
    kinds = {path: content_kinds(name for _, name in source.imports) for path, source in index.files.items()}
    return assign_layers(layers, kinds, (f.path for f in target.files if role_of(f.path) != SOURCE))


def checked(entry: Entry, collected: Collected, context: CollectContext) -> Collected:
    """The result, after checking that every run it holds is one its registry entry declares for this scan."""
    for run in collected.runs:
        if run.name not in entry.runs_in(context):
            raise UndeclaredRunError(f"{entry.module} returned a run {run.name!r} its registry entry does not declare")
    return collected


def collect(target: Target, options: ScanOptions, cache: Cache, listener: Listener) -> Collection:
    """Run every registered collector on the target; returns their results once all have ended."""
    ready: Future[tuple[SourceIndex, LayerMap]] = Future()
    deadline = time.monotonic() + options.timeout
    with ThreadPoolExecutor(max_workers=len(REGISTRY), thread_name_prefix="riskaudit") as pool, shared_pool(
        worker_count(), deadline
    ) as (workers, jobs):
        linter = choose_linter(target.root, options.linter, target.untrusted)
        context = CollectContext(target, options, cache, Sources(ready), workers, jobs, linter, deadline)
        futures: dict[Future[Collected], Entry] = {}
        for entry in REGISTRY:
            for tool in entry.runs_in(context):
                listener.started(tool)
            futures[pool.submit(entry.collector().collect, context)] = entry
        try:
            index = index_sources(target.root, target.source_paths, cache)
            layers = file_layers(index, options.layers, target)
        except BaseException as exc:
            ready.set_exception(exc)
            raise
        ready.set_result((index, layers))
        results: dict[str, Collected] = {}
        for future in as_completed(futures):
            entry = futures[future]
            results[entry.module] = checked(entry, future.result(), context)
            for run in results[entry.module].runs:
                listener.finished(run)
    return Collection(tuple(results[entry.module] for entry in REGISTRY), index, layers, linter)
