"""Inputs that would hang, exhaust memory or crash: refused at once with a one-line error and exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support import run_cli

from riskaudit.input_files import read_input_text


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A one-file project."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text('"""App."""\n\nVALUE = 1\n', encoding="utf-8")
    return root


def _one_line_error(run_stderr: str, *parts: str) -> None:
    lines = [line for line in run_stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run_stderr
    assert lines[0].startswith("riskaudit: error:")
    assert "Traceback" not in run_stderr
    for part in parts:
        assert part in lines[0]


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e999"])
def test_non_finite_timeout_on_the_command_line(project: Path, value: str) -> None:
    run = run_cli("scan", str(project), "--no-cache", "--timeout", value, "-o", str(project / "r.md"))
    assert run.returncode == 2
    _one_line_error(run.stderr, "--timeout", "finite")


@pytest.mark.parametrize(("key", "value"), [("timeout", "inf"), ("total-coverage-threshold", "nan")])
def test_non_finite_number_in_the_config(project: Path, key: str, value: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.riskaudit]\n{key} = {value}\n", encoding="utf-8")
    run = run_cli("scan", str(project), "--no-cache", "-o", str(project / "r.md"))
    assert run.returncode == 2
    _one_line_error(run.stderr, key, "finite")


def test_fifo_baseline_is_refused_not_waited_on(project: Path) -> None:
    fifo = project / "b.fifo"
    os.mkfifo(fifo)
    run = run_cli("scan", str(project), "--no-cache", "--baseline", str(fifo), "-o", str(project / "r.md"))
    assert run.returncode == 2
    _one_line_error(run.stderr, "b.fifo", "not a regular file")


def test_device_baseline_is_refused_not_read(project: Path) -> None:
    run = run_cli("scan", str(project), "--no-cache", "--baseline", "/dev/zero", "-o", str(project / "r.md"))
    assert run.returncode == 2
    _one_line_error(run.stderr, "/dev/zero", "not a regular file")


def test_fifo_results_are_refused_by_render(project: Path) -> None:
    fifo = project / "results.fifo"
    os.mkfifo(fifo)
    run = run_cli("render", str(fifo), "-o", str(project / "r.md"))
    assert run.returncode == 2
    _one_line_error(run.stderr, "results.fifo", "not a regular file")


def test_input_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(OSError, match="larger than"):
        read_input_text(big, limit=1024)
    assert read_input_text(big, limit=4096) == "x" * 2048


GOLD_RESULTS = Path(__file__).parent / "gold" / "asyncapp" / "report.json"


def _broken(change: str) -> dict[str, object]:
    data = json.loads(GOLD_RESULTS.read_text(encoding="utf-8"))
    if change == "fail_on":
        data["meta"]["fail_on"] = "bogus"
    elif change == "rule":
        data["findings"][0]["rule_id"] = "RA999"
    elif change == "runs":
        data["runs"] = []
    elif change == "tool":
        data["runs"][0]["name"] = "pylint"
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("fail_on", "meta.fail_on 'bogus' is not one of"),
        ("rule", "a finding of rule RA999 whose rule is not in 'rules'"),
        ("runs", "no run of flake8"),
        ("tool", "a run of 'pylint', which is not a tool riskaudit runs"),
    ],
)
def test_render_refuses_results_no_scan_could_write(tmp_path: Path, change: str, message: str) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_broken(change)), encoding="utf-8")
    run = run_cli("render", str(results), "-o", str(tmp_path / "r.md"))
    assert run.returncode == 2
    _one_line_error(run.stderr, "inconsistent results", message)
    assert not (tmp_path / "r.md").exists()


def test_render_accepts_what_a_scan_wrote(tmp_path: Path) -> None:
    run = run_cli("render", str(GOLD_RESULTS), "-o", str(tmp_path / "r.md"))
    assert run.returncode == 0, run.stderr
