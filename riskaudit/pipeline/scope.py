"""Scope: which findings a scan reports and gates on, after they are mapped and suppressed.

Exclusions and per-file ignores drop findings; ``--diff REF`` keeps those on lines changed since REF;
``--baseline FILE`` marks the findings the baseline does not hold as new (only those gate), and
``--write-baseline FILE`` records the findings of a complete run. The baseline file and the changed
lines are read before the tools run (``prepare_scope``), so a bad ref or file fails at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from riskaudit.path_patterns import matches
from riskaudit.baseline import BaselineEntry, apply_baseline, dumps_baseline, entries_of, load_baseline
from riskaudit.diff import Changes, apply_diff, changed_lines
from riskaudit.discovery import Target
from riskaudit.errors import RiskauditError
from riskaudit.mapping import Mapped
from riskaudit.models import Finding
from riskaudit.options import ScanOptions
from riskaudit.output import write_atomic
from riskaudit.results import ScanResult


class BaselineWriteError(RiskauditError):
    """The baseline file could not be written."""


@dataclass(frozen=True)
class Scope:
    """What the scope stage reads before the scan: the baseline's entries and the changed lines."""

    entries: tuple[BaselineEntry, ...] | None = None
    """The ``--baseline`` file's entries, or None without one."""
    changes: Changes | None = None
    """The lines changed since the ``--diff`` ref, or None without one."""


def prepare_scope(target: Target, options: ScanOptions) -> Scope:
    """Read the baseline and the changed lines; raises a one-line error for a bad file or ref."""
    entries = load_baseline(options.baseline) if options.baseline is not None else None
    changes = changed_lines(target.root, options.diff) if options.diff is not None else None
    return Scope(entries, changes)


def ignore_per_file(mapped: Mapped, ignores: Sequence[tuple[str, Sequence[str]]]) -> Mapped:
    """Drop findings of the rules configured away for matching paths; they count as deselected."""
    if not ignores:
        return mapped

    def ignored(finding: Finding) -> bool:
        return finding.path is not None and any(
            matches(finding.path, glob) and any(finding.rule_id.startswith(p) for p in prefixes)
            for glob, prefixes in ignores
        )

    kept = tuple(f for f in mapped.findings if not ignored(f))
    return replace(mapped, findings=kept, deselected=mapped.deselected + len(mapped.findings) - len(kept))


def apply_scope(result: ScanResult, scope: Scope, options: ScanOptions) -> ScanResult:
    """The result restricted to ``--diff``, compared with ``--baseline``, and ``--write-baseline`` written.

    An incomplete run never writes the baseline (the caller says so); raises BaselineWriteError when the
    file cannot be written.
    """
    baseline, write_baseline = options.baseline, options.write_baseline
    if scope.changes is not None:
        result = apply_diff(result, scope.changes)
    if write_baseline is None or result.is_incomplete:
        if scope.entries is not None and baseline is not None:
            result = apply_baseline(result, scope.entries, str(baseline))
        return result
    try:
        write_atomic(write_baseline, dumps_baseline(result.findings))
    except OSError as exc:
        raise BaselineWriteError(f"{write_baseline}: cannot write the baseline: {exc.strerror or exc}") from None
    if scope.entries is not None and baseline is not None:
        return apply_baseline(result, scope.entries, str(baseline), written=baseline == write_baseline)
    return apply_baseline(result, entries_of(result.findings), str(write_baseline), written=True)
