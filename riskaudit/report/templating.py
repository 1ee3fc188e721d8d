"""Where the report templates and the HTML's inline assets live."""

from __future__ import annotations

from pathlib import Path


def templates_dir() -> Path:
    """Where the packaged templates live (inside the wheel, or the repository root in a checkout)."""
    packaged = Path(__file__).resolve().parent.parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "templates"
