"""flake8's report as riskaudit asks for it: the options that neutralise a project's output settings, and its parser.

A project's config may switch on ``statistics``, ``count``, ``show-source``, ``quiet``, ``tee`` or a
``format`` of its own; a plugin may print while it loads or runs. None of that may reach the
parser: flake8 writes its report into a private file (``--output-file``, so nothing else printed on
standard output can mix with it) in riskaudit's format (``--format``, which beats any config), and a
config file riskaudit ships is read last (``--append-config``, highest precedence among config
files, in flake8 3 to 7) to switch the other output options off. ``benchmark`` and
``output-file`` are never read from config files (flake8 3 to 7), and riskaudit does not pass
``--benchmark``.
"""

from __future__ import annotations

from pathlib import Path

from riskaudit.collectors.paths import relative_posix
from riskaudit.models import RawFinding

SEPARATOR = "\x1f"
"""ASCII unit separator between the fields: cannot occur in paths or messages flake8 prints."""
RECORD_END = "\x1e"
"""ASCII record separator after each finding: a message may span lines, a record cannot be mistaken."""
FORMAT = SEPARATOR.join(["%(path)s", "%(row)d", "%(col)d", "%(code)s", "%(text)s"]) + RECORD_END
"""riskaudit's ``--format``: flake8 adds a newline after each record."""

NEUTRAL_CONFIG = Path(__file__).with_name("flake8_output.cfg")
"""The config file appended after the project's: output options off, both spellings where flake8 takes two."""


class Flake8OutputError(ValueError):
    """flake8 wrote text that is not a finding in riskaudit's format."""


def parse_output(output: str, root: Path) -> tuple[RawFinding, ...]:
    """Parse flake8's report written with ``--format=FORMAT``; blank lines between findings are ignored.

    Raises:
        Flake8OutputError: naming and quoting the first line that is not part of a finding.
    """
    findings: list[RawFinding] = []
    number = 1
    *records, rest = output.split(RECORD_END + "\n")
    for record in records:
        lines = record.split("\n")
        blank = next(index for index, line in enumerate(lines) if line.strip() or index == len(lines) - 1)
        findings.append(_finding("\n".join(lines[blank:]), number + blank, root))
        number += len(lines)
    for offset, line in enumerate(rest.split("\n")):
        if line.strip():
            raise Flake8OutputError(f"line {number + offset} of flake8's output is not a finding: {line[:120]!r}")
    return tuple(findings)


def _finding(record: str, number: int, root: Path) -> RawFinding:
    """One record: path, row, column, code and a message that may hold newlines."""
    fields = record.split(SEPARATOR)
    if (
        len(fields) != 5
        or not fields[1].isdigit()
        or not fields[2].isdigit()
        or any("\n" in field for field in fields[:4])
    ):
        first = record.split("\n", 1)[0]
        raise Flake8OutputError(f"line {number} of flake8's output is not a finding: {first[:120]!r}")
    path, row, col, code, text = fields
    return RawFinding(
        tool="flake8",
        code=code,
        message=text,
        path=relative_posix(path, root),
        line=int(row) or None,
        column=int(col) or None,
    )
