"""Small pure helpers that put the report's numbers into words, the same way in every format."""

from __future__ import annotations

from collections.abc import Sequence


def counted(count: int, noun: str) -> str:
    """``1 finding``, ``3 findings``: the count with the noun, plural unless it is one."""
    return f"{count} {noun}{'s' if count != 1 else ''}"


def places(count: int) -> str:
    """``3 places`` for a risk found in several places; empty for one."""
    return f"{count} places" if count > 1 else ""


def percent(value: float) -> str:
    """A percentage rounded to a whole number, like ``83%``."""
    return f"{value:.0f}%"


def seconds(duration: float) -> str:
    """A duration to a tenth of a second, like ``1.5s``."""
    return f"{duration:.1f}s"


def format_ranges(lines: Sequence[int]) -> str:
    """``[1, 2, 3, 7]`` as ``1-3, 7``."""
    parts: list[str] = []
    start = previous = None
    for number in sorted(lines):
        if previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = number
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}-{previous}")
    return ", ".join(parts)
