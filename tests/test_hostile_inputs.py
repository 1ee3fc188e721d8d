"""Inputs that would hang, exhaust memory or crash: refused at once with a one-line error and exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support import copy_fixture, run_cli

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
        ("fail_on", 'does not match riskaudit\'s results schema: results.meta.fail_on: "bogus" is not one of'),
        ("rule", "inconsistent results: a finding of rule RA999 whose rule is not in 'rules'"),
        ("runs", "inconsistent results: no run of flake8"),
        ("tool", "inconsistent results: a run of 'pylint', which is not a tool riskaudit runs"),
    ],
)
def test_render_refuses_results_no_scan_could_write(tmp_path: Path, change: str, message: str) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_broken(change)), encoding="utf-8")
    run = run_cli("render", str(results), "-o", str(tmp_path / "r.md"))
    assert run.returncode == 2
    _one_line_error(run.stderr, message)
    assert not (tmp_path / "r.md").exists()


def test_render_accepts_what_a_scan_wrote(tmp_path: Path) -> None:
    run = run_cli("render", str(GOLD_RESULTS), "-o", str(tmp_path / "r.md"))
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("epoch", ["99999999999999", "abc", "-5", "1e9"])
def test_a_bad_source_date_epoch_stops_the_scan_in_one_line(tmp_path: Path, epoch: str) -> None:
    project = copy_fixture("cleanapp", tmp_path / "p")
    run = run_cli("scan", str(project), "-q", "-o", str(tmp_path / "r.md"), env={"SOURCE_DATE_EPOCH": epoch})
    assert run.returncode == 2
    assert run.stderr.startswith(f"riskaudit: error: SOURCE_DATE_EPOCH={epoch!r}: not a whole number of seconds")
    assert len(run.stderr.strip().splitlines()) == 1 and not (tmp_path / "r.md").exists()


def test_a_tree_deeper_than_the_recursion_limit_is_scanned(tmp_path: Path) -> None:
    project = tmp_path / "deep"
    project.mkdir()
    folders = [project]
    for _ in range(1100):  # os.walk (and pathlib's mkdir(parents=True)) recurse per level: the limit is 1000
        folders.append(folders[-1] / "d")
        folders[-1].mkdir()
    try:
        (project / "pyproject.toml").write_text('[project]\nname = "deep"\n', encoding="utf-8")
        (folders[-1] / "m.py").write_text("x = 1\n", encoding="utf-8")
        out = tmp_path / "r.json"
        run = run_cli("scan", str(project), "-q", "--no-cache", "-f", "json", "-o", str(out))
        assert run.returncode in (0, 1), run.stderr
        assert json.loads(out.read_text(encoding="utf-8"))["meta"]["files"] == 1
    finally:  # pytest's own clean-up of old temporary folders recurses too: leave nothing that deep
        for folder in reversed(folders[1:]):
            for entry in folder.iterdir():
                if not entry.is_dir() or entry.is_symlink():
                    entry.unlink()
            folder.rmdir()
