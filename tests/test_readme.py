"""The README's set-up commands are the ones CI runs."""

from __future__ import annotations

import re

from support import REPO


def _commands(text: str) -> list[str]:
    """Shell commands in the README's ```sh blocks."""
    return [line.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.S) for line in block.splitlines()]


def test_ci_runs_the_readme_test_command() -> None:
    readme = _commands((REPO / "README.md").read_text())
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    test_command = ".venv/bin/python -m pytest -q"
    assert test_command in readme
    assert test_command in ci


def test_readme_install_command_scans() -> None:
    readme = _commands((REPO / "README.md").read_text())
    assert any('pip install -q -e ".[dev]"' in c and "riskaudit scan ." in c for c in readme)
    assert any('pip install -q -e ".[dev]"' in line for line in (REPO / ".ci" / "run").read_text().splitlines())
