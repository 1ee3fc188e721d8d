"""Modules of the target named like the standard library or the tools: no tool and no worker imports them.

``tests/fixtures/shadowapp`` holds ``email.py``, ``queue.py``, ``enum.py``, ``mypy.py`` and
``flake8.py`` at its root (where the tools run) and, in ``shadowpkg/``, the same plus ``types.py``;
each raises when imported. riskaudit is run as the installed command from inside the target, so
its fork server and workers start there too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import copy_fixture, run_command

from riskaudit.running.launch import module_command
from riskaudit.running.workers import worker_pool

EXPECTED = [
    ("RA107", "app.py", 11),
    ("RA107", "shadowpkg/service.py", 6),
    ("RA207", "app.py", 6),
    ("RA207", "shadowpkg/service.py", 7),
]
"""The planted defects (``# defect:`` markers): mypy's assignment errors, flake8's E711."""


def _scan(cwd: Path, path: str, out: Path) -> tuple[int, dict[str, object]]:
    """Scan through the installed command run in ``cwd``; the exit code and the JSON results."""
    result = run_command("scan", path, "--format", "json", "--output", str(out), "--fail-on", "medium", cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    assert out.is_file(), result.stderr
    return result.returncode, json.loads(out.read_text(encoding="utf-8"))


def _check(code: int, data: dict[str, object]) -> None:
    """Complete, the planted findings and nothing from a crashed tool, exit 1 (findings at medium)."""
    runs = {run["name"]: run for run in data["runs"]}  # type: ignore[attr-defined]
    statuses = {name: run["status"] for name, run in runs.items()}
    assert statuses == {"flake8": "ok", "mypy": "ok", "radon": "ok", "coverage": "skipped", "riskaudit": "ok"}
    found = sorted((f["rule_id"], f["path"], f["line"]) for f in data["findings"])  # type: ignore[attr-defined]
    assert found == EXPECTED
    assert code == 1


def test_scan_from_the_target_root_imports_none_of_its_modules(tmp_path: Path) -> None:
    project = copy_fixture("shadowapp", tmp_path)
    _check(*_scan(project, ".", tmp_path / "results.json"))


def test_scan_from_a_folder_holding_types_py(tmp_path: Path) -> None:
    project = copy_fixture("shadowapp", tmp_path)
    _check(*_scan(project / "shadowpkg", "..", tmp_path / "results.json"))


def test_scan_from_a_folder_holding_a_types_package(tmp_path: Path) -> None:
    project = copy_fixture("shadowapp", tmp_path)
    package = project / "shadowpkg" / "types"
    package.mkdir()
    shutil.move(project / "shadowpkg" / "types.py", package / "__init__.py")
    _check(*_scan(project / "shadowpkg", "..", tmp_path / "results.json"))


def test_the_tools_command_does_not_import_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "flake8.py").write_text("raise SystemExit('the target flake8.py was imported')\n")
    (tmp_path / "types.py").write_text("raise SystemExit('the target types.py was imported')\n")
    shown = subprocess.run(
        [*module_command(sys.executable, "flake8"), "--version"], cwd=tmp_path, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert "pycodestyle" in shown.stdout
    plain = subprocess.run([sys.executable, "-m", "flake8", "--version"], cwd=tmp_path, capture_output=True, text=True)
    assert "was imported" in plain.stderr  # what the launcher avoids


def test_python_processes_the_tool_starts_leave_the_cwd_off_their_path(tmp_path: Path) -> None:
    """A tool's own workers (flake8's multiprocessing pool on 3.14, say) start with ``-c`` too."""
    (tmp_path / "types.py").write_text("raise SystemExit('the target types.py was imported')\n")
    tool = tmp_path / "elsewhere"
    tool.mkdir()
    (tool / "childtool.py").write_text(
        "import subprocess, sys\nsys.exit(subprocess.run([sys.executable, '-c', 'import types']).returncode)\n"
    )
    command = module_command(sys.executable, "childtool")
    env = {**os.environ, "PYTHONPATH": str(tool)}
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    plain = subprocess.run([sys.executable, "-m", "childtool"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert "was imported" in plain.stderr


def test_spawned_workers_started_in_a_folder_holding_types_py(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "types.py").write_text("raise SystemExit('the target types.py was imported')\n")
    monkeypatch.setattr("multiprocessing.get_all_start_methods", lambda: ["spawn"])
    monkeypatch.chdir(tmp_path)
    before = os.environ.get("PYTHONSAFEPATH")
    with worker_pool(2) as pool:
        assert pool.submit(os.getppid).result() == os.getpid()  # spawned: this process's own children
        assert list(pool.map(abs, [-1, -2, -3])) == [1, 2, 3]
    assert os.environ.get("PYTHONSAFEPATH") == before
