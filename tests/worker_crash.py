"""Work that kills the worker process running it, importable by module path from worker processes.

Pool workers unpickle functions and classes by reference, so these live in a module of their own
(``tests/`` is on ``sys.path``, as for ``support``) rather than in a test file. In the test process
itself they raise instead of exiting, so a test that wrongly ran them here fails instead of ending pytest.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence

import libcst as cst

from riskaudit.detectors.base import Detector

EXIT_STATUS = 3
"""The status the worker exits with, as a crashed native extension or the OOM killer would end it."""


def die_in_worker() -> None:
    """End this worker process at once, without cleanup; raise when this is not a worker process."""
    if multiprocessing.parent_process() is None:
        raise AssertionError("meant for a worker process, called in the test process")
    os._exit(EXIT_STATUS)


def exit_in_worker(batch: Sequence[str]) -> list[str]:
    """A batch function for ``in_batches`` whose worker dies before returning anything."""
    die_in_worker()
    return list(batch)


class ExitingDetector(Detector):
    """A detector whose visit kills the worker process (never part of ``ALL_DETECTORS``)."""

    RULE = "RA102"
    CODE = "test-worker-exit"
    MESSAGE = "the worker process ended"
    SCOPE = "all"

    def visit_Module(self, node: cst.Module) -> None:
        """Kill the worker."""
        die_in_worker()


def hang_in_worker(batch: Sequence[str]) -> list[str]:
    """A batch function for ``in_batches`` that never returns in a worker (a file that takes forever)."""
    if multiprocessing.parent_process() is None:
        raise AssertionError("meant for a worker process, called in the test process")
    time.sleep(600)
    return list(batch)
