"""The collector interface: one context in, one result out, for every tool riskaudit runs.

A collector wraps one tool (flake8, mypy, radon, the test suite with coverage, riskaudit's own
detectors). It reads what it needs from the ``CollectContext``, never prints or exits, and returns a
``Collected``: its runs (each with status, provenance and raw findings) and the measurements other
stages use (radon's function complexities, the coverage data). Adding a tool is one module with a
``COLLECTOR`` and one entry in ``riskaudit.collectors.registry``, plus the rules its codes map onto.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Protocol

from riskaudit.caching.store import Cache
from riskaudit.discovery import Target
from riskaudit.collectors.linter_choice import LinterChoice
from riskaudit.layers import LayerMap
from riskaudit.models import CoverageData, FunctionComplexity, ToolRun
from riskaudit.options import ScanOptions
from riskaudit.sources import SourceIndex


class Listener(Protocol):
    """Receives progress while a scan runs; the CLI shows it, tests can record it."""

    def scanning(self, target: Target) -> None:
        """Note the prepared target, before any tool starts."""

    def started(self, tool: str) -> None:
        """Note that a tool started."""

    def finished(self, run: ToolRun) -> None:
        """Note that a tool ended, whatever its status."""


@dataclass(frozen=True)
class Sources:
    """The parsed sources and their critical layers, ready once the source index is built.

    Collectors start before the index is (flake8 and mypy need only the file list): one that reads the
    sources waits here until they are ready.
    """

    ready: Future[tuple[SourceIndex, LayerMap]]
    """Set by the scan once every file is read and parsed."""

    @property
    def index(self) -> SourceIndex:
        """Every analysed file (waits until it is built)."""
        return self.ready.result()[0]

    @property
    def layers(self) -> LayerMap:
        """The critical layer of each file (waits until it is decided)."""
        return self.ready.result()[1]


@dataclass(frozen=True)
class CollectContext:
    """Everything a collector may use: the target, the options, the parsed sources and shared resources."""

    target: Target
    """The project being scanned: root, files, interpreter, untrusted mode."""
    options: ScanOptions
    """The scan's options (timeouts, coverage data, whether to run the tests, ...)."""
    cache: Cache
    """The result cache (``NO_CACHE`` when caching is off)."""
    sources: Sources
    """The parsed sources and their layers."""
    workers: Executor | None
    """The pool of worker processes shared by the collectors that spread per-file work, or None."""
    jobs: int
    """How many worker processes that pool has."""
    linter: LinterChoice
    """The linter the scan runs (flake8 or ruff) and why."""
    deadline: float = math.inf
    """``time.monotonic()`` by which riskaudit's own per-file analysis must end (the scan's start + ``--timeout``)."""


@dataclass(frozen=True)
class Collected:
    """What one collector produced."""

    runs: tuple[ToolRun, ...]
    """Its runs, in report order (the tests collector gives the test run, then coverage's)."""
    functions: tuple[FunctionComplexity, ...] = ()
    """Cyclomatic complexity of every function (radon)."""
    coverage: CoverageData | None = None
    """The coverage measurement (the tests collector), None when not measured."""
    mocked_database: bool = False
    """The detectors found that the data layer's only database tests are mocked."""


class Collector(Protocol):
    """One tool behind the common interface (the registry names the runs it produces)."""

    def collect(self, context: CollectContext) -> Collected:
        """Run the tool on the context's target and return its runs and measurements."""
