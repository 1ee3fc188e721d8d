"""The report's verdict: the status, the facts behind it, what the CI gate decided and the closing paragraph."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from riskaudit.environment import FIX_DEPENDENCIES
from riskaudit.gate import blocking, gated
from riskaudit.models import Severity, ToolStatus
from riskaudit.report.wording import counted
from riskaudit.results import ScanResult

REASON_RULES_LIMIT = 4
"""Most rules at high severity or above named among the verdict's reasons."""
UNTESTED_LAYER_REASON = 50
"""A critical layer this untested (percent of its statements) is one of the verdict's reasons."""


@dataclass(frozen=True)
class Verdict:
    """Whether the code is ready, and why."""

    status: str
    """``INCOMPLETE``, ``NOT READY``, ``READY WITH RESERVATIONS`` or ``READY``."""
    headline: str
    """One sentence stating the verdict."""
    reasons: tuple[str, ...]
    """The few facts behind it, but the runs that failed (the reports list those from the tools table's rows)."""


def accepted_text(result: ScanResult) -> str:
    """The sentence saying how many findings the baseline accepted (the gate skips them); empty when none."""
    accepted = len(result.findings) - len(gated(result))
    if not accepted:
        return ""
    remain = "remains and is" if accepted == 1 else "remain and are"
    return f" {counted(accepted, 'accepted finding')} from the baseline {remain} still listed among the findings."


def verdict(result: ScanResult) -> Verdict:
    """Status, headline and reasons of a scan, from the findings the gate counts (with a baseline: the new ones)."""
    counted_findings = gated(result)
    by_severity = Counter(f.severity for f in counted_findings)
    new = " new" if result.baseline is not None else ""
    accepted = accepted_text(result)
    # A failed run is not among the reasons: the reports name it with a reference to the tools table, the one
    # place its reason is given (``ReportView.failed_runs``).
    reasons: list[str] = []
    top_rules = Counter(f.rule_id for f in counted_findings if f.severity.at_least(Severity.HIGH))
    ordered = sorted(top_rules.items(), key=lambda kv: (result.rules[kv[0]].severity.rank, -kv[1]))
    for rule_id, count in ordered[:REASON_RULES_LIMIT]:
        rule = result.rules[rule_id]
        reasons.append(f"{count} x {rule.title} ({rule.severity.value}, {rule_id})")
    for layer in result.layer_coverage:
        if layer.untested_percent >= UNTESTED_LAYER_REASON:
            reasons.append(f"{layer.untested_percent}% of the {layer.name} layer is never executed by the tests")
    if result.mocked_data_layer:
        reasons.append("the data layer is tested only against a mocked database")
    coverage = result.run("coverage")
    if coverage is not None and coverage.status is ToolStatus.SKIPPED:
        reasons.append("test coverage was not measured: the tests' reach is unknown")
    reasons.extend(environment_reasons(result))
    if result.is_incomplete:
        causes = [f"{run.name} failed" for run in result.incomplete]
        causes += [f"{len(issue.files)} file(s) not analysed" for issue in result.environment_gaps]
        headline = f"The analysis is INCOMPLETE ({'; '.join(causes)}): this report cannot clear the code."
        return Verdict("INCOMPLETE", headline, tuple(reasons))
    if by_severity[Severity.CRITICAL]:
        count = by_severity[Severity.CRITICAL]
        headline = f"Not ready for production: {count}{new} critical finding(s) must be fixed first.{accepted}"
        return Verdict("NOT READY", headline, tuple(reasons))
    if by_severity[Severity.HIGH]:
        count = by_severity[Severity.HIGH]
        headline = (
            f"Ready with reservations: no{new} critical findings, but {count}{new} high-risk finding(s).{accepted}"
        )
        return Verdict("READY WITH RESERVATIONS", headline, tuple(reasons))
    return Verdict("READY", f"Ready: no{new} critical or high-risk findings.{accepted}", tuple(reasons))


def environment_reasons(result: ScanResult) -> list[str]:
    """The verdict's hints about the environment: files it kept from analysis, findings it explains."""
    reasons = [f"not analysed: {issue.detail}; {issue.fix}" for issue in result.environment_gaps]
    lacking = [issue for issue in result.environment if issue.fix == FIX_DEPENDENCIES or issue.kind == "missing-stubs"]
    if lacking:
        folded = sum(issue.findings for issue in lacking)
        reasons.append(
            f"the environment lacks {len(lacking)} package(s), stub(s) or plugin(s) the project uses"
            f" ({folded} tool finding(s) they explain are not reported, see Environment): "
            "install the project's dependencies in the interpreter you pass with --python"
        )
    return reasons


def conclusion(status: str, result: ScanResult, untested: str) -> str:
    """The closing paragraph; ``untested`` is the untested share of critical-layer code, empty when unknown.

    Like the verdict, it counts the findings the gate counts: with a baseline, only the new ones.
    """
    sentences = []
    if status == "INCOMPLETE":
        sentences.append("Part of the analysis did not run: the absence of findings from those tools means nothing.")
    if result.coverage is not None and untested:
        sentences.append(
            f"{untested} of the critical-layer code (data access, persistence, auth) is never executed by the tests:"
            " passing tests give a false sense of security there."
        )
    elif result.coverage is None:
        sentences.append("Without coverage data, passing tests say nothing about which code they exercise.")
    critical = sum(f.severity is Severity.CRITICAL for f in gated(result))
    high = sum(f.severity is Severity.HIGH for f in gated(result))
    if critical:
        sentences.append(f"Do not deploy until the {critical} must-fix item(s) are resolved.")
    elif high:
        sentences.append(f"Deploying is possible, but review the {high} high-risk item(s) first.")
    else:
        sentences.append("Nothing found blocks a deploy; keep the remaining items on the maintenance list.")
    return " ".join(sentences)


def gate_text(result: ScanResult) -> str:
    """What the CI gate decided, with its exit code."""
    failing = blocking(gated(result), result.meta.fail_on)
    new = " new" if result.baseline is not None else ""
    if result.is_incomplete:
        return "FAILED (exit 2): the analysis is incomplete"
    if failing:
        return f"FAILED (exit 1): {len(failing)}{new} finding(s) at or above --fail-on {result.meta.fail_on}"
    return f"PASSED (exit 0): nothing{new} at or above --fail-on {result.meta.fail_on}"
