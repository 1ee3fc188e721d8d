"""Shared fixtures: copies of the fixture projects, their real test runs, and real scans of them.

Every scan here runs the real flake8, mypy, radon and coverage. Each fixture project is copied
and scanned once per test session; many tests then assert on that one result.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from riskaudit.catalogue import load_catalogue
from riskaudit.options import ScanOptions
from riskaudit.results import ScanResult
from riskaudit.scan import scan

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
_IGNORED = shutil.ignore_patterns("__pycache__", ".mypy_cache", ".pytest_cache", ".coverage", "coverage.*")


@dataclass(frozen=True)
class CliRun:
    """A finished ``riskaudit`` command."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliRun:
    """Run ``python -m riskaudit`` with riskaudit's interpreter, as a user would run the command."""
    proc = subprocess.run(
        [sys.executable, "-m", "riskaudit", *args],
        cwd=cwd or REPO,
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


@pytest.fixture(scope="session", autouse=True)
def _mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep mypy's cache out of the fixtures and the repository."""
    previous = os.environ.get("MYPY_CACHE_DIR")
    os.environ["MYPY_CACHE_DIR"] = str(tmp_path_factory.mktemp("mypy-cache"))
    yield
    if previous is None:
        os.environ.pop("MYPY_CACHE_DIR", None)
    else:
        os.environ["MYPY_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def asyncapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The async SQLAlchemy fixture, with real coverage data from running its own tests."""
    project = copy_fixture("asyncapp", tmp_path_factory.mktemp("asyncapp"))
    tests = run_project_tests(project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert (project / ".coverage").is_file()
    return project


@pytest.fixture(scope="session")
def asyncapp_result(asyncapp: Path) -> ScanResult:
    """One in-process scan of the async fixture."""
    return scan(asyncapp, ScanOptions(python=sys.executable), load_catalogue())


@pytest.fixture(scope="session")
def cleanapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clean fixture, with real coverage data."""
    project = copy_fixture("cleanapp", tmp_path_factory.mktemp("cleanapp"))
    tests = run_project_tests(project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    return project
