"""Helpers shared by the tests: running the CLI, copying fixture projects, finding planted defects."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
BROKEN_SOURCE = '''"""A real syntax error, whatever the Python version."""


def broken(:  # defect: syntax-error
    return 1
'''
"""A module no Python parses; tests write it into fixture copies (the fixtures hold only code that parses)."""
_IGNORED = shutil.ignore_patterns("__pycache__", ".mypy_cache", ".pytest_cache", ".coverage", "coverage.*")


@dataclass(frozen=True)
class CliRun:
    """A finished ``riskaudit`` command."""

    returncode: int
    stdout: str
    stderr: str


PERMISSION_OVERRIDES = "-dac_override,-dac_read_search"
"""The capabilities that let root read and write whatever file modes say."""


def as_ordinary_user() -> tuple[str, ...]:
    """A command prefix under which file modes bind, as they do for a CI user; empty when not root.

    Root reads a mode-000 file and writes into a read-only folder; without these two capabilities
    (``setpriv`` drops them from the bounding and inheritable sets) it may not. Skips the test where
    ``setpriv`` is missing or not permitted.
    """
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    prefix = (setpriv or "setpriv", "--bounding-set", PERMISSION_OVERRIDES, "--inh-caps", PERMISSION_OVERRIDES)
    if setpriv is None or subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        pytest.skip("running as root, and setpriv cannot drop the file-permission capabilities here")
    return prefix


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()
) -> CliRun:
    """Run ``python -m riskaudit`` with riskaudit's interpreter, as a user would run the command.

    ``prefix`` goes before the interpreter (``as_ordinary_user()``).
    """
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "riskaudit", *args],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


def run_command(*args: str, cwd: Path, env: dict[str, str] | None = None) -> CliRun:
    """Run the installed ``riskaudit`` command (the console script next to this interpreter).

    Unlike ``python -m riskaudit``, which puts the working directory first on ``sys.path`` before
    riskaudit starts, the command can be run from inside a target that holds ``types.py``.
    """
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("riskaudit")), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


def copy_fixture(name: str, destination: Path) -> Path:
    """A private copy of a fixture project (scans write caches and coverage data into it)."""
    target = destination / name
    shutil.copytree(FIXTURES / name, target, ignore=_IGNORED)
    return target


def run_project_tests(project: Path) -> subprocess.CompletedProcess[str]:
    """Run a fixture project's own pytest suite under real coverage, leaving ``.coverage`` behind."""
    return subprocess.run(
        [sys.executable, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )


def marker_lines(path: Path, name: str) -> list[int]:
    """Lines of a fixture file carrying ``# defect: NAME``."""
    pattern = re.compile(rf"#\s*defect:\s*{re.escape(name)}\s*$")
    return [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]


CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium, which the browser tests drive through Playwright (its own browser download fails)."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Headless, and nothing that reaches the network on its own."""
