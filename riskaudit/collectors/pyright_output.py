"""pyright's ``--outputjson`` report (basedpyright writes the same) as raw findings: a pure parser.

Each entry of ``generalDiagnostics`` has the file (absolute), a 0-based ``range.start``, the rule
(``reportUnusedCoroutine``; none for syntax errors and ``reveal_type`` notes) and a message whose later
lines add detail. A finding's code is its rule, else its severity (``error``, ``information``).
"""

from __future__ import annotations

import json
from pathlib import Path

from riskaudit.models import RawFinding

TOOL = "pyright"


class PyrightOutputError(ValueError):
    """The text is not a pyright JSON report of this target."""


def _relative(name: str, root: Path) -> str:
    """A report path relative to the target root; raises PyrightOutputError for a file outside it."""
    path = Path(name)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        raise PyrightOutputError(f"it names {name}, outside the scanned folder: a report of another project?") from None


def _finding(entry: object, root: Path) -> RawFinding:
    """One diagnostic as a raw finding."""
    if not isinstance(entry, dict) or not all(isinstance(entry.get(key), str) for key in ("file", "message")):
        raise PyrightOutputError("a diagnostic has no file or message")
    start = entry.get("range", {}).get("start", {}) if isinstance(entry.get("range"), dict) else {}
    line, character = start.get("line"), start.get("character")
    code = entry.get("rule") or entry.get("severity") or "error"
    message = " ".join(part.strip() for part in entry["message"].splitlines() if part.strip())
    return RawFinding(
        TOOL,
        str(code),
        message,
        _relative(entry["file"], root),
        line + 1 if isinstance(line, int) and line >= 0 else None,
        character + 1 if isinstance(character, int) and character >= 0 else None,
    )


def parse_report(text: str, root: Path) -> tuple[str, tuple[RawFinding, ...]]:
    """The pyright version and the findings of a report; raises PyrightOutputError naming what is wrong."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise PyrightOutputError(f"not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("generalDiagnostics"), list):
        raise PyrightOutputError("not a pyright --outputjson report (no generalDiagnostics list)")
    version = data.get("version")
    return (str(version) if version else ""), tuple(_finding(entry, root) for entry in data["generalDiagnostics"])
