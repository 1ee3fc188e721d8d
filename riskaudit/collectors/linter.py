"""The linter: flake8 or ruff, whichever the scan chose (``riskaudit.collectors.linter_choice``)."""

from __future__ import annotations

from riskaudit.collectors import flake8, ruff
from riskaudit.collectors.interface import CollectContext, Collected


class Linter:
    """The project's linter behind the collector interface: one run, flake8's or ruff's."""

    def collect(self, context: CollectContext) -> Collected:
        """The chosen linter's run on the target's files."""
        if context.linter.name == "ruff":
            return ruff.COLLECTOR.collect(context)
        return flake8.COLLECTOR.collect(context)


COLLECTOR = Linter()
"""The linter collector (see ``riskaudit.collectors.registry``)."""
