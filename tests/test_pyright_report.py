"""A pyright report the project already has: parsed from captured real output, mapped, merged with mypy's findings.

``tests/data/pyright.json`` is pyright's real ``--outputjson`` on the sample project, captured in
``/tmp/riskaudit-sample`` (see ``tests/data/README.md``); the end-to-end test scans a copy of the sample
and gives pyright's report with that folder replaced by the copy's.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from riskaudit.catalogue import default_catalogue
from riskaudit.collectors.pyright_output import PyrightOutputError, parse_report
from riskaudit.models import RawFinding, ToolStatus
from riskaudit.options import ScanOptions
from riskaudit.report.render import render
from riskaudit.results import ScanResult
from riskaudit.results_check import refusal
from riskaudit.scan import scan
from riskaudit.serialise import dumps, loads

DATA = Path(__file__).parent / "data"
CAPTURED_ROOT = "/tmp/riskaudit-sample"


def _report() -> str:
    return (DATA / "pyright.json").read_text(encoding="utf-8")


def test_the_captured_report_parses_to_its_findings() -> None:
    version, findings = parse_report(_report(), Path(CAPTURED_ROOT))
    assert version == "1.1.414"
    assert len(findings) == 13
    assert RawFinding(
        "pyright", "reportUnusedCoroutine",
        'Result of async function call is not used; use "await" or assign result to variable',
        "app/service.py", 15, 5,
    ) in findings
    attribute = next(f for f in findings if f.line == 19)
    assert attribute.message == 'Cannot access attribute "nickname" for class "User" Attribute "nickname" is unknown'
    assert any(f.code == "information" for f in findings)  # reveal_type's note has no rule


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Segmentation fault", "not JSON"),
        ('{"summary": {}}', "no generalDiagnostics list"),
        ('{"generalDiagnostics": [{"file": 3}]}', "a diagnostic has no file or message"),
        ('{"generalDiagnostics": [{"file": "/elsewhere/a.py", "message": "m"}]}', "outside the scanned folder"),
    ],
)
def test_what_is_not_a_report_of_this_target_is_refused(text: str, problem: str) -> None:
    with pytest.raises(PyrightOutputError, match=problem):
        parse_report(text, Path(CAPTURED_ROOT))


def test_pyright_rules_map_onto_the_catalogue() -> None:
    _, findings = parse_report(_report(), Path(CAPTURED_ROOT))
    catalogue = default_catalogue()
    mapped = {(f.code, f.line): catalogue.match(f.tool, f.code, f.message, frozenset()) for f in findings}
    ids = {key: rule.id if rule else None for key, rule in mapped.items()}
    assert ids[("reportUnusedCoroutine", 15)] == "RA101"
    assert ids[("reportAssignmentType", 24)] == "RA106"  # a Delete statement variable given an Update
    assert ids[("reportAssignmentType", 23)] == "RA107"
    assert ids[("reportOptionalMemberAccess", 42)] == "RA105"
    assert ids[("reportUndefinedVariable", 58)] == "RA210"
    assert ids[("information", 50)] is None


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    root = tmp_path_factory.mktemp("pyright") / "sample"
    shutil.copytree(DATA / "sample", root)
    report = root.parent / "pyright.json"
    report.write_text(_report().replace(CAPTURED_ROOT, str(root)), encoding="utf-8")
    return scan(root, ScanOptions(python=sys.executable, use_cache=False, pyright_report=report), default_catalogue())


def test_pyright_runs_as_one_more_source(result: ScanResult) -> None:
    run = result.run("pyright")
    assert run is not None and run.status is ToolStatus.OK and run.version == "pyright 1.1.414"
    assert "not run by riskaudit" in run.executable


def test_one_defect_is_one_finding_with_every_source(result: ScanResult) -> None:
    (dropped,) = [f for f in result.findings if f.rule_id == "RA101" and (f.path, f.line) == ("app/service.py", 15)]
    assert {"pyright:reportUnusedCoroutine", "mypy:unused-coroutine"} <= set(dropped.sources)
    # two defects on one line (.email and .split of optional values): two findings, each with both sources
    optional = [f for f in result.findings if f.rule_id == "RA105" and f.line == 42]
    assert len(optional) == 2
    assert all(set(f.sources) == {"mypy:union-attr", "pyright:reportOptionalMemberAccess"} for f in optional)


def test_a_broken_report_makes_the_analysis_incomplete(tmp_path: Path) -> None:
    root = tmp_path / "sample"
    shutil.copytree(DATA / "sample", root)
    report = tmp_path / "pyright.json"
    report.write_text(json.dumps({"version": "1"}), encoding="utf-8")
    broken = scan(root, ScanOptions(python=sys.executable, use_cache=False, pyright_report=report),
                  default_catalogue())
    run = broken.run("pyright")
    assert run is not None and run.status is ToolStatus.FAILED and broken.is_incomplete
    assert run.reason == f"{report}: not a pyright --outputjson report (no generalDiagnostics list)"


def test_saved_results_with_and_without_a_pyright_run_render(result: ScanResult, asyncapp_result: ScanResult) -> None:
    for scanned in (result, asyncapp_result):
        text = dumps(scanned)
        assert refusal(text, loads(text)) == ""
    assert "pyright" in render(loads(dumps(result)), "markdown")
    assert asyncapp_result.run("pyright") is None
