"""The HTML report: one self-contained page for reviewers, built from the same view model as the Markdown.

The page carries its stylesheet and script inline and allows nothing else: a Content-Security-Policy
lists the hashes of those two blocks and forbids every other source, so the page opens from disk
and makes no request. Charts are inline SVG whose geometry ``riskaudit.report.charts`` computes.
Every piece of text from the target (paths, messages, symbols, code) goes through jinja2's
autoescaping; nothing from a tool is ever marked safe. Code is highlighted as runs of classed text
(``riskaudit.report.highlight``) that the template writes as spans, so highlighting needs no markup
from Python and no inline style: the stylesheet colours the classes, for a light and a dark scheme.

Each finding is shown in full (message, code, score, rule) once, in its row of the findings table,
whose id ``f-<rank>`` every other mention links to in one line.

What only the page has (section numbers, charts, excerpts as runs of lines, the severity filter)
is its ``HtmlPage``, built from the view.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from riskaudit.models import ExcerptLine
from riskaudit.report.charts import BarChart, category_chart, coverage_chart, severity_chart
from riskaudit.report.finding_view import FindingView
from riskaudit.report.highlight import CodeLine, code_lines
from riskaudit.report.templating import templates_dir
from riskaudit.report.tool_sections import ToolSection
from riskaudit.report.view import ReportView, build_view
from riskaudit.report.wording import counted
from riskaudit.results import ScanResult

LARGE_TABLE = 400
"""Above this many findings, rows off screen skip layout and paint (CSS content-visibility)."""
STATUS_CLASSES = {
    "INCOMPLETE": "incomplete",
    "NOT READY": "not-ready",
    "READY WITH RESERVATIONS": "reservations",
    "READY": "ready",
}
"""The CSS class of each verdict."""


@dataclass(frozen=True)
class ExcerptPart:
    """A run of consecutive excerpt lines that are all highlighted or all context."""

    highlight: bool
    """Whether these are the lines the finding points at."""
    lines: tuple[CodeLine, ...]
    """The lines, each numbered in its gutter and syntax-highlighted."""

    @property
    def text(self) -> str:
        """The lines as plain text, numbered, joined by newlines (no trailing newline)."""
        return "\n".join(line.gutter + "".join(span.text for span in line.spans) for line in self.lines)


@dataclass(frozen=True)
class Row:
    """A row of the findings table."""

    finding: FindingView
    """The finding."""
    excerpt: tuple[ExcerptPart, ...]
    """Its code excerpt, as runs of lines; empty without one."""


@dataclass(frozen=True)
class Item:
    """A finding listed in one line in a tool's section, linking to its row of the findings table."""

    id: str
    """Element id, like ``mypy-3``."""
    number: str
    """Its number in the page, like ``2.3``."""
    finding: FindingView
    """The finding."""


@dataclass(frozen=True)
class ToolPart:
    """A tool's numbered section of the page."""

    number: int
    """The section's number."""
    anchor: str
    """Its element id, like ``s-flake8``."""
    tool: ToolSection
    """What the tool reported."""
    items: tuple[Item, ...]
    """Its findings listed one per line, numbered."""


@dataclass(frozen=True)
class SectionNumbers:
    """The numbers of the sections after the tools' ones."""

    complexity: int
    """Complexity."""
    coverage: int
    """Test coverage analysis."""
    summary: int
    """Critical findings summary."""
    recommendations: int
    """Recommendations."""
    conclusion: int
    """Conclusion."""


@dataclass(frozen=True)
class HtmlPage:
    """What the page shows beyond the view: its own parts, all built from the view."""

    csp: str
    """The Content-Security-Policy: the inline stylesheet's and script's hashes, nothing else."""
    style: Markup
    """The inline stylesheet (riskaudit's own, checked by ``inline_asset``)."""
    script: Markup
    """The inline script (riskaudit's own, checked by ``inline_asset``)."""
    status_class: str
    """The CSS class of the verdict."""
    tools: tuple[ToolPart, ...]
    """The tools' sections, numbered from 1."""
    numbers: SectionNumbers
    """The numbers of the sections after them."""
    rows: tuple[Row, ...]
    """The findings table, ranked."""
    large: bool
    """Whether the findings table is long enough to skip layout off screen."""
    severity_options: tuple[tuple[str, int], ...]
    """The severities the filter offers: those with findings, with their counts."""
    charts: tuple[BarChart, ...]
    """The overview's charts that have something to show: none when there is no finding."""
    coverage_chart: BarChart | None
    """The coverage of the critical-layer files, or None when none was measured."""
    summary_findings: int
    """Findings in the critical-findings summary (critical, high and medium); with none it is one line."""
    low_findings: str
    """The low and info findings in words, like ``1 finding`` or ``3 findings``; empty when none."""
    examples: Mapping[str, tuple[CodeLine, ...]]
    """Each rule's code example, highlighted, by rule id (the rules with findings)."""


def csp_source(block: str) -> str:
    """The CSP hash source (``'sha256-...'``) that allows exactly this inline block."""
    digest = hashlib.sha256(block.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(style: str, script: str) -> str:
    """A policy that allows the page's own stylesheet and script and nothing else: no host, no plugin, no form."""
    return "; ".join(
        [
            "default-src 'none'",
            f"style-src {csp_source(style)}",
            f"script-src {csp_source(script)}",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def inline_asset(name: str) -> str:
    """A stylesheet or script from the templates folder, checked to be safe inside its element."""
    text = (templates_dir() / name).read_text(encoding="utf-8")
    if "</" in text or "<!--" in text:
        raise ValueError(f"{name} must not contain '</' or '<!--': it is inlined into the page")
    return text


def excerpt_parts(lines: Sequence[ExcerptLine]) -> tuple[ExcerptPart, ...]:
    """A code excerpt as runs of numbered, highlighted lines, ``>`` marking the flagged line as in the Markdown report.

    The lines are highlighted together (a string spanning several stays one); runs of flagged or context lines
    instead of one element per line keep a page of thousands of findings light.
    """
    width = max((len(str(line.number)) for line in lines), default=1)
    gutters = [f"{'>' if line.highlight else ' '}{line.number:>{width}} | " for line in lines]
    parts: list[ExcerptPart] = []
    for line, code in zip(lines, code_lines([line.text for line in lines], gutters), strict=True):
        if parts and parts[-1].highlight == line.highlight:
            parts[-1] = ExcerptPart(line.highlight, (*parts[-1].lines, code))
        else:
            parts.append(ExcerptPart(line.highlight, (code,)))
    return tuple(parts)


def items(tool: ToolSection, number: int) -> tuple[Item, ...]:
    """A tool's findings listed one per line, numbered ``<section>.<n>``."""
    return tuple(
        Item(id=f"{tool.name}-{index}", number=f"{number}.{index}", finding=finding)
        for index, finding in enumerate(tool.items, 1)
    )


def html_page(view: ReportView, style: str, script: str) -> HtmlPage:
    """The page's own parts, from the view and its stylesheet and script."""
    tools = tuple(
        ToolPart(number, f"s-{tool.name}", tool, items(tool, number))
        for number, tool in enumerate(view.tool_sections, 1)
    )
    after = len(tools)
    charts = (severity_chart(view.severity_counts), category_chart(view.category_counts))
    return HtmlPage(
        csp=content_security_policy(style, script),
        # Our own stylesheet and script, checked by inline_asset; never target text.
        style=Markup(style),
        script=Markup(script),
        status_class=STATUS_CLASSES.get(view.status, "other"),
        tools=tools,
        numbers=SectionNumbers(after + 1, after + 2, after + 3, after + 4, after + 5),
        rows=tuple(Row(finding, excerpt_parts(finding.excerpt)) for finding in view.findings),
        large=len(view.findings) > LARGE_TABLE,
        severity_options=tuple((name, count) for name, count in view.severity_counts if count),
        charts=tuple(chart for chart in charts if chart is not None),
        coverage_chart=coverage_chart(view.coverage.layer_files),
        summary_findings=sum(group.count for group in view.summary),
        low_findings=counted(view.low_count, "finding") if view.low_count else "",
        examples={rc.rule.id: code_lines(rc.rule.example_code.split("\n")) for rc in view.rule_counts},
    )


def environment() -> jinja2.Environment:
    """The jinja2 environment of the HTML template: autoescaping on, undefined names are errors."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html(view: ReportView) -> str:
    """The HTML page of a view."""
    page = html_page(view, inline_asset("report.css"), inline_asset("report.js"))
    text = environment().get_template("report.html.j2").render(view=view, page=page)
    return text.rstrip("\n") + "\n"


def render_html(result: ScanResult) -> str:
    """The HTML report: a single self-contained page."""
    return html(build_view(result))
