"""GitHub Actions workflow commands: one annotation line per finding, a pure serialiser.

``::error file=app/db.py,line=12,col=5,title=RA101 missing-await::message``; the level follows the
severity (critical and high: error, medium: warning, low and info: notice). Project-level findings
have no ``file``, file-level ones no ``line``. Tools that failed come first as
``::error title=riskaudit: mypy failed::reason``, skipped ones as notices.

GitHub reads ``%``, CR and LF in the message as escapes, and ``:`` and ``,`` in property values as
separators: all of them are percent-encoded.
"""

from __future__ import annotations

from collections.abc import Iterable

from riskaudit.models import Finding, ToolStatus
from riskaudit.report.ci import GITHUB_LEVEL, repo_path
from riskaudit.results import ScanResult


def escape_data(text: str) -> str:
    """The message part of a workflow command: ``%``, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value of a workflow command: as ``escape_data``, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, properties: Iterable[tuple[str, str]] = ()) -> str:
    """One workflow command line, ``::level key=value,...::message``, everything escaped."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(finding: Finding, slug: str, root: str) -> str:
    """The annotation of one finding."""
    properties: list[tuple[str, str]] = []
    if finding.path is not None:
        properties.append(("file", repo_path(root, finding.path)))
        if finding.line:
            properties.append(("line", str(finding.line)))
            if finding.column:
                properties.append(("col", str(finding.column)))
    properties.append(("title", f"{finding.rule_id} {slug}".strip()))
    return command(GITHUB_LEVEL[finding.severity], finding.message or finding.rule_id, properties)


def render_github(result: ScanResult) -> str:
    """The scan as GitHub Actions annotations, one line each, ending in a newline."""
    lines = [
        command(
            "error" if run.status is ToolStatus.FAILED else "notice",
            run.reason or "no reason given",
            [("title", f"riskaudit: {run.name} {run.status.value}")],
        )
        for run in result.runs
        if run.status is not ToolStatus.OK
    ]
    root = result.meta.root
    for finding in result.findings:
        doc = result.rules.get(finding.rule_id)
        lines.append(annotation(finding, doc.slug if doc else "", root))
    return "".join(line + "\n" for line in lines)
