"""Inline suppressions: parsing the comments, applying them, and real scans of a project that uses them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from riskaudit.catalogue import default_catalogue
from riskaudit.models import ExcerptLine, Finding, Severity, ToolRun, ToolStatus
from riskaudit.options import ScanOptions
from riskaudit.report.render import render_markdown
from riskaudit.results import ScanResult
from riskaudit.scan import scan
from riskaudit.serialise import dumps, loads
from riskaudit.sources import SourceFile
from riskaudit.suppressions import (
    UNUSED,
    WITHOUT_REASON,
    Suppression,
    apply,
    file_suppressions,
    judgeable_rules,
    parse_comment,
)
from support import copy_fixture, run_cli

# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "ids", "reason"),
    [
        ("# riskaudit: ignore[RA101] -- legacy sync session", ("RA101",), "legacy sync session"),
        ("#riskaudit:ignore[RA101]--terse", ("RA101",), "terse"),
        ("# riskaudit: ignore[ra101 , RA203] -- both", ("RA101", "RA203"), "both"),
        ("# riskaudit: ignore[RA101,] -- trailing comma", ("RA101",), "trailing comma"),
        ("# RiskAudit: IGNORE[RA101] -- any case", ("RA101",), "any case"),
        ("# riskaudit: ignore[RA101] --   spaced    out  ", ("RA101",), "spaced out"),
        ("# riskaudit: ignore[RA101] -- see #42", ("RA101",), "see #42"),
        ("# riskaudit: ignore[RA101] -- why  # noqa: E501", ("RA101",), "why"),
        ("# type: ignore[attr-defined]  # riskaudit: ignore[RA103] -- SDK internals", ("RA103",), "SDK internals"),
        ("# riskaudit: ignore[RA101]", ("RA101",), ""),
        ("# riskaudit: ignore[RA101] --", ("RA101",), ""),
        ("# riskaudit: ignore[RA101] because legacy", ("RA101",), ""),
    ],
)
def test_parse_well_formed(comment: str, ids: tuple[str, ...], reason: str) -> None:
    parsed = parse_comment("a.py", 3, comment)
    assert parsed == Suppression("a.py", 3, ids, reason)


@pytest.mark.parametrize(
    ("comment", "problem"),
    [
        ("# riskaudit: ignore -- blanket", "names no rule id"),
        ("# riskaudit: ignore[] -- empty", "names no rule id"),
        ("# riskaudit: ignore[RA1] -- prefix", "'RA1': not a full rule id"),
        ("# riskaudit: ignore[RA101, E501] -- tool code", "'E501': not a full rule id"),
        ("# riskaudit: ignore[missing-await] -- slug", "'MISSING-AWAIT': not a full rule id"),
    ],
)
def test_parse_malformed(comment: str, problem: str) -> None:
    parsed = parse_comment("a.py", 1, comment)
    assert parsed is not None and parsed.rule_ids == ()
    assert problem in parsed.problem


@pytest.mark.parametrize(
    "comment", ["# just a comment", "# noqa: E501", "# riskaudit: ignored[RA101] -- no", "# riskaudit ignore"]
)
def test_parse_no_marker(comment: str) -> None:
    assert parse_comment("a.py", 1, comment) is None


def _source(text: str) -> SourceFile:
    return SourceFile("pkg/mod.py", tuple(text.split("\n")), "", (), frozenset())


def test_markers_inside_strings_are_not_suppressions() -> None:
    text = "\n".join(
        [
            'A = "# riskaudit: ignore[RA101] -- in a string"',
            "B = 1  # riskaudit: ignore[RA101] -- a real one",
            'C = """',
            "# riskaudit: ignore[RA102] -- in a docstring",
            '"""',
            "D = f'{A}  # riskaudit: ignore[RA103] -- in an f-string'",
        ]
    )
    assert file_suppressions(_source(text)) == (Suppression("pkg/mod.py", 2, ("RA101",), "a real one"),)


def test_comments_before_a_tokenize_error_are_kept() -> None:
    text = "x = 1  # riskaudit: ignore[RA101] -- kept\ny = '''never closed\n"
    assert [s.line for s in file_suppressions(_source(text))] == [1]


def test_file_without_marker_is_not_tokenized() -> None:
    assert file_suppressions(_source("x = (  # unbalanced\n")) == ()


# --- applying ---------------------------------------------------------------------------------


def _finding(rule_id: str, line: int | None, path: str | None = "pkg/mod.py") -> Finding:
    return Finding(rule_id, Severity.CRITICAL, path, line, f"{rule_id} here", (f"mypy:{rule_id}",))


KNOWN = {"RA101", "RA102", "RA203", "RA302"}


def test_apply_splits_findings_and_reports_problems() -> None:
    findings = [_finding("RA101", 10), _finding("RA102", 10), _finding("RA101", 11), _finding("RA101", 12)]
    suppressions = [
        Suppression("pkg/mod.py", 10, ("RA101",), "known"),
        Suppression("pkg/mod.py", 11, ("RA101",), ""),
        Suppression("pkg/mod.py", 13, ("RA203",), "stale"),
        Suppression("pkg/mod.py", 14, ("RA999",), "unknown"),
        Suppression("pkg/mod.py", 15, (), "", "names no rule id"),
    ]
    outcome = apply(findings, suppressions, KNOWN, KNOWN)
    assert [(s.finding.rule_id, s.finding.line, s.reason) for s in outcome.suppressed] == [("RA101", 10, "known")]
    assert [(f.rule_id, f.line) for f in outcome.kept] == [("RA102", 10), ("RA101", 11), ("RA101", 12)]
    problems = {(p.code, p.line) for p in outcome.problems}
    assert problems == {(WITHOUT_REASON, 11), (UNUSED, 13), (UNUSED, 14), (UNUSED, 15)}
    assert all(p.tool == "riskaudit" and p.path == "pkg/mod.py" for p in outcome.problems)


def test_the_hint_for_a_reasonless_suppression_names_its_own_rules() -> None:
    suppression = Suppression("pkg/mod.py", 11, ("RA103", "RA203"), "")
    (problem,) = apply([], [suppression], KNOWN, KNOWN).problems
    assert problem.message.endswith("write # riskaudit: ignore[RA103, RA203] -- reason")


def test_one_comment_several_rules() -> None:
    findings = [_finding("RA101", 5), _finding("RA102", 5)]
    outcome = apply(findings, [Suppression("pkg/mod.py", 5, ("RA101", "RA102", "RA203"), "why")], KNOWN, KNOWN)
    assert outcome.kept == ()
    assert len(outcome.suppressed) == 2
    assert [p.message for p in outcome.problems] == [
        "suppression of RA203 silences nothing: no RA203 finding on this line"
    ]


def test_other_files_and_lines_are_not_touched() -> None:
    findings = [_finding("RA101", 5, "other.py"), _finding("RA101", 6)]
    outcome = apply(findings, [Suppression("pkg/mod.py", 5, ("RA101",), "why")], KNOWN, KNOWN)
    assert len(outcome.kept) == 2 and outcome.suppressed == ()


def test_findings_without_a_line_cannot_be_suppressed() -> None:
    findings = [_finding("RA302", None, None), _finding("RA302", None)]
    outcome = apply(findings, [Suppression("pkg/mod.py", 1, ("RA302",), "why")], KNOWN, KNOWN)
    assert len(outcome.kept) == 2
    assert [p.code for p in outcome.problems] == [UNUSED]


def test_unused_is_not_judged_for_rules_that_could_not_fire() -> None:
    outcome = apply([], [Suppression("pkg/mod.py", 1, ("RA203",), "deselected or tool failed")], KNOWN, {"RA101"})
    assert outcome.problems == ()


def test_judgeable_rules_need_every_feeding_tool_to_have_run() -> None:
    catalogue = default_catalogue()
    runs = [ToolRun("mypy", ToolStatus.OK), ToolRun("riskaudit", ToolStatus.OK), ToolRun("flake8", ToolStatus.FAILED)]
    judged = judgeable_rules(catalogue, runs, {"RA101", "RA203", "RA306"})
    assert judged == {"RA101"}  # RA203 needs flake8 (failed), RA306 needs pytest (did not run)
    assert judgeable_rules(catalogue, runs, {"RA203"}) == frozenset()


def test_a_linter_the_scan_did_not_choose_does_not_keep_its_rules_from_being_judged() -> None:
    catalogue = default_catalogue()
    assert {"flake8", "ruff"} <= {m.tool for m in catalogue.rules["RA203"].mappings}
    for linter in ("flake8", "ruff"):
        runs = [ToolRun(linter, ToolStatus.OK), ToolRun("mypy", ToolStatus.OK)]
        expected = {"RA203", "RA298"} if linter == "ruff" else {"RA203"}  # RA298: ruff's alone
        assert judgeable_rules(catalogue, runs, {"RA203", "RA298"}) == expected


# --- real scans -------------------------------------------------------------------------------

LEGACY = '''"""Legacy helpers with planted defects and suppressions."""


async def ping() -> None:
    """Do nothing, asynchronously."""


async def caller() -> None:
    """Call ping without awaiting it."""
    ping()  # riskaudit: ignore[RA101] -- fire-and-forget probe, the result is never needed
    ping()
    ping()  # riskaudit: ignore[RA101]
    ping()  # riskaudit: ignore[RA1] -- prefixes are not allowed
    ping()  # riskaudit: ignore[RA999, RA101] -- one unknown id, one real


def answer() -> int:
    """Nothing to suppress here."""
    return 42  # riskaudit: ignore[RA203] -- stale


TEXT = "# riskaudit: ignore[RA101] -- inside a string, not a comment"
'''


@pytest.fixture(scope="module")
def suppressed_result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    """A real scan of the clean fixture plus one module with planted defects and suppressions."""
    project = copy_fixture("cleanapp", tmp_path_factory.mktemp("suppressions"))
    (project / "cleanapp" / "legacy.py").write_text(LEGACY)
    return scan(project, ScanOptions(python=sys.executable), default_catalogue())


def _at(result: ScanResult, rule_id: str) -> list[int | None]:
    return sorted(f.line or 0 for f in result.findings if f.rule_id == rule_id and f.path == "cleanapp/legacy.py")


def test_scan_suppresses_only_well_formed_suppressions(suppressed_result: ScanResult) -> None:
    silenced = [(s.finding.rule_id, s.finding.line, s.reason) for s in suppressed_result.suppressed]
    assert silenced == [
        ("RA101", 10, "fire-and-forget probe, the result is never needed"),
        ("RA101", 14, "one unknown id, one real"),
    ]
    assert _at(suppressed_result, "RA101") == [11, 12, 13]  # no reason and malformed ones do not count


def test_scan_reports_suppressions_that_are_not_right(suppressed_result: ScanResult) -> None:
    assert _at(suppressed_result, "RA601") == [12]
    assert _at(suppressed_result, "RA602") == [13, 14, 19]
    messages = {f.line: f.message for f in suppressed_result.findings if f.rule_id == "RA602"}
    assert "RA1" in messages[13] and "RA999" in messages[14] and "RA203" in messages[19]
    assert {"RA601", "RA602"} <= set(suppressed_result.rules)
    for finding in suppressed_result.findings:
        if finding.rule_id in ("RA601", "RA602"):
            assert finding.severity is Severity.LOW
            assert finding.sources[0].startswith("riskaudit:")


def test_suppressed_findings_are_ranked_and_keep_their_excerpt(suppressed_result: ScanResult) -> None:
    finding = suppressed_result.suppressed[0].finding
    assert finding.risk > 0
    assert ExcerptLine(10, LEGACY.splitlines()[9], True) in finding.excerpt
    assert "RA101" in suppressed_result.rules


def test_suppressions_round_trip_through_json(suppressed_result: ScanResult) -> None:
    data = json.loads(dumps(suppressed_result))
    assert [s["finding"]["line"] for s in data["suppressed"]] == [10, 14]
    assert data["suppressed"][0]["reason"].startswith("fire-and-forget")
    assert loads(dumps(suppressed_result)) == suppressed_result


def test_old_json_without_suppressed_still_loads(suppressed_result: ScanResult) -> None:
    data = json.loads(dumps(suppressed_result))
    del data["suppressed"]
    assert loads(json.dumps(data)).suppressed == ()


def test_markdown_counts_suppressed(suppressed_result: ScanResult) -> None:
    text = render_markdown(suppressed_result)
    assert "2 finding(s) were suppressed inline" in text
    assert "RA101 at `cleanapp/legacy.py:10` (fire-and-forget probe, the result is never needed)" in text


def test_markdown_without_suppressions_says_nothing(suppressed_result: ScanResult) -> None:
    from dataclasses import replace

    assert "suppressed inline" not in render_markdown(replace(suppressed_result, suppressed=()))


GATED = '''"""One critical defect, suppressed or not."""


async def ping() -> None:
    """Do nothing, asynchronously."""


async def caller() -> None:
    """Call ping without awaiting it."""
    ping()  {comment}
'''


@pytest.mark.parametrize(
    ("comment", "code"),
    [
        ("# riskaudit: ignore[RA101] -- probe, result unused", 0),
        ("# riskaudit: ignore[RA101]", 1),
        ("# nothing", 1),
    ],
    ids=["with-reason-passes", "without-reason-fails", "unsuppressed-fails"],
)
def test_gate_honours_only_suppressions_with_a_reason(tmp_path: Path, comment: str, code: int) -> None:
    project = copy_fixture("cleanapp", tmp_path)
    (project / "cleanapp" / "probe.py").write_text(GATED.format(comment=comment))
    out = tmp_path / "r.json"
    result = run_cli("scan", str(project), "--format", "json", "--output", str(out), "--fail-on", "critical")
    assert result.returncode == code, result.stderr
    data = json.loads(out.read_text())
    assert len(data["suppressed"]) == (1 if code == 0 else 0)
    assert ("Suppressed inline: 1" in result.stderr) == (code == 0)


def test_suppressed_results_match_the_json_schema(suppressed_result: ScanResult) -> None:
    import jsonschema

    import riskaudit

    schema = json.loads((Path(riskaudit.__file__).parent / "schema" / "results-v1.schema.json").read_text())
    jsonschema.validate(json.loads(dumps(suppressed_result)), schema, cls=jsonschema.Draft202012Validator)
