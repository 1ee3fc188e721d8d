"""The registry of collectors: which tools riskaudit runs, in the order their runs are reported.

The order here is the order of the runs in every report (the linter's one run is flake8's or ruff's,
whichever the scan chose), and the tool names here are the only ones a
rule file may map (``catalogue``) and a report may show: a tool cannot be run and then dropped, nor
named in a rule and never run. Entries name the module holding the collector, so that reading the
tool list imports no tool.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from riskaudit.collectors.interface import CollectContext, Collector


@dataclass(frozen=True)
class Entry:
    """One collector and the runs it produces."""

    tools: tuple[str, ...]
    """The names of its runs, in report order."""
    module: str
    """The module whose ``COLLECTOR`` it is."""
    chosen: Callable[[CollectContext], tuple[str, ...]] | None = None
    """For a collector whose runs depend on the scan (the linter, the tests): the ones this scan has."""
    optional: bool = False
    """Whether a scan may have none of its runs (pyright's, without ``--pyright-report``)."""

    def collector(self) -> Collector:
        """The collector object (imports its module)."""
        return cast("Collector", importlib.import_module(self.module).COLLECTOR)

    def runs_in(self, context: CollectContext) -> tuple[str, ...]:
        """The names of the runs it produces in this scan: all its tools, or the chosen ones."""
        return self.tools if self.chosen is None else self.chosen(context)


def _linter(context: CollectContext) -> tuple[str, ...]:
    """The linter the scan runs (``riskaudit.collectors.linter_choice``)."""
    return (context.linter.name,)


def _tests(context: CollectContext) -> tuple[str, ...]:
    """The test run when the scan runs the tests, and coverage's run."""
    return ("pytest", "coverage") if context.options.run_tests else ("coverage",)


def _pyright(context: CollectContext) -> tuple[str, ...]:
    """The pyright run, when the scan reads a pyright report."""
    return ("pyright",) if context.options.pyright_report is not None else ()


REGISTRY: tuple[Entry, ...] = (
    Entry(("flake8", "ruff"), "riskaudit.collectors.linter", _linter),
    Entry(("mypy",), "riskaudit.collectors.mypy"),
    Entry(("pyright",), "riskaudit.collectors.pyright_report", _pyright, optional=True),
    Entry(("radon",), "riskaudit.collectors.radon"),
    Entry(("pytest", "coverage"), "riskaudit.collectors.tests", _tests),
    Entry(("riskaudit",), "riskaudit.collectors.detectors"),
)
"""Every collector, in report order."""
DERIVED = ("analysis",)
"""Runs the scan derives from the collectors' results (untested error handling, CRAP scores)."""
TOOLS: tuple[str, ...] = (*(tool for entry in REGISTRY for tool in entry.tools), *DERIVED)
"""Every run a scan can have, in report order."""
