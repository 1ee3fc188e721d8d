"""Finding what to analyse: the Python files of the target and the target's interpreter."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from riskaudit.path_patterns import any_match, unmatched
from riskaudit.environment.python import DeclaredPython, declared_python
from riskaudit.tree_walk import walk
from riskaudit.errors import TargetError
from riskaudit.roles import is_test_path

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".eggs",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        "site-packages",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".riskaudit_cache",
    }
)
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")
"""A folder below the root holding one of these is a separate project, scanned on its own."""


@dataclass(frozen=True)
class TargetFile:
    """One Python file of the target."""

    path: str
    """Target-relative POSIX path."""
    is_test: bool
    """Whether it is test code (a tests folder, ``test_*.py``, ``*_test.py``, ``conftest.py``)."""


@dataclass(frozen=True)
class Target:
    """The project being scanned."""

    root: Path
    """Absolute path of the project root."""
    files: tuple[TargetFile, ...]
    """Python files, sorted by path."""
    nested_projects: tuple[str, ...]
    """Folders below the root that are projects of their own and were not scanned."""
    python: str
    """The interpreter the target runs with."""
    python_origin: str
    """How the interpreter was chosen (``--python``, ``$VIRTUAL_ENV``, ``.venv``, ``riskaudit``)."""
    not_analysed: tuple[str, ...] = ()
    """``*.py`` entries left out, each ``path (why)``: not regular files, broken links, unsafe names."""
    untrusted: bool = False
    """``--untrusted``: nothing from the target may run (its configs, plugins, tests, interpreter)."""
    declared_python: DeclaredPython | None = None
    """The lowest Python version the project's packaging metadata admits, or None when it declares none."""

    @property
    def source_paths(self) -> tuple[str, ...]:
        """All file paths, relative POSIX."""
        return tuple(f.path for f in self.files)


def shown_name(path: str) -> str:
    """A path as safe one-line text: control characters escaped, undecodable bytes as hex escapes."""
    raw = os.fsencode(path).decode("utf-8", errors="backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw)


def unsafe_name(path: str) -> str:
    """Why a relative path cannot be handed to the tools, or empty when it can.

    Tools print one finding per line and reports are UTF-8 text: a name with a control character
    (a newline) or bytes that are not UTF-8 would break the parsing or the report.
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8"
    if any(not c.isprintable() for c in path):
        return "file name contains a control character"
    return ""


def discover_files(root: Path) -> tuple[tuple[TargetFile, ...], tuple[str, ...], tuple[str, ...]]:
    """Regular ``*.py`` files below root, the nested projects left out and the files not analysed.

    Skips VCS folders, caches, build output, virtualenvs and folders that are projects of
    their own (they have their own config and are scanned separately).
    """
    found: list[TargetFile] = []
    nested: list[str] = []
    skipped: list[str] = []
    real_root = root.resolve()
    for dirpath, dirnames, filenames in walk(root):
        here = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            folder = here / name
            if name in SKIPPED_DIRS or name.endswith(".egg-info") or (folder / "pyvenv.cfg").exists():
                continue
            if any((folder / marker).is_file() for marker in PROJECT_MARKERS):
                nested.append(folder.relative_to(root).as_posix())
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            if not name.endswith(".py"):
                continue
            full = here / name
            relative = full.relative_to(root).as_posix()
            try:
                mode = full.stat().st_mode
            except OSError as exc:
                why = "broken symlink or symlink loop" if full.is_symlink() else (exc.strerror or str(exc))
                skipped.append(f"{shown_name(relative)} ({why})")
                continue
            if not stat.S_ISREG(mode):
                skipped.append(f"{shown_name(relative)} (not a regular file)")
                continue
            if full.is_symlink() and not _inside(full, real_root):
                skipped.append(f"{shown_name(relative)} (symlink to a file outside the target)")
                continue
            problem = unsafe_name(relative)
            if problem:
                skipped.append(f"{shown_name(relative)} ({problem})")
                continue
            found.append(TargetFile(path=relative, is_test=is_test_path(relative)))
    return tuple(sorted(found, key=lambda f: f.path)), tuple(sorted(nested)), tuple(sorted(skipped))


def _inside(path: Path, real_root: Path) -> bool:
    """Whether the file a path names, symlinks resolved, lies below the real root."""
    try:
        return path.resolve(strict=True).is_relative_to(real_root)
    except (OSError, RuntimeError):
        return False


def find_python(root: Path, explicit: str | None, untrusted: bool = False) -> tuple[str, str]:
    """The target's interpreter and how it was found.

    Order: ``--python``, the active virtualenv, ``.venv``/``venv`` in the target, riskaudit's own.
    Untrusted targets always get riskaudit's own (the target's interpreter is never run).
    """
    if untrusted:
        return sys.executable, "riskaudit's interpreter (untrusted mode)"
    if explicit:
        # absolute (not resolved: a venv's python is a symlink that must keep its place), since the
        # tools run in the target's folder; a bare name such as python3.12 is looked up on PATH
        found = shutil.which(explicit) if os.sep not in explicit and "/" not in explicit else None
        candidate = Path(found or explicit).expanduser().absolute()
        if not candidate.is_file():
            raise TargetError(f"--python {explicit}: no such interpreter; pass the target's python")
        return str(candidate), "--python"
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        candidate = Path(active) / "bin" / "python"
        if candidate.exists():
            return str(candidate), "$VIRTUAL_ENV"
    broken = []
    for folder in (".venv", "venv"):
        candidate = root / folder / "bin" / "python"
        if candidate.exists():
            return str(candidate), folder
        if candidate.is_symlink():
            broken.append(f"{folder}/bin/python")
    if broken:
        return sys.executable, f"riskaudit's interpreter: {', '.join(broken)} is a broken symlink"
    return sys.executable, "riskaudit's interpreter"


def load_target(path: Path, python: str | None, untrusted: bool = False, exclude: Sequence[str] = ()) -> Target:
    """Resolve the path to scan and what is in it; raises TargetError when it cannot be scanned."""
    if not path.exists():
        raise TargetError(f"{path}: no such file or directory")
    if not path.is_dir():
        raise TargetError(f"{path}: not a directory; pass the project's root folder")
    root = path.resolve()
    interpreter, origin = find_python(root, python, untrusted)
    files, nested, skipped = discover_files(root)
    if exclude:
        kept = tuple(f for f in files if not any_match(f.path, exclude))
        if len(kept) < len(files):
            skipped = (*skipped, f"{len(files) - len(kept)} file(s) excluded by [tool.riskaudit] exclude")
        idle = unmatched(exclude, [f.path for f in files])
        skipped = (*skipped, *(f"[tool.riskaudit] exclude pattern {p!r} matches no Python file" for p in idle))
        files = kept
    return Target(
        root=root, files=files, nested_projects=nested, python=interpreter, python_origin=origin,
        not_analysed=skipped, untrusted=untrusted, declared_python=declared_python(root),
    )
