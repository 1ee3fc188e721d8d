"""Per-file work spread over worker processes: how many, and in what batches."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TypeVar

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


def worker_count() -> int:
    """How many worker processes riskaudit's own analysis uses: one per core, at most 4."""
    return min(4, os.cpu_count() or 1)


PRELOADED = ("riskaudit.detectors", "riskaudit.detectors.runner", "riskaudit.collectors.radon")
"""Modules a worker needs, imported once in the server process the workers are forked from."""


def worker_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` worker processes that start clean: from a fork server, else spawned.

    Not plain forks of this process: riskaudit starts the tools from other threads at the same time,
    and a fork at the moment a tool's subprocess is being started copies that subprocess's exec-status
    pipe into the worker, so the start waits for the worker to end, which waits for work: a deadlock.
    """
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(list(PRELOADED))
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def in_batches(
    executor: Executor,
    function: Callable[[Sequence[_Item]], list[_Result]],
    work: Sequence[_Item],
    jobs: int,
) -> list[_Result]:
    """``function`` over ``work`` cut into batches, several per worker for load balance; results in order.

    ``function`` takes a batch and returns one result per item; it must be picklable (a module-level
    function, or a ``functools.partial`` of one).
    """
    size = max(1, len(work) // (jobs * 4))
    futures = [executor.submit(function, work[start : start + size]) for start in range(0, len(work), size)]
    return [result for future in futures for result in future.result()]
