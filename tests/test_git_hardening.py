"""git on the target runs none of the repository's programs and answers the same whatever its config says."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from riskaudit.diff import changed_lines
from riskaudit.running.git import git_available, git_commit

pytestmark = pytest.mark.skipif(not git_available(), reason="git is not installed")


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=riskaudit", "-c", "user.email=ra@example.invalid", "-c", "commit.gpgsign=false",
         *args],
        cwd=root, check=True, capture_output=True, text=True,
    )


@pytest.fixture()
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """A committed repository whose own config names a program for every hook git offers; and its marker file."""
    root = tmp_path / "repo"
    root.mkdir()
    marker = tmp_path / "ran"
    script = tmp_path / "payload.sh"
    script.write_text(f"#!/bin/sh\necho ran >> {marker}\n", encoding="utf-8")
    script.chmod(0o755)
    (root / "app.py").write_text("x = 1\n", encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "initial")
    for key, value in (
        ("core.fsmonitor", str(script)),
        ("core.pager", str(script)),
        ("diff.external", str(script)),
        ("core.hooksPath", str(tmp_path)),
    ):
        _git(root, "config", key, value)
    (root / ".gitattributes").write_text("*.py diff=evil\n", encoding="utf-8")
    _git(root, "config", "diff.evil.textconv", str(script))
    (root / "app.py").write_text("x = 2\n", encoding="utf-8")
    return root, marker


def test_commit_id_runs_no_repository_program(hostile: tuple[Path, Path]) -> None:
    root, marker = hostile
    commit = git_commit(root)
    assert commit.endswith("-dirty")
    assert not marker.exists()


def test_diff_runs_no_repository_program(hostile: tuple[Path, Path]) -> None:
    root, marker = hostile
    changes = changed_lines(root, "HEAD")
    assert changes.files["app.py"] == frozenset({1})
    assert not marker.exists()


def test_rename_detection_in_the_repository_config_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    body = "".join(f"value_{n} = {n}\n" for n in range(40))
    (root / "old.py").write_text(body, encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "initial")
    _git(root, "config", "diff.renames", "copies")
    _git(root, "mv", "old.py", "new.py")
    _git(root, "commit", "-q", "-m", "rename")
    changes = changed_lines(root, "HEAD~1")
    assert changes.files["new.py"] == frozenset(range(1, 41))
