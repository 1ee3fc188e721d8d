"""Shared fixtures: copies of the fixture projects, their real test runs, and real scans of them.

Every scan here runs the real flake8, mypy, radon and coverage. Each fixture project is copied
and scanned once per test session; many tests then assert on that one result.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support import CHROMIUM, CHROMIUM_ARGS, copy_fixture, run_project_tests

from riskaudit.catalogue import default_catalogue
from riskaudit.options import ScanOptions
from riskaudit.results import ScanResult
from riskaudit.scan import scan

if TYPE_CHECKING:
    from playwright.sync_api import Browser


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
    return scan(asyncapp, ScanOptions(python=sys.executable), default_catalogue())


@pytest.fixture(scope="session")
def cleanapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clean fixture, with real coverage data."""
    project = copy_fixture("cleanapp", tmp_path_factory.mktemp("cleanapp"))
    tests = run_project_tests(project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    return project


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's package), shared by the browser tests; skipped where it is not installed."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
