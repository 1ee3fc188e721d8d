"""``[tool.riskaudit]`` in the project's pyproject.toml, read through the options table, and the options of a scan.

The config file is ``--config FILE`` when given; else, as ruff, mypy and pytest do, the nearest
``pyproject.toml`` from the scanned folder upwards, stopping at the repository root (a folder holding
``.git``): ``riskaudit scan app`` from a project's root reads the root's ``[tool.riskaudit]``. Paths in
the table are relative to the folder of the file that holds it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from riskaudit.errors import ConfigError
from riskaudit.option_table import effective_options, parse_config
from riskaudit.options import ScanOptions

CONFIG_NAME = "pyproject.toml"
"""The file riskaudit looks for."""


def find_config(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` from start upwards, not above the repository root; None if none.

    The first one found is the project's, with or without a ``[tool.riskaudit]`` table (a nested project
    is not configured by its parent's).
    """
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def load_config(path: Path) -> dict[str, Any]:
    """The values the ``[tool.riskaudit]`` table of a TOML file sets, by ``ScanOptions`` field.

    Empty when there is no such table. Paths in it are made relative to the file's folder.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    tool = data.get("tool", {})
    table = tool.get("riskaudit") if isinstance(tool, dict) else None
    if table is None:
        return {}
    try:
        values = parse_config(table)
    except ValueError as exc:
        raise ConfigError(f"{path}: [tool.riskaudit] {exc}") from None
    return {name: path.parent / value if isinstance(value, Path) else value for name, value in values.items()}


def rebase(pattern: str, prefix: str) -> str | None:
    """A glob relative to the config's folder, made relative to the scanned folder below it (``prefix``).

    ``app/generated/**`` is ``generated/**`` for a scan of ``app``; a pattern for another folder matches
    nothing there (None); one that starts with a wildcard, or a bare name (``generated``, ``conftest.py``),
    matches in any folder (``riskaudit.path_patterns``) and stays as it is.
    """
    if not prefix or pattern.startswith("*") or "/" not in pattern.rstrip("/"):
        return pattern
    return pattern[len(prefix):] if pattern.startswith(prefix) else None


def _rebased(values: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The path globs of a config (``exclude``, ``per-file-ignores``, layer paths) made relative to the target."""
    if not prefix:
        return values

    def kept(globs: Iterable[str]) -> tuple[str, ...]:
        return tuple(found for glob in globs if (found := rebase(glob, prefix)) is not None)

    rebased = dict(values)
    if "exclude" in values:
        rebased["exclude"] = kept(values["exclude"])
    if "per_file_ignores" in values:
        rebased["per_file_ignores"] = tuple(
            (found, rules) for glob, rules in values["per_file_ignores"] for found in kept((glob,))
        )
    if "layers" in values:
        rebased["layers"] = tuple(replace(layer, paths=kept(layer.paths)) for layer in values["layers"])
    return rebased


def scan_options(path: Path, command_line: Mapping[str, Any]) -> ScanOptions:
    """The options of a scan of path: the command line's values over its config file's over the defaults.

    ``config`` in the result is the file read (None when none was). An untrusted target's own config is
    not read (it could switch the gate off); a ``--config`` the user names is.
    """
    given = effective_options({}, command_line)
    if given.config is not None:
        if not given.config.is_file():
            raise ConfigError(f"{given.config}: no such config file (--config)")
        found: Path | None = given.config.resolve()
    elif given.untrusted or not path.is_dir():
        return given
    else:
        found = find_config(path.resolve())
    if found is None:
        return given
    target = path.resolve()
    prefix = f"{target.relative_to(found.parent).as_posix()}/" if target.is_relative_to(found.parent) else ""
    options = effective_options(_rebased(load_config(found), prefix.removeprefix("./")), command_line)
    return replace(options, config=found)
