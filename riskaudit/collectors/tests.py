"""The target's tests and their coverage: the suite run under coverage when asked, then the data read.

With ``--run-tests`` the suite runs first (``pytest_run``) into a private data file, and coverage
reads that; otherwise coverage reads the project's own data (``--coverage-file`` or the newest data
file in the target). A suite that cannot start leaves coverage not measured.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from riskaudit.collectors import coverage, pytest_run
from riskaudit.collectors.interface import CollectContext, Collected
from riskaudit.models import CoverageData, ToolRun, ToolStatus

NOT_RUN = "not measured: the test suite did not run"
"""Coverage's reason when the suite it was to measure could not start."""


class Tests:
    """The test suite (with ``--run-tests``) and the coverage measurement behind the collector interface."""

    def collect(self, context: CollectContext) -> Collected:
        """The test run (when asked) and coverage's run, with the measurement."""
        options, target = context.options, context.target
        threshold, timeout = options.total_coverage_threshold, options.timeout

        def measure(data_file: Path | None, project: Path | None = None) -> tuple[ToolRun, CoverageData | None]:
            """Read a coverage data file; the source index is waited for only now (the tests run before)."""
            files = context.sources.index.files
            lines = {path: len(source.lines) for path, source in files.items()}
            imports = {path: source.module_imports for path, source in files.items()}
            layers = context.sources.layers
            return coverage.collect(
                target, data_file, layers, threshold, timeout, lines, project_root=project, imports=imports
            )

        if not options.run_tests:
            run, data = measure(options.coverage_file, options.config.parent if options.config is not None else None)
            return Collected((run,), coverage=data)
        with tempfile.TemporaryDirectory(prefix="riskaudit-tests-") as temp:
            data_file = Path(temp) / ".coverage"
            test_run = pytest_run.run_suite(target, data_file, timeout)
            if test_run.status is ToolStatus.FAILED:
                return Collected((test_run, ToolRun("coverage", ToolStatus.SKIPPED, reason=NOT_RUN)))
            run, data = measure(data_file)
        if data is not None:
            data = replace(data, source="--run-tests")
            run = replace(run, executable="--run-tests")
        return Collected((test_run, run), coverage=data)


COLLECTOR = Tests()
"""The tests-and-coverage collector (see ``riskaudit.collectors.registry``)."""
