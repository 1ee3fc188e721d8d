"""A standard error that may be closed under riskaudit: ``riskaudit scan . 2>&1 | head -1`` still writes the report.

When the reader of stderr goes away, writing to it raises ``BrokenPipeError``. Progress and the summary
are not worth losing the report, the baseline or the exit code for: the first broken write points file
descriptor 2 at the null device (so that nothing fails again, not even Python's flush at exit) and every
later write is dropped.
"""

from __future__ import annotations

import os
import sys
from typing import IO, cast


class TolerantStderr:
    """A file-like view of ``sys.stderr`` whose writes never raise because the reader went away."""

    def __init__(self) -> None:
        self.closed_by_reader = False
        """Whether the reader of stderr has gone away (writes are dropped since)."""

    @property
    def _stream(self) -> IO[str]:
        """``sys.stderr``, or the file under it while rich's live display redirects it to the console.

        The console writes here: writing to the redirect would hand the text back to the console, forever.
        """
        stream = sys.stderr
        return cast(IO[str], getattr(stream, "rich_proxied_file", stream))

    def write(self, text: str) -> int:
        """Write to stderr, unless its reader has gone away."""
        if self.closed_by_reader:
            return len(text)
        try:
            return self._stream.write(text)
        except (BrokenPipeError, ValueError):  # ValueError: the stream object itself was closed
            self._gone()
            return len(text)

    def flush(self) -> None:
        """Flush stderr, unless its reader has gone away."""
        if self.closed_by_reader:
            return
        try:
            self._stream.flush()
        except (BrokenPipeError, ValueError):
            self._gone()

    def isatty(self) -> bool:
        """Whether stderr is a terminal."""
        try:
            return not self.closed_by_reader and self._stream.isatty()
        except ValueError:
            return False

    def fileno(self) -> int:
        """The file descriptor of stderr."""
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        """The encoding of stderr."""
        return getattr(self._stream, "encoding", None) or "utf-8"

    def _gone(self) -> None:
        """The reader went away: drop later writes, and point descriptor 2 at the null device."""
        self.closed_by_reader = True
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 2)
            os.close(null)
        except OSError:
            pass
