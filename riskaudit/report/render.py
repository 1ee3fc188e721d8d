"""Rendering a scan result in one of the report formats.

Markdown and HTML go through the view model and their templates; JSON, SARIF and GitHub annotations
are serialisers of the result itself.
"""

from __future__ import annotations

from riskaudit.report.formats import FORMATS
from riskaudit.report.github import render_github
from riskaudit.report.html import render_html
from riskaudit.report.markdown import markdown
from riskaudit.report.sarif import render_sarif
from riskaudit.report.view import build_view
from riskaudit.results import ScanResult
from riskaudit.serialise import dumps


def render_markdown(result: ScanResult) -> str:
    """The Markdown report."""
    return markdown(build_view(result))


def render(result: ScanResult, fmt: str) -> str:
    """The result in one of ``FORMATS``."""
    if fmt == "json":
        return dumps(result)
    if fmt == "markdown":
        return render_markdown(result)
    if fmt == "html":
        return render_html(result)
    if fmt == "sarif":
        return render_sarif(result)
    if fmt == "github":
        return render_github(result)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
