"""The linter a scan runs: the project's own, from its config files, or the one ``--linter`` names."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskaudit.collectors.linter_choice import LinterChoice, choose_linter

RUFF_CONFIGS = {
    "pyproject.toml": ("[tool.ruff]\nline-length = 100\n", "pyproject.toml [tool.ruff]"),
    "ruff.toml": ("line-length = 100\n", "ruff.toml"),
    ".ruff.toml": ("line-length = 100\n", ".ruff.toml"),
}
FLAKE8_CONFIGS = {
    ".flake8": ("[flake8]\nmax-line-length = 100\n", ".flake8"),
    "setup.cfg": ("[metadata]\nname = x\n[flake8]\nmax-line-length = 100\n", "setup.cfg [flake8]"),
    "tox.ini": ("[tox]\n[flake8]\nselect = E\n", "tox.ini [flake8]"),
    "pyproject.toml": ("[tool.flake8]\nmax-line-length = 100\n", "pyproject.toml [tool.flake8]"),
}


@pytest.mark.parametrize("name", RUFF_CONFIGS)
def test_a_project_configuring_ruff_alone_is_linted_with_ruff(tmp_path: Path, name: str) -> None:
    text, where = RUFF_CONFIGS[name]
    (tmp_path / name).write_text(text, encoding="utf-8")
    assert choose_linter(tmp_path) == LinterChoice("ruff", f"the project configures ruff ({where}), not flake8")


@pytest.mark.parametrize("name", FLAKE8_CONFIGS)
def test_a_project_configuring_both_keeps_flake8(tmp_path: Path, name: str) -> None:
    text, where = FLAKE8_CONFIGS[name]
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "ruff.toml").write_text("line-length = 100\n", encoding="utf-8")
    also = "it also configures ruff (ruff.toml)"
    assert choose_linter(tmp_path) == LinterChoice("flake8", f"the project configures flake8 ({where}); {also}")


def test_a_project_configuring_neither_gets_flake8(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n", encoding="utf-8")
    assert choose_linter(tmp_path).name == "flake8"
    assert "neither" in choose_linter(tmp_path).reason


def test_unparseable_config_files_configure_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff\n", encoding="utf-8")
    (tmp_path / "setup.cfg").write_text("[flake8\n", encoding="utf-8")
    assert choose_linter(tmp_path).name == "flake8"


def test_the_nearest_folder_upwards_that_configures_a_linter_decides(tmp_path: Path) -> None:
    (tmp_path / "ruff.toml").write_text("line-length = 100\n", encoding="utf-8")
    package = tmp_path / "packages" / "api"
    package.mkdir(parents=True)
    choice = choose_linter(package)
    assert choice.name == "ruff" and f"in {tmp_path.resolve()}" in choice.reason
    (package / ".flake8").write_text("[flake8]\n", encoding="utf-8")
    assert choose_linter(package).name == "flake8"


def test_untrusted_looks_in_the_target_alone(tmp_path: Path) -> None:
    (tmp_path / "ruff.toml").write_text("line-length = 100\n", encoding="utf-8")
    package = tmp_path / "api"
    package.mkdir()
    assert choose_linter(package, untrusted=True).name == "flake8"
    assert choose_linter(tmp_path, untrusted=True).name == "ruff"


@pytest.mark.parametrize("requested", ["flake8", "ruff"])
def test_the_linter_option_overrides_the_projects_config(tmp_path: Path, requested: str) -> None:
    (tmp_path / ".flake8").write_text("[flake8]\n", encoding="utf-8")
    choice = choose_linter(tmp_path, requested)
    assert choice.name == requested and f"--linter {requested}" in choice.reason
