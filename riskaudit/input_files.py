"""Reading the files riskaudit is handed (baselines, saved results): regular files only, of bounded size.

A FIFO would block the read forever and ``/dev/zero`` would fill memory; a path that names either, a
folder or anything else that is not a regular file is refused before it is opened for reading.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_INPUT_BYTES = 256 * 1024 * 1024
"""The largest baseline or results file riskaudit reads."""


class InputFileError(OSError):
    """The file is not one riskaudit reads; ``strerror`` says why."""


def read_input_text(path: Path, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of a regular file of at most limit bytes; raises OSError or UnicodeDecodeError."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(0, "not a regular file")
        if info.st_size > limit:
            raise InputFileError(0, f"larger than the limit of {limit:,} bytes")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputFileError(0, f"larger than the limit of {limit:,} bytes")
    return data.decode("utf-8")
