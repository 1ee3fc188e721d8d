"""The worker pool riskaudit's own analysis runs in: clean workers, results in order."""

from __future__ import annotations

import os

from riskaudit.workers import in_batches, worker_pool


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
