"""The corpus run's record of one scan, and the printed summary of many.

``ScanRecord`` is what ``benchmarks/corpus.py`` keeps beside each scan's JSON results
(``results/<project>-<version>-<mode>.meta.json``): how long it took, how it ended, how the
project's venv and tests went. ``scan_lines`` and ``total_lines`` turn records, results and review
assessments into the printed summary; they are pure, so the summary can be printed again from the
kept files without scanning.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from riskaudit.models import ToolStatus
from riskaudit.results import ScanResult

from corpus_review import Assessment

TOP_RULES = 8
"""Rules listed per scan, most findings first."""
REASON_WIDTH = 160
"""Characters of a failed tool's reason kept on its line."""
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PYTEST_TOTALS = re.compile(r"\b\d+ (?:passed|failed|errors?|skipped|deselected|xfailed|xpassed)\b.* in \d[\d.]*s\b")


@dataclass(frozen=True)
class ScanRecord:
    """How one corpus scan went, beside its results."""

    project: str
    """Corpus name."""
    version: str
    """Pinned version."""
    mode: str
    """``bare`` (empty venv) or ``deps`` (the project's own venv)."""
    wall: float = 0.0
    """Seconds the riskaudit scan took (0 when it did not run)."""
    exit_code: int | None = None
    """riskaudit's exit code; None when it did not run."""
    error: str = ""
    """Why there are no results (the scan did not run, crashed or wrote nothing readable)."""
    python: str = ""
    """The interpreter given as ``--python``."""
    install: str = ""
    """How the project's venv was set up (deps mode), one line."""
    tests: str = ""
    """How its test run went (deps mode), one line; empty when none ran."""
    riskaudit: str = ""
    """The riskaudit commit that scanned (``-dirty`` with local changes)."""
    started: str = ""
    """When the scan started (ISO time)."""


def dump_record(record: ScanRecord) -> str:
    """A record as JSON text."""
    return json.dumps(asdict(record), indent=2) + "\n"


def load_record(text: str) -> ScanRecord:
    """A record from its JSON text (unknown keys ignored, missing ones defaulted)."""
    data: dict[str, Any] = json.loads(text)
    names = {f.name for f in fields(ScanRecord)}
    return ScanRecord(**{k: v for k, v in data.items() if k in names})


def _one_line(text: str, width: int = REASON_WIDTH) -> str:
    """Terminal colour codes dropped, whitespace collapsed, cut to width."""
    line = " ".join(_ANSI.sub("", text).split())
    return line if len(line) <= width else line[: width - 3] + "..."


def closing_totals(output: str) -> str:
    """The closing totals of pytest (``3 failed, 120 passed in 4.2s``) in a test run's output, else its last line."""
    lines = [_ANSI.sub("", line).strip(" =") for line in output.splitlines() if line.strip()]
    totals = [line for line in lines if _PYTEST_TOTALS.search(line)]
    return (totals or lines or ["no output"])[-1]


def precision_text(assessment: Assessment) -> str:
    """``precision@20 0.15 (3 real, 2 minor, 1 wrong of 20; 14 unreviewed, 4 new since the last review)``."""
    if not assessment.considered:
        return "precision@20 n/a (no findings)"
    verdicts = ", ".join(f"{assessment.verdicts.get(v, 0)} {v}" for v in ("real", "minor", "wrong"))
    value = assessment.precision or 0.0
    return (f"precision@20 {value:.2f} ({verdicts} of {assessment.considered}; {assessment.unreviewed} unreviewed, "
            f"{len(assessment.new)} new since the last review)")


def scan_lines(
    record: ScanRecord, result: ScanResult | None, report_lines: int | None, assessment: Assessment | None
) -> list[str]:
    """The summary of one scan: state, size, findings by rule, report length, wall time, precision."""
    head = f"  {record.mode:<4}"
    lines: list[str] = []
    if result is None:
        lines.append(f"{head} NOT SCANNED: {_one_line(record.error)}")
        if record.install:
            lines.append(f"       deps: {_one_line(record.install)}")
        return lines
    failed = [run for run in result.runs if run.status is ToolStatus.FAILED]
    state = "complete" if not failed else "INCOMPLETE"
    counts = Counter(f.rule_id for f in result.findings)
    skipped = result.meta.not_analysed
    lines.append(
        f"{head} {state:<10} {result.meta.files:>5} files, {len(skipped)} not analysed, "
        f"{len(result.findings):>5} findings, report {report_lines if report_lines is not None else '-'} lines, "
        f"wall {record.wall:.1f} s, exit {record.exit_code}"
    )
    for run in failed:
        lines.append(f"       failed: {run.name}: {_one_line(run.reason)}")
    if skipped:
        shown = ", ".join(skipped[:3]) + (f" (+{len(skipped) - 3} more)" if len(skipped) > 3 else "")
        lines.append(f"       not analysed: {_one_line(shown)}")
    if counts:
        top = ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_RULES])
        more = f" (+{len(counts) - TOP_RULES} more rules)" if len(counts) > TOP_RULES else ""
        lines.append(f"       rules: {top}{more}")
    if record.install:
        lines.append(f"       deps: {_one_line(record.install)}")
    if record.tests:
        lines.append(f"       tests: {_one_line(record.tests)}")
    if assessment is not None:
        lines.append(f"       {precision_text(assessment)}")
    return lines


def total_lines(assessments: Sequence[tuple[str, str, Assessment]]) -> list[str]:
    """Precision@20 per project and mode, then in total per mode, from ``(project, mode, assessment)`` rows."""
    lines = ["precision@20 (real / top 20 findings; unreviewed and new findings count as not real):"]
    for project, mode, item in assessments:
        value = "n/a" if item.precision is None else f"{item.precision:.2f}"
        lines.append(f"  {project:<28} {mode:<4} {value:>5}  {item.real:>2}/{item.considered:<2} "
                     f"unreviewed {item.unreviewed:>2}, new {len(item.new):>2}")
    for mode in sorted({m for _, m, _ in assessments}):
        rows = [a for _, m, a in assessments if m == mode]
        real, considered = sum(a.real for a in rows), sum(a.considered for a in rows)
        unreviewed, new = sum(a.unreviewed for a in rows), sum(len(a.new) for a in rows)
        value = f"{real / considered:.2f}" if considered else "n/a"
        lines.append(f"  total {mode:<4}: {value} ({real} real of {considered} top findings in {len(rows)} projects; "
                     f"{unreviewed} unreviewed, {new} new since the last review)")
    return lines
