"""How the target's interpreter is chosen from ``--python``: paths are made absolute, names looked up."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from riskaudit.discovery import find_python
from riskaudit.errors import TargetError
from riskaudit.running.process import time_limit


def test_relative_python_is_made_absolute_without_resolving_the_venv_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv_bin = tmp_path / "env" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(sys.executable)
    monkeypatch.chdir(tmp_path)
    python, origin = find_python(tmp_path / "elsewhere", "env/bin/python")
    # the tools run in the target's folder: a relative path would point nowhere there
    assert python == str(venv_bin / "python")
    assert origin == "--python"


def test_bare_interpreter_name_is_found_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mypython").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    python, _ = find_python(tmp_path, "mypython")
    assert python == str(tmp_path / "mypython")
    assert shutil.which("mypython") == python


@pytest.mark.parametrize("given", ["no-such-python-here", "missing/bin/python"])
def test_missing_interpreter_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TargetError, match=f"--python {given}: no such interpreter"):
        find_python(tmp_path, given)


def test_a_broken_venv_interpreter_is_named_not_skipped_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(tmp_path / "gone" / "python3.11")
    python, origin = find_python(tmp_path, None)
    assert python == sys.executable
    assert origin == "riskaudit's interpreter: .venv/bin/python is a broken symlink"


def _hanging_python(folder: Path) -> Path:
    """An executable that, asked anything, never answers."""
    folder.mkdir(parents=True, exist_ok=True)
    python = folder / "python"
    python.write_text("#!/bin/sh\nexec sleep 600\n", encoding="utf-8")
    python.chmod(0o755)
    return python


def test_an_interpreter_that_does_not_answer_is_an_error_when_given(tmp_path: Path) -> None:
    python = _hanging_python(tmp_path / "hung")
    with time_limit(1), pytest.raises(TargetError) as raised:
        find_python(tmp_path, str(python))
    assert str(raised.value) == (
        f"--python {python}: asked for its version, timed out after 1 s (--timeout); pass a working interpreter"
    )


def test_a_venv_interpreter_that_does_not_answer_is_named_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    _hanging_python(tmp_path / ".venv" / "bin")
    with time_limit(1):
        python, origin = find_python(tmp_path, None)
    assert python == sys.executable
    assert origin == "riskaudit's interpreter: .venv/bin/python did not answer: timed out after 1 s (--timeout)"


def _venv(folder: Path) -> Path:
    """A virtualenv-shaped folder whose python is riskaudit's own interpreter."""
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").symlink_to(sys.executable)
    return folder / "bin" / "python"


def test_the_projects_venv_wins_over_an_active_one_from_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    own = _venv(project / ".venv")
    hook = tmp_path / "hook-env"
    _venv(hook)
    monkeypatch.setenv("VIRTUAL_ENV", str(hook))
    assert find_python(project, None) == (str(own), f".venv, preferred to $VIRTUAL_ENV {hook} (not this project's)")


def test_an_active_venv_inside_the_project_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _venv(tmp_path / ".venv")
    active = _venv(tmp_path / "env")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "env"))
    assert find_python(tmp_path, None) == (str(active), "$VIRTUAL_ENV")


def test_an_active_venv_from_elsewhere_is_used_when_the_project_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    active = _venv(tmp_path / "elsewhere")
    (tmp_path / "project").mkdir()
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "elsewhere"))
    assert find_python(tmp_path / "project", None) == (str(active), "$VIRTUAL_ENV")
