"""Path patterns of the config (``exclude``, ``per-file-ignores``, layer ``paths``): globs, .gitignore's folder rules.

A pattern is matched against a target-relative POSIX path. It matches when:

- it matches as an ``fnmatch`` glob, in which ``*`` also crosses folders (``legacy/*``, ``*_pb2.py``);
- it names a folder, with or without a trailing ``/`` (``generated``, ``generated/``, ``app/generated``):
  then everything below that folder matches, as in ``.gitignore``;
- it has no ``/`` but perhaps a trailing one (``build``, ``*.py``, ``conftest.py``): then, as in ``.gitignore``,
  it matches a file or folder of that name at any depth (``generated`` matches ``pkg/generated/x.py``;
  ``generated/`` only folders).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatch


def matches(path: str, pattern: str) -> bool:
    """Whether the target-relative POSIX path matches the config pattern (see the module's rules)."""
    if fnmatch(path, pattern):
        return True
    stem = pattern.rstrip("/")
    if not stem:
        return False
    if "/" in stem:  # anchored at the root: that folder and everything below it
        return fnmatch(path, f"{stem}/*")
    *folders, name = path.split("/")
    return any(fnmatch(folder, stem) for folder in folders) or (stem == pattern and fnmatch(name, stem))


def any_match(path: str, patterns: Iterable[str]) -> bool:
    """Whether any of the patterns matches the path."""
    return any(matches(path, pattern) for pattern in patterns)


def unmatched(patterns: Sequence[str], paths: Sequence[str]) -> tuple[str, ...]:
    """The patterns that match none of the paths, in the order given (a typo would otherwise change nothing)."""
    return tuple(pattern for pattern in dict.fromkeys(patterns) if not any(matches(path, pattern) for path in paths))
