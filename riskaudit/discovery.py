"""Finding what to analyse: the Python files of the target and the target's interpreter."""

from __future__ import annotations

import math
import os
import shutil
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from riskaudit.path_patterns import any_match, unmatched
from riskaudit.environment.python import DeclaredPython, ask_interpreter, declared_python
from riskaudit.tree_walk import walk
from riskaudit.errors import TargetError
from riskaudit.models import EnvironmentIssue
from riskaudit.roles import is_test_path
from riskaudit.running.git import ignored_by_git

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
    """``*.py`` entries left out, each ``path (why)``: not regular files, broken links, unsafe names, too large."""
    unreadable: tuple[str, ...] = ()
    """Python files riskaudit may not read: they are in ``not_analysed`` and make the analysis incomplete."""
    stubs: tuple[str, ...] = ()
    """Type stubs (``*.pyi``) below the root, target-relative: mypy reads them too."""
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


DEFAULT_MAX_FILE_SIZE = 1_000_000
"""Python files larger than this many bytes are not analysed by default (semgrep's limit too)."""


@dataclass(frozen=True)
class Discovered:
    """What a walk of the target found."""

    files: tuple[TargetFile, ...]
    """The Python files to analyse, sorted by path."""
    nested: tuple[str, ...]
    """Folders below the root that are projects of their own."""
    skipped: tuple[str, ...]
    """``*.py`` entries left out, each ``path (why)``."""
    unreadable: tuple[str, ...] = ()
    """Python files that cannot be read (target-relative paths): the analysis is incomplete without them."""
    stubs: tuple[str, ...] = ()
    """Regular ``*.pyi`` files inside the target (target-relative paths), sorted."""


def discover_files(root: Path, max_bytes: float = DEFAULT_MAX_FILE_SIZE) -> Discovered:
    """Regular, readable ``*.py`` files below root of at most max_bytes, and what was left out and why.

    Skips VCS folders, caches, build output, virtualenvs and folders that are projects of
    their own (they have their own config and are scanned separately).
    """
    found: list[TargetFile] = []
    nested: list[str] = []
    skipped: list[str] = []
    unreadable: list[str] = []
    stubs: list[str] = []
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
            full = here / name
            if name.endswith(".pyi") and not _left_out(full, real_root, math.inf):
                stubs.append(full.relative_to(root).as_posix())
            if not name.endswith(".py"):
                continue
            relative = full.relative_to(root).as_posix()
            why = _left_out(full, real_root, max_bytes) or unsafe_name(relative)
            if why:
                skipped.append(f"{shown_name(relative)} ({why})")
                continue
            problem = _read_problem(full)
            if problem:
                skipped.append(f"{shown_name(relative)} (cannot be read: {problem})")
                unreadable.append(relative)
                continue
            found.append(TargetFile(path=relative, is_test=is_test_path(relative)))
    return Discovered(
        tuple(sorted(found, key=lambda f: f.path)), tuple(sorted(nested)), tuple(sorted(skipped)),
        tuple(sorted(unreadable)), tuple(sorted(stubs)),
    )


def _left_out(full: Path, real_root: Path, max_bytes: float) -> str:
    """Why a ``*.py`` entry is not analysed (not a file, a link out of the target, too large), or empty."""
    try:
        info = full.stat()
    except OSError as exc:
        return "broken symlink or symlink loop" if full.is_symlink() else (exc.strerror or str(exc))
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if full.is_symlink() and not _inside(full, real_root):
        return "symlink to a file outside the target"
    if info.st_size > max_bytes:
        return f"{info.st_size:,} bytes, larger than max-file-size {max_bytes:,.0f}"
    return ""


def _read_problem(full: Path) -> str:
    """Why a regular file cannot be opened for reading (permissions), or empty when it can."""
    try:
        os.close(os.open(full, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)))
    except OSError as exc:
        return exc.strerror or str(exc)
    return ""


def _inside(path: Path, real_root: Path) -> bool:
    """Whether the file a path names, symlinks resolved, lies below the real root."""
    try:
        return path.resolve(strict=True).is_relative_to(real_root)
    except (OSError, RuntimeError):
        return False


def _not_ignored(
    files: tuple[TargetFile, ...], skipped: tuple[str, ...], ignored: Sequence[str] | None
) -> tuple[tuple[TargetFile, ...], tuple[str, ...]]:
    """The files git does not ignore, and the ignored ones counted with the files left out."""
    if not ignored:
        return files, skipped
    folders = tuple(entry for entry in ignored if entry.endswith("/"))
    names = set(ignored)
    left = [f.path for f in files if f.path in names or f.path.startswith(folders)]
    if not left:
        return files, skipped
    dropped = set(left)
    kept = tuple(f for f in files if f.path not in dropped)
    listed = ", ".join(shown_name(path) for path in left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
    return kept, (*skipped, f"{len(left)} file(s) ignored by git (.gitignore): {listed}")


def unreadable_issue(target: Target) -> EnvironmentIssue | None:
    """The issue that Python files of the target cannot be read: the analysis is incomplete without them."""
    if not target.unreadable:
        return None
    count = len(target.unreadable)
    return EnvironmentIssue(
        "unreadable-file",
        f"{count} file(s)",
        "riskaudit",
        f"{count} Python file(s) cannot be read by the user riskaudit runs as, so no tool analysed them",
        "make them readable (chmod a+r) or leave them out with [tool.riskaudit] exclude",
        files=target.unreadable,
        incomplete=True,
    )


def find_python(root: Path, explicit: str | None, untrusted: bool = False) -> tuple[str, str]:
    """The target's interpreter and how it was found.

    Order: ``--python``, the active virtualenv, ``.venv``/``venv`` in the target, riskaudit's own. An
    active virtualenv outside the target (pre-commit's hook environment, another project's) comes after
    the target's own ``.venv``/``venv``, and the origin says it was passed over. Untrusted targets always
    get riskaudit's own (the target's interpreter is never run).
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
        problem = ask_interpreter(str(candidate)).problem
        if problem:
            raise TargetError(f"--python {explicit}: asked for its version, {problem}; pass a working interpreter")
        return str(candidate), "--python"
    unusable = []
    candidates, preferred = _virtualenvs(root, os.environ.get("VIRTUAL_ENV"))
    for folder, origin in candidates:
        candidate = folder / "bin" / "python"
        if not candidate.exists():
            if candidate.is_symlink() and origin != "$VIRTUAL_ENV":
                unusable.append(f"{origin}/bin/python is a broken symlink")
            continue
        problem = ask_interpreter(str(candidate)).problem
        if not problem:
            return str(candidate), origin + (preferred if origin != "$VIRTUAL_ENV" else "")
        unusable.append(f"{origin}/bin/python did not answer: {problem}")
    if unusable:
        return sys.executable, f"riskaudit's interpreter: {'; '.join(unusable)}"
    return sys.executable, "riskaudit's interpreter"


def _virtualenvs(root: Path, active: str | None) -> tuple[list[tuple[Path, str]], str]:
    """The virtualenvs to try, in order, with how each is named; and what to add when the target's own wins.

    The addition is not empty when an active virtualenv outside the target was put after the target's own.
    """
    own = [(root / name, name) for name in (".venv", "venv")]
    if not active:
        return own, ""
    outside = not Path(active).absolute().resolve().is_relative_to(root.resolve())
    if outside and any((folder / "bin" / "python").exists() for folder, _ in own):
        return [*own, (Path(active), "$VIRTUAL_ENV")], f", preferred to $VIRTUAL_ENV {active} (not this project's)"
    return [(Path(active), "$VIRTUAL_ENV"), *own], ""


def load_target(
    path: Path,
    python: str | None,
    untrusted: bool = False,
    exclude: Sequence[str] = (),
    max_bytes: float = DEFAULT_MAX_FILE_SIZE,
    *,
    respect_gitignore: bool = True,
) -> Target:
    """Resolve the path to scan and what is in it; raises TargetError when it cannot be scanned.

    Files the target's git repository ignores are left out (and listed) unless ``respect_gitignore`` is off.
    """
    if not path.exists():
        raise TargetError(f"{path}: no such file or directory")
    if not path.is_dir():
        raise TargetError(f"{path}: not a directory; pass the project's root folder")
    root = path.resolve()
    interpreter, origin = find_python(root, python, untrusted)
    found = discover_files(root, max_bytes)
    files, skipped = found.files, found.skipped
    if respect_gitignore:
        files, skipped = _not_ignored(files, skipped, ignored_by_git(root))
    if exclude:
        kept = tuple(f for f in files if not any_match(f.path, exclude))
        if len(kept) < len(files):
            skipped = (*skipped, f"{len(files) - len(kept)} file(s) excluded by [tool.riskaudit] exclude")
        idle = unmatched(exclude, [f.path for f in files])
        skipped = (*skipped, *(f"[tool.riskaudit] exclude pattern {p!r} matches no Python file" for p in idle))
        files = kept
    return Target(
        root=root, files=files, nested_projects=found.nested, python=interpreter, python_origin=origin,
        not_analysed=skipped, unreadable=found.unreadable, stubs=found.stubs, untrusted=untrusted,
        declared_python=declared_python(root),
    )
