"""The registry of collectors: which tools riskaudit runs, in the order their runs are reported.

The order here is the order of the runs in every report, and the tool names here are the only ones a
rule file may map (``catalogue``) and a report may show: a tool cannot be run and then dropped, nor
named in a rule and never run. Entries name the module holding the collector, so that reading the
tool list imports no tool.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from riskaudit.collectors.interface import Collector


@dataclass(frozen=True)
class Entry:
    """One collector and the runs it produces."""

    tools: tuple[str, ...]
    """The names of its runs, in report order."""
    module: str
    """The module whose ``COLLECTOR`` it is."""

    def collector(self) -> Collector:
        """The collector object (imports its module)."""
        return cast("Collector", importlib.import_module(self.module).COLLECTOR)


REGISTRY: tuple[Entry, ...] = (
    Entry(("flake8",), "riskaudit.collectors.flake8"),
    Entry(("mypy",), "riskaudit.collectors.mypy"),
    Entry(("radon",), "riskaudit.collectors.radon"),
    Entry(("pytest", "coverage"), "riskaudit.collectors.tests"),
    Entry(("riskaudit",), "riskaudit.collectors.detectors"),
)
"""Every collector, in report order."""
DERIVED = ("analysis",)
"""Runs the scan derives from the collectors' results (untested error handling, CRAP scores)."""
TOOLS: tuple[str, ...] = (*(tool for entry in REGISTRY for tool in entry.tools), *DERIVED)
"""Every run a scan can have, in report order."""
