"""The mypy configuration in effect for a project, read as mypy reads it, and a copy of it without some plugins."""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_FILES = ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg")
"""Where mypy looks for its configuration, in its order."""
CONFIG_DIR_VARIABLE = re.compile(r"\$(?:\{MYPY_CONFIG_FILE_DIR\}|MYPY_CONFIG_FILE_DIR\b)")
"""How a config refers to its own folder (mypy expands it in paths)."""
FILE_SELECTORS = ("files", "packages", "modules")
"""Options with which a config picks what mypy checks when it is given no paths."""


@dataclass(frozen=True)
class MypyConfig:
    """The ``[mypy]`` options of the config file mypy would use, as text or TOML values."""

    path: Path
    """The config file."""
    options: Mapping[str, object]
    """Global options: strings from ini files, TOML values from pyproject.toml."""
    sections: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    """Per-module sections by their ini name (``mypy-app.*``), from ``[[tool.mypy.overrides]]`` in TOML."""

    def flag(self, name: str) -> bool | None:
        """A boolean option, or None when not set (or not a boolean)."""
        value = self.options.get(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return value.strip().lower() in ("true", "yes", "on", "1")
        return None

    def strings(self, name: str, separators: str = ",") -> tuple[str, ...]:
        """A list option (a TOML array, or text split at ``separators``), stripped, empty parts dropped."""
        value = self.options.get(name)
        if isinstance(value, list):
            parts = [str(item) for item in value]
        elif isinstance(value, str):
            parts = re.split(f"[{re.escape(separators)}]", value)
        else:
            return ()
        return tuple(part.strip() for part in parts if part.strip())

    @property
    def selects_files(self) -> bool:
        """Whether it names what to check (``files``, ``packages`` or ``modules``): mypy then runs without paths."""
        return any(name in self.options for name in FILE_SELECTORS)

    @property
    def plugins(self) -> tuple[str, ...]:
        """The plugins it loads, as written."""
        return self.strings("plugins")

    @property
    def python_version(self) -> tuple[int, int] | None:
        """Its ``python_version``, or None."""
        match = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", str(self.options.get("python_version", "")))
        return (int(match[1]), int(match[2])) if match else None


def _toml_config(path: Path) -> MypyConfig | None:
    """``[tool.mypy]`` of a pyproject.toml, or None when it has none or cannot be read."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    tool = data.get("tool")
    table = tool.get("mypy") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return None
    sections: dict[str, dict[str, object]] = {}
    overrides = table.get("overrides")
    for override in overrides if isinstance(overrides, list) else []:
        if not isinstance(override, dict):
            continue
        modules = override.get("module")
        names = [modules] if isinstance(modules, str) else modules if isinstance(modules, list) else []
        if names:
            rest = {key: value for key, value in override.items() if key != "module"}
            sections[f"mypy-{','.join(str(name) for name in names)}"] = rest
    options = {key: value for key, value in table.items() if key != "overrides"}
    return MypyConfig(path, options, sections)


def _ini_config(path: Path, always: bool) -> MypyConfig | None:
    """The ``[mypy]`` sections of an ini file when mypy would use it (``always``, or it has ``[mypy]``)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return MypyConfig(path, {}) if always else None
    if not parser.has_section("mypy"):
        return MypyConfig(path, {}) if always else None
    sections = {
        name: dict(parser.items(name)) for name in parser.sections() if name.startswith("mypy-")
    }
    return MypyConfig(path, dict(parser.items("mypy")), sections)


def find_config(root: Path) -> MypyConfig | None:
    """The config mypy run in ``root`` would use, or None.

    mypy's order: ``mypy.ini`` and ``.mypy.ini`` (even without a ``[mypy]`` section), then
    ``pyproject.toml`` with ``[tool.mypy]``, then ``setup.cfg`` with ``[mypy]``.
    """
    for name in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        found = _toml_config(path) if name == "pyproject.toml" else _ini_config(path, always=name != "setup.cfg")
        if found is not None:
            return found
    return None


def _ini_value(name: str, value: object) -> str:
    """A TOML option value as mypy's ini syntax writes it."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        items = [str(item) for item in value]
        return "|".join(items) if name == "exclude" else ", ".join(items)
    return str(value)


def _absolute(text: str, folder: Path) -> str:
    """A value with ``$MYPY_CONFIG_FILE_DIR`` replaced by the config's folder (the copy lives elsewhere)."""
    return CONFIG_DIR_VARIABLE.sub(lambda _: str(folder).replace("\\", "/"), text)


def _plugin_entry(plugin: str, folder: Path) -> str:
    """A plugin as the copy must name it: a ``.py`` path relative to the config becomes absolute."""
    path, colon, function = plugin.partition(":") if ":" in Path(plugin).name else (plugin, "", "")
    if path.endswith(".py") and not Path(path).is_absolute():
        path = str(folder / path)
    return f"{path}{colon}{function}"


def without_plugins(config: MypyConfig, dropped: Collection[str], destination: Path) -> Path:
    """Write the config as a ``mypy.ini`` in ``destination`` without the ``dropped`` plugins; returns its path.

    Everything else is kept; what mypy resolves against the config's folder (``$MYPY_CONFIG_FILE_DIR``,
    ``.py`` plugin paths) is made absolute, since the copy lives in another folder.
    """
    folder = config.path.parent.resolve()
    writer = configparser.ConfigParser(interpolation=None)
    writer.optionxform = str  # type: ignore[assignment,method-assign]
    main: dict[str, str] = {}
    for name, value in config.options.items():
        if name == "plugins":
            kept = [_plugin_entry(p, folder) for p in config.plugins if p not in dropped]
            if kept:
                main[name] = ", ".join(kept)
            continue
        main[name] = _absolute(_ini_value(name, value), folder)
    writer["mypy"] = main
    for section, values in config.sections.items():
        writer[section] = {name: _absolute(_ini_value(name, value), folder) for name, value in values.items()}
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / "mypy.ini"
    with target.open("w", encoding="utf-8") as handle:
        writer.write(handle)
    return target
