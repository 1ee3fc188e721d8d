"""Walking the target's folders without recursion: ``os.walk`` recurses once per level (Python 3.11).

A tree more than about a thousand folders deep then raises ``RecursionError`` before any tool runs. This
walk keeps its own stack and otherwise behaves as ``os.walk(root, followlinks=False)``: top-down, a
folder before its subfolders, subfolders in the order the caller leaves in ``dirnames`` (prune it in
place to skip some), symlinked folders listed but not entered, unreadable folders skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator


def walk(root: str | os.PathLike[str]) -> Iterator[tuple[str, list[str], list[str]]]:
    """``(dirpath, dirnames, filenames)`` for root and every folder below it, as ``os.walk`` gives them."""
    pending = [os.fspath(root)]
    while pending:
        top = pending.pop()
        dirnames: list[str] = []
        filenames: list[str] = []
        try:
            with os.scandir(top) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    (dirnames if is_dir else filenames).append(entry.name)
        except OSError:
            continue
        yield top, dirnames, filenames
        for name in reversed(dirnames):
            path = os.path.join(top, name)
            if not os.path.islink(path):
                pending.append(path)
