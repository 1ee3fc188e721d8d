"""Per-file work spread over worker processes: how many, and in what batches."""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.forkserver
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


class WorkerDied(RuntimeError):
    """A worker process ended abruptly (killed, crashed, ``os._exit``) and broke the pool: the work is lost.

    A broken pool stays broken: every later hand-over to it fails the same way, for every user of it.
    """


class WorkTimedOut(RuntimeError):
    """The work handed to the pool did not end before the scan's deadline (``--timeout``): it is abandoned."""


_USUAL_CAUSE = "usually the system ran out of memory and killed it, or a native extension crashed"


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

    The processes multiprocessing starts (fork server, resource tracker, spawned workers) run
    ``python -c``, which puts the working directory first on ``sys.path``: run from inside a target
    holding ``types.py``, they would import it instead of the standard library's and die. So they
    are all started here, with ``PYTHONSAFEPATH`` set; call this before other threads start
    subprocesses, which would inherit the variable meanwhile.
    """
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(list(PRELOADED))
    with _safe_path():
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)  # its locks start the resource tracker
        if method == "forkserver":
            multiprocessing.forkserver.ensure_running()  # the workers are forked from it later
        else:  # spawned workers all start at the first submission
            try:
                pool.submit(os.getpid).result()
            except BrokenExecutor:
                pass  # the work handed over next fails with WorkerDied
    return pool


@lru_cache(maxsize=1)
def semaphores_work() -> bool:
    """Whether this machine lets a process create the POSIX semaphores that worker pools need.

    They live in ``/dev/shm``: a container without it, or with it read-only, refuses them (OSError).
    """
    try:
        multiprocessing.get_context().Lock()
    except OSError:
        return False
    return True


@contextmanager
def shared_pool(jobs: int, deadline: float = math.inf) -> Iterator[tuple[ProcessPoolExecutor | None, int]]:
    """``(pool, jobs)`` for the scan's per-file work, or ``(None, 1)`` where worker processes cannot be had.

    A pool's queues need POSIX semaphores, which live in ``/dev/shm``: in a container without it (or with
    it read-only) creating them raises OSError. The work then runs in this process, slower but whole.
    Leaving the block after the ``deadline`` (``time.monotonic()``), when work may have been abandoned
    by ``in_batches`` still running in the workers, kills them instead of waiting for that work.
    """
    if not semaphores_work():
        yield None, 1
        return
    pool = worker_pool(jobs)
    try:
        yield pool, jobs
    finally:
        if time.monotonic() >= deadline:
            stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes, whatever they are doing, and hand them no more work."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # what 3.14's terminate_workers uses
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)


@contextmanager
def _safe_path() -> Iterator[None]:
    """``PYTHONSAFEPATH=1`` in this process's environment meanwhile: Pythons started leave the cwd off ``sys.path``."""
    previous = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = previous


def in_batches(
    executor: Executor,
    function: Callable[[Sequence[_Item]], list[_Result]],
    work: Sequence[_Item],
    jobs: int,
    *,
    what: str = "the work handed to the pool",
    deadline: float = math.inf,
) -> list[_Result]:
    """``function`` over ``work`` cut into batches, several per worker for load balance; results in order.

    ``function`` takes a batch and returns one result per item; it must be picklable (a module-level
    function, or a ``functools.partial`` of one). ``what`` names the work in the error.

    Raises:
        WorkerDied: a worker process died (the pool is broken: ``BrokenProcessPool`` or another
            ``BrokenExecutor``), during this work or before it was handed over.
        WorkTimedOut: the results were not all there by the ``deadline`` (``time.monotonic()``); the
            batches not started are cancelled, those running are left to ``shared_pool`` to stop.
    """
    size = max(1, len(work) // (jobs * 4))
    futures: list[Future[list[_Result]]] = []
    try:
        for start in range(0, len(work), size):
            futures.append(executor.submit(function, work[start : start + size]))
    except BrokenExecutor as exc:
        reason = f"a worker process died and broke the pool before {what} could be handed to it"
        raise WorkerDied(f"{reason} ({_USUAL_CAUSE})") from exc
    try:
        return [result for future in futures for result in future.result(timeout=_left(deadline))]
    except BrokenExecutor as exc:
        raise WorkerDied(f"a worker process died during {what} ({_USUAL_CAUSE})") from exc
    except TimeoutError:
        for future in futures:
            future.cancel()
        raise WorkTimedOut(f"{what} did not end within --timeout") from None


def one_at_a_time(
    function: Callable[[Sequence[_Item]], list[_Result]],
    work: Sequence[_Item],
    *,
    what: str = "the work",
    deadline: float = math.inf,
) -> list[_Result]:
    """``function`` over ``work`` in this process, an item at a time; results in order.

    Raises:
        WorkTimedOut: the ``deadline`` (``time.monotonic()``) passed before the last item was started.
    """
    results: list[_Result] = []
    for item in work:
        if time.monotonic() >= deadline:
            raise WorkTimedOut(f"{what} did not end within --timeout")
        results.extend(function([item]))
    return results


def _left(deadline: float) -> float | None:
    """Seconds until the deadline (0 once it has passed), or None for no deadline."""
    return None if math.isinf(deadline) else max(0.0, deadline - time.monotonic())
