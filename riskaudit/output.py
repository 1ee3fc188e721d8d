"""Writing riskaudit's own files (reports, baselines): whole or not at all, as any other file would be.

A regular file is replaced atomically, with the mode it had (a new file gets the umask's); a symlink
is written through (the file it names is replaced, the link stays); a device or FIFO (``/dev/stdout``,
``/dev/null``, a pipe) is written to as a stream, never replaced.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def _default_mode() -> int:
    """The mode a new file gets under the process's umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, text: str) -> None:
    """Write text so that readers see the old file or the whole new one, never half of it."""
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        mode = _default_mode()
    else:
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            with open(path, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
            return
        mode = stat.S_IMODE(info.st_mode)
    folder = path.parent if str(path.parent) else Path(".")
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            os.fchmod(out.fileno(), mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
