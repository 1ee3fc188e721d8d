"""The HTML report's charts: horizontal bar charts as inline SVG, their geometry computed from the view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from riskaudit.report.coverage_view import LayerFile

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
LABEL_GAP = 8
"""Space between a label's end and the axis."""
VALUE_GAP = 6
"""Space between a bar's end and its value."""
MARKER_OVERHANG = 2
"""How far a threshold marker reaches above and below its bar."""
TEXT_BASELINE = 0.7
"""Where the text of a bar sits, as a share of the bar's height."""


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
    text_y: float
    """Baseline of the bar's label and value."""
    value_x: float
    """Where the value starts."""
    marker_at: float | None
    """Horizontal position of the marker in the drawing, or None."""
    marker_top: float
    """Top of the marker line."""
    marker_bottom: float
    """Bottom of the marker line."""


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
    label_x: float = 0.0
    """Where the labels end (they are right-aligned to it)."""


def short_label(text: str, limit: int = LABEL_LIMIT) -> str:
    """The label, or its last ``limit - 1`` characters behind an ellipsis when longer."""
    return text if len(text) <= limit else "\u2026" + text[-(limit - 1) :]


def _bar(row: ChartRow, short: str, index: int, per_unit: float, label_width: float) -> Bar:
    """One bar's geometry: the ``index``-th from the top, ``per_unit`` long per unit of value."""
    y = index * (BAR_HEIGHT + BAR_GAP) + BAR_GAP / 2
    width = round(max(row.value, 0.0) * per_unit, 1)
    marker_x = None if row.marker is None else round(row.marker * per_unit, 1)
    return Bar(
        label=row.label,
        short=short,
        text=row.text,
        css=row.css,
        y=y,
        width=width,
        marker_x=marker_x,
        text_y=y + BAR_HEIGHT * TEXT_BASELINE,
        value_x=label_width + width + VALUE_GAP,
        marker_at=None if marker_x is None else label_width + marker_x,
        marker_top=y - MARKER_OVERHANG,
        marker_bottom=y + BAR_HEIGHT + MARKER_OVERHANG,
    )


def bar_chart(chart_id: str, title: str, rows: Sequence[ChartRow], scale: float | None = None) -> BarChart:
    """Geometry of a horizontal bar chart; ``scale`` is the value of a full-length bar (default: the largest)."""
    shorts = [short_label(row.label) for row in rows]
    label_width = round(max((len(s) for s in shorts), default=4) * LABEL_CHAR_WIDTH + 12, 1)
    plot_width = max(CHART_WIDTH - label_width - VALUE_ROOM, 120.0)
    top = max((row.value for row in rows), default=0.0) if scale is None else scale
    per_unit = plot_width / top if top > 0 else 0.0
    bars = tuple(
        _bar(row, short, index, per_unit, label_width)
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
        label_x=label_width - LABEL_GAP,
    )


def severity_chart(counts: Sequence[tuple[str, int]]) -> BarChart | None:
    """Findings by severity, most severe first; None when there is no finding to chart."""
    if not any(count for _, count in counts):
        return None
    rows = [ChartRow(name, count, str(count), f"sev-{name}") for name, count in counts]
    return bar_chart("chart-severity", "Findings by severity", rows)


def category_chart(counts: Sequence[tuple[str, int]]) -> BarChart | None:
    """Findings by rule category, most frequent first; None when there is no finding to chart."""
    if not any(count for _, count in counts):
        return None
    rows = [ChartRow(name, count, str(count), "category") for name, count in counts]
    return bar_chart("chart-category", "Findings by category", rows)


def coverage_chart(files: Sequence[LayerFile]) -> BarChart | None:
    """Line coverage of each critical-layer file with its layer's threshold marked; None when none was measured."""
    if not files:
        return None
    rows = [
        ChartRow(entry.path, entry.percent, f"{entry.display}%", "cov-low" if entry.low else "cov-ok", entry.threshold)
        for entry in files
    ]
    return bar_chart("chart-coverage", "Line coverage of the critical-layer files", rows, scale=100.0)
