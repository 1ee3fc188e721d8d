"""riskaudit's own libcst detectors behind the collector interface."""

from __future__ import annotations

import sys
from dataclasses import replace

from riskaudit.collectors.interface import CollectContext, Collected
from riskaudit.detectors.analysis.async_apis import CATALOGUED
from riskaudit.detectors.registry import ALL_DETECTORS
from riskaudit.detectors.project import project_symbols
from riskaudit.detectors.real_database_test import RealDatabaseTest
from riskaudit.detectors.runner import run_detectors
from riskaudit.installed_async import NOTHING_INSTALLED, InstalledAsync, installed_async
from riskaudit.sources import SourceIndex


class Detectors:
    """Every detector, in one traversal per file, spread over the shared worker pool."""

    def collect(self, context: CollectContext) -> Collected:
        """The detectors' run, and whether they found the data layer tested only against mocks."""
        index = context.sources.index
        symbols = project_symbols(index)
        symbols = replace(symbols, installed=_installed(context, index, symbols.modules))
        run = run_detectors(
            index, symbols, ALL_DETECTORS, workers=context.jobs, cache=context.cache,
            executor=context.workers, deadline=context.deadline,
        )
        mocked = any(finding.code == RealDatabaseTest.CODE for finding in run.findings)
        return Collected((run,), mocked_database=mocked)


def _installed(context: CollectContext, index: SourceIndex, own: frozenset[str]) -> InstalledAsync:
    """The async APIs of the installed third-party libraries the project imports (none under ``--untrusted``).

    Libraries the shipped catalogue covers (SQLAlchemy, httpx, ...) are left to it: reading SQLAlchemy's
    sources alone would add seconds to a cold scan.
    """
    if context.target.untrusted:
        return NOTHING_INSTALLED
    imported = {target.partition(".")[0] for source in index.files.values() for _, target in source.imports}
    third_party = {
        name for name in imported
        if name and name not in own and name not in sys.stdlib_module_names and name not in CATALOGUED
    }
    return installed_async(context.target.python, third_party, context.cache)


COLLECTOR = Detectors()
"""The detectors collector (see ``riskaudit.collectors.registry``)."""
