"""The worker pool riskaudit's own analysis runs in: clean workers, results in order."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from worker_crash import ExitingDetector, exit_in_worker, hang_in_worker

from riskaudit.caching.store import Cache
from riskaudit.collectors import radon
from riskaudit.collectors.radon import collect as radon_collect
from riskaudit.detectors import runner
from riskaudit.detectors.registry import ALL_DETECTORS
from riskaudit.detectors.project import project_symbols
from riskaudit.detectors.runner import run_detectors
from riskaudit.models import ToolStatus
from riskaudit.sources import SourceIndex, build_index
from riskaudit.running.workers import WorkerDied, WorkTimedOut, in_batches, one_at_a_time, shared_pool, worker_pool

FILES = max(runner.PARALLEL_THRESHOLD, radon.PARALLEL_THRESHOLD)
"""Enough files for radon and the detectors to hand their work to worker processes."""


def test_workers_do_not_inherit_the_parents_open_files() -> None:
    """A forked worker would keep a tool's exec-status pipe open and hang that tool's start."""
    read_end, write_end = os.pipe()
    try:
        mine = os.fstat(write_end)
        with worker_pool(2) as pool:
            try:
                seen = pool.submit(os.fstat, write_end).result()
            except OSError:
                seen = None
        assert seen is None or (seen.st_dev, seen.st_ino) != (mine.st_dev, mine.st_ino)
    finally:
        os.close(read_end)
        os.close(write_end)


def test_in_batches_returns_every_result_in_the_order_of_the_work() -> None:
    work = [f"item-{n}" for n in range(50)]
    with worker_pool(2) as pool:
        assert in_batches(pool, list, work, 2) == work


def _project(root: Path, count: int = FILES) -> SourceIndex:
    """A project of ``count`` small parsable modules under root."""
    (root / "pkg").mkdir(parents=True)
    for n in range(count):
        text = f"def function_{n}(value):\n    return value + {n}\n"
        (root / f"pkg/module_{n}.py").write_text(text, encoding="utf-8")
    return build_index(root, [f"pkg/module_{n}.py" for n in range(count)])


def _broken(pool: Executor) -> Executor:
    """The pool, after a worker died in it."""
    with pytest.raises(WorkerDied):
        in_batches(pool, exit_in_worker, [f"item-{n}" for n in range(8)], 2)
    return pool


def test_in_batches_raises_worker_died_when_a_worker_process_exits() -> None:
    # one batch: with more, a worker can die before the later batches are handed over (the next test's case)
    with worker_pool(2) as pool, pytest.raises(WorkerDied) as raised:
        in_batches(pool, exit_in_worker, ["the only item"], 2, what="the test's work")
    message = str(raised.value)
    assert message.startswith("a worker process died during the test's work (")
    assert "out of memory" in message and "\n" not in message
    assert isinstance(raised.value.__cause__, BrokenProcessPool)


def test_in_batches_on_a_pool_broken_before_raises_worker_died_at_submit() -> None:
    with worker_pool(2) as pool:
        _broken(pool)
        with pytest.raises(WorkerDied, match="^a worker process died and broke the pool before the second work could"):
            in_batches(pool, list, ["a", "b", "c"], 2, what="the second work")


def test_detectors_fail_closed_when_a_worker_process_dies(tmp_path: Path) -> None:
    index = _project(tmp_path / "project")
    cache = Cache(tmp_path / "cache")
    run = run_detectors(index, project_symbols(index), [ExitingDetector], workers=2, cache=cache)
    assert run.status is ToolStatus.FAILED
    # "died during the analysis", or "died and broke the pool before the analysis could be handed to it"
    # when the first worker died before every batch was handed over
    assert run.reason.startswith("a worker process died ")
    assert f"the detectors' analysis of {FILES} files" in run.reason
    assert run.findings == ()
    assert not (tmp_path / "cache" / "detectors").exists()


def test_detectors_on_a_pool_another_user_broke_fail_closed(tmp_path: Path) -> None:
    index = _project(tmp_path / "project")
    cache = Cache(tmp_path / "cache")
    with worker_pool(2) as pool:
        run = run_detectors(
            index, project_symbols(index), ALL_DETECTORS, workers=2, cache=cache, executor=_broken(pool)
        )
    assert run.status is ToolStatus.FAILED
    assert run.reason.startswith("a worker process died and broke the pool before the detectors' analysis")
    assert run.findings == ()
    assert not (tmp_path / "cache" / "detectors").exists()
    # nothing of the failure was kept: the next run analyses every file afresh, and caches them
    again = run_detectors(index, project_symbols(index), ALL_DETECTORS, workers=1, cache=cache)
    assert again.status is ToolStatus.OK
    assert (tmp_path / "cache" / "detectors").is_dir()


def test_radon_on_a_broken_pool_fails_closed(tmp_path: Path) -> None:
    index = _project(tmp_path / "project")
    cache = Cache(tmp_path / "cache")
    with worker_pool(2) as pool:
        run, functions = radon_collect(index, cache, _broken(pool), 2)
    assert run.status is ToolStatus.FAILED
    assert run.reason.startswith(f"a worker process died and broke the pool before radon's analysis of {FILES} files")
    assert run.findings == () and functions == ()
    assert not (tmp_path / "cache" / "radon").exists()
    again, functions = radon_collect(index, cache)
    assert again.status is ToolStatus.OK and len(functions) == FILES
    assert (tmp_path / "cache" / "radon").is_dir()


def test_work_still_running_at_the_deadline_is_abandoned_and_its_workers_killed() -> None:
    with shared_pool(2, deadline=time.monotonic() + 1) as (pool, jobs):
        assert pool is not None and jobs == 2
        with pytest.raises(WorkTimedOut, match="^the hanging work did not end within --timeout$"):
            in_batches(pool, hang_in_worker, ["a", "b"], 2, what="the hanging work", deadline=time.monotonic() + 1)
        workers = list(pool._processes.values())  # started by the work
    # leaving the block after the deadline killed the workers instead of waiting ten minutes for them
    assert workers and not any(worker.is_alive() for worker in workers)


def test_in_process_work_stops_between_items_at_the_deadline() -> None:
    done: list[str] = []

    def record(batch: Sequence[str]) -> list[str]:
        done.extend(batch)
        return list(batch)

    assert one_at_a_time(record, ["a", "b"]) == ["a", "b"]
    with pytest.raises(WorkTimedOut, match="^the work did not end within --timeout$"):
        one_at_a_time(record, ["c"], deadline=time.monotonic() - 1)
    assert done == ["a", "b"]


@pytest.mark.parametrize("workers", [1, 2])
def test_detectors_and_radon_fail_closed_past_the_deadline(tmp_path: Path, workers: int) -> None:
    index = _project(tmp_path / "project")
    cache = Cache(tmp_path / "cache")
    past = time.monotonic() - 1
    with worker_pool(2) as pool:
        executor = pool if workers > 1 else None
        detectors = run_detectors(
            index, project_symbols(index), ALL_DETECTORS, workers=workers, cache=cache, executor=executor, deadline=past
        )
        complexity, functions = radon_collect(index, cache, executor, workers, deadline=past)
    assert detectors.status is ToolStatus.FAILED and complexity.status is ToolStatus.FAILED
    assert detectors.reason == f"the detectors' analysis of {FILES} files did not end within --timeout"
    assert complexity.reason == f"radon's analysis of {FILES} files did not end within --timeout"
    assert detectors.findings == () and complexity.findings == () and functions == ()
    assert not (tmp_path / "cache" / "detectors").exists() and not (tmp_path / "cache" / "radon").exists()


def test_spawned_workers_give_the_in_process_results(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Where there is no fork server (Windows, macOS builds without it) the workers are spawned."""
    monkeypatch.setattr("multiprocessing.get_all_start_methods", lambda: ["spawn"])
    (tmp_path / "pkg").mkdir()
    for n in range(FILES):
        text = f"import httpx\n\n\ndef function_{n}(response: httpx.Response) -> bytes:\n    return response._content\n"
        (tmp_path / f"pkg/module_{n}.py").write_text(text, encoding="utf-8")
    index = build_index(tmp_path, [f"pkg/module_{n}.py" for n in range(FILES)])
    with worker_pool(2) as pool:
        # a spawned worker is this process's own child; a fork server's would be the server's
        assert pool.submit(os.getppid).result() == os.getpid()
        spawned = run_detectors(index, project_symbols(index), ALL_DETECTORS, workers=2, executor=pool)
        radon_run, functions = radon_collect(index, executor=pool, jobs=2)
    alone = run_detectors(index, project_symbols(index), ALL_DETECTORS, workers=1)
    assert spawned.status is ToolStatus.OK and spawned.executable == f"{len(ALL_DETECTORS)} detectors"
    assert spawned.findings == alone.findings
    assert len([f for f in spawned.findings if f.code == "library-internals"]) == FILES
    assert radon_run.status is ToolStatus.OK and len(functions) == FILES
