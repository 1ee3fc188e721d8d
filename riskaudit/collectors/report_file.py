"""Reading the private report file a linter wrote (flake8's and ruff's ``--output-file``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from riskaudit.models import RawFinding

Parser = Callable[[str, Path], "tuple[RawFinding, ...]"]
"""A pure parser of a tool's report text, raising ValueError (its own subclass) on what is not its format."""


def read_report(report: Path, parse: Parser, root: Path, tool: str) -> tuple[RawFinding, ...] | str:
    """The findings of a report file the tool wrote on success, or why there are none to trust.

    A report that cannot be read, or that is not in the tool's format, is a reason (the run then fails).
    """
    try:
        return parse(report.read_text(encoding="utf-8", errors="replace"), root)
    except OSError as exc:
        return f"{tool} exited 0 but its report cannot be read ({exc.strerror or exc})"
    except ValueError as exc:  # the parser's own error: the text is not a report of the tool's
        return str(exc)
