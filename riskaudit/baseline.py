"""Baselines: record the current findings, then gate only on findings that are not recorded.

A baseline file is a small versioned JSON document::

    {"riskaudit_baseline": 1, "fingerprint_version": 2,
     "findings": [{"fingerprint": "...", "rule_id": "RA101", "path": "app/db.py",
                   "symbol": "Repo.save", "message": "..."}]}

Only ``fingerprint`` is matched (see ``riskaudit.fingerprint``: rule, path, enclosing symbol and
the flagged code, no line number); rule id, path, symbol and message are there for humans reading
the file or a review of it. Matching is a multiset: two identical findings in one function need
two entries, so a second copy of an accepted defect is new.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from riskaudit.errors import RiskauditError
from riskaudit.fingerprint import FINGERPRINT_VERSION, fingerprint_base, line_order
from riskaudit.input_files import read_input_text
from riskaudit.models import Finding
from riskaudit.results import BaselineSummary, ScanResult

BASELINE_VERSION = 1
"""The ``riskaudit_baseline`` version of the file format."""


class BaselineError(RiskauditError):
    """A baseline file is missing, unreadable or not a riskaudit baseline."""


@dataclass(frozen=True)
class BaselineEntry:
    """One recorded finding."""

    fingerprint: str
    """The line-independent fingerprint (what is matched)."""
    rule_id: str
    """Rule id, for humans."""
    path: str | None
    """Target-relative path, or None for a project-level finding; for humans."""
    symbol: str
    """Enclosing function or class; for humans."""
    message: str
    """The finding's message when recorded; for humans."""


def entries_of(findings: Sequence[Finding]) -> tuple[BaselineEntry, ...]:
    """The baseline entries of findings, in a stable order independent of ranking and line numbers."""
    entries = (
        BaselineEntry(fingerprint_base(f), f.rule_id, f.path, f.symbol, " ".join(f.message.split()))
        for f in findings
    )
    return tuple(sorted(entries, key=lambda e: (e.path or "", e.rule_id, e.symbol, e.fingerprint, e.message)))


def dumps_baseline(findings: Sequence[Finding]) -> str:
    """The baseline file's text for findings, ending in a newline."""
    document = {
        "riskaudit_baseline": BASELINE_VERSION,
        "fingerprint_version": FINGERPRINT_VERSION,
        "findings": [
            {"fingerprint": e.fingerprint, "rule_id": e.rule_id, "path": e.path, "symbol": e.symbol,
             "message": e.message}
            for e in entries_of(findings)
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load_baseline(path: Path) -> tuple[BaselineEntry, ...]:
    """The entries of a baseline file; raises BaselineError naming the file and what is wrong."""
    try:
        text = read_input_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise BaselineError(f"{path}: not a riskaudit baseline (not JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("riskaudit_baseline") != BASELINE_VERSION:
        raise BaselineError(
            f"{path}: not a riskaudit baseline of version {BASELINE_VERSION}; "
            "write one with `riskaudit scan --write-baseline FILE`"
        )
    if data.get("fingerprint_version") != FINGERPRINT_VERSION:
        raise BaselineError(
            f"{path}: baseline fingerprints are version {data.get('fingerprint_version')!r}, this riskaudit "
            f"uses {FINGERPRINT_VERSION}; record it again with --write-baseline"
        )
    rows = data.get("findings")
    if not isinstance(rows, list):
        raise BaselineError(f"{path}: malformed baseline: 'findings' must be a list")
    entries = []
    for number, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("fingerprint"), str) or not row["fingerprint"]:
            raise BaselineError(f"{path}: malformed baseline: findings[{number}] has no fingerprint")
        path_value = row.get("path")
        entries.append(
            BaselineEntry(
                row["fingerprint"],
                str(row.get("rule_id", "")),
                path_value if isinstance(path_value, str) else None,
                str(row.get("symbol", "")),
                str(row.get("message", "")),
            )
        )
    return tuple(entries)


def new_flags(findings: Sequence[Finding], entries: Sequence[BaselineEntry]) -> list[bool]:
    """For each finding, whether the baseline does not hold it (multiset match, in line order)."""
    available = Counter(entry.fingerprint for entry in entries)
    flags = [True] * len(findings)
    for index in line_order(findings):
        base = fingerprint_base(findings[index])
        if available[base] > 0:
            available[base] -= 1
            flags[index] = False
    return flags


def apply_baseline(
    result: ScanResult, entries: Sequence[BaselineEntry], path: str, written: bool = False
) -> ScanResult:
    """The result with every finding marked new or known against the baseline, and a summary."""
    flags = new_flags(result.findings, entries)
    findings = tuple(replace(f, new=flag) for f, flag in zip(result.findings, flags, strict=True))
    summary = BaselineSummary(
        path=path, entries=len(entries), known=flags.count(False), new=flags.count(True), written=written
    )
    return replace(result, findings=findings, baseline=summary)
