"""Parallel coverage data (``coverage run -p``): combined privately when it is all the target has."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from riskaudit.collectors import coverage
from riskaudit.discovery import load_target
from riskaudit.layers import LayerMap
from riskaudit.models import CoverageData, ToolRun, ToolStatus

CALC = '''"""Two functions, each run by one of two scripts."""


def add(a: int, b: int) -> int:
    """Sum."""
    return a + b


def sub(a: int, b: int) -> int:
    """Difference."""
    return a - b
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose two scripts ran under ``coverage run -p``: two parallel data files, nothing combined."""
    root = tmp_path_factory.mktemp("parallel")
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text('"""App."""\n', encoding="utf-8")
    (root / "app" / "calc.py").write_text(CALC, encoding="utf-8")
    for name, call in (("run_add.py", "add(1, 2)"), ("run_sub.py", "sub(3, 1)")):
        script = f'"""Run one function."""\nfrom app.calc import add, sub\n\n{call}\n'
        (root / name).write_text(script, encoding="utf-8")
        command = [sys.executable, "-m", "coverage", "run", "-p", "--source=app", name]
        subprocess.run(command, cwd=root, check=True, capture_output=True)
    return root


def _collect(root: Path, untrusted: bool = False) -> tuple[ToolRun, CoverageData | None]:
    target = load_target(root, None if untrusted else sys.executable, untrusted)
    lines = {f.path: len((root / f.path).read_text(encoding="utf-8").splitlines()) for f in target.files}
    return coverage.collect(target, None, LayerMap(()), 80.0, 60.0, lines)


@pytest.mark.parametrize("untrusted", [False, True])
def test_parallel_data_is_combined_as_coverage_combine_would(project: Path, untrusted: bool) -> None:
    parallel = sorted(p.name for p in project.glob(".coverage.*"))
    assert len(parallel) == 2 and not (project / ".coverage").exists()
    run, data = _collect(project, untrusted)
    assert run.status is ToolStatus.OK, run.reason
    assert data is not None and run.executable == data.source
    assert data.source == f"{parallel[0]} and 1 more parallel data file(s), combined"
    calc = next(f for f in data.files if f.path == "app/calc.py")
    assert calc.missing == () and calc.percent == 100.0  # each script ran one function: only the union covers both
    assert sorted(p.name for p in project.glob(".coverage*")) == parallel  # the target's files stay as they were


def test_a_data_file_wins_over_parallel_data(project: Path, tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "coverage", "json", "-o", str(tmp_path / "coverage.json"), "--data-file",
                    str(next(project.glob(".coverage.*")))], cwd=project, check=True, capture_output=True)
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in project.rglob("*"):
        if path.is_file():
            (copy / path.relative_to(project)).parent.mkdir(parents=True, exist_ok=True)
            (copy / path.relative_to(project)).write_bytes(path.read_bytes())
    (copy / "coverage.json").write_bytes((tmp_path / "coverage.json").read_bytes())
    run, data = _collect(copy)
    assert run.status is ToolStatus.OK and data is not None and data.source == "coverage.json"


def test_parallel_data_coverage_cannot_combine_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text('"""App."""\n', encoding="utf-8")
    (tmp_path / ".coverage.host.1.2").write_bytes(b"not a coverage database")
    run, data = _collect(tmp_path)
    assert run.status is ToolStatus.FAILED and data is None
    assert run.reason.startswith(".coverage.host.1.2: coverage combine failed")
