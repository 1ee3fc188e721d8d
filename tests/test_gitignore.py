"""Files the target's git repository ignores are not analysed; they are counted with the files left out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support import run_cli

from riskaudit.running.git import git_available

pytestmark = pytest.mark.skipif(not git_available(), reason="git is not installed")


def _project(root: Path) -> Path:
    for path, text in {
        ".gitignore": "generated/\n*_pb2.py\n",
        "app/core.py": "import os\n",
        "app/api_pb2.py": "import sys\n",
        "app/kept_pb2.py": "import json\n",
        "generated/gen.py": "import re\n",
    }.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


def _scan(root: Path, *extra: str) -> dict[str, Any]:
    out = root.parent / f"{root.name}.json"
    done = run_cli("scan", str(root), "--no-cache", "--fail-on", "none", "-f", "json", "-o", str(out), *extra)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(out.read_text("utf-8")))


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_ignored_files_are_left_out_and_listed(tmp_path: Path) -> None:
    root = _project(tmp_path / "repo")
    _git(root, "init", "-q")
    _git(root, "add", "-f", "app/kept_pb2.py")  # a tracked file is never ignored, as for git
    data = _scan(root)
    linted = {f["path"] for run in data["runs"] if run["name"] == "flake8" for f in run["findings"]}
    assert linted == {"app/core.py", "app/kept_pb2.py"}
    assert "2 file(s) ignored by git (.gitignore): app/api_pb2.py, generated/gen.py" in data["meta"]["not_analysed"]


def test_outside_a_git_work_tree_nothing_is_ignored(tmp_path: Path) -> None:
    data = _scan(_project(tmp_path / "plain"))
    linted = {f["path"] for run in data["runs"] if run["name"] == "flake8" for f in run["findings"]}
    assert linted == {"app/core.py", "app/api_pb2.py", "app/kept_pb2.py", "generated/gen.py"}


def test_a_project_in_an_ignored_folder_of_another_repository_is_analysed_whole(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    outer.mkdir()
    (outer / ".gitignore").write_text("downloads/\n", encoding="utf-8")
    _git(outer, "init", "-q")
    data = _scan(_project(outer / "downloads" / "project"))
    linted = {f["path"] for run in data["runs"] if run["name"] == "flake8" for f in run["findings"]}
    # the outer repository ignores the folder as a whole: nothing of the project is filtered by it
    assert linted == {"app/core.py", "app/api_pb2.py", "app/kept_pb2.py", "generated/gen.py"}


@pytest.mark.parametrize("how", ["flag", "config"])
def test_ignored_files_are_analysed_when_asked(tmp_path: Path, how: str) -> None:
    root = _project(tmp_path / "repo")
    _git(root, "init", "-q")
    if how == "config":
        (root / "pyproject.toml").write_text("[tool.riskaudit]\nrespect-gitignore = false\n", encoding="utf-8")
    data = _scan(root, *(["--no-respect-gitignore"] if how == "flag" else []))
    linted = {f["path"] for run in data["runs"] if run["name"] == "flake8" for f in run["findings"]}
    assert linted == {"app/core.py", "app/api_pb2.py", "app/kept_pb2.py", "generated/gen.py"}
    assert not [note for note in data["meta"]["not_analysed"] if "ignored by git" in note]
