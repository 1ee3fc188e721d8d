"""The command line behaves like the tools next to it: -h, -V, -q, flags without a value placeholder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from support import copy_fixture, run_cli, run_command

from riskaudit import __version__

FLAGS = ("--no-cache", "--run-tests", "--untrusted", "--quiet", "--version")


@pytest.mark.parametrize("args", [("-h",), ("--help",), ("scan", "-h"), ("render", "-h"), ("explain", "-h")])
def test_short_help(args: tuple[str, ...]) -> None:
    run = run_cli(*args)
    assert run.returncode == 0, run.stderr
    assert "Usage: " in run.stdout and " riskaudit" in run.stdout
    flags = [line for line in run.stdout.splitlines() if any(f in line for f in FLAGS)]
    assert all("<bool>" not in line for line in flags), flags


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag: str) -> None:
    run = run_cli(flag)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"riskaudit {__version__}"


def test_quiet_prints_only_where_the_report_is(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "app.py").write_text('"""App."""\n\nVALUE = 1\n', encoding="utf-8")
    report = tmp_path / "r.md"
    run = run_cli("scan", str(project), "-q", "--no-cache", "-o", str(report))
    assert run.returncode == 0, run.stderr
    assert report.is_file()
    assert run.stderr.strip() == f"Report: {report}"


@pytest.fixture(scope="module")
def typed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with one medium finding (an incompatible assignment) and ``fail-on = "low"`` in its config."""
    project = tmp_path_factory.mktemp("exitzero")
    (project / "app.py").write_text('"""App."""\n\nx: int = "a"\n', encoding="utf-8")
    (project / "pyproject.toml").write_text('[tool.riskaudit]\nfail-on = "low"\n', encoding="utf-8")
    return project


@pytest.mark.parametrize(("args", "code"), [((), 1), (("--exit-zero",), 0), (("--fail-on", "none"), 0)])
def test_exit_zero_is_fail_on_none(typed_project: Path, args: tuple[str, ...], code: int) -> None:
    run = run_cli("scan", str(typed_project), "-q", "--no-cache", "-o", str(typed_project / "r.md"), *args)
    assert run.returncode == code, run.stderr


def test_exit_zero_and_fail_on_exclude_each_other(typed_project: Path) -> None:
    run = run_cli("scan", str(typed_project), "--exit-zero", "--fail-on", "low", "-o", str(typed_project / "r.md"))
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "riskaudit: error: --exit-zero and --fail-on exclude each other: --exit-zero means --fail-on none"
    )


def test_statistics_count_findings_per_rule_most_first(tmp_path: Path) -> None:
    project = copy_fixture("asyncrisks", tmp_path / "p")
    out = tmp_path / "r.json"
    result = run_cli("scan", str(project), "-q", "--statistics", "--no-cache", "-f", "json", "-o", str(out))
    assert result.returncode == 1, result.stderr
    rows = [(int(m[1]), m[2]) for m in re.finditer(r"^(\d+)\s+(RA\d{3})\s", result.stderr, re.MULTILINE)]
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    expected = Counter(f["rule_id"] for f in findings)
    assert dict((rule, count) for count, rule in rows) == expected
    assert [count for count, _ in rows] == sorted(expected.values(), reverse=True)
    assert result.stderr.splitlines()[-1] == f"Report: {out}"  # quiet: no gate line, the path last


def test_the_gate_line_comes_after_the_statistics(tmp_path: Path) -> None:
    project = copy_fixture("asyncrisks", tmp_path / "p")
    result = run_cli("scan", str(project), "--statistics", "--no-cache", "-o", str(tmp_path / "r.md"))
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("Gate: FAILED - ") and lines[-1].endswith("; exit 1")
    assert lines[-2].startswith("Report: ")
    rows = [i for i, line in enumerate(lines) if re.match(r"^\d+\s+RA\d{3}\s", line)]
    assert rows and rows[-1] < len(lines) - 2  # the statistics come before the report's path


def test_a_closed_stderr_loses_neither_the_report_nor_the_exit_code(tmp_path: Path) -> None:
    # as `riskaudit scan . 2>&1 | head -1`: the reader of stderr goes away after the first line
    project = copy_fixture("asyncrisks", tmp_path / "p")
    report = tmp_path / "r.json"
    command = [sys.executable, "-m", "riskaudit", "scan", str(project), "--no-cache", "-f", "json", "-o", str(report)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    assert proc.stderr.readline().startswith(b"Scanning ")
    proc.stderr.close()
    assert proc.wait(timeout=600) == 1  # the gate's answer (critical findings), not a crash
    assert json.loads(report.read_text(encoding="utf-8"))["findings"]


def _completions(words: str, tmp_path: Path) -> list[str]:
    """What bash completion offers for the last of ``words`` (riskaudit's completion protocol, as bash runs it)."""
    env = {"_RISKAUDIT_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    result = run_command(cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_shell_completion_script_and_answers(tmp_path: Path) -> None:
    script = run_command("--show-completion", "bash", cwd=tmp_path)
    assert script.returncode == 0 and "complete -o default -F _riskaudit_completion riskaudit" in script.stdout
    assert _completions("riskaudit sc", tmp_path) == ["scan"]
    assert _completions("riskaudit scan --fail-on h", tmp_path) == ["high"]
    assert _completions("riskaudit scan --format ", tmp_path) == ["markdown", "html", "json", "sarif", "github"]
    assert "--show-source" in _completions("riskaudit scan --sh", tmp_path)
