"""Checking JSON data against the shipped results schema, before ``riskaudit render`` trusts it.

riskaudit's runtime needs no JSON Schema library: the results schema (``schema/results-v1.schema.json``)
uses a handful of draft 2020-12 keywords, and this module implements exactly those. A keyword it does
not know is refused when the schema is loaded (``UnsupportedKeyword``), so a schema edit cannot
quietly stop being enforced; the tests check these verdicts against the ``jsonschema`` package's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description"})
"""Keywords that say something about the data without constraining it."""
CHECKED = frozenset(
    {"type", "enum", "const", "minimum", "maximum", "pattern", "items", "uniqueItems", "properties",
     "required", "additionalProperties", "anyOf", "$ref"}
)
"""The constraining keywords this module enforces."""
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "number": (int, float), "integer": (int,), "boolean": (bool,),
    "array": (list,), "object": (dict,), "null": (type(None),),
}


class UnsupportedKeyword(ValueError):
    """The schema uses a keyword this module does not enforce."""


def schema_keywords(schema: object) -> Iterator[str]:
    """Every keyword used anywhere in a schema (not the property names it declares)."""
    if isinstance(schema, list):
        for item in schema:
            yield from schema_keywords(item)
    if not isinstance(schema, dict):
        return
    for keyword, value in schema.items():
        yield keyword
        if keyword in ("properties", "$defs"):
            for sub in value.values():
                yield from schema_keywords(sub)
        elif keyword not in ("enum", "const", "required"):
            yield from schema_keywords(value)


@lru_cache(maxsize=1)
def results_schema() -> Mapping[str, Any]:
    """The shipped results schema, checked to use only keywords enforced here."""
    text = resources.files("riskaudit").joinpath("schema", "results-v1.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    unknown = sorted(set(schema_keywords(schema)) - CHECKED - ANNOTATIONS)
    if unknown:
        raise UnsupportedKeyword(f"the results schema uses keywords riskaudit does not check: {', '.join(unknown)}")
    return schema


def first_error(data: object, schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> str:
    """Where and how the data breaks the schema (``meta.fail_on: 'x' is not one of ...``); empty when valid."""
    return _check(data, schema, root if root is not None else schema, "results")


def _check(data: object, schema: Mapping[str, Any], root: Mapping[str, Any], where: str) -> str:
    """The first violation of one (sub)schema at ``where``, or empty."""
    if "$ref" in schema:
        problem = _check(data, _resolve(root, schema["$ref"]), root, where)
        if problem:
            return problem
    if "anyOf" in schema and not any(not _check(data, option, root, where) for option in schema["anyOf"]):
        return f"{where}: {_shown(data)} matches none of the allowed forms"
    if "type" in schema and not _has_type(data, schema["type"]):
        expected = schema["type"] if isinstance(schema["type"], str) else " or ".join(schema["type"])
        return f"{where}: expected {expected}, found {_json_type(data)}"
    if "enum" in schema and not any(_same(data, option) for option in schema["enum"]):
        return f"{where}: {_shown(data)} is not one of {', '.join(_shown(option) for option in schema['enum'])}"
    if "const" in schema and not _same(data, schema["const"]):
        return f"{where}: {_shown(data)} is not {_shown(schema['const'])}"
    return _scalar_bounds(data, schema, where) or _container(data, schema, root, where)


def _scalar_bounds(data: object, schema: Mapping[str, Any], where: str) -> str:
    """A number outside ``minimum``/``maximum``, or a string not matching ``pattern``."""
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        if "minimum" in schema and data < schema["minimum"]:
            return f"{where}: {_shown(data)} is less than the minimum {schema['minimum']}"
        if "maximum" in schema and data > schema["maximum"]:
            return f"{where}: {_shown(data)} is more than the maximum {schema['maximum']}"
    if isinstance(data, str) and "pattern" in schema and not re.search(schema["pattern"], data):
        return f"{where}: {_shown(data)} does not match {schema['pattern']}"
    return ""


def _container(data: object, schema: Mapping[str, Any], root: Mapping[str, Any], where: str) -> str:
    """The first violation inside an array (``items``, ``uniqueItems``) or an object (its properties)."""
    if isinstance(data, list):
        return _array(data, schema, root, where)
    if isinstance(data, dict):
        return _object(data, schema, root, where)
    return ""


def _array(data: list[object], schema: Mapping[str, Any], root: Mapping[str, Any], where: str) -> str:
    """A repeated item under ``uniqueItems``, or the first item breaking ``items``."""
    if schema.get("uniqueItems"):
        seen = [json.dumps(item, sort_keys=True) for item in data]
        if len(set(seen)) < len(seen):
            return f"{where}: holds the same item twice"
    if "items" not in schema:
        return ""
    problems = (_check(item, schema["items"], root, f"{where}[{index}]") for index, item in enumerate(data))
    return next(filter(None, problems), "")


def _object(data: dict[str, object], schema: Mapping[str, Any], root: Mapping[str, Any], where: str) -> str:
    """A missing required field, a field the schema does not allow, or the first field breaking its schema."""
    missing = [name for name in schema.get("required", ()) if name not in data]
    if missing:
        return f"{where}: the required {missing[0]!r} is missing"
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, value in data.items():
        if name in properties:
            problem = _check(value, properties[name], root, f"{where}.{name}")
        elif extra is False:
            problem = f"{where}: {name!r} is not a field of the results schema"
        elif isinstance(extra, dict):
            problem = _check(value, extra, root, f"{where}.{name}")
        else:
            problem = ""
        if problem:
            return problem
    return ""


def _resolve(root: Mapping[str, Any], reference: str) -> Mapping[str, Any]:
    """The subschema a local ``#/...`` reference points to."""
    if not reference.startswith("#"):
        raise UnsupportedKeyword(f"$ref {reference!r}: only references within the schema are supported")
    node: Any = root
    for part in filter(None, reference[1:].split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, dict):
        raise UnsupportedKeyword(f"$ref {reference!r} does not point to a schema")
    return node


def _has_type(data: object, expected: str | list[str]) -> bool:
    """Whether the value is of (one of) the JSON types named; booleans are not numbers, 2.0 is an integer."""
    for name in [expected] if isinstance(expected, str) else expected:
        if name == "integer" and isinstance(data, float) and data.is_integer():
            return True
        if isinstance(data, _TYPES[name]) and not (isinstance(data, bool) and name in ("number", "integer")):
            return True
    return False


def _json_type(data: object) -> str:
    """The JSON type name of a parsed value."""
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _has_type(data, name):
            return name
    return type(data).__name__


def _same(left: object, right: object) -> bool:
    """JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    return left == right


def _shown(value: object) -> str:
    """A value as an error message shows it: JSON, cut short."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
