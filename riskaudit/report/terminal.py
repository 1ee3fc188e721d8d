"""The terminal summary's text, as pure functions: finding lines, source excerpts and the gate line.

A finding is one line in the concise form compilers and ruff print, ``path:line:col: RULE severity
message``, with the location first and never broken, so that terminals and editors can open it. The CLI
adds colour and prints; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from riskaudit.control_chars import without_controls
from riskaudit.gate import EXIT_FINDINGS, EXIT_INCOMPLETE, NEVER, blocking, exit_code, gated
from riskaudit.models import ExcerptLine, Finding
from riskaudit.results import ScanResult

MESSAGE_LIMIT = 100
"""Characters of a message shown on a finding's line; longer ones end in ``...`` (the report has them whole)."""
ELLIPSIS = "..."
"""The mark of a cut text (ASCII: any terminal encoding shows it)."""


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """The text's first line, cut to ``limit`` characters with an ellipsis when longer."""
    first, _, rest = text.partition("\n")
    if len(first) <= limit and not rest:
        return first
    return first[: max(limit - len(ELLIPSIS), 1)].rstrip() + ELLIPSIS


def shown_count(shown: int, total: int) -> str:
    """The heading of the summary's finding lines: ``Top 8 of 22 findings`` or ``3 findings``."""
    noun = "finding" if total == 1 else "findings"
    if shown < total:
        return f"Top {shown} of {total} {noun} (the report lists them all):"
    return f"{total} {noun}:"


def source_lines(finding: Finding, root: Path | None) -> tuple[ExcerptLine, ...]:
    """The code to show under a finding: its excerpt, else its line read from the scanned tree.

    Findings below medium severity carry no excerpt; their one line is read from ``root`` when the file is
    still there and inside it. Nothing when the finding has no line or the file cannot be read.
    """
    if finding.excerpt:
        return finding.excerpt
    if root is None or finding.path is None or not finding.line:
        return ()
    path = root / finding.path
    try:
        if not path.resolve().is_relative_to(root.resolve()):
            return ()
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if number == finding.line:
                    return (ExcerptLine(number, text.rstrip("\r\n"), True),)
    except OSError:
        return ()
    return ()


def excerpt_text(lines: tuple[ExcerptLine, ...]) -> list[str]:
    """Excerpt lines as ``  12 | code``, the finding's line marked with ``>``; trailing blank lines dropped."""
    kept = list(lines)
    while kept and not kept[-1].text.strip() and not kept[-1].highlight:
        kept.pop()
    width = max((len(str(line.number)) for line in kept), default=1)
    return [
        f"  {'>' if line.highlight else ' '} {line.number:>{width}} | {without_controls(line.text.expandtabs(4))}"
        for line in kept
    ]


@dataclass(frozen=True)
class GateLine:
    """The last line of the summary: what the gate decided and the exit code."""

    status: str
    """``PASSED``, ``FAILED`` or ``INCOMPLETE``."""
    text: str
    """The whole line, ``Gate: FAILED - ...; exit 1``."""


def gate_line(result: ScanResult) -> GateLine:
    """What the gate applied to this result decided, why, and the exit code it gives."""
    code = exit_code(result)
    fail_on = result.meta.fail_on
    counted = gated(result)
    scope = "new " if result.baseline is not None else ""
    accepted = len(result.findings) - len(counted)
    remain = f"; {accepted} baselined finding(s) remain" if accepted else ""
    if code == EXIT_INCOMPLETE:
        status, why = "INCOMPLETE", "the analysis is incomplete (see above), so it cannot pass"
    elif code == EXIT_FINDINGS:
        blocked = len(blocking(counted, fail_on))
        status, why = "FAILED", f"{blocked} {scope}finding(s) at or above {fail_on} (--fail-on {fail_on})"
    elif fail_on == NEVER:
        status, why = "PASSED", "--fail-on none: findings never fail it"
    else:
        status, why = "PASSED", f"no {scope}finding at or above {fail_on} (--fail-on {fail_on})"
    return GateLine(status, f"Gate: {status} - {why}{remain}; exit {code}")
