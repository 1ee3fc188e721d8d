"""``[tool.riskaudit]`` in the target's pyproject.toml: read and validated, every error naming its key."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from riskaudit.errors import ConfigError
from riskaudit.layers import DEFAULT_LAYERS, Layer
from riskaudit.options import ScanOptions

_T = TypeVar("_T")
SEVERITIES = ("critical", "high", "medium", "low", "none")
_KEYS = {
    "fail-on",
    "select",
    "ignore",
    "timeout",
    "total-coverage-threshold",
    "critical-layers",
    "exclude",
    "per-file-ignores",
    "severity",
    "baseline",
}
_RULE_SEVERITIES = ("critical", "high", "medium", "low", "info")
_LAYER_KEYS = {"names", "paths", "threshold"}


@dataclass(frozen=True)
class FileConfig:
    """Settings from the target's config file; None means "not set there"."""

    fail_on: str | None = None
    """Gate threshold."""
    select: tuple[str, ...] | None = None
    """Rule id prefixes to keep."""
    ignore: tuple[str, ...] | None = None
    """Rule id prefixes to drop."""
    timeout: float | None = None
    """Seconds per tool."""
    total_coverage_threshold: float | None = None
    """Total coverage below this is a finding."""
    layers: tuple[Layer, ...] | None = None
    """Critical layers (replacing the defaults)."""
    exclude: tuple[str, ...] | None = None
    """Path globs of files not to analyse."""
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    """``(path glob, rule id prefixes)`` dropped for matching files."""
    severities: tuple[tuple[str, str], ...] | None = None
    """``(rule id, severity)`` overrides of the catalogue's default severities."""
    baseline: str | None = None
    """Baseline file (relative to the project root) used when ``--baseline`` is not given."""


def load_config(root: Path) -> FileConfig:
    """The ``[tool.riskaudit]`` table of root/pyproject.toml; an empty config when there is none."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return FileConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    tool = data.get("tool", {})
    table = tool.get("riskaudit") if isinstance(tool, dict) else None
    if table is None:
        return FileConfig()
    try:
        return parse_config(table)
    except ValueError as exc:
        raise ConfigError(f"{path}: [tool.riskaudit] {exc}") from None


def parse_config(table: object) -> FileConfig:
    """Validate a ``[tool.riskaudit]`` table; raises ValueError naming the bad key."""
    if not isinstance(table, dict):
        raise ValueError("must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in SEVERITIES:
        raise ValueError(f"fail-on = {fail_on!r}: must be one of {', '.join(SEVERITIES)}")
    return FileConfig(
        fail_on=fail_on,
        select=_rule_list(table, "select"),
        ignore=_rule_list(table, "ignore"),
        timeout=_number(table, "timeout", minimum=0.001),
        total_coverage_threshold=_number(table, "total-coverage-threshold", maximum=100.0),
        layers=_layers(table.get("critical-layers")),
        exclude=_globs(table, "exclude"),
        per_file_ignores=_per_file_ignores(table.get("per-file-ignores")),
        severities=_severities(table.get("severity")),
        baseline=_path(table, "baseline"),
    )


def _globs(table: Mapping[str, object], key: str) -> tuple[str, ...] | None:
    """A list of path globs."""
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f'{key} must be a list of path globs, like ["migrations/*", "*_pb2.py"]')
    return tuple(value)


def _per_file_ignores(value: object) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """``per-file-ignores = {"tests/*" = ["RA2"]}``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError('per-file-ignores must be a table like {"tests/*" = ["RA2", "RA114"]}')
    result = []
    for glob, rules in value.items():
        if not isinstance(rules, list) or not all(isinstance(r, str) and r for r in rules):
            raise ValueError(f"per-file-ignores.{glob!r} must be a list of rule ids or prefixes")
        result.append((glob, tuple(r.upper() for r in rules)))
    return tuple(result)


def _severities(value: object) -> tuple[tuple[str, str], ...] | None:
    """``severity = {RA203 = "low"}``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError('severity must be a table like {RA203 = "low"}')
    result = []
    for rule_id, severity in value.items():
        if severity not in _RULE_SEVERITIES:
            raise ValueError(f"severity.{rule_id} = {severity!r}: must be one of {', '.join(_RULE_SEVERITIES)}")
        result.append((rule_id.upper(), severity))
    return tuple(result)


def _path(table: Mapping[str, object], key: str) -> str | None:
    """A non-empty path string."""
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a path relative to the project root")
    return value


def _rule_list(table: Mapping[str, object], key: str) -> tuple[str, ...] | None:
    """A list of rule id prefixes."""
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{key} must be a list of rule ids or prefixes, like [\"RA1\", \"RA201\"]")
    return tuple(item.upper() for item in value)


def _number(table: Mapping[str, object], key: str, minimum: float = 0.0, maximum: float | None = None) -> float | None:
    """A number within bounds."""
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} = {value!r}: must be a number")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum:g}" if maximum is not None else ""
        raise ValueError(f"{key} = {value!r}: must be at least {minimum:g}{upper}")
    return float(value)


def _layers(value: object) -> tuple[Layer, ...] | None:
    """``[tool.riskaudit.critical-layers.<name>]`` tables: names, paths (globs) and threshold."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("critical-layers must be a table of layers")
    defaults = {layer.name: layer for layer in DEFAULT_LAYERS}
    layers = []
    for name, spec in value.items():
        where = f"critical-layers.{name}"
        if not isinstance(spec, dict):
            raise ValueError(f"{where} must be a table with names, paths and threshold")
        unknown = sorted(set(spec) - _LAYER_KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: names, paths, threshold)")
        base = defaults.get(name, Layer(name, frozenset(), 80.0))
        names = _strings(spec, "names", where)
        paths = _strings(spec, "paths", where)
        threshold = _number(spec, "threshold", maximum=100.0)
        layers.append(
            Layer(
                name=name,
                names=frozenset(n.lower() for n in names) if names is not None else base.names,
                coverage_threshold=threshold if threshold is not None else base.coverage_threshold,
                paths=paths if paths is not None else base.paths,
                content=base.content,
            )
        )
    return tuple(layers)


def _strings(spec: Mapping[str, object], key: str, where: str) -> tuple[str, ...] | None:
    """A list of non-empty strings."""
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{where}.{key} must be a list of strings")
    return tuple(value)


def effective_options(config: FileConfig, cli: ScanOptions, given: frozenset[str]) -> ScanOptions:
    """The scan options: command-line values where given, else the config file's, else the defaults.

    ``given`` names the ScanOptions fields that were set on the command line.
    """

    def pick(name: str, current: _T, configured: _T | None) -> _T:
        return current if name in given or configured is None else configured

    return replace(
        cli,
        fail_on=pick("fail_on", cli.fail_on, config.fail_on),
        select=pick("select", cli.select, config.select),
        ignore=pick("ignore", cli.ignore, config.ignore),
        timeout=pick("timeout", cli.timeout, config.timeout),
        total_coverage_threshold=pick(
            "total_coverage_threshold", cli.total_coverage_threshold, config.total_coverage_threshold
        ),
        layers=pick("layers", cli.layers, config.layers),
        exclude=pick("exclude", cli.exclude, config.exclude),
        per_file_ignores=pick("per_file_ignores", cli.per_file_ignores, config.per_file_ignores),
        severities=pick("severities", cli.severities, config.severities),
    )
