"""An unexpected error anywhere ends riskaudit with exit code 2 and one line, never a traceback and exit 1.

The failure is real: standard output is ``/dev/full``, so every write to it fails with ENOSPC, in
``scan -o -``, ``render -o -``, ``rules`` and ``explain``. Exit 1 would read as "findings" to CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FULL = Path("/dev/full")
pytestmark = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (a device every write to fails)")
RISKAUDIT = Path(sys.executable).with_name("riskaudit")
ERROR = "riskaudit: error: unexpected OSError: [Errno 28] No space left on device - the analysis is incomplete"


def _to_full(*args: str, cwd: Path, debug: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the installed command with standard output on /dev/full."""
    env = {**os.environ, "RISKAUDIT_DEBUG": "1" if debug else ""}
    with FULL.open("w") as full:
        return subprocess.run(
            [str(RISKAUDIT), *args], stdout=full, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env, timeout=600
        )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-file project."""
    root = tmp_path_factory.mktemp("tiny")
    (root / "tiny.py").write_text('"""A module."""\n\nVALUE = 1\n', encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def results(project: Path) -> Path:
    """Saved JSON results of a scan of it."""
    out = project.parent / "results.json"
    done = subprocess.run(
        [str(RISKAUDIT), "scan", str(project), "--no-cache", "-f", "json", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.is_file(), done.stderr
    return out


def _assert_one_line(result: subprocess.CompletedProcess[str], hint: str = "set RISKAUDIT_DEBUG=1") -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last == f"{ERROR}; {hint} for the traceback"


def test_rules_on_a_full_stdout(tmp_path: Path) -> None:
    result = _to_full("rules", cwd=tmp_path)
    _assert_one_line(result)
    assert result.stderr.count("\n") == 1


def test_explain_on_a_full_stdout(tmp_path: Path) -> None:
    _assert_one_line(_to_full("explain", "RA101", cwd=tmp_path))


def test_render_on_a_full_stdout(results: Path, tmp_path: Path) -> None:
    result = _to_full("render", str(results), "--output", "-", cwd=tmp_path)
    _assert_one_line(result, "rerun with -v")
    assert result.stderr.count("\n") == 1


def test_scan_on_a_full_stdout(project: Path, tmp_path: Path) -> None:
    _assert_one_line(_to_full("scan", str(project), "--no-cache", "--output", "-", cwd=tmp_path), "rerun with -v")


@pytest.mark.parametrize("command", ["scan", "render"])
def test_the_traceback_with_verbose(command: str, project: Path, results: Path, tmp_path: Path) -> None:
    given = (str(project), "--no-cache") if command == "scan" else (str(results),)
    result = _to_full(command, *given, "--output", "-", "-v", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback (most recent call last):" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == ERROR


def test_the_traceback_with_riskaudit_debug(tmp_path: Path) -> None:
    result = _to_full("explain", "RA101", cwd=tmp_path, debug=True)
    assert result.returncode == 2
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert result.stderr.strip().splitlines()[-1] == ERROR
