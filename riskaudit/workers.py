"""Per-file work spread over worker processes: how many, and in what batches."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import TypeVar

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


def worker_count() -> int:
    """How many worker processes riskaudit's own analysis uses: one per core, at most 4."""
    return min(4, os.cpu_count() or 1)


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
