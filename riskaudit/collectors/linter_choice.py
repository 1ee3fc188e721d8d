"""Which linter a scan runs: the project's own (flake8 or ruff), decided from its config files or by ``--linter``.

Many projects have moved from flake8 to ruff. A project that configures ruff (``[tool.ruff]`` in
``pyproject.toml``, ``ruff.toml`` or ``.ruff.toml``) and not flake8 (a ``[flake8]`` section in
``setup.cfg``, ``tox.ini`` or ``.flake8``, or ``[tool.flake8]`` in ``pyproject.toml``) is linted with
ruff; every other project, one that configures both or neither included, with flake8. The config files
are looked for as the linters look for them, from the target's root upwards; under ``--untrusted``
only in the root (nothing outside the target is read).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from riskaudit.collectors.flake8_plugins import folder_config

AUTO = "auto"
"""``--linter auto``: the project's own linter."""
LINTERS = ("flake8", "ruff")
"""The linters riskaudit can run, the default first."""
LINTER_CHOICES = (AUTO, *LINTERS)
"""The values of ``--linter``."""
RUFF_FILES = ("ruff.toml", ".ruff.toml")
"""ruff's own config files (``pyproject.toml`` counts when it has a ``[tool.ruff]`` table)."""


@dataclass(frozen=True)
class LinterChoice:
    """The linter a scan runs and why."""

    name: str
    """``flake8`` or ``ruff``."""
    reason: str
    """Why, as the report says it: ``the project configures ruff (pyproject.toml [tool.ruff]), not flake8``."""


def _pyproject_tables(folder: Path) -> dict[str, object]:
    """The ``[tool]`` tables of the folder's ``pyproject.toml``; empty when it is missing or unreadable."""
    try:
        with (folder / "pyproject.toml").open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    tool = data.get("tool")
    return tool if isinstance(tool, dict) else {}


def ruff_config(folder: Path, tools: Mapping[str, object]) -> str:
    """Where the folder configures ruff (``ruff.toml``, ``pyproject.toml [tool.ruff]``); empty when it does not.

    ``tools`` holds the ``[tool]`` tables of the folder's ``pyproject.toml``.
    """
    for name in RUFF_FILES:
        if (folder / name).is_file():
            return name
    return "pyproject.toml [tool.ruff]" if "ruff" in tools else ""


def flake8_config(folder: Path, tools: Mapping[str, object]) -> str:
    """Where the folder configures flake8 (``.flake8``, ``setup.cfg [flake8]``, ...); empty when it does not.

    The files are flake8's own, in its order (``flake8_plugins.folder_config``); ``[tool.flake8]`` in
    ``pyproject.toml`` (``tools``) is read by the Flake8-pyproject plugin.
    """
    found = folder_config(folder)
    if found is not None:
        return found.name if found.name == ".flake8" else f"{found.name} [flake8]"
    return "pyproject.toml [tool.flake8]" if "flake8" in tools else ""


def _folders(root: Path, upwards: bool) -> list[Path]:
    """The root, then (when ``upwards``) its parents up to, not including, the home folder or the file system root."""
    start = root.resolve()
    if not upwards:
        return [start]
    home = Path.home().resolve()
    found = [start]
    for parent in start.parents:
        if parent == home or parent == parent.parent:
            break
        found.append(parent)
    return found


def choose_linter(root: Path, requested: str = AUTO, untrusted: bool = False) -> LinterChoice:
    """The linter to run on the project at root: ``requested`` unless it is ``auto``, else the project's own.

    The nearest folder (from the root up) that configures either linter decides; a folder configuring
    both keeps flake8.
    """
    if requested != AUTO:
        return LinterChoice(requested, f"chosen by the linter option (--linter {requested} or [tool.riskaudit] linter)")
    for folder in _folders(root, upwards=not untrusted):
        tools = _pyproject_tables(folder)
        ruff, flake8 = ruff_config(folder, tools), flake8_config(folder, tools)
        where = "" if folder == root.resolve() else f" in {folder}"
        if ruff and not flake8:
            return LinterChoice("ruff", f"the project configures ruff ({ruff}{where}), not flake8")
        if flake8:
            both = f"; it also configures ruff ({ruff})" if ruff else ""
            return LinterChoice("flake8", f"the project configures flake8 ({flake8}{where}){both}")
    return LinterChoice("flake8", "the project configures neither flake8 nor ruff: flake8 is the default")
