"""The tools' own suppression comments, for findings that riskaudit's detectors report too.

A developer who silenced mypy's ``unused-coroutine`` on a line (``# type: ignore[unused-coroutine]``) has
decided about that defect; riskaudit's detector, which finds the same defect (RA101), must not bring it
back. A line's ``# type: ignore[code, ...]`` (mypy) and ``# noqa: CODE, ...`` (flake8 and ruff) count for a finding
of a rule that the catalogue maps the commented code onto, when the commented tool is not among the
finding's sources (if it still reported the line, its comment did not cover this defect). A bare
``# type: ignore`` or ``# noqa`` names no defect and counts for nothing here.
"""

from __future__ import annotations

import re

from riskaudit.catalogue import Rule
from riskaudit.collectors.linter_choice import LINTERS
from riskaudit.models import Finding

_TYPE_IGNORE = re.compile(r"#\s*type:\s*ignore\[(?P<codes>[^\]]*)\]")
_NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.IGNORECASE)


def tool_comment_codes(line: str) -> tuple[tuple[str, str], ...]:
    """``(tool, code)`` of each code a line's own tool comments name, in the order written.

    A ``# noqa`` comment counts as flake8's; ruff reads the same comments (``LINTERS`` in ``own_suppression``).
    """
    found: list[tuple[str, str]] = []
    for match in _TYPE_IGNORE.finditer(line):
        found.extend(("mypy", code.strip()) for code in match["codes"].split(",") if code.strip())
    for match in _NOQA.finditer(line):
        found.extend(("flake8", code.upper()) for code in re.split(r"[\s,]+", match["codes"]) if code)
    return tuple(found)


def own_suppression(finding: Finding, line: str, rule: Rule) -> str:
    """The reason a finding counts as silenced by the line's own tool comment, or empty when it does not."""
    sources = {source.partition(":")[0] for source in finding.sources}
    for tool, code in tool_comment_codes(line):
        readers = LINTERS if tool in LINTERS else (tool,)
        if sources.intersection(readers):
            continue
        covers = any(
            mapping.message is None and not mapping.requires and mapping.matches(reader, code, "", frozenset())
            for mapping in rule.mappings
            for reader in readers
        )
        if covers:
            comment = f"# type: ignore[{code}]" if tool == "mypy" else f"# noqa: {code}"
            owner = "the linter" if tool in LINTERS else tool
            return f"silenced by the line's own `{comment}` ({owner}'s code for this defect)"
    return ""
