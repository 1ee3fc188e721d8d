"""SARIF 2.1.0 output for GitHub code scanning and other SARIF viewers: a pure serialiser.

One run with riskaudit as the driver, a ``reportingDescriptor`` for every rule of the catalogue (so that
code scanning knows a rule without results is still checked, and closes its fixed alerts), one result per
finding, and the tools that failed as ``toolExecutionNotifications`` of an invocation that was not
successful. A finding silenced by an inline comment is a result too, with a ``suppressions`` entry
(``inSource``, the comment's reason as ``justification``): a result that vanished would read as fixed.
The driver's ``informationUri`` and each rule's ``helpUri`` come from the package's project URLs
(``Homepage``, ``Documentation``) when it declares them.

Locations are relative POSIX URIs against ``%SRCROOT%`` (see ``ci.repo_path``). Project-level
findings (no file) point at the project root artifact (``.``, no region); file-level findings have
no region. Each result carries a ``partialFingerprints`` entry that does not use the line number, so
that code scanning keeps tracking an alert when lines above it move (``riskaudit.fingerprint``).
With a baseline, each result has a ``baselineState``: ``new`` or ``unchanged``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from riskaudit.fingerprint import fingerprints
from riskaudit.models import Confidence, Finding, RuleDoc, Severity, SuppressedFinding, ToolStatus
from riskaudit.report.ci import SARIF_LEVEL, repo_path
from riskaudit.results import ScanResult
from riskaudit.suppressions import suppressed_counts

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
"""The ``$schema`` URI GitHub's documentation uses for SARIF 2.1.0."""
SRCROOT = "%SRCROOT%"
"""The URI base id of every location."""
FINGERPRINT_KEY = "riskaudit/v2"
"""The ``partialFingerprints`` key; bump its version when the fingerprint's inputs change."""
PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}
"""The ``precision`` property (GitHub's vocabulary) of each confidence."""


@dataclass(frozen=True)
class Links:
    """Where riskaudit and its rules are documented on the web (empty: not declared, not emitted)."""

    information: str = ""
    """The driver's ``informationUri``: the project's home page."""
    rules: str = ""
    """The rule reference page; each rule's ``helpUri`` is it with the rule's anchor."""


NO_LINKS = Links()
"""No published URLs."""


def uri(path: str) -> str:
    """A relative POSIX path as a URI reference (spaces, colons and ``%`` percent-encoded)."""
    return quote(path, safe="/")


def _fence(text: str) -> str:
    """A backtick fence longer than any backtick run in the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def rule_descriptor(doc: RuleDoc, links: Links = NO_LINKS) -> dict[str, object]:
    """A SARIF ``reportingDescriptor`` for one rule."""
    fence = _fence(doc.example)
    descriptor: dict[str, object] = {
        "id": doc.id,
        "name": doc.slug,
        "shortDescription": {"text": doc.title},
        "fullDescription": {"text": doc.problem},
        "help": {
            "text": f"Risk: {doc.risk}\n\nRecommendation: {doc.recommendation}",
            "markdown": (
                f"**Risk**: {doc.risk}\n\n**Recommendation**: {doc.recommendation}\n\n"
                f"{fence}python\n{doc.example}\n{fence}"
            ),
        },
        "defaultConfiguration": {"level": SARIF_LEVEL[doc.severity]},
        "properties": {
            "tags": [doc.category],
            "precision": PRECISION[doc.confidence],
            "problem.severity": _problem_severity(doc.severity),
            "riskaudit/severity": doc.severity.value,
        },
    }
    if links.rules:
        descriptor["helpUri"] = f"{links.rules}#{doc.anchor}"
    return descriptor


def _problem_severity(severity: Severity) -> str:
    """The ``problem.severity`` property GitHub reads: error, warning or recommendation."""
    return {"error": "error", "warning": "warning"}.get(SARIF_LEVEL[severity], "recommendation")


def _location(finding: Finding, root: str) -> dict[str, object]:
    """The physical location of a finding; the project root artifact for project-level ones."""
    if finding.path is None:
        return {"physicalLocation": {"artifactLocation": {"uri": uri(repo_path(root, ".")), "uriBaseId": SRCROOT}}}
    physical: dict[str, object] = {
        "artifactLocation": {"uri": uri(repo_path(root, finding.path)), "uriBaseId": SRCROOT}
    }
    if finding.line:
        region: dict[str, int] = {"startLine": finding.line}
        if finding.column:
            region["startColumn"] = finding.column
        physical["region"] = region
    return {"physicalLocation": physical}


def sarif_result(
    finding: Finding, rule_index: Mapping[str, int], fingerprint: str, root: str, suppressed: str | None = None
) -> dict[str, object]:
    """A SARIF ``result`` for one finding; ``suppressed``: the reason of the inline comment that silences it."""
    properties: dict[str, object] = {
        "riskScore": finding.risk,
        "severity": finding.severity.value,
        "sources": list(finding.sources),
    }
    if finding.symbol:
        properties["symbol"] = finding.symbol
    if finding.path is None:
        properties["projectLevel"] = True
    entry: dict[str, object] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index[finding.rule_id],
        "level": SARIF_LEVEL[finding.severity],
        "message": {"text": finding.message or finding.rule_id},
        "locations": [_location(finding, root)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": properties,
    }
    if finding.new is not None:
        entry["baselineState"] = "new" if finding.new else "unchanged"
    if suppressed is not None:
        entry["suppressions"] = [{"kind": "inSource", "justification": suppressed}]
    return entry


def rule_ids(result: ScanResult, catalogue: Mapping[str, RuleDoc] | None = None) -> list[str]:
    """Every rule of the catalogue, with a doc in the result or with a finding (suppressed too), in id order."""
    found = {f.rule_id for f in result.findings} | {s.finding.rule_id for s in result.suppressed}
    return sorted(set(catalogue or ()) | set(result.rules) | found)


def _results(result: ScanResult, index: Mapping[str, int]) -> list[dict[str, object]]:
    """The findings, then the suppressed ones.

    Fingerprints are numbered over both, so that suppressing an alert keeps its fingerprint.
    """
    silenced: tuple[SuppressedFinding, ...] = result.suppressed
    every = [*result.findings, *(s.finding for s in silenced)]
    prints = fingerprints(every)
    reasons: list[str | None] = [*(None for _ in result.findings), *(s.reason for s in silenced)]
    root = result.meta.root
    return [
        sarif_result(finding, index, fingerprint, root, reason)
        for finding, fingerprint, reason in zip(every, prints, reasons, strict=True)
    ]


def _invocation(result: ScanResult) -> dict[str, object]:
    """Whether the analysis completed, with a notification for every tool that failed or was skipped."""
    notifications = [
        {
            "level": "error" if run.status is ToolStatus.FAILED else "note",
            "message": {"text": f"{run.name} {run.status.value}: {run.reason or 'no reason given'}"},
            "properties": {"tool": run.name, "status": run.status.value},
        }
        for run in result.runs
        if run.status is not ToolStatus.OK
    ]
    invocation: dict[str, object] = {
        "executionSuccessful": not result.is_incomplete,
        "endTimeUtc": result.meta.date,
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def sarif_log(
    result: ScanResult, catalogue: Mapping[str, RuleDoc] | None = None, links: Links = NO_LINKS
) -> dict[str, object]:
    """The scan as a SARIF 2.1.0 log object; ``catalogue`` (rule docs by id) declares every rule."""
    docs = {**(catalogue or {}), **result.rules}  # the scan's own docs win over the installed catalogue's
    ids = rule_ids(result, docs)
    index = {rule_id: position for position, rule_id in enumerate(ids)}
    driver: dict[str, object] = {
        "name": "riskaudit",
        "version": result.meta.riskaudit_version,
        "semanticVersion": result.meta.riskaudit_version,
    }
    if links.information:
        driver["informationUri"] = links.information
    driver["rules"] = [rule_descriptor(docs[rule_id], links) if rule_id in docs else {"id": rule_id} for rule_id in ids]
    run_properties: dict[str, object] = {
        "target": result.meta.target,
        "commit": result.meta.commit,
        "failOn": result.meta.fail_on,
        "suppressed": len(result.suppressed),
        "suppressedByRule": dict(suppressed_counts(result.suppressed)),
        "deselected": result.deselected,
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [_invocation(result)],
                "results": _results(result, index),
                "properties": run_properties,
            }
        ],
    }


def render_sarif(result: ScanResult, catalogue: Mapping[str, RuleDoc] | None = None, links: Links = NO_LINKS) -> str:
    """The scan as SARIF 2.1.0 JSON text ending in a newline."""
    return json.dumps(sarif_log(result, catalogue, links), indent=2, ensure_ascii=False) + "\n"
