"""The ruff release a project pins, read where projects keep it, and the issue when another one ran."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskaudit.collectors.ruff_version import Pin, project_pin, version_issue

PRE_COMMIT = """\
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v6.0.0
    hooks:
      - id: trailing-whitespace
  - repo: https://github.com/astral-sh/ruff-pre-commit
    # keep in step with the dev dependency
    rev: "v0.6.9"
    hooks:
      - id: ruff
"""

HOOK_PIN = Pin("0.6.9", ".pre-commit-config.yaml")
PYPROJECT = "pyproject.toml"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (".pre-commit-config.yaml", PRE_COMMIT, HOOK_PIN),
        (".pre-commit-config.yaml", PRE_COMMIT.replace("astral-sh", "charliermarsh"), HOOK_PIN),
        ("pyproject.toml", '[dependency-groups]\ndev = ["pytest", "ruff==0.15.20"]\n', Pin("0.15.20", PYPROJECT)),
        ("pyproject.toml", '[project.optional-dependencies]\nlint = ["ruff ~= 0.14.10"]\n', Pin("0.14.10", PYPROJECT)),
        ("pyproject.toml", '[tool.poetry.group.dev.dependencies]\nruff = "0.5.1"\n', Pin("0.5.1", "pyproject.toml")),
        ("requirements-dev.txt", "pytest==8.0\nruff==0.4.2  # linter\n", Pin("0.4.2", "requirements-dev.txt")),
        ("pyproject.toml", '[dependency-groups]\ndev = ["ruff>=0.7.1"]\n', None),  # a floor pins nothing
        ("pyproject.toml", '[project]\ndependencies = ["ruffus==2.8"]\n', None),
        (".pre-commit-config.yaml", PRE_COMMIT.replace('rev: "v0.6.9"', "hooks: []"), None),
    ],
)
def test_the_projects_pin(tmp_path: Path, name: str, text: str, expected: Pin | None) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    assert project_pin(tmp_path) == expected


def test_the_pre_commit_hook_wins_over_a_requirement(tmp_path: Path) -> None:
    (tmp_path / ".pre-commit-config.yaml").write_text(PRE_COMMIT, encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("ruff==0.5.0\n", encoding="utf-8")
    assert project_pin(tmp_path) == Pin("0.6.9", ".pre-commit-config.yaml")


def test_another_minor_release_is_an_environment_issue_naming_the_pin_and_the_fix() -> None:
    issue = version_issue("ruff 0.17.6", Pin("0.6.9", ".pre-commit-config.yaml"))
    assert issue is not None and (issue.kind, issue.subject, issue.tool) == ("tool-version", "ruff", "ruff")
    assert "ruff 0.17.6 ran, the project pins ruff 0.6.9 (.pre-commit-config.yaml)" in issue.detail
    assert issue.fix.startswith("install ruff==0.6.9") and not issue.incomplete


@pytest.mark.parametrize("pin", [None, Pin("0.17.2", "pyproject.toml")])
def test_no_issue_without_a_pin_or_for_the_same_minor_release(pin: Pin | None) -> None:
    assert version_issue("ruff 0.17.6", pin) is None
