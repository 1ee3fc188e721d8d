"""Line-independent finding fingerprints, shared by SARIF's ``partialFingerprints`` and the baseline.

A fingerprint is built from the rule id, the file, the enclosing symbol and the flagged code (the
highlighted excerpt line with its whitespace collapsed), never the line number, so inserting lines
above a finding keeps its identity. Findings without an excerpt (low severities, file- and
project-level findings) use their message with every run of digits replaced by ``#``, so a
coverage percentage or a line number quoted in a message does not change it either.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from riskaudit.models import Finding

FINGERPRINT_VERSION = 2
"""Bump when the fingerprint's inputs change (old baselines then stop matching, deliberately)."""
_DIGITS = re.compile(r"\d+")


def normalise_code(text: str) -> str:
    """A source line with its whitespace collapsed, so re-indenting does not change a fingerprint."""
    return " ".join(text.split())


def normalise_message(text: str) -> str:
    """A message with whitespace collapsed and digit runs replaced by ``#``."""
    return _DIGITS.sub("#", normalise_code(text))


def flagged_code(finding: Finding) -> str:
    """What identifies the flagged code: the highlighted excerpt line, else the normalised message."""
    line = next((normalise_code(x.text) for x in finding.excerpt if x.highlight), None)
    return line if line is not None else normalise_message(finding.message)


def fingerprint_base(finding: Finding) -> str:
    """The line-number-free identity of a finding: rule, path, enclosing symbol and the flagged code."""
    data = "\x00".join((finding.rule_id, finding.path or "", finding.symbol, flagged_code(finding)))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


def line_order(findings: Sequence[Finding]) -> list[int]:
    """Indexes of the findings in path and line order (stable for equal positions)."""
    return sorted(range(len(findings)), key=lambda i: (findings[i].path or "", findings[i].line or 0, i))


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """A stable fingerprint per finding; identical ones get ``:2``, ``:3``... in line order."""
    seen: dict[str, int] = {}
    result = [""] * len(findings)
    for index in line_order(findings):
        base = fingerprint_base(findings[index])
        seen[base] = seen.get(base, 0) + 1
        result[index] = f"{base}:{seen[base]}"
    return result
