"""Typed JSON round-trip for the frozen dataclasses of a scan result."""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from riskaudit.errors import ResultsError
from riskaudit.results import SCHEMA_VERSION, ScanResult

_T = TypeVar("_T")


_SCALARS = (str, int, float, bool, type(None))


def to_jsonable(value: object) -> object:
    """Dataclasses, enums, tuples and mappings as plain JSON values (field order kept)."""
    if isinstance(value, _SCALARS) and not isinstance(value, enum.Enum):
        return value
    names = _field_names(type(value))
    if names is not None:
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_jsonable(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted(to_jsonable(item) for item in value)  # type: ignore[type-var]
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    return value


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(kind: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type, in order; None for any other type (remembered per type)."""
    if kind not in _FIELD_NAMES:
        _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None
    return _FIELD_NAMES[kind]


def dumps(result: ScanResult) -> str:
    """The result as indented, key-stable JSON text ending in a newline."""
    return json.dumps(to_jsonable(result), indent=2, ensure_ascii=False) + "\n"


def loads(text: str) -> ScanResult:
    """A result back from JSON; raises ResultsError saying what is wrong."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ResultsError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        found = data.get("schema_version") if isinstance(data, dict) else None
        raise ResultsError(
            f"not riskaudit results of schema version {SCHEMA_VERSION} (found {found!r}); "
            "write them with `riskaudit scan --format json`"
        )
    try:
        result = _build(ScanResult, data, "results")
    except (TypeError, ValueError, KeyError, RecursionError) as exc:
        raise ResultsError(f"malformed results: {exc}") from None
    if not isinstance(result, ScanResult):
        raise ResultsError("malformed results: not a scan result")
    return result


def _build(kind: Any, data: Any, where: str) -> Any:
    """Rebuild a value of a type from its JSON form; ``where`` names it in errors (``meta.files``)."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return None if data is None else _build(options[0], data, where)
    if origin is frozenset:
        item = typing.get_args(kind)[0]
        return frozenset(_build(item, value, f"{where}[{i}]") for i, value in enumerate(_expect(data, list, where)))
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_build(item, value, f"{where}[{i}]") for i, value in enumerate(_expect(data, list, where)))
    if origin in (Mapping, dict):
        _, item = typing.get_args(kind)
        return {str(k): _build(item, v, f"{where}.{k}") for k, v in _expect(data, dict, where).items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _build_dataclass(kind, _expect(data, dict, where), where)
    return _build_scalar(kind, data, where)


def _build_dataclass(kind: type[Any], fields: dict[str, Any], where: str) -> Any:
    """A dataclass from its JSON object; absent fields take their defaults."""
    hints = typing.get_type_hints(kind)
    values = {
        f.name: _build(hints[f.name], fields[f.name], f"{where}.{f.name}")
        for f in dataclasses.fields(kind)
        if f.name in fields
    }
    try:
        return kind(**values)
    except TypeError as exc:
        raise TypeError(f"{where}: {exc}") from None


def _build_scalar(kind: Any, data: Any, where: str) -> Any:
    """An enum member or a JSON scalar of the expected type."""
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(data)
        except ValueError:
            raise ValueError(f"{where}: {data!r} is not a valid {kind.__name__}") from None
    if kind is float:
        return float(_expect(data, int | float, where))
    if kind in (int, str, bool):
        return _expect(data, kind, where)
    raise TypeError(f"{where}: cannot rebuild {kind!r}")


def _expect(data: Any, kind: Any, where: str) -> Any:
    """The value if it has the expected JSON type, else a TypeError naming the field and both types."""
    if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
        expected = getattr(kind, "__name__", str(kind))
        raise TypeError(f"{where}: expected {expected}, found {type(data).__name__}")
    return data
