"""Critical layers: the parts of a codebase where a defect costs most (data access, auth, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Layer:
    """A named critical layer recognised by folder or module names."""

    name: str
    """Display name, e.g. ``data access``."""
    names: frozenset[str]
    """Folder names or module stems that put a file in this layer."""
    coverage_threshold: float
    """Line coverage (percent) below which a file of the layer is a finding."""
    paths: tuple[str, ...] = ()
    """Glob patterns on the relative path (``*`` crosses folders), e.g. ``app/core/security*.py``."""


DEFAULT_LAYERS: tuple[Layer, ...] = (
    Layer(
        "data access",
        frozenset({"repositories", "repository", "repo", "repos", "dao", "crud", "queries"}),
        80.0,
    ),
    Layer(
        "persistence",
        frozenset({"db", "database", "databases", "session", "sessions", "models", "migrations", "orm"}),
        80.0,
    ),
    Layer(
        "auth and security",
        frozenset({"auth", "authentication", "authorization", "security", "permissions", "crypto"}),
        80.0,
    ),
)


def layer_of(path: str, layers: Sequence[Layer] = DEFAULT_LAYERS) -> Layer | None:
    """The first critical layer a source path belongs to, or None.

    A path belongs to a layer when one of its folders, or its module name, is one of the
    layer's names: ``app/repositories/user.py``, ``app/db.py`` and ``app/auth/jwt.py`` all do.
    """
    pure = PurePosixPath(path)
    parts = [*pure.parts[:-1], pure.stem]
    for layer in layers:
        if any(part.lower() in layer.names for part in parts) or any(fnmatch(path, p) for p in layer.paths):
            return layer
    return None
