"""Control characters in text from the target or a tool, which would drive the reader's terminal."""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters (ESC, BEL, ...) other than tab and newline."""


def without_controls(text: str) -> str:
    """The text with its control characters (other than tab and newline) removed."""
    return CONTROL.sub("", text)
