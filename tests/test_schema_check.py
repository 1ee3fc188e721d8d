"""riskaudit's own check of results against the shipped schema agrees with the ``jsonschema`` package.

Every field of a real result (the asyncapp golden results) is broken in turn: a wrong type, removed,
a string no enum holds, a negative number, an unknown field beside it. Each broken document gets the
same verdict from both validators, and ``render`` refuses each one the schema refuses.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from support import run_cli

from riskaudit.errors import ResultsError
from riskaudit.results_check import refusal
from riskaudit.schema_check import CHECKED, UnsupportedKeyword, first_error, results_schema, schema_keywords
from riskaudit.serialise import loads

GOLD_RESULTS = Path(__file__).parent / "gold" / "asyncapp" / "report.json"
Path_ = tuple[str | int, ...]
WRONG_TYPE: dict[type, object] = {str: 5, int: "x", float: "x", bool: "x", list: "x", dict: "x", type(None): 5}


def _leaves(node: object, here: Path_ = ()) -> Iterator[tuple[Path_, object]]:
    """Every value in the document with its path (the first two items of each list)."""
    yield here, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:2]):
            yield from _leaves(value, (*here, index))


def _edited(document: dict[str, Any], path: Path_, value: object, remove: bool = False) -> dict[str, Any]:
    """A copy of the document with the value at path replaced (or removed)."""
    copied = copy.deepcopy(document)
    node: Any = copied
    for step in path[:-1]:
        node = node[step]
    if remove:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return copied


def _broken_documents() -> list[tuple[str, dict[str, Any]]]:
    """The golden results, each broken in one place, with a label saying how."""
    gold = json.loads(GOLD_RESULTS.read_text(encoding="utf-8"))
    broken = []
    for path, value in _leaves(gold):
        if not path:
            continue
        label = "/".join(map(str, path))
        broken.append((f"{label}: wrong type", _edited(gold, path, WRONG_TYPE[type(value)])))
        if isinstance(path[-1], str):
            broken.append((f"{label}: removed", _edited(gold, path, None, remove=True)))
        if isinstance(value, str):
            broken.append((f"{label}: other string", _edited(gold, path, "no-such-value")))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            broken.append((f"{label}: negative", _edited(gold, path, -1)))
        if isinstance(value, dict):
            broken.append((f"{label}: unknown field", _edited(gold, (*path, "zz_unknown"), 1)))
    return broken


BROKEN = _broken_documents()


@pytest.fixture(scope="module")
def refused_by_jsonschema() -> set[str]:
    """The labels of the broken documents the ``jsonschema`` package finds invalid (it takes seconds)."""
    validator = jsonschema.Draft202012Validator(dict(results_schema()))
    return {label for label, document in BROKEN if not validator.is_valid(document)}


def test_the_golden_results_pass() -> None:
    assert first_error(json.loads(GOLD_RESULTS.read_text(encoding="utf-8")), results_schema()) == ""


def test_both_validators_agree_on_every_broken_document(refused_by_jsonschema: set[str]) -> None:
    assert len(BROKEN) > 500 and len(refused_by_jsonschema) > 300
    refused = {label for label, document in BROKEN if first_error(document, results_schema())}
    assert sorted(refused ^ refused_by_jsonschema) == []


def test_render_refuses_every_document_the_schema_refuses(refused_by_jsonschema: set[str]) -> None:
    accepted = []
    for label, document in BROKEN:
        if label not in refused_by_jsonschema:
            continue
        text = json.dumps(document)
        try:
            result = loads(text)
        except ResultsError:
            continue
        if not refusal(text, result):
            accepted.append(label)
    assert accepted == []


def test_render_names_the_field_a_scan_never_writes(tmp_path: Path) -> None:
    gold = json.loads(GOLD_RESULTS.read_text(encoding="utf-8"))
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_edited(gold, ("meta", "injected"), "x")), encoding="utf-8")
    run = run_cli("render", str(results), "-o", str(tmp_path / "r.md"))
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"riskaudit: error: {results}: does not match riskaudit's results schema: "
        "results.meta: 'injected' is not a field of the results schema"
    )
    assert not (tmp_path / "r.md").exists()


@pytest.mark.parametrize(
    ("schema", "data", "error"),
    [
        ({"type": "integer"}, True, "results: expected integer, found boolean"),
        ({"type": "integer"}, 2.0, ""),
        ({"type": "number"}, False, "results: expected number, found boolean"),
        ({"type": ["string", "null"]}, None, ""),
        ({"enum": [1, "a"]}, True, 'results: true is not one of 1, "a"'),
        ({"const": 1}, 1.0, ""),
        ({"minimum": 0, "maximum": 100}, 100.5, "results: 100.5 is more than the maximum 100"),
        ({"pattern": "^RA[0-9]{3}$"}, "RA12", 'results: "RA12" does not match ^RA[0-9]{3}$'),
        ({"type": "array", "uniqueItems": True}, [{"a": 1}, {"a": 1}], "results: holds the same item twice"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, 3, "results: 3 matches none of the allowed forms"),
        (
            {"$defs": {"N": {"minimum": 1}}, "items": {"$ref": "#/$defs/N"}}, [1, 0],
            "results[1]: 0 is less than the minimum 1",
        ),
        ({"required": ["a"]}, {"b": 1}, "results: the required 'a' is missing"),
        ({"additionalProperties": {"type": "string"}}, {"b": 1}, "results.b: expected string, found integer"),
    ],
)
def test_each_keyword_as_draft_2020_12_defines_it(schema: dict[str, Any], data: object, error: str) -> None:
    assert first_error(data, schema) == error
    assert jsonschema.Draft202012Validator(schema).is_valid(data) == (error == "")


def test_a_keyword_the_check_does_not_enforce_is_refused_not_ignored() -> None:
    assert set(schema_keywords({"oneOf": [{"type": "string"}], "properties": {"oneOf": {"minimum": 1}}})) == {
        "oneOf", "type", "properties", "minimum"
    }
    assert "oneOf" not in CHECKED
    with pytest.raises(UnsupportedKeyword, match="only references within the schema"):
        first_error(1, {"$ref": "https://example.org/schema.json"})
