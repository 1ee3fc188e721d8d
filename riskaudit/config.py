"""``[tool.riskaudit]`` in the target's pyproject.toml, read through the options table, and the options of a scan."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from riskaudit.errors import ConfigError
from riskaudit.option_table import effective_options, parse_config
from riskaudit.options import ScanOptions


def load_config(root: Path) -> dict[str, Any]:
    """The values the ``[tool.riskaudit]`` table of root/pyproject.toml sets, by ``ScanOptions`` field.

    Empty when there is no such table. Paths in it are relative to the project root.
    """
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
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
    return {name: root / value if isinstance(value, Path) else value for name, value in values.items()}


def scan_options(path: Path, command_line: Mapping[str, Any]) -> ScanOptions:
    """The options of a scan of path: the command line's values over its config file's over the defaults.

    An untrusted target's ``[tool.riskaudit]`` is not read: it could switch the gate off.
    """
    given = effective_options({}, command_line)
    if given.untrusted or not path.is_dir():
        return given
    return effective_options(load_config(path.resolve()), command_line)
