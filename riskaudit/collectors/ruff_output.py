"""ruff's report as riskaudit asks for it (``--output-format=json``) and its parser.

The report is one JSON array with an object per finding: ``code``, ``message``, ``filename``
(absolute) and ``location`` (1-based ``row`` and ``column``), among others riskaudit does not need.
A file ruff cannot parse gives findings of code ``invalid-syntax`` (ruff 0.9 and later; earlier
releases leave the code ``null`` and say ``SyntaxError: ...``): both become ``invalid-syntax``.
"""

from __future__ import annotations

import json
from pathlib import Path

from riskaudit.collectors.paths import relative_posix
from riskaudit.models import RawFinding

SYNTAX_CODE = "invalid-syntax"
"""The code of a ruff finding saying the file does not parse."""


class RuffOutputError(ValueError):
    """ruff printed something that is not its JSON report."""


def parse_output(output: str, root: Path) -> tuple[RawFinding, ...]:
    """Parse ruff's JSON report; paths become root-relative.

    Raises:
        RuffOutputError: naming what is wrong and where (not JSON, not an array, a finding lacking a field).
    """
    try:
        data = json.loads(output)
    except json.JSONDecodeError as exc:
        raise RuffOutputError(f"ruff's output is not JSON ({exc.msg} at line {exc.lineno}): {output[:120]!r}") from None
    if not isinstance(data, list):
        raise RuffOutputError(f"ruff's output is not a JSON array of findings: {output[:120]!r}")
    return tuple(_finding(item, number, root) for number, item in enumerate(data, 1))


def _finding(item: object, number: int, root: Path) -> RawFinding:
    """One finding object of the report (``number`` counts from 1, for the error message)."""
    if not isinstance(item, dict):
        raise RuffOutputError(f"finding {number} of ruff's output is not an object: {str(item)[:120]!r}")
    code, message, filename, location = (item.get(key) for key in ("code", "message", "filename", "location"))
    if code is None:
        code = SYNTAX_CODE
    row = location.get("row") if isinstance(location, dict) else None
    column = location.get("column") if isinstance(location, dict) else None
    if not (
        isinstance(code, str)
        and isinstance(message, str)
        and isinstance(filename, str)
        and isinstance(row, int)
        and isinstance(column, int)
    ):
        shown = json.dumps(item)[:160]
        raise RuffOutputError(f"finding {number} of ruff's output lacks a code, message, file or location: {shown}")
    return RawFinding(
        tool="ruff",
        code=code,
        message=message,
        path=_relative(filename, root),
        line=row or None,
        column=column or None,
    )


def _relative(filename: str, root: Path) -> str:
    """The absolute path ruff printed, relative to the root as given or resolved (ruff prints resolved paths)."""
    path = relative_posix(filename, root)
    return relative_posix(filename, root.resolve()) if Path(path).is_absolute() else path
