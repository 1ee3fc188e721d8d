"""Unit tests of the JSON round-trip of scan results and of the errors for files that are not results."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from riskaudit.errors import ResultsError
from riskaudit.models import (
    Confidence,
    CoverageData,
    ExcerptLine,
    FileCoverage,
    Finding,
    FunctionComplexity,
    RawFinding,
    RuleDoc,
    Severity,
    ToolRun,
    ToolStatus,
)
from riskaudit.results import SCHEMA_VERSION, ScanMeta, ScanResult
from riskaudit.serialise import dumps, loads

RULE = RuleDoc(
    id="RA101",
    slug="missing-await",
    title="Coroutine called without await",
    category="runtime",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    problem="An async function is called but never awaited.",
    risk="The work never happens.",
    recommendation="Await the call.",
    example="async def f() -> None:\n    await g()",
)


def _result() -> ScanResult:
    message = 'Value of type "Coroutine[Any, Any, None]" must be used'
    raw = RawFinding("mypy", "unused-coroutine", message, "app/a.py", 15, 5)
    return ScanResult(
        meta=ScanMeta(
            target="asyncapp",
            root="tests/fixtures/asyncapp",
            commit="abc1234",
            date="2026-01-02T03:04:05Z",
            riskaudit_version="0.1.0",
            python="/usr/bin/python3",
            python_origin="riskaudit's own interpreter",
            files=12,
            test_files=3,
            lines=456,
            fail_on="critical",
        ),
        runs=(
            ToolRun(
                "mypy",
                ToolStatus.OK,
                version="mypy 2.4.1 (compiled: yes)",
                executable="/usr/bin/python3 -m mypy (riskaudit's environment)",
                command=("python", "-m", "mypy", "--output", "json", "<12 files>"),
                duration=1.25,
                findings=(raw, RawFinding("mypy", "unused-ignore", 'Unused "type: ignore" comment', "app/a.py", 46)),
            ),
            ToolRun("flake8", ToolStatus.FAILED, reason="exit code 2: unknown plugin \u00ab x \u00bb"),
            ToolRun("coverage", ToolStatus.SKIPPED, reason="not measured"),
        ),
        findings=(
            Finding(
                rule_id="RA101",
                severity=Severity.CRITICAL,
                path="app/a.py",
                line=15,
                message=raw.message,
                sources=("flake8:X100", "mypy:unused-coroutine"),
                symbol="Repo.close",
                risk=187.5,
                exposure=1.875,
                coverage=25.0,
                complexity=12,
                critical_layer=True,
                excerpt=(
                    ExcerptLine(14, "async def close(self) -> None:", False),
                    ExcerptLine(15, "    self.session.close()  # caf\u00e9", True),
                ),
            ),
            Finding(
                rule_id="RA302",
                severity=Severity.MEDIUM,
                path=None,
                line=None,
                message="total line coverage 42% is below 80%",
                sources=("coverage:total-low",),
            ),
        ),
        rules={
            "RA101": RULE,
            "RA302": dataclasses.replace(RULE, id="RA302", severity=Severity.MEDIUM, confidence=Confidence.LOW),
        },
        complex_functions=(FunctionComplexity("app/a.py", "Repo.close", 14, 40, 12, "C"),),
        functions_measured=30,
        coverage=CoverageData(
            source="coverage.json",
            files=(
                FileCoverage("app/a.py", 18, (26, 27, 31), 83.33333333333333, "83"),
                FileCoverage("app/empty.py", 0, (), 100.0, "100"),
            ),
            percent=42.469135802469136,
            display="42",
            unmatched=("/ci/build/vendor/x.py",),
        ),
        unmapped=(RawFinding("radon", "cc-B", "'f' has cyclomatic complexity 7 (rank B)", "app/b.py", 3),),
        deselected=2,
    )


MINIMAL = ScanResult(
    meta=ScanMeta("t", "t", "", "2026-01-01T00:00:00Z", "0.1.0", "python", "given", 0, 0, 0, "none"),
    runs=(),
    findings=(),
    rules={},
)


@pytest.mark.parametrize("result", [_result(), MINIMAL], ids=["full", "minimal"])
def test_round_trip(result: ScanResult) -> None:
    text = dumps(result)
    again = loads(text)
    assert again == result
    assert dumps(again) == text


def test_every_field_type_is_present() -> None:
    result = _result()
    assert result.coverage is not None and result.coverage.files
    assert any(f.path is None for f in result.findings) and any(f.excerpt for f in result.findings)
    assert {run.status for run in result.runs} == set(ToolStatus)
    assert all(isinstance(doc, RuleDoc) for doc in result.rules.values())


def test_round_trip_keeps_types() -> None:
    again = loads(dumps(_result()))
    assert isinstance(again.runs, tuple) and isinstance(again.runs[0].command, tuple)
    assert isinstance(again.findings[0].excerpt[0], ExcerptLine)
    assert again.findings[0].severity is Severity.CRITICAL
    assert again.rules["RA302"].confidence is Confidence.LOW
    assert again.runs[1].status is ToolStatus.FAILED
    assert again.coverage is not None and again.coverage.files[0].missing == (26, 27, 31)
    assert again.findings[1].coverage is None and again.findings[1].complexity is None


def test_dumps_is_plain_indented_json() -> None:
    text = dumps(_result())
    assert text.endswith("}\n")
    assert "caf\u00e9" in text and "\u00ab x \u00bb" in text
    data = json.loads(text)
    assert list(data) == [f.name for f in dataclasses.fields(ScanResult)]
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["findings"][0]["severity"] == "critical"
    assert data["runs"][0]["status"] == "ok"
    assert data["rules"]["RA101"]["confidence"] == "high"
    assert data["findings"][0]["excerpt"][1] == {
        "number": 15,
        "text": "    self.session.close()  # caf\u00e9",
        "highlight": True,
    }
    assert data["coverage"]["files"][1]["missing"] == []
    assert data["findings"][1]["path"] is None


def test_integer_json_numbers_load_as_floats() -> None:
    data = json.loads(dumps(_result()))
    data["runs"][0]["duration"] = 2
    data["findings"][0]["risk"] = 50
    again = loads(json.dumps(data))
    assert isinstance(again.runs[0].duration, float) and again.runs[0].duration == 2.0
    assert isinstance(again.findings[0].risk, float)


# --- what is not a results file ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "not json", "{", '{"schema_version": 1,', "\x00", "NaN garbage"])
def test_not_json(text: str) -> None:
    with pytest.raises(ResultsError, match="^not JSON: "):
        loads(text)


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a": ' * 100_000])
def test_deeply_nested_non_json(text: str) -> None:
    with pytest.raises(ResultsError):
        loads(text)


def _data() -> dict[str, Any]:
    data = json.loads(dumps(_result()))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (json.dumps({**_data(), "schema_version": 2}), "2"),
        (json.dumps({**_data(), "schema_version": "1"}), "'1'"),
        (json.dumps({k: v for k, v in _data().items() if k != "schema_version"}), "None"),
        ("[]", "None"),
        ("null", "None"),
        ("42", "None"),
        ('"results"', "None"),
    ],
)
def test_wrong_schema_version(text: str, found: str) -> None:
    with pytest.raises(ResultsError) as caught:
        loads(text)
    message = str(caught.value)
    assert f"not riskaudit results of schema version {SCHEMA_VERSION} (found {found})" in message
    assert "riskaudit scan --format json" in message


def _without(*keys: str | int) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return edit


def _with(value: object, *keys: str | int) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (_without("meta"), "'meta'"),
        (_without("meta", "commit"), "'commit'"),
        (_without("runs", 0, "status"), "'status'"),
        (_without("findings", 0, "rule_id"), "'rule_id'"),
        (_without("rules", "RA101", "example"), "'example'"),
        (_without("coverage", "files", 0, "missing"), "'missing'"),
    ],
)
def test_missing_field(edit: Callable[[dict[str, Any]], None], fragment: str) -> None:
    data = copy.deepcopy(_data())
    edit(data)
    with pytest.raises(ResultsError, match="^malformed results: ") as caught:
        loads(json.dumps(data))
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("edit", "check"),
    [
        (_without("deselected"), lambda r: r.deselected == 0),
        (_without("coverage"), lambda r: r.coverage is None),
        (_without("findings", 0, "risk"), lambda r: r.findings[0].risk == 0.0),
        (_without("runs", 0, "findings"), lambda r: r.runs[0].findings == ()),
    ],
)
def test_missing_field_with_a_default_takes_the_default(
    edit: Callable[[dict[str, Any]], None], check: Callable[[ScanResult], bool]
) -> None:
    data = copy.deepcopy(_data())
    edit(data)
    loaded = loads(json.dumps(data))
    assert loaded != _result()
    assert check(loaded)


MISTYPED = [
    pytest.param(_with("12", "meta", "files"), "results.meta.files: expected int, found str", id="str-for-int"),
    pytest.param(_with(True, "meta", "files"), "found bool", id="bool-for-int"),
    pytest.param(_with(12.5, "findings", 0, "line"), "found float", id="float-for-int"),
    pytest.param(_with(None, "meta", "commit"), "found NoneType", id="null-for-str"),
    pytest.param(_with("1.5", "runs", 0, "duration"), "found str", id="str-for-float"),
    pytest.param(_with(1, "findings", 0, "critical_layer"), "found int", id="int-for-bool"),
    pytest.param(_with({"name": "mypy"}, "runs"), "results.runs: expected list, found dict", id="dict-for-tuple"),
    pytest.param(_with([], "rules"), "results.rules: expected dict, found list", id="list-for-mapping"),
    pytest.param(
        _with(["RA101"], "findings", 0), "results.findings[0]: expected dict, found list", id="list-for-dataclass"
    ),
    pytest.param(_with("urgent", "findings", 0, "severity"), "'urgent' is not a valid Severity", id="bad-enum"),
    pytest.param(_with(["x"], "coverage", "files", 0, "missing"), "found str", id="str-in-int-tuple"),
    pytest.param(_with(True, "schema_version"), "found bool", id="bool-schema-version"),
    pytest.param(_with(1.0, "schema_version"), "found float", id="float-schema-version"),
]


@pytest.mark.parametrize(("edit", "fragment"), MISTYPED)
def test_mistyped_field(edit: Callable[[dict[str, Any]], None], fragment: str) -> None:
    data = copy.deepcopy(_data())
    edit(data)
    with pytest.raises(ResultsError, match="^malformed results: ") as caught:
        loads(json.dumps(data))
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("edit", "field"),
    [(_with("12", "meta", "files"), "files"), (_with(12.5, "findings", 0, "line"), "line")],
)
def test_mistyped_field_is_named(edit: Callable[[dict[str, Any]], None], field: str) -> None:
    data = copy.deepcopy(_data())
    edit(data)
    with pytest.raises(ResultsError) as caught:
        loads(json.dumps(data))
    assert field in str(caught.value)


def test_extra_fields_are_ignored() -> None:
    data = _data()
    data["future_field"] = [1, 2]
    data["meta"]["host"] = "ci"
    assert loads(json.dumps(data)) == _result()
