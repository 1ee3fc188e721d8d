"""Fail closed on bad input: real tools on hostile files; the rest of the analysis goes on.

One "zoo" project full of bad files is scanned once; each case then checks its own file. Faults in
the tools themselves are injected with a fake target interpreter (riskaudit runs ``<python> -m
<tool>`` of the target's interpreter when that can import the tool).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from riskaudit.detectors.runner import PARALLEL_THRESHOLD
from support import REPO, as_ordinary_user, copy_fixture, run_cli

ZOO: dict[str, bytes] = {
    "ok.py": b"import os\n\n\ndef f(x):\n    return x\n",
    "syntax.py": b"def f(:\n    pass\n",
    "nul.py": b"x = 1\x00\ny = 2\n",
    "latin1_nocookie.py": b"s = '\xe9'\n",
    "latin1_cookie.py": b"# -*- coding: latin-1 -*-\ns = '\xe9'\n",
    "badcookie.py": b"# -*- coding: klingon -*-\nx = 1\n",
    "bom.py": b"\xef\xbb\xbfimport os\n",
    "cr.py": b"import os\rimport sys\r",
    "crlf.py": b"import os\r\nimport sys\r\n",
    "longexpr.py": ("x = " + " + ".join(["1"] * 50_000) + "\n").encode(),
    "nested.py": ("x = " + "[" * 1000 + "]" * 1000 + "\n").encode(),
    # compiles, but a recursive walk of its tree hits the recursion limit
    "deepsum.py": ("x = " + "+".join(["b"] * 600) + "\n").encode(),
    # valid Python that libcst 1.x fails on with a TypeError instead of a syntax error
    "libcst_rejects.py": b"x = a if b else(lambda: 1)\n",
    "<img src=x onerror=alert(1)>.py": b"import os\n",
    "new\nline.py": b"import os\n",
    os.fsdecode(b"bad\xff.py"): b"import os\n",
}


def _zoo(root: Path) -> Path:
    project = root / "zoo"
    project.mkdir()
    for name, data in ZOO.items():
        (project / name).write_bytes(data)
    os.mkfifo(project / "x.py")
    (project / "loop.py").symlink_to("loop.py")
    (project / "broken.py").symlink_to("missing_target.py")
    secret = root / "secret.txt"
    secret.write_text("TOKEN = 'outside-the-target-secret'\n", encoding="utf-8")
    (project / "settings.py").symlink_to(secret)
    (project / "alias.py").symlink_to("crlf.py")
    return project


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str, str]:
    """Exit code, JSON results, Markdown and HTML reports of one scan of the zoo."""
    base = tmp_path_factory.mktemp("zoo")
    project = _zoo(base)
    out = base / "out.json"
    done = run_cli("scan", str(project), "--no-cache", "--format", "json", "-o", str(out))
    assert run_cli("render", str(out), "-o", str(base / "out.md")).returncode == 0
    assert run_cli("render", str(out), "-f", "html", "-o", str(base / "out.html")).returncode == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    return done.returncode, data, (base / "out.md").read_text("utf-8"), (base / "out.html").read_text("utf-8")


def _findings(data: dict[str, Any], path: str) -> list[tuple[str, str]]:
    return [(f["rule_id"], f["tool"] if "tool" in f else "") for f in data["findings"] if f.get("path") == path]


def _raw(data: dict[str, Any], tool: str, path: str) -> list[str]:
    run = next(r for r in data["runs"] if r["name"] == tool)
    return [f["code"] for f in run["findings"] if f["path"] == path]


def _raw_all(data: dict[str, Any], tool: str) -> list[dict[str, Any]]:
    """Every raw finding of one tool's run."""
    return list(next(r for r in data["runs"] if r["name"] == tool)["findings"])


def test_zoo_is_not_clean_and_every_tool_completed(zoo: tuple[int, dict[str, Any], str, str]) -> None:
    code, data, markdown, _ = zoo
    assert code == 1  # critical RA211 findings, and no tool failed
    statuses = {r["name"]: r["status"] for r in data["runs"]}
    assert statuses == {"flake8": "ok", "mypy": "ok", "radon": "ok", "coverage": "skipped", "riskaudit": "ok"}
    assert "F401" in _raw(data, "flake8", "ok.py"), "the good file lost its findings"
    assert "Risk analysis of zoo" in markdown


@pytest.mark.parametrize("name", ["syntax.py", "nul.py", "nested.py", "longexpr.py"])
def test_unparsable_files_are_critical_findings(zoo: tuple[int, dict[str, Any], str, str], name: str) -> None:
    _, data, _, _ = zoo
    assert any(f["rule_id"] == "RA211" and f["path"] == name for f in data["findings"]), name


def test_huge_expression_crash_is_named(zoo: tuple[int, dict[str, Any], str, str]) -> None:
    _, data, _, _ = zoo
    assert "crash" in _raw(data, "flake8", "longexpr.py")
    assert "syntax" in _raw(data, "mypy", "longexpr.py")


def test_files_the_own_analysis_cannot_walk_are_named_and_the_rest_goes_on(
    zoo: tuple[int, dict[str, Any], str, str],
) -> None:
    _, data, _, _ = zoo
    runs = {r["name"]: r for r in data["runs"]}
    for tool in ("radon", "riskaudit"):
        assert "deepsum.py (too deeply nested to analyse" in runs[tool]["reason"], tool
    assert "libcst_rejects.py (libcst cannot parse it (TypeError" in runs["riskaudit"]["reason"]
    assert _raw(data, "flake8", "libcst_rejects.py"), "flake8 still reads the file libcst rejects"


def test_undecodable_file_does_not_stop_mypy(zoo: tuple[int, dict[str, Any], str, str]) -> None:
    _, data, _, _ = zoo
    assert "syntax" in _raw(data, "mypy", "latin1_nocookie.py")
    mypy = next(r for r in data["runs"] if r["name"] == "mypy")
    assert "latin1_nocookie.py" in mypy["reason"]


@pytest.mark.parametrize("name", ["latin1_cookie.py", "bom.py", "cr.py", "crlf.py"])
def test_odd_encodings_and_line_ends_are_analysed(zoo: tuple[int, dict[str, Any], str, str], name: str) -> None:
    _, data, _, _ = zoo
    assert _raw(data, "flake8", name), f"{name} got no flake8 findings"
    assert not any(f["rule_id"] == "RA211" and f["path"] == name for f in data["findings"])


def test_bad_encoding_cookie_is_a_critical_finding(zoo: tuple[int, dict[str, Any], str, str]) -> None:
    """Python refuses ``coding: klingon`` while flake8 and mypy accept it: riskaudit says so, and goes on."""
    _, data, _, _ = zoo
    assert _raw(data, "flake8", "badcookie.py")
    (refused,) = [f for f in data["findings"] if f["path"] == "badcookie.py" and f["rule_id"] == "RA211"]
    assert refused["severity"] == "critical" and "riskaudit:unreadable-source" in refused["sources"]
    assert "klingon" in refused["message"]


@pytest.mark.parametrize(
    ("note", "name"),
    [
        ("x.py (not a regular file)", "x.py"),
        ("loop.py (broken symlink or symlink loop)", "loop.py"),
        ("broken.py (broken symlink or symlink loop)", "broken.py"),
        ("settings.py (symlink to a file outside the target)", "settings.py"),
        ("new\\nline.py (file name contains a control character)", "new\nline.py"),
        ("bad\\xff.py (file name is not valid UTF-8)", None),
    ],
)
def test_files_that_cannot_be_analysed_are_noted(
    zoo: tuple[int, dict[str, Any], str, str], note: str, name: str | None
) -> None:
    _, data, markdown, _ = zoo
    assert note in data["meta"]["not_analysed"]
    assert f"not analysed: {note}".replace("\\", "\\\\") in markdown or f"not analysed: {note}" in markdown
    if name is not None:
        assert all(f.get("path") != name for f in data["findings"])


def test_nothing_outside_the_target_reaches_the_reports(zoo: tuple[int, dict[str, Any], str, str]) -> None:
    _, data, markdown, html = zoo
    assert "outside-the-target-secret" not in json.dumps(data) + markdown + html
    assert "alias.py" not in " ".join(data["meta"]["not_analysed"])
    assert "F401" in _raw(data, "flake8", "alias.py")


def test_html_file_name_is_escaped(zoo: tuple[int, dict[str, Any], str, str]) -> None:
    _, data, _, html = zoo
    assert "F401" in _raw(data, "flake8", "<img src=x onerror=alert(1)>.py")
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.py" in html


def _big_project(tmp_path: Path) -> Path:
    """A project with an 8 MB generated module (big.py) beside a small one with a finding."""
    project = tmp_path / "big"
    project.mkdir()
    lines = [f"value_{n} = '{'x' * 4000}'\n" for n in range(2_000)]
    (project / "big.py").write_text("".join(lines), encoding="utf-8")
    (project / "small.py").write_text("import os\n", encoding="utf-8")
    return project


def test_a_file_over_the_size_limit_is_listed_not_analysed(tmp_path: Path) -> None:
    project = _big_project(tmp_path)
    size = (project / "big.py").stat().st_size
    out = tmp_path / "out.json"
    done = run_cli("scan", str(project), "--no-cache", "--fail-on", "none", "-f", "json", "-o", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text("utf-8"))
    assert f"big.py ({size:,} bytes, larger than max-file-size 1,000,000)" in data["meta"]["not_analysed"]
    assert "F401" in _raw(data, "flake8", "small.py")
    assert all(f["path"] != "big.py" for f in data["findings"])
    assert all(f["path"] != "big.py" for run in data["runs"] for f in run["findings"])
    assert data["meta"]["lines"] == 1


def test_a_big_generated_file_under_a_raised_limit_is_analysed(tmp_path: Path) -> None:
    project = _big_project(tmp_path)
    out = tmp_path / "out.json"
    done = run_cli(
        "scan", str(project), "--no-cache", "--fail-on", "none", "--max-file-size", "1e7", "-f", "json", "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text("utf-8"))
    assert "F401" in _raw(data, "flake8", "small.py")
    assert data["meta"]["lines"] >= 2_000
    assert not any(entry.startswith("big.py") for entry in data["meta"]["not_analysed"])


def test_an_unreadable_file_makes_the_analysis_incomplete(tmp_path: Path) -> None:
    prefix = as_ordinary_user()
    project = tmp_path / "project"
    project.mkdir()
    (project / "secret.py").write_text("import sys\n", encoding="utf-8")
    (project / "secret.py").chmod(0)
    (project / "ok.py").write_text("import os\n", encoding="utf-8")
    out = tmp_path / "o.json"
    done = run_cli("scan", str(project), "--no-cache", "-f", "json", "-o", str(out), prefix=prefix)
    assert done.returncode == 2, done.stderr
    data = json.loads(out.read_text("utf-8"))
    assert "secret.py (cannot be read: Permission denied)" in data["meta"]["not_analysed"]
    (issue,) = [i for i in data["environment"] if i["kind"] == "unreadable-file"]
    assert issue["files"] == ["secret.py"] and issue["incomplete"] is True
    assert "F401" in _raw(data, "flake8", "ok.py")
    assert all(f["path"] != "secret.py" for run in data["runs"] for f in run["findings"])


def test_a_read_only_target_is_analysed_as_a_writable_one_and_left_as_it_was(tmp_path: Path) -> None:
    prefix = as_ordinary_user()
    writable, read_only = copy_fixture("asyncapp", tmp_path / "w"), copy_fixture("asyncapp", tmp_path / "r")
    expected = run_cli("scan", str(writable), "--no-cache", "-f", "json", "-o", str(tmp_path / "w.json"))
    before = sorted(p.relative_to(read_only) for p in read_only.rglob("*"))
    for entry in [read_only, *read_only.rglob("*")]:
        entry.chmod(entry.stat().st_mode & ~0o222)
    try:
        done = run_cli("scan", str(read_only), "-f", "json", "-o", str(tmp_path / "r.json"), prefix=prefix)
        after = sorted(p.relative_to(read_only) for p in read_only.rglob("*"))
    finally:
        for entry in [read_only, *read_only.rglob("*")]:
            entry.chmod(entry.stat().st_mode | 0o200)
    assert done.returncode == expected.returncode == 1, done.stderr
    assert after == before
    findings = [json.loads((tmp_path / name).read_text("utf-8"))["findings"] for name in ("w.json", "r.json")]
    where = [[(f["rule_id"], f["path"], f["line"]) for f in found] for found in findings]
    assert where[1] == where[0] and where[0]


def test_corrupt_coverage_data(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("import os\n", encoding="utf-8")
    (tmp_path / ".coverage").write_bytes(b"SQLite format 3\x00" + os.urandom(2000))
    out = tmp_path / "out.json"
    done = run_cli("scan", str(tmp_path), "--no-cache", "-f", "json", "-o", str(out))
    assert done.returncode == 2
    data = json.loads(out.read_text("utf-8"))
    runs = {r["name"]: r for r in data["runs"]}
    assert runs["coverage"]["status"] == "failed" and ".coverage" in runs["coverage"]["reason"]
    assert runs["flake8"]["status"] == "ok" and "F401" in _raw(data, "flake8", "ok.py")


FAKE_PYTHON = """#!/bin/sh
# riskaudit starts a tool as ``python -c '...runpy.run_module(TOOL...)' ARGS``; other ``-c`` runs are probes
case "$*" in
  *--version*) echo "mypy 1.13.0 (fake)"; exit 0 ;;
  *run_module*) ;;
  *" -c "*|-c*) exit 0 ;;
esac
{action}
"""
ACTIONS = {
    "hang": "sleep 120 & wait",
    "segfault": "kill -SEGV $$",
    "garbage": "echo 'this is not tool output'; echo 'Traceback (most recent call last)' >&2; exit 1",
    "missing": "exec /nonexistent/python \"$@\"",
    "garbage-exit-0": "echo 'Segmentation fault (core dumped)'; exit 0",
}


def _fake_project(tmp_path: Path, action: str) -> tuple[Path, Path]:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "a.py").write_text("import os\n", encoding="utf-8")
    (project / "b.py").write_text("import sys\n", encoding="utf-8")
    fake = tmp_path / "fakepython"
    fake.write_text(FAKE_PYTHON.format(action=ACTIONS[action]), encoding="utf-8")
    fake.chmod(0o755)
    return project, fake


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_broken_tools_fail_closed(tmp_path: Path, action: str) -> None:
    project, fake = _fake_project(tmp_path, action)
    out = tmp_path / "out.json"
    done = run_cli(
        "scan", str(project), "--python", str(fake), "--timeout", "3", "--no-cache", "-f", "json", "-o", str(out)
    )
    assert done.returncode == 2, done.stderr
    data = json.loads(out.read_text("utf-8"))
    runs = {r["name"]: r for r in data["runs"]}
    for tool in ("mypy", "flake8"):
        assert runs[tool]["status"] == "failed", runs[tool]
        assert runs[tool]["reason"]
    if action == "hang":
        assert runs["mypy"]["reason"] == "timed out after 3 s (--timeout)"
    assert runs["radon"]["status"] == "ok" and runs["riskaudit"]["status"] == "ok"


def test_garbage_from_an_old_mypy_fails_closed(tmp_path: Path) -> None:
    # a mypy too old for JSON output is read as text: a line that is not mypy's is a failed run, not "no errors"
    project, fake = _fake_project(tmp_path, "garbage-exit-0")
    fake.write_text(fake.read_text(encoding="utf-8").replace("mypy 1.13.0", "mypy 1.4.1"), encoding="utf-8")
    out = tmp_path / "out.json"
    done = run_cli("scan", str(project), "--python", str(fake), "--no-cache", "-f", "json", "-o", str(out))
    assert done.returncode == 2, done.stderr
    mypy = next(r for r in json.loads(out.read_text("utf-8"))["runs"] if r["name"] == "mypy")
    assert mypy["status"] == "failed"
    assert mypy["reason"] == "line 1 of mypy's output is not a mypy message: 'Segmentation fault (core dumped)'"


def _processes_naming(text: str) -> list[str]:
    """Command lines of the running processes that mention text."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_scan_stops_its_tools_and_keeps_the_old_report(tmp_path: Path, signum: int, code: int) -> None:
    project, fake = _fake_project(tmp_path, "hang")
    out = tmp_path / "report.md"
    out.write_text("old report\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskaudit", "scan", str(project), "--python", str(fake), "-o", str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    time.sleep(1)
    assert _processes_naming(str(tmp_path)) == []
    assert out.read_text("utf-8") == "old report\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report.md.")]


def test_without_dev_shm_the_scan_runs_in_one_process_and_finds_the_same(tmp_path: Path) -> None:
    # containers without a writable /dev/shm cannot have the POSIX semaphores a worker pool needs
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    for n in range(PARALLEL_THRESHOLD + 5):
        (project / "pkg" / f"m{n}.py").write_text(f"import os\n\n\ndef f{n}(x):\n    return x\n", encoding="utf-8")
    shielded = f"mount -t tmpfs -o ro tmpfs /dev/shm && exec {sys.executable} -m riskaudit \"$@\""
    prefix = ("unshare", "--mount", "--map-root-user", "sh", "-c", shielded, "riskaudit")
    if shutil.which("unshare") is None or subprocess.run([*prefix, "--version"], capture_output=True).returncode:
        pytest.skip("cannot mount a read-only /dev/shm in a private mount namespace here")
    args = ("scan", str(project), "--no-cache", "--fail-on", "none", "-f", "json")
    without = subprocess.run([*prefix, *args, "-o", str(tmp_path / "without.json")], capture_output=True, text=True)
    usual = run_cli(*args, "-o", str(tmp_path / "usual.json"))
    assert without.returncode == usual.returncode == 0, without.stderr
    results = [json.loads((tmp_path / name).read_text("utf-8")) for name in ("without.json", "usual.json")]
    assert [r["status"] for r in results[0]["runs"]] == [r["status"] for r in results[1]["runs"]]
    assert results[0]["findings"] == results[1]["findings"]
    assert sum(f["code"] == "F401" for f in _raw_all(results[0], "flake8")) == PARALLEL_THRESHOLD + 5
