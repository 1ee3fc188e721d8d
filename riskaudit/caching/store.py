"""The result cache (``.riskaudit_cache/``): tool results keyed by tool version, config and file content.

Entries are JSON files written atomically. An entry that cannot be read or decoded is deleted and
treated as a miss: a corrupt cache is discarded, never trusted. After a scan, ``prune`` deletes what
earlier scans stored for contents, configs and tool versions that are gone, so the cache does not grow
with every edit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from riskaudit import __version__
from riskaudit.models import RawFinding

CACHE_DIR = ".riskaudit_cache"
FORMAT = "1"
"""Bumped when the layout or the meaning of entries changes; part of every key."""


def digest(*parts: str | bytes) -> str:
    """A SHA-256 hex digest of the parts, each length-prefixed so that boundaries matter."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def file_digest(path: Path) -> str:
    """Digest of a file's bytes; a file that cannot be read gets a unique never-matching key."""
    try:
        return digest(path.read_bytes())
    except OSError as exc:
        return digest("unreadable", str(path), str(exc), os.urandom(8))


def config_digest(root: Path, names: Iterable[str]) -> str:
    """Digest of the config files a tool reads (absent files count as absent)."""
    parts: list[str | bytes] = []
    for name in sorted(names):
        path = root / name
        parts += [name, path.read_bytes() if path.is_file() else b"<absent>"]
    return digest(*parts)


@dataclass(frozen=True)
class Cache:
    """A key-value store of JSON values under one folder; ``folder=None`` disables it."""

    folder: Path | None
    """The cache folder, or None for ``--no-cache``."""
    used: set[tuple[str, str]] = field(default_factory=set, compare=False, repr=False)
    """``(namespace, key)`` of every entry looked up or stored through this object (what ``prune`` keeps)."""

    @classmethod
    def for_target(cls, root: Path, enabled: bool) -> Cache:
        """The cache of a target (``ROOT/.riskaudit_cache``), created with a git-ignore of its own."""
        if not enabled:
            return cls(None)
        folder = root / CACHE_DIR
        if not _plain_folder(folder, create=True):
            return cls(None)
        try:
            handle = os.open(folder / ".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        except FileExistsError:
            pass
        except OSError:
            return cls(None)
        else:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write("# created by riskaudit\n*\n")
        return cls(folder)

    def subfolder(self, name: str) -> Path | None:
        """A folder inside the cache for a tool's own cache (mypy's incremental data)."""
        if self.folder is None:
            return None
        path = self.folder / name
        return path if _plain_folder(path, create=True) else None

    def _path(self, namespace: str, key: str) -> Path | None:
        if self.folder is None:
            return None
        self.used.add((namespace, key))
        return self.folder / namespace / key[:2] / f"{key}.json"

    def prune(self) -> int:
        """Delete every entry of the namespaces used through this object that it did not look up or store.

        Called once a scan has ended: an entry it did not ask for belongs to a file content, config or
        tool version that no longer exists. A scan running at the same time on another state of the tree
        can only lose entries it will compute again, never get a wrong one. Returns how many were deleted.
        """
        if self.folder is None:
            return 0
        kept: dict[str, set[str]] = {}
        for namespace, key in set(self.used):
            kept.setdefault(namespace, set()).add(f"{key}.json")
        removed = 0
        for namespace, names in kept.items():
            if not _plain_folder(self.folder / namespace, create=False):
                continue
            for shard in _subfolders(self.folder / namespace):
                for entry in _files(shard):
                    if entry.name.endswith(".json") and not entry.name.startswith(".") and entry.name not in names:
                        with contextlib.suppress(OSError):
                            os.unlink(entry.path)
                            removed += 1
        return removed

    def get(self, namespace: str, key: str) -> object | None:
        """The stored value, or None on a miss (a corrupt entry is removed)."""
        path = self._path(namespace, key)
        if path is None or not (_plain_folder(path.parent.parent, False) and _plain_folder(path.parent, False)):
            return None
        if not _plain_file(path):
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(entry, dict) or entry.get("key") != key or entry.get("format") != FORMAT:
                raise ValueError("not an entry for this key")
            value: object = entry["value"]
            return value
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)
            return None

    def put(self, namespace: str, key: str, value: object) -> None:
        """Store a JSON value atomically; a failed write leaves no entry behind."""
        path = self._path(namespace, key)
        if path is None:
            return
        text = json.dumps({"format": FORMAT, "riskaudit": __version__, "key": key, "value": value})
        if self.folder is not None and not self.folder.exists():
            with contextlib.suppress(OSError):
                self.folder.mkdir(parents=True)
        if not (_plain_folder(path.parent.parent, True) and _plain_folder(path.parent, True)):
            return
        try:
            handle, temp = tempfile.mkstemp(prefix=".entry.", dir=path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, path)
        except OSError:
            return


def _plain_folder(path: Path, create: bool) -> bool:
    """Whether path is a folder and not a symlink (a symlinked cache folder could lead out of the target).

    With create, a missing folder is made first.
    """
    if create:
        with contextlib.suppress(OSError):
            path.mkdir()
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _plain_file(path: Path) -> bool:
    """Whether path is a regular file and not a symlink."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _subfolders(folder: Path) -> list[os.DirEntry[str]]:
    """The folders in a folder; none when it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return [entry for entry in entries if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _files(folder: os.DirEntry[str]) -> list[os.DirEntry[str]]:
    """The plain files in a folder; none when it cannot be listed."""
    try:
        with os.scandir(folder.path) as entries:
            return [entry for entry in entries if entry.is_file(follow_symlinks=False)]
    except OSError:
        return []


NO_CACHE = Cache(None)
"""A disabled cache: every lookup misses, nothing is written."""


def findings_to_json(findings: Sequence[RawFinding]) -> list[list[object]]:
    """Raw findings as compact JSON rows."""
    return [[f.tool, f.code, f.message, f.path, f.line, f.column] for f in findings]


def findings_from_json(value: object) -> tuple[RawFinding, ...] | None:
    """Raw findings back from JSON rows, or None when the value is not such rows."""
    if not isinstance(value, list):
        return None
    rows: list[RawFinding] = []
    for row in value:
        if not (isinstance(row, list) and len(row) == 6):
            return None
        tool, code, message, path, line, column = row
        if not (isinstance(tool, str) and isinstance(code, str) and isinstance(message, str)):
            return None
        if not (path is None or isinstance(path, str)):
            return None
        if not all(n is None or (isinstance(n, int) and not isinstance(n, bool)) for n in (line, column)):
            return None
        rows.append(RawFinding(tool, code, message, path, line, column))
    return tuple(rows)
