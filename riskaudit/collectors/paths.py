"""Normalising the paths tools print into target-relative POSIX paths."""

from __future__ import annotations

import os
from pathlib import Path, PurePath


def relative_posix(reported: str, root: Path) -> str:
    """A tool's path (relative to the root it ran in, or absolute) as a root-relative POSIX path.

    Paths outside the root stay absolute so that they are visible rather than dropped.
    """
    path = PurePath(reported)
    if path.is_absolute():
        try:
            path = Path(path).relative_to(root)
        except ValueError:
            return Path(path).as_posix()
    normal = os.path.normpath(path.as_posix())
    return PurePath(normal).as_posix()
