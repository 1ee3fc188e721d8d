"""``python -m riskaudit``: the same as the ``riskaudit`` command."""

from riskaudit.cli import run

run()
