"""The published JSON Schema of the results: real scan output validates, broken documents do not."""

from __future__ import annotations

import copy
import dataclasses
import json
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import riskaudit
from riskaudit.results import SCHEMA_VERSION, ScanResult
from riskaudit.serialise import dumps

SCHEMA_FILE = Path(riskaudit.__file__).parent / "schema" / f"results-v{SCHEMA_VERSION}.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    data = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


def _errors(validator: jsonschema.Draft202012Validator, data: object) -> list[str]:
    """Every error, with those under ``anyOf`` branches, as ``path: message``."""
    found: list[str] = []
    stack = list(validator.iter_errors(data))
    while stack:
        error = stack.pop()
        found.append(f"{'/'.join(map(str, error.absolute_path))}: {error.message}")
        stack.extend(error.context or ())
    return found


def test_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION


def test_real_scan_output_validates(asyncapp_result: ScanResult, validator: jsonschema.Draft202012Validator) -> None:
    data = json.loads(dumps(asyncapp_result))
    assert data["findings"] and data["coverage"] and data["runs"]
    assert _errors(validator, data) == []


def _nested_dataclasses(kind: type[Any], seen: dict[str, type[Any]]) -> None:
    """Every dataclass reachable from a dataclass's field types, by name."""
    seen[kind.__name__] = kind
    for hint in typing.get_type_hints(kind).values():
        stack = [hint]
        while stack:
            current = stack.pop()
            stack.extend(typing.get_args(current))
            if isinstance(current, type) and dataclasses.is_dataclass(current) and current.__name__ not in seen:
                _nested_dataclasses(current, seen)


def test_every_field_is_documented(schema: dict[str, Any]) -> None:
    classes: dict[str, type[Any]] = {}
    _nested_dataclasses(ScanResult, classes)
    for name, kind in classes.items():
        node = schema if kind is ScanResult else schema["$defs"][name]
        assert node["description"], name
        assert node["additionalProperties"] is False, name
        fields = dataclasses.fields(kind)
        assert list(node["properties"]) == [f.name for f in fields], name
        for field_name, spec in node["properties"].items():
            assert spec.get("description"), f"{name}.{field_name} has no description"
        without_default = [
            f.name for f in fields if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        assert node["required"] == without_default, name


def _edit(path: tuple[str | int, ...], value: object = None, delete: bool = False) -> Callable[[Any], None]:
    def apply(data: Any) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        if delete:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return apply


BROKEN = [
    pytest.param(_edit(("meta",), delete=True), "'meta' is a required property", id="missing-meta"),
    pytest.param(_edit(("schema_version",), 2), "1 was expected", id="other-version"),
    pytest.param(_edit(("findings", 0, "severity"), "urgent"), "'urgent' is not one of", id="bad-severity"),
    pytest.param(_edit(("findings", 0, "line"), "12"), "'12' is not of type", id="line-as-string"),
    pytest.param(_edit(("findings", 0, "rule_id"), "X1"), "does not match", id="bad-rule-id"),
    pytest.param(_edit(("findings", 0, "surprise"), 1), "Additional properties", id="undocumented-field"),
    pytest.param(_edit(("runs", 0, "status"), "crashed"), "'crashed' is not one of", id="bad-status"),
    pytest.param(_edit(("runs",), {}), "is not of type 'array'", id="runs-not-array"),
    pytest.param(_edit(("coverage", "percent"), 140.0), "greater than the maximum", id="percent-over-100"),
    pytest.param(_edit(("meta", "fail_on"), "sometimes"), "'sometimes' is not one of", id="bad-fail-on"),
]


@pytest.mark.parametrize(("edit", "message"), BROKEN)
def test_broken_documents_fail(
    asyncapp_result: ScanResult, validator: jsonschema.Draft202012Validator, edit: Callable[[Any], None], message: str
) -> None:
    data = copy.deepcopy(json.loads(dumps(asyncapp_result)))
    edit(data)
    errors = _errors(validator, data)
    assert errors, "the broken document validated"
    assert any(message in error for error in errors), errors


def test_optional_fields_may_be_absent(
    asyncapp_result: ScanResult, validator: jsonschema.Draft202012Validator
) -> None:
    data = json.loads(dumps(asyncapp_result))
    for key in ("suppressed", "deselected", "unmapped", "layers"):
        del data[key]
    assert _errors(validator, data) == []
