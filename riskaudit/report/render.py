"""Rendering a scan result in one of the report formats.

Markdown and HTML go through the view model and their templates; JSON, SARIF and GitHub annotations
are serialisers of the result itself.
"""

from __future__ import annotations

from importlib import metadata

from riskaudit.catalogue import default_catalogue
from riskaudit.report.formats import FORMATS
from riskaudit.report.github import render_github
from riskaudit.report.html import render_html
from riskaudit.report.markdown import markdown
from riskaudit.report.sarif import NO_LINKS, Links, render_sarif
from riskaudit.report.view import build_view
from riskaudit.results import ScanResult
from riskaudit.serialise import dumps


def render_markdown(result: ScanResult) -> str:
    """The Markdown report."""
    return markdown(build_view(result))


def package_links(declared: list[str] | None = None) -> Links:
    """The web links of riskaudit's package metadata (``Project-URL: Homepage, ...``, ``Documentation``).

    ``declared`` stands for the metadata's ``Project-URL`` entries (read from the installed package when
    None). The Documentation URL is the rule reference (``docs/rules.md`` as published), whose headings
    give each rule's anchor. None declared: no links.
    """
    if declared is None:
        try:
            declared = metadata.metadata("riskaudit").get_all("Project-URL") or []
        except metadata.PackageNotFoundError:
            return NO_LINKS
    urls = {label.strip().lower(): url.strip() for label, _, url in (entry.partition(",") for entry in declared)}
    documentation = urls.get("documentation", "")
    return Links(information=urls.get("homepage", documentation), rules=documentation)


def render(result: ScanResult, fmt: str) -> str:
    """The result in one of ``FORMATS``."""
    if fmt == "json":
        return dumps(result)
    if fmt == "markdown":
        return render_markdown(result)
    if fmt == "html":
        return render_html(result)
    if fmt == "sarif":
        catalogue = {rule_id: rule.doc for rule_id, rule in default_catalogue().rules.items()}
        return render_sarif(result, catalogue, package_links())
    if fmt == "github":
        return render_github(result)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
