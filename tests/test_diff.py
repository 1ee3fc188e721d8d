"""--diff REF: only findings on lines changed since a git ref, in a real git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support import copy_fixture, run_cli, run_project_tests

from riskaudit.diff import Changes, DiffError, changed_lines, parse_diff
from riskaudit.models import Finding, Severity

PINNED = {"SOURCE_DATE_EPOCH": "1767225600"}
SESSION = "app/db/session.py"
NEW_FUNCTION = (
    '\n\nasync def restart_db() -> None:\n    """Restart the database layer."""\n'
    "    dispose_engine()\n"
)
EXTRA = '"""An untracked module."""\n\n\ndef helper(value):\n    """Untyped."""\n    return value\n'


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=riskaudit", "-c", "user.email=ra@example.invalid", "-c", "commit.gpgsign=false",
         *args],
        cwd=root, check=True, capture_output=True, text=True,
    )


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A committed copy of the async fixture, then changed: a new defect appended, an untracked module."""
    project = copy_fixture("asyncapp", tmp_path)
    (project / ".gitignore").write_text(".coverage\n.riskaudit_cache/\n__pycache__/\n", encoding="utf-8")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "initial")
    session = project / SESSION
    session.write_text(session.read_text(encoding="utf-8") + NEW_FUNCTION, encoding="utf-8")
    (project / "app" / "extra.py").write_text(EXTRA, encoding="utf-8")
    return project


def _scan(project: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    out = project.parent / "results.json"
    run = run_cli("scan", str(project), "--format", "json", "--output", str(out), *args, env=PINNED)
    assert out.is_file(), run.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return run.returncode, data, run.stderr


def test_diff_keeps_only_findings_on_changed_lines(repo: Path) -> None:
    tests = run_project_tests(repo)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    code, full, _ = _scan(repo)
    code, data, stderr = _scan(repo, "--diff", "HEAD")
    session_lines = (repo / SESSION).read_text(encoding="utf-8").splitlines()
    first_new = len(session_lines) - NEW_FUNCTION.count("\n") + 1
    assert data["findings"], stderr
    for finding in data["findings"]:
        assert finding["path"] in (SESSION, "app/extra.py"), finding
        if finding["path"] == SESSION:
            assert finding["line"] is None or finding["line"] >= first_new, finding
    symbols = {(f["rule_id"], f["symbol"]) for f in data["findings"]}
    assert ("RA101", "restart_db") in symbols and ("RA101", "close_db") not in symbols
    assert any(f["path"] == "app/extra.py" for f in data["findings"])  # untracked files count as changed
    assert all(f["path"] is not None for f in data["findings"])  # project-level findings are left out
    diff = data["diff"]
    assert diff["ref"] == "HEAD" and diff["files"] == sorted(diff["files"])
    assert {SESSION, "app/extra.py"} <= set(diff["files"]) and ".coverage" not in diff["files"]
    assert diff["dropped"] == len(full["findings"]) - len(data["findings"]) > 0
    assert diff["statements"] and diff["executed"] is not None and diff["executed"] < diff["statements"]
    assert code == 1  # the new missing await is critical
    assert "Diff since HEAD" in stderr
    md = run_cli("render", str(repo.parent / "results.json"), "--format", "markdown", "--output", "-").stdout
    assert "| Diff | only lines changed since `HEAD`" in md and "coverage of the changed lines: " in md


def test_unchanged_tree_has_no_findings(repo: Path) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "second")
    code, data, _ = _scan(repo, "--diff", "HEAD")
    assert data["findings"] == [] and data["diff"]["files"] == [] and data["diff"]["statements"] is None
    assert code == 0


@pytest.mark.parametrize("ref", ["no-such-ref", "--output=/tmp/x"])
def test_bad_ref_is_a_one_line_error(repo: Path, ref: str) -> None:
    run = run_cli("scan", str(repo), f"--diff={ref}", "--output", str(repo.parent / "r.md"))
    assert run.returncode == 2
    assert ref in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert not (repo.parent / "r.md").exists()


def test_outside_git_is_a_one_line_error(tmp_path: Path) -> None:
    project = copy_fixture("cleanapp", tmp_path)
    run = run_cli("scan", str(project), "--diff", "HEAD", "--output", str(tmp_path / "r.md"))
    assert run.returncode == 2 and "not inside a git work tree" in run.stderr, run.stderr


def test_parse_diff() -> None:
    text = "\n".join([
        "diff --git a/app/a.py b/app/a.py",
        "--- a/app/a.py",
        "+++ b/app/a.py",
        "@@ -3,0 +4,2 @@ def f():",
        "+x = 1",
        "+++ y = 2",
        "@@ -10 +12 @@",
        "-old",
        "+new",
        "@@ -20,3 +21,0 @@",
        "-gone",
        'diff --git "a/app/t\\tb.py" "b/app/t\\tb.py"',
        "new file mode 100644",
        "--- /dev/null",
        '+++ "b/app/t\\tb.py"',
        "@@ -0,0 +1 @@",
        "+z = 3",
        "diff --git a/app/old.py b/app/old.py",
        "deleted file mode 100644",
        "--- a/app/old.py",
        "+++ /dev/null",
        "@@ -1 +0,0 @@",
        "-w = 4",
    ])
    assert parse_diff(text) == {"app/a.py": frozenset({4, 5, 12}), "app/t\tb.py": frozenset({1})}


def test_merge_base_form_compares_with_where_the_branch_left(repo: Path) -> None:
    _git(repo, "branch", "base")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "feature work")
    for ref in ("base...HEAD", "base..."):
        changes = changed_lines(repo, ref)
        assert {SESSION, "app/extra.py"} <= set(changes.files), ref
    assert changed_lines(repo, "HEAD").files == {}  # everything is committed: nothing changed since HEAD
    with pytest.raises(DiffError, match="base is not HEAD"):
        changed_lines(repo, "HEAD...base")


def test_only_python_files_count_as_changed(repo: Path) -> None:
    (repo / "NOTES.txt").write_text("one\ntwo\nthree\n", encoding="utf-8")
    (repo / "README.md").write_text("changed\n", encoding="utf-8")
    changes = changed_lines(repo, "HEAD")
    assert all(path.endswith(".py") for path in changes.files), changes.files
    assert changes.untracked_lines == EXTRA.count("\n")


def test_a_function_whose_body_changed_keeps_its_def_line(repo: Path) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "second")
    session = repo / SESSION
    text = session.read_text(encoding="utf-8")
    session.write_text(text.replace('text("SELECT 1")', 'text("SELECT 2")'), encoding="utf-8")
    changes = changed_lines(repo, "HEAD")
    def_line = text.splitlines().index("async def ping() -> int:") + 1
    changed = text.splitlines().index('        result = await conn.execute(text("SELECT 1"))') + 1
    assert changes.files[SESSION] == frozenset({changed})
    assert changes.grown[SESSION] == frozenset({def_line})  # ping, and no other function


@pytest.mark.parametrize(("line", "kept"), [(10, True), (12, True), (30, False), (11, False)])
def test_def_line_findings_of_grown_functions_are_kept(line: int, kept: bool) -> None:
    changes = Changes("HEAD", {"app/a.py": frozenset({12})}, grown={"app/a.py": frozenset({10})})
    finding = Finding("RA401", Severity.MEDIUM, "app/a.py", line, "'f' is too complex (14)", ("flake8:C901",))
    assert changes.touches(finding) is kept
