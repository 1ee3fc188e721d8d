"""The real-code corpus's pure parts: the corpus file, review records, precision@20 and the summary."""

from __future__ import annotations

import sys
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from riskaudit.catalogue import default_catalogue
from riskaudit.fingerprint import fingerprint_base
from riskaudit.models import ExcerptLine, Finding, Severity, ToolRun, ToolStatus
from riskaudit.ranking import rank
from riskaudit.results import ScanMeta, ScanResult

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from corpus_review import (  # noqa: E402
    Missed,
    Review,
    ReviewedFinding,
    assess,
    parse_review,
    render_template,
    top_findings,
)
from corpus_spec import (  # noqa: E402
    CorpusError,
    expand_groups,
    install_plan,
    load_corpus,
    parse_corpus,
    requirement_lines,
    select,
)
from corpus_summary import (  # noqa: E402
    ScanRecord,
    dump_record,
    load_record,
    scan_lines,
    closing_totals,
    total_lines,
)

SHA = "a" * 64
HEAD = 'project = "p"\nversion = "1"\n'


def _project(**changes: Any) -> dict[str, Any]:
    """A valid [[project]] table with changes applied (a None value removes the key)."""
    table: dict[str, Any] = {"name": "oslo.db", "version": "18.1.1", "sdist": "oslo_db-18.1.1.tar.gz", "sha256": SHA}
    table.update(changes)
    return {k: v for k, v in table.items() if v is not None}


def _finding(line: int, code: str, rule: str = "RA101", risk: float = 10.0, **changes: Any) -> Finding:
    """A finding at line of app/db.py whose flagged line is code."""
    excerpt = (ExcerptLine(line - 1, "async def save(self):", False), ExcerptLine(line, code, True))
    finding = Finding(rule, Severity.HIGH, "app/db.py", line, f"message at {line}", ("mypy",), symbol="Repo.save",
                      risk=risk, excerpt=excerpt)
    return replace(finding, **changes)


def _result(
    findings: tuple[Finding, ...], runs: tuple[ToolRun, ...] = (), not_analysed: tuple[str, ...] = ()
) -> ScanResult:
    """A scan result holding findings."""
    meta = ScanMeta("t", ".", "", "2026-01-01T00:00:00Z", "0.1.0", "python", "given", 42, 3, 900, "none",
                    not_analysed=not_analysed)
    return ScanResult(meta=meta, runs=runs, findings=findings, rules={})


# ----------------------------------------------------------------------------- the corpus file


def test_the_committed_corpus_is_valid_and_pins_at_least_twelve_projects() -> None:
    projects = load_corpus(BENCHMARKS / "corpus.toml")
    assert len(projects) >= 12
    assert len({p.name for p in projects}) == len(projects)
    assert all(p.tags for p in projects)
    without = [p for p in projects if not p.deps]
    assert without and all(p.deps_reason for p in without)
    assert {"fief-server", "anyio", "masakari", "sqlmodel"} <= {p.name for p in projects}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"sha256": None}, "missing 'sha256'"),
        ({"sha256": "ABC"}, "64 lower-case hex"),
        ({"sdist": "oslo_db-18.1.0.tar.gz"}, "not a source distribution of oslo.db 18.1.1"),
        ({"sdist": "oslo_db-18.1.1-py3-none-any.whl"}, "not a source distribution"),
        ({"deps": False}, "needs a deps-reason"),
        ({"deps": False, "deps-reason": "py3.12", "tests": "pytest"}, "tests need deps"),
        ({"deps": "no"}, "deps must be true or false"),
        ({"install-from": "git"}, "install-from must be one of"),
        ({"extras": "full"}, "extras must be a list"),
        ({"tests-timeout": 0}, "tests-timeout must be a positive"),
    ],
)
def test_a_bad_project_is_refused_naming_the_project_and_the_key(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(CorpusError, match="project 'oslo.db'") as raised:
        parse_corpus({"project": [_project(**changes)]})
    assert message in str(raised.value)


def test_the_corpus_file_itself_is_checked() -> None:
    with pytest.raises(CorpusError, match="at least one"):
        parse_corpus({})
    with pytest.raises(CorpusError, match="unknown top-level key 'projects'"):
        parse_corpus({"projects": []})
    with pytest.raises(CorpusError, match="listed twice"):
        parse_corpus({"project": [_project(), _project(name="oslo-db")]})


def test_a_valid_project_gets_its_defaults() -> None:
    (project,) = parse_corpus({"project": [_project(tags=["openstack"], tests="pytest -q oslo_db/tests")]})
    assert project.slug == "oslo.db-18.1.1"
    assert project.deps and project.install_from == "sdist" and project.primary_mode == "deps"
    assert project.tests_timeout == 900.0 and project.tags == ("openstack",)
    (bare,) = parse_corpus({"project": [_project(deps=False, **{"deps-reason": "needs Python 3.12"})]})
    assert bare.primary_mode == "bare"


def test_select_takes_any_spelling_of_a_name_and_refuses_unknown_ones() -> None:
    projects = parse_corpus({"project": [_project(), _project(name="anyio", version="4.16.0",
                                                              sdist="anyio-4.16.0.tar.gz")]})
    assert [p.name for p in select(projects, ["OSLO_DB"])] == ["oslo.db"]
    assert len(select(projects, [])) == 2
    with pytest.raises(CorpusError, match="not in the corpus: nope"):
        select(projects, ["nope"])


def test_dependency_groups_expand_includes_once_and_refuse_cycles() -> None:
    pyproject = {"dependency-groups": {
        "test": ["pytest>=8", {"include-group": "db"}],
        "db": ["aiosqlite", "pytest>=8"],
        "dev": [{"include-group": "Test"}, "ruff"],
        "loop": [{"include-group": "loop"}],
    }}
    assert expand_groups(pyproject, ["dev"]) == ("pytest>=8", "aiosqlite", "ruff")
    with pytest.raises(CorpusError, match="includes itself"):
        expand_groups(pyproject, ["loop"])
    with pytest.raises(CorpusError, match="no dependency group 'docs'"):
        expand_groups(pyproject, ["docs"])
    with pytest.raises(CorpusError, match="no \\[dependency-groups\\]"):
        expand_groups({}, ["test"])


def test_requirement_files_lose_comments_options_and_blanks() -> None:
    text = "# pins\nhacking>=6.1.0,<6.2.0 # Apache-2.0\n\n-c constraints.txt\ncoverage!=4.4,>=4.0\n"
    assert requirement_lines(text) == ("hacking>=6.1.0,<6.2.0", "coverage!=4.4,>=4.0")


def test_the_install_plan_installs_the_sdist_with_extras_and_drops_skipped_and_own_names(tmp_path: Path) -> None:
    (project,) = parse_corpus({"project": [_project(
        extras=["asyncio"], groups=["test"], requirements=["test-requirements.txt"], packages=["httpx"],
        skip=["psycopg2"])]})
    pyproject = {"dependency-groups": {"test": ["oslo-db[mysql]", "pytest"]}}
    files = {"test-requirements.txt": "psycopg2>=2.8 # LGPL\nstestr>=2.0.0\npytest\n"}
    sdist = tmp_path / "oslo_db-18.1.1.tar.gz"
    plan = install_plan(project, sdist, pyproject, files)
    assert plan.project == f"oslo.db[asyncio] @ {sdist.as_uri()}"
    assert plan.requirements == ("pytest", "stestr>=2.0.0", "httpx")
    index = install_plan(replace(project, install_from="index", groups=(), requirements=()), sdist, {}, {})
    assert index.project == "oslo.db[asyncio]==18.1.1"
    with pytest.raises(CorpusError, match="'test-requirements.txt' is not in the sdist"):
        install_plan(project, sdist, pyproject, {})


# ----------------------------------------------------------------------------- review records and precision


def _record(finding: Finding, verdict: str = "", reason: str = "") -> ReviewedFinding:
    """A review record of a finding."""
    return ReviewedFinding(fingerprint_base(finding), verdict, reason, finding.rule_id, finding.path or "")


def test_precision_counts_real_verdicts_over_the_top_findings_and_flags_new_ones() -> None:
    real, minor, wrong = _finding(10, "a()"), _finding(20, "b()"), _finding(30, "c()")
    pending, fresh = _finding(40, "d()"), _finding(50, "e()")
    review = Review("p", "1", "deps", (_record(real, "real", "x"), _record(minor, "minor", "y"),
                                       _record(wrong, "wrong", "z"), _record(pending)))
    result = assess([real, minor, wrong, pending, fresh], review)
    assert result.considered == 5 and result.real == 1 and result.precision == pytest.approx(0.2)
    assert dict(result.verdicts) == {"real": 1, "minor": 1, "wrong": 1}
    assert result.unreviewed == 2 and result.new == (fresh,)


def test_a_finding_that_moved_lines_keeps_its_verdict_and_a_changed_one_is_new() -> None:
    original = _finding(10, "    session.commit()")
    review = Review("p", "1", "deps", (_record(original, "real", "commit never awaited"),))
    moved = replace(original, line=97, excerpt=tuple(replace(x, number=x.number + 87) for x in original.excerpt))
    assert assess([moved], review).real == 1
    edited = replace(original, excerpt=(ExcerptLine(10, "session.flush()", True),))
    assert assess([edited], review).new == (edited,)


def test_without_a_record_every_top_finding_is_new_and_nothing_is_real() -> None:
    top = [_finding(n, f"x{n}()") for n in range(1, 4)]
    result = assess(top, None)
    assert result.real == 0 and result.precision == 0.0 and len(result.new) == 3
    assert assess([], None).precision is None


def _word(number: int) -> str:
    """A number spelt in letters (messages differing only in numbers are one cause)."""
    return "".join(chr(ord("a") + int(digit)) for digit in str(number))


def test_the_top_twenty_are_the_reports_ranked_distinct_risks() -> None:
    findings = [_finding(n, f"x{n}()", risk=float(n), message=f"problem {_word(n)}") for n in range(1, 31)]
    # the same cause in another place is one item of the report, not a second reviewed finding
    findings.append(_finding(31, "x31()", risk=29.5, message="problem " + _word(30)))
    findings.append(_finding(32, "x32()", risk=50.0, severity=Severity.LOW, message="style"))
    result = replace(_result(tuple(rank(findings))), rules={"RA101": default_catalogue().get("RA101").doc})
    top = top_findings(result)
    assert len(top) == 20 and top[0].line == 30 and top[-1].line == 11
    assert 31 not in [f.line for f in top] and 32 not in [f.line for f in top]


def test_the_template_keeps_verdicts_and_missed_entries_and_adds_new_findings_blank() -> None:
    known = _finding(10, 'log("a \\"quoted\\" \\\\ path\t")')
    gone = _finding(99, "old()")
    fresh = _finding(20, "x = 1", rule="RA203", excerpt=())
    previous = Review(
        "p", "1.0", "deps", (_record(known, "real", "loses the error"), _record(gone, "wrong", "guarded")),
        (Missed("app/db.py", 5, "no timeout on the pool", "RA104"),),
    )
    source = [f"line {n}" for n in range(1, 31)]
    text = render_template("p", "1.0", "deps", [known, fresh], previous, lambda path: source)
    again = parse_review(text)
    by = again.by_fingerprint()
    assert by[fingerprint_base(known)].verdict == "real" and by[fingerprint_base(known)].reason == "loses the error"
    assert by[fingerprint_base(gone)].verdict == "wrong"
    assert by[fingerprint_base(fresh)].verdict == "" and by[fingerprint_base(fresh)].rule == "RA203"
    expected = tuple(f"{'>' if n == 20 else ' '} {n:>5} | line {n}" for n in range(18, 23))
    assert by[fingerprint_base(fresh)].context == expected
    assert by[fingerprint_base(known)].context[-1].endswith(known.excerpt[-1].text)
    assert again.missed == previous.missed
    assert [f.fingerprint for f in again.findings][:2] == [fingerprint_base(known), fingerprint_base(fresh)]
    assert render_template("p", "1.0", "deps", [known, fresh], again, lambda path: source) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEAD + '[[finding]]\nfingerprint = "f"\nverdict = "maybe"\nreason = "r"\n', "verdict must be"),
        (HEAD + '[[finding]]\nfingerprint = "f"\nverdict = "real"\n', "needs a one-line reason"),
        (HEAD + '[[finding]]\nfingerprint = "f"\nverdict = "real"\nreason = "a\\nb"\n', "must be one line"),
        (HEAD + '[[finding]]\nverdict = ""\n', "fingerprint is required"),
        (HEAD + '[[finding]]\nfingerprint = "f"\n[[finding]]\nfingerprint = "f"\n', "recorded twice"),
        (HEAD + '[[finding]]\nfingerprint = "f"\nseverity = "x"\n', "unknown key 'severity'"),
        (HEAD + '[[missed]]\npath = "a.py"\n', "path and reason are required"),
        ('version = "1"\n', "project and version are required"),
        ('project = "p"\nversion = \n', "not TOML"),
    ],
)
def test_a_bad_review_record_is_refused(text: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_review(text)


def test_the_committed_review_records_parse() -> None:
    records = sorted((BENCHMARKS / "corpus" / "reviews").glob("*.toml"))
    names = {p.name for p in load_corpus(BENCHMARKS / "corpus.toml")}
    assert records
    for path in records:
        review = parse_review(path.read_text(encoding="utf-8"))
        assert review.project == path.stem and review.project in names
        assert tomllib.loads(path.read_text(encoding="utf-8"))["project"] == review.project


# ----------------------------------------------------------------------------- the summary


def test_a_scan_line_says_incomplete_with_each_failed_tool_and_counts_rules() -> None:
    findings = (_finding(1, "a()"), _finding(2, "b()"), _finding(3, "c()", rule="RA203"))
    runs = (ToolRun("mypy", ToolStatus.FAILED, reason="timed out after\n900 s"), ToolRun("flake8", ToolStatus.OK),
            ToolRun("coverage", ToolStatus.SKIPPED, reason="no data"))
    record = ScanRecord("p", "1", "deps", wall=12.34, exit_code=2,
                        tests="exit 0 in 3 s (\x1b[32m\x1b[1m5 passed\x1b[0m); coverage 40.0%")
    lines = scan_lines(record, _result(findings, runs, ("a/b.py (broken link)",)), 321, assess(findings, None))
    assert lines[0].split()[:2] == ["deps", "INCOMPLETE"]
    assert "42 files, 1 not analysed,     3 findings, report 321 lines, wall 12.3 s, exit 2" in lines[0]
    assert "       failed: mypy: timed out after 900 s" in lines
    assert not any("flake8" in line or "coverage:" in line for line in lines)
    assert "       rules: RA101 2, RA203 1" in lines
    assert "       not analysed: a/b.py (broken link)" in lines
    assert "       tests: exit 0 in 3 s (5 passed); coverage 40.0%" in lines
    assert lines[-1].strip().startswith("precision@20 0.00 (0 real, 0 minor, 0 wrong of 3; 3 unreviewed, 3 new")


def test_a_complete_scan_and_one_that_did_not_run() -> None:
    ok = scan_lines(ScanRecord("p", "1", "bare", wall=1.0, exit_code=0), _result(()), 10, None)
    assert ok[0].split()[:2] == ["bare", "complete"] and len(ok) == 1
    missing = scan_lines(ScanRecord("p", "1", "deps", error="deps = false: requires Python 3.12"), None, None, None)
    assert missing == ["  deps NOT SCANNED: deps = false: requires Python 3.12"]


def test_totals_add_up_per_mode() -> None:
    a, b = _finding(1, "a()"), _finding(2, "b()")
    review = Review("p", "1", "deps", (_record(a, "real", "r"), _record(b, "wrong", "w")))
    rows = [("p", "deps", assess([a, b], review)), ("q", "deps", assess([a], review)),
            ("p", "bare", assess([b], None))]
    lines = total_lines(rows)
    assert any(line.split()[:4] == ["p", "deps", "0.50", "1/2"] for line in lines)
    assert "  total deps: 0.67 (2 real of 3 top findings in 2 projects; 0 unreviewed, 0 new since the last review)" \
        in lines
    assert "  total bare: 0.00 (0 real of 1 top findings in 1 projects; 1 unreviewed, 1 new since the last review)" \
        in lines


def test_the_test_run_is_summarised_by_pytest_totals_not_by_a_log_line_that_mentions_errors() -> None:
    output = ("tests/test_a.py ..F\n"
              'E   errors=[{"loc": ["query"], "msg": "Invalid date format"}]\n'
              "\x1b[31m===== \x1b[1m1 failed\x1b[0m, \x1b[32m2 passed\x1b[0m in 0.52s =====\x1b[0m\n"
              "some teardown noise\n")
    assert closing_totals(output) == "1 failed, 2 passed in 0.52s"
    assert closing_totals("3 errors in 10.17s\n") == "3 errors in 10.17s"
    assert closing_totals("Traceback...\nNo module named pytest\n") == "No module named pytest"
    assert closing_totals("") == "no output"


def test_a_scan_record_round_trips_and_ignores_unknown_keys() -> None:
    record = ScanRecord("p", "1", "deps", wall=3.5, exit_code=1, install="venv x", riskaudit="abc")
    assert load_record(dump_record(record)) == record
    assert load_record('{"project": "p", "version": "1", "mode": "bare", "later": 1}') == ScanRecord("p", "1", "bare")
