"""riskaudit's own libcst detectors behind the collector interface."""

from __future__ import annotations

from riskaudit.collectors.interface import CollectContext, Collected
from riskaudit.detectors.registry import ALL_DETECTORS
from riskaudit.detectors.project import project_symbols
from riskaudit.detectors.real_database_test import RealDatabaseTest
from riskaudit.detectors.runner import run_detectors


class Detectors:
    """Every detector, in one traversal per file, spread over the shared worker pool."""

    def collect(self, context: CollectContext) -> Collected:
        """The detectors' run, and whether they found the data layer tested only against mocks."""
        index = context.sources.index
        run = run_detectors(
            index, project_symbols(index), ALL_DETECTORS, workers=context.jobs, cache=context.cache,
            executor=context.workers, deadline=context.deadline,
        )
        mocked = any(finding.code == RealDatabaseTest.CODE for finding in run.findings)
        return Collected((run,), mocked_database=mocked)


COLLECTOR = Detectors()
"""The detectors collector (see ``riskaudit.collectors.registry``)."""
