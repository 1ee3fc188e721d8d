"""The HTML report: one self-contained page for reviewers, built from the same view model as the Markdown.

The page carries its stylesheet and script inline and allows nothing else: a Content-Security-Policy
lists the hashes of those two blocks and forbids every other source, so the page opens from disk
and makes no request. Charts are inline SVG whose geometry is computed here. Every piece of text
from the target (paths, messages, symbols, code) goes through jinja2's autoescaping; nothing from
a tool is ever marked safe.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from riskaudit.models import ExcerptLine, Finding
from riskaudit.report.templating import templates_dir
from riskaudit.report.view import ReportView, build_view, category_counts, layer_file_coverage, rule_counts, tool_counts
from riskaudit.results import ScanResult

CHART_WIDTH = 640
"""Width of a bar chart's drawing, in SVG units (the chart scales down on narrow screens)."""
BAR_HEIGHT = 20
"""Height of one bar."""
BAR_GAP = 8
"""Space between bars."""
LABEL_CHAR_WIDTH = 7.0
"""Approximate width of one label character at the chart's font size."""
LABEL_LIMIT = 44
"""Longest label drawn in full; longer ones keep their end (the file name) behind an ellipsis."""
VALUE_ROOM = 56
"""Room right of the longest bar for its value."""
LARGE_TABLE = 400
"""Above this many findings, rows off screen skip layout and paint (CSS content-visibility)."""


@dataclass(frozen=True)
class ChartRow:
    """One bar to draw: what it shows, how long it is, how it looks."""

    label: str
    """Full label (shown as tooltip; drawn shortened when long)."""
    value: float
    """The bar's value on the chart's scale."""
    text: str
    """The value as printed next to the bar."""
    css: str = ""
    """Extra CSS classes of the bar."""
    marker: float | None = None
    """A value to mark on the bar's track (a threshold), or None."""


@dataclass(frozen=True)
class Bar:
    """A bar with its geometry."""

    label: str
    """Full label."""
    short: str
    """The label as drawn."""
    text: str
    """The printed value."""
    css: str
    """CSS classes."""
    y: float
    """Top of the bar."""
    width: float
    """Length of the bar."""
    marker_x: float | None
    """Horizontal position of the marker, relative to the plot's left edge."""


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart, ready for the SVG template."""

    id: str
    """Element id prefix (unique in the page)."""
    title: str
    """What the chart shows."""
    description: str
    """The data in words, for screen readers."""
    bars: tuple[Bar, ...]
    """The bars, top to bottom."""
    label_width: float
    """Width of the label column."""
    plot_width: float
    """Width of the bar area (the full scale)."""
    width: float
    """Total width."""
    height: float
    """Total height."""
    bar_height: int = BAR_HEIGHT
    """Height of one bar."""


def short_label(text: str, limit: int = LABEL_LIMIT) -> str:
    """The label, or its last ``limit - 1`` characters behind an ellipsis when longer."""
    return text if len(text) <= limit else "\u2026" + text[-(limit - 1) :]


def bar_chart(chart_id: str, title: str, rows: Sequence[ChartRow], scale: float | None = None) -> BarChart:
    """Geometry of a horizontal bar chart; ``scale`` is the value of a full-length bar (default: the largest)."""
    shorts = [short_label(row.label) for row in rows]
    label_width = round(max((len(s) for s in shorts), default=4) * LABEL_CHAR_WIDTH + 12, 1)
    plot_width = max(CHART_WIDTH - label_width - VALUE_ROOM, 120.0)
    top = max((row.value for row in rows), default=0.0) if scale is None else scale
    per_unit = plot_width / top if top > 0 else 0.0
    bars = tuple(
        Bar(
            label=row.label,
            short=short,
            text=row.text,
            css=row.css,
            y=index * (BAR_HEIGHT + BAR_GAP) + BAR_GAP / 2,
            width=round(max(row.value, 0.0) * per_unit, 1),
            marker_x=None if row.marker is None else round(row.marker * per_unit, 1),
        )
        for index, (row, short) in enumerate(zip(rows, shorts, strict=True))
    )
    description = "; ".join(f"{row.label}: {row.text}" for row in rows)
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        bars=bars,
        label_width=label_width,
        plot_width=round(plot_width, 1),
        width=round(label_width + plot_width + VALUE_ROOM, 1),
        height=len(rows) * (BAR_HEIGHT + BAR_GAP),
    )


def severity_chart(view: ReportView) -> BarChart:
    """Findings by severity, most severe first."""
    rows = [ChartRow(name, count, str(count), f"sev-{name}") for name, count in view.severity_counts]
    return bar_chart("chart-severity", "Findings by severity", rows)


def category_chart(result: ScanResult) -> BarChart:
    """Findings by rule category, most frequent first."""
    rows = [ChartRow(name, count, str(count), "category") for name, count in category_counts(result)]
    return bar_chart("chart-category", "Findings by category", rows)


def coverage_chart(result: ScanResult) -> BarChart | None:
    """Line coverage of each critical-layer file with its layer's threshold marked; None when not measured."""
    files = layer_file_coverage(result)
    if not files:
        return None
    rows = [
        ChartRow(
            entry.file.path,
            entry.file.percent,
            f"{entry.file.display}%",
            "cov-low" if entry.flagged or entry.file.percent < entry.threshold else "cov-ok",
            entry.threshold,
        )
        for entry in files
    ]
    return bar_chart("chart-coverage", "Line coverage of the critical-layer files", rows, scale=100.0)


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


@dataclass(frozen=True)
class ExcerptPart:
    """A run of consecutive excerpt lines that are all highlighted or all context."""

    text: str
    """The lines, numbered, joined by newlines (no trailing newline)."""
    highlight: bool
    """Whether these are the lines the finding points at."""


def excerpt_parts(lines: Sequence[ExcerptLine]) -> tuple[ExcerptPart, ...]:
    """A code excerpt as runs of numbered lines, ``>`` marking the flagged line as in the Markdown report.

    Runs instead of one element per line keep a page of thousands of findings light.
    """
    width = max((len(str(line.number)) for line in lines), default=1)
    parts: list[ExcerptPart] = []
    for line in lines:
        text = f"{'>' if line.highlight else ' '}{line.number:>{width}} | {line.text}"
        if parts and parts[-1].highlight == line.highlight:
            parts[-1] = ExcerptPart(f"{parts[-1].text}\n{text}", line.highlight)
        else:
            parts.append(ExcerptPart(text, line.highlight))
    return tuple(parts)


def tools_of(finding: Finding) -> tuple[str, ...]:
    """The tools that reported a finding, by name."""
    return tuple(sorted({source.partition(":")[0] for source in finding.sources}))


def location_key(finding: Finding) -> str:
    """A sort key ordering locations by path, then numerically by line (project-level first); a tab ends the path."""
    if finding.path is None:
        return ""
    return f"{finding.path}\t{finding.line or 0:09d}"


def anchors(findings: Sequence[Finding]) -> Callable[[Finding], str]:
    """A function giving each ranked finding its anchor id, ``f-<rank>``; the views hold the same objects."""
    by_identity = {id(finding): f"f-{rank}" for rank, finding in enumerate(findings, 1)}

    def anchor(finding: Finding) -> str:
        """The anchor id of the finding, or empty when it is not one of the ranked findings."""
        return by_identity.get(id(finding), "")

    return anchor


def environment() -> jinja2.Environment:
    """The jinja2 environment of the HTML template: autoescaping on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["tools_of"] = tools_of
    env.globals["location_key"] = location_key
    env.globals["excerpt_parts"] = excerpt_parts
    return env


def render_html(result: ScanResult) -> str:
    """The HTML report: a single self-contained page."""
    view = build_view(result)
    style = inline_asset("report.css")
    script = inline_asset("report.js")
    page = (
        environment()
        .get_template("report.html.j2")
        .render(
            view=view,
            # Our own stylesheet and script, checked by inline_asset; never target text.
            style=Markup(style),
            script=Markup(script),
            csp=content_security_policy(style, script),
            anchor=anchors(result.findings),
            large_table=LARGE_TABLE,
            tools=tool_counts(result),
            rules=rule_counts(result),
            charts=[severity_chart(view), category_chart(result)],
            coverage_chart=coverage_chart(result),
        )
    )
    return page.rstrip("\n") + "\n"
