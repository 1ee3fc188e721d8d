"""Running git on the target so that nothing the repository configures can execute or change the answer.

A repository's ``.git/config`` can name programs git runs on its own (``core.fsmonitor``, hooks,
pagers, external diff and textconv drivers, credential helpers) and settings that change what a
command prints (rename detection, quoting, colour). Every call pins those on the command line and
ignores the system-wide config; the user's own config is still read for what only changes speed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from riskaudit.running.process import ProcessResult, run_process

GIT_TIMEOUT = 60.0
"""Seconds any one git command may take."""

PINNED = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.pager=cat",
    "-c", "core.quotePath=false",
    "-c", "core.untrackedCache=false",
    "-c", "diff.external=",
    "-c", "diff.renames=false",
    "-c", "color.ui=false",
    "-c", "protocol.allow=never",
    "-c", "credential.helper=",
)
"""``-c`` settings given before every git subcommand (they override the repository's own)."""


def git_available() -> bool:
    """Whether a git executable is on PATH."""
    return shutil.which("git") is not None


def git_environment() -> dict[str, str]:
    """The environment git runs with: no system config, no pager, no prompts, no repository discovery override."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update({
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_PAGER": "cat",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
    })
    return env


def run_git(root: Path, *args: str, timeout: float = GIT_TIMEOUT) -> ProcessResult:
    """``git ARGS`` run in root with the pinned settings; the result whatever its exit code."""
    return run_process(["git", *PINNED, *args], cwd=root, timeout=timeout, env=git_environment())


def git_commit(root: Path) -> str:
    """The target's short commit id, with ``-dirty`` when it has local changes; empty outside git."""
    if not git_available():
        return ""
    head = run_git(root, "rev-parse", "--short=12", "HEAD")
    if head.returncode != 0:
        return ""
    status = run_git(root, "status", "--porcelain", "--untracked-files=no", "--", ".")
    dirty = status.returncode == 0 and bool(status.stdout.strip())
    return head.stdout.strip() + ("-dirty" if dirty else "")


def ignored_by_git(root: Path) -> tuple[str, ...] | None:
    """Untracked paths below root that the repository ignores, relative POSIX (a folder ends in ``/``).

    What the repository says: its ``.gitignore`` files and ``.git/info/exclude``. A user's global
    excludes file is left out, so that every machine (a developer's, CI) analyses the same files; a
    tracked file is never ignored, as for git. None when root is not in a git work tree (or git is
    missing, or fails), and when the repository ignores root as a whole: a project kept in an ignored
    folder of another (a download, a scratch clone) is not that repository's to filter.
    """
    if not git_available():
        return None
    listed = run_git(
        root, "-c", "core.excludesFile=", "ls-files", "-z", "--others", "--ignored", "--exclude-standard",
        "--directory", "--", ".",
    )
    if listed.returncode != 0:
        return None
    entries = tuple(sorted(entry for entry in listed.stdout.split("\0") if entry))
    return None if "./" in entries else entries
