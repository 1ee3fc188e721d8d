"""The CI gate: exit codes from a scan result."""

from __future__ import annotations

from collections.abc import Iterable

from riskaudit.models import Finding, Severity
from riskaudit.results import ScanResult

EXIT_PASSED = 0
EXIT_FINDINGS = 1
EXIT_INCOMPLETE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
"""Exit code of a scan stopped by SIGTERM (128 + 15, as the shell reports it)."""
NEVER = "none"
"""The gate threshold that never fails on findings (an incomplete analysis still exits 2)."""
FAIL_ON_CHOICES = (*(s.value for s in Severity if s is not Severity.INFO), NEVER)
"""Gate thresholds: every severity a finding can block on (info findings never block), then ``none``."""
DEFAULT_FAIL_ON = Severity.CRITICAL.value
"""The gate threshold when neither the command line nor the config file sets one."""


def blocking(findings: Iterable[Finding], fail_on: str) -> tuple[Finding, ...]:
    """Findings at or above the threshold (none for ``none``)."""
    if fail_on == NEVER:
        return ()
    threshold = Severity(fail_on)
    return tuple(f for f in findings if f.severity.at_least(threshold))


def gated(result: ScanResult) -> tuple[Finding, ...]:
    """The findings the gate counts: all of them, or with ``--baseline`` only those not in the baseline."""
    return tuple(f for f in result.findings if f.new is not False)


def exit_code(result: ScanResult) -> int:
    """2 when the analysis is incomplete (a tool failed, files left unanalysed), 1 on blocking findings, else 0."""
    if result.is_incomplete:
        return EXIT_INCOMPLETE
    if blocking(gated(result), result.meta.fail_on):
        return EXIT_FINDINGS
    return EXIT_PASSED
