"""Kinds of option values: how each is read from the command line and from TOML, and checked.

A kind turns what the command line gives (text, a switch, repeated text) into the value TOML would
hold, and checks a TOML value into what ``ScanOptions`` holds. Both sources go through the same
check, so a bad value gives the same problem wherever it was set.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TypeVar

from riskaudit.layers import DEFAULT_LAYERS, Layer

Shape = Literal["switch", "value", "values"]
"""How the command line gives an option: a flag, one text, or text that may be repeated."""
_T = TypeVar("_T")


class Invalid(ValueError):
    """A bad option value: the problem, and how the config file's message continues after the key."""

    def __init__(self, problem: str, after_key: str) -> None:
        super().__init__(problem, after_key)
        self.problem = problem
        """What is wrong, as the command line says it after the flag and the value."""
        self.after_key = after_key
        """The config file's message after the key: `` = 'urgent': must be one of ...``."""

    def within(self, part: str) -> Invalid:
        """The same problem found inside the value, at ``part`` (``.billing``, ``.RA203``)."""
        return Invalid(self.problem, f"{part}{self.after_key}")


def bad_value(value: object, problem: str) -> Invalid:
    """A value that is of the right shape but wrong, shown in the message: ``timeout = -1: ...``."""
    return Invalid(problem, f" = {value!r}: {problem}")


def bad_shape(problem: str) -> Invalid:
    """A value of the wrong shape, described without it: ``select must be a list ...``."""
    return Invalid(problem, f" {problem}")


class Kind(abc.ABC, Generic[_T]):
    """One kind of option value, checked into a ``_T``."""

    shape: ClassVar[Shape] = "value"
    """How the command line gives it."""

    @property
    def choices(self) -> tuple[str, ...]:
        """The values it allows, when they are a fixed list; else empty."""
        return ()

    def from_command_line(self, given: object) -> object:
        """What the command line gave (text, True, or a list of texts) as the value TOML would hold."""
        return given

    @abc.abstractmethod
    def check(self, value: object) -> _T:
        """The value as ``ScanOptions`` holds it; raises Invalid."""


@dataclass(frozen=True)
class Switch(Kind[bool]):
    """A flag: true when given; ``inverted`` for a flag that turns a setting off (``--no-cache``).

    The config file writes the setting itself (``respect-gitignore = false``), never the flag.
    """

    shape: ClassVar[Shape] = "switch"
    inverted: bool = False
    """Whether giving the flag sets the option to False."""

    def from_command_line(self, given: object) -> object:
        """The setting the flag stands for: True, or False for an inverted flag."""
        return given is not self.inverted if isinstance(given, bool) else given

    def check(self, value: object) -> bool:
        """The setting."""
        if not isinstance(value, bool):
            raise bad_value(value, "must be true or false")
        return value


@dataclass(frozen=True)
class Text(Kind[str]):
    """Any text: an interpreter, a git ref, a report file."""

    def check(self, value: object) -> str:
        """The text."""
        if not isinstance(value, str):
            raise bad_value(value, "must be a string")
        return value


@dataclass(frozen=True)
class FilePath(Kind[Path]):
    """A path: relative to the working folder on the command line, to the project root in the config file."""

    def check(self, value: object) -> Path:
        """The path."""
        if not isinstance(value, str) or not value:
            raise bad_shape("must be a path")
        return Path(value)


@dataclass(frozen=True)
class Choice(Kind[str]):
    """One of a fixed list of names."""

    allowed: tuple[str, ...]
    """The names, in the order messages list them."""

    @property
    def choices(self) -> tuple[str, ...]:
        """The names."""
        return self.allowed

    def check(self, value: object) -> str:
        """The name."""
        if not isinstance(value, str) or value not in self.allowed:
            raise bad_value(value, f"must be one of {', '.join(self.allowed)}")
        return value


@dataclass(frozen=True)
class Number(Kind[float]):
    """A number within bounds: above 0 when ``positive``, else between ``minimum`` and ``maximum``."""

    minimum: float = 0.0
    """Lowest allowed value (unless ``positive``)."""
    maximum: float | None = None
    """Highest allowed value, or None."""
    positive: bool = False
    """Whether the value must be above 0."""
    unit: str = ""
    """What the number counts (``seconds``), for the message."""

    def from_command_line(self, given: object) -> object:
        """The number the text spells."""
        try:
            return float(str(given))
        except ValueError:
            raise bad_value(given, "must be a number") from None

    def check(self, value: object) -> float:
        """The number as a float."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad_value(value, "must be a number")
        problem = self._out_of_bounds(float(value))
        if problem:
            raise bad_value(value, problem)
        return float(value)

    def _out_of_bounds(self, value: float) -> str:
        """What is wrong with a number outside the bounds (or not finite); empty when it is within them."""
        if not math.isfinite(value):
            return f"must be a finite number{f' of {self.unit}' if self.unit else ''}"
        if self.positive:
            return "" if value > 0 else f"must be a positive number{f' of {self.unit}' if self.unit else ''}"
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            upper = f" and at most {self.maximum:g}" if self.maximum is not None else ""
            return f"must be at least {self.minimum:g}{upper}"
        return ""


@dataclass(frozen=True)
class Strings(Kind[tuple[str, ...]]):
    """A list of non-empty strings; on the command line repeated or comma-separated."""

    shape: ClassVar[Shape] = "values"
    what: str
    """What the strings are, for the message (``path globs, like [...]``)."""
    upper: bool = False
    """Whether they are rule ids, compared upper-cased."""

    def from_command_line(self, given: object) -> object:
        """Every comma-separated part of every value given, stripped, empty parts dropped."""
        values = given if isinstance(given, list | tuple) else [given]
        return [part.strip() for value in values for part in str(value).split(",") if part.strip()]

    def check(self, value: object) -> tuple[str, ...]:
        """The strings."""
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise bad_shape(f"must be a list of {self.what}")
        return tuple(item.upper() if self.upper else item for item in value)


RULE_IDS = Strings('rule ids or prefixes, like ["RA1", "RA201"]', upper=True)
"""Rule ids or prefixes (``--select``, ``per-file-ignores``)."""


@dataclass(frozen=True)
class RuleTable(Kind[tuple[tuple[str, Any], ...]]):
    """A table from rule ids to values of another kind: ``severity = {RA203 = "low"}``."""

    values: Kind[Any]
    """The kind of each value."""
    example: str
    """The table as one would write it, for the message."""

    def check(self, value: object) -> tuple[tuple[str, Any], ...]:
        """``(rule id upper-cased, value)`` pairs in the table's order."""
        return tuple((rule_id.upper(), item) for rule_id, item in _checked_table(value, self.values, self.example))


@dataclass(frozen=True)
class GlobTable(Kind[tuple[tuple[str, Any], ...]]):
    """A table from path globs to values of another kind: ``per-file-ignores = {"tests/*" = ["RA2"]}``."""

    values: Kind[Any]
    """The kind of each value."""
    example: str
    """The table as one would write it, for the message."""

    def check(self, value: object) -> tuple[tuple[str, Any], ...]:
        """``(glob, value)`` pairs in the table's order."""
        return _checked_table(value, self.values, self.example, quote=True)


def _checked_table(
    value: object, kind: Kind[_T], example: str, quote: bool = False
) -> tuple[tuple[str, _T], ...]:
    """Every entry of a TOML table checked by kind, an error naming the entry."""
    if not isinstance(value, dict):
        raise bad_shape(f"must be a table like {example}")
    checked = []
    for name, item in value.items():
        try:
            checked.append((name, kind.check(item)))
        except Invalid as exc:
            raise exc.within(f".{name!r}" if quote else f".{name}") from None
    return tuple(checked)


_STRINGS = Strings("strings")
_THRESHOLD = Number(maximum=100.0)
_LAYER_KEYS = ("names", "paths", "threshold")


@dataclass(frozen=True)
class Layers(Kind[tuple[Layer, ...]]):
    """``[critical-layers.<name>]`` tables of names, paths (globs) and a coverage threshold."""

    def check(self, value: object) -> tuple[Layer, ...]:
        """The layers, replacing the defaults; a layer named like a default keeps what it leaves unset."""
        if not isinstance(value, dict):
            raise bad_shape("must be a table of layers")
        defaults = {layer.name: layer for layer in DEFAULT_LAYERS}
        layers = []
        for name, spec in value.items():
            try:
                layers.append(_layer(defaults.get(name, Layer(name, frozenset(), 80.0)), spec))
            except Invalid as exc:
                raise exc.within(f".{name}") from None
        return tuple(layers)


def _layer(base: Layer, spec: object) -> Layer:
    """One layer's table applied over its base."""
    if not isinstance(spec, dict):
        raise bad_shape("must be a table with names, paths and threshold")
    unknown = sorted(set(spec) - set(_LAYER_KEYS))
    if unknown:
        problem = f"unknown key {unknown[0]!r} (known: {', '.join(_LAYER_KEYS)})"
        raise Invalid(problem, f": {problem}")
    names = _entry(spec, "names", _STRINGS)
    paths = _entry(spec, "paths", _STRINGS)
    threshold = _entry(spec, "threshold", _THRESHOLD)
    if not (names or paths or base.names or base.paths or base.content):
        problem = "names no folder, module or path: give it names = [...] or paths = [...]"
        raise Invalid(problem, f": {problem} (an empty layer would only replace the default layers)")
    return Layer(
        name=base.name,
        names=frozenset(n.lower() for n in names) if names is not None else base.names,
        coverage_threshold=threshold if threshold is not None else base.coverage_threshold,
        paths=paths if paths is not None else base.paths,
        content=base.content,
    )


def _entry(spec: Mapping[str, object], key: str, kind: Kind[_T]) -> _T | None:
    """An entry of a sub-table checked by kind, or None when it is not set."""
    if key not in spec:
        return None
    try:
        return kind.check(spec[key])
    except Invalid as exc:
        raise exc.within(f".{key}") from None
