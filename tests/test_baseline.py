"""Baselines: record today's findings, then gate only on new ones; real scans of fixture copies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import copy_fixture, run_cli

from riskaudit.baseline import BaselineEntry, dumps_baseline, entries_of, load_baseline, new_flags
from riskaudit.errors import RiskauditError
from riskaudit.fingerprint import fingerprint_base
from riskaudit.models import ExcerptLine, Finding, Severity

PINNED = {"SOURCE_DATE_EPOCH": "1767225600"}
SESSION = Path("app/db/session.py")
DEFECT = "    dispose_engine()  # defect: missing-await\n"


def _scan(project: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """One CLI scan to JSON: exit code, the results and stderr."""
    out = project.parent / "results.json"
    out.unlink(missing_ok=True)
    run = run_cli("scan", str(project), "--format", "json", "--output", str(out), *args, env=PINNED)
    assert out.is_file(), run.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return run.returncode, data, run.stderr


def _insert_before(path: Path, anchor: str, text: str) -> None:
    """Insert text before the first line starting with anchor."""
    source = path.read_text(encoding="utf-8")
    assert anchor in source
    path.write_text(source.replace(anchor, text + anchor, 1), encoding="utf-8")


def _ra101(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["rule_id"] == "RA101"]


def test_moved_findings_stay_known_and_new_defects_gate(tmp_path: Path) -> None:
    project = copy_fixture("asyncapp", tmp_path)
    baseline = tmp_path / "baseline.json"
    code, first, _ = _scan(project, "--write-baseline", str(baseline))
    assert code == 0  # the findings just recorded are accepted
    recorded = json.loads(baseline.read_text(encoding="utf-8"))
    assert recorded["riskaudit_baseline"] == 1
    assert len(recorded["findings"]) == len(first["findings"]) > 0
    assert {"fingerprint", "rule_id", "path", "symbol", "message"} == set(recorded["findings"][0])
    assert first["baseline"]["written"] is True and first["baseline"]["new"] == 0
    [old] = _ra101(first)

    # lines inserted above every finding of the file: nothing becomes new, the old critical does not gate
    _insert_before(project / SESSION, '"""', "# a comment\n# another one\n\n")
    _insert_before(project / SESSION, "async def close_db", "# moved down\n\n")
    code, moved, _ = _scan(project, "--baseline", str(baseline))
    [same] = _ra101(moved)
    assert same["line"] == old["line"] + 5
    assert code == 0
    assert moved["baseline"] == {"path": str(baseline), "entries": len(recorded["findings"]), "known":
                                 len(moved["findings"]), "new": 0, "written": False}
    assert all(f["new"] is False for f in moved["findings"])

    # a second copy of the same defect in the same function, and one in a new function: two new findings
    source = (project / SESSION).read_text(encoding="utf-8")
    source = source.replace(DEFECT, DEFECT + DEFECT, 1)
    source += '\n\nasync def restart_db() -> None:\n    """Restart the database layer."""\n' + DEFECT
    (project / SESSION).write_text(source, encoding="utf-8")
    code, changed, stderr = _scan(project, "--baseline", str(baseline))
    assert code == 1
    found = sorted(_ra101(changed), key=lambda f: f["line"])
    assert [(f["symbol"], f["new"]) for f in found] == [
        ("close_db", False), ("close_db", True), ("restart_db", True)
    ]
    assert all(f["new"] is False for f in changed["findings"] if f["rule_id"] != "RA101")
    assert changed["baseline"]["new"] == 2
    assert "New findings: critical 2" in stderr
    # reports mark the new findings; SARIF carries baselineState
    results = tmp_path / "results.json"
    md = run_cli("render", str(results), "--format", "markdown", "--output", "-")
    assert "| Baseline | " in md.stdout and "2 new" in md.stdout and "**NEW** " in md.stdout
    assert "FAILED (exit 1): 2 new finding(s)" in md.stdout
    sarif = json.loads(run_cli("render", str(results), "--format", "sarif", "--output", "-").stdout)
    states = [r["baselineState"] for r in sarif["runs"][0]["results"]]
    assert states.count("new") == 2 and states.count("unchanged") == len(states) - 2
    # the gate threshold still applies to the new findings
    assert _scan(project, "--baseline", str(baseline), "--fail-on", "none")[0] == 0


def test_incomplete_run_never_writes_the_baseline(tmp_path: Path) -> None:
    project = copy_fixture("asyncapp", tmp_path)
    baseline = tmp_path / "baseline.json"
    assert _scan(project, "--write-baseline", str(baseline))[0] == 0
    before = baseline.read_bytes()
    (project / SESSION).write_text((project / SESSION).read_text(encoding="utf-8") + "\n\nx: int = 'a'\n")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace('files = ["app", "tests"]', 'files = ["app", "no_such_file.py"]'),
        encoding="utf-8",
    )
    code, data, stderr = _scan(project, "--write-baseline", str(baseline))
    assert code == 2
    assert any(run["name"] == "mypy" and run["status"] == "failed" for run in data["runs"])
    assert "baseline not written" in stderr and str(baseline) in stderr
    assert baseline.read_bytes() == before
    code, data, _ = _scan(project, "--baseline", str(baseline), "--write-baseline", str(baseline))
    assert code == 2
    assert baseline.read_bytes() == before
    assert data["baseline"]["written"] is False


@pytest.mark.parametrize("content", [None, "{not json", '{"riskaudit_baseline": 99, "findings": []}', "[]"])
def test_missing_or_corrupt_baseline_is_a_one_line_error(tmp_path: Path, content: str | None) -> None:
    project = copy_fixture("cleanapp", tmp_path)
    baseline = tmp_path / "baseline.json"
    if content is not None:
        baseline.write_text(content, encoding="utf-8")
    run = run_cli("scan", str(project), "--baseline", str(baseline), "--output", str(tmp_path / "r.md"))
    assert run.returncode == 2
    lines = [line for line in run.stderr.splitlines() if "error" in line]
    assert len(lines) == 1 and str(baseline) in " ".join(run.stderr.split()), run.stderr
    assert not (tmp_path / "r.md").exists()


def test_write_baseline_refuses_diff(tmp_path: Path) -> None:
    run = run_cli("scan", str(tmp_path), "--write-baseline", str(tmp_path / "b.json"), "--diff", "HEAD")
    assert run.returncode == 2 and "--diff" in run.stderr
    assert not (tmp_path / "b.json").exists()


def _finding(line: int, code: str, message: str = "m", symbol: str = "f") -> Finding:
    excerpt = (ExcerptLine(line, code, True),) if code else ()
    return Finding("RA101", Severity.CRITICAL, "app/x.py", line, message, ("mypy:x",), symbol=symbol,
                   excerpt=excerpt)


def test_multiset_match_in_line_order() -> None:
    entries = entries_of([_finding(3, "ping()")])
    flags = new_flags([_finding(20, "ping()"), _finding(9, " ping() "), _finding(30, "pong()")], entries)
    assert flags == [True, False, True]  # the first in line order takes the one entry


def test_messages_without_excerpt_ignore_numbers() -> None:
    one = _finding(1, "", message="coverage 41% of app/x.py, line 12")
    two = _finding(7, "", message="coverage 57% of app/x.py, line 88")
    assert fingerprint_base(one) == fingerprint_base(two)
    assert fingerprint_base(one) != fingerprint_base(_finding(1, "", message="other"))


def test_baseline_round_trip_is_stable(tmp_path: Path) -> None:
    findings = [_finding(9, "b()"), _finding(3, "a()", symbol="g")]
    text = dumps_baseline(findings)
    assert text == dumps_baseline(list(reversed(findings)))
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    loaded = load_baseline(path)
    assert all(isinstance(e, BaselineEntry) for e in loaded)
    assert sorted(e.fingerprint for e in loaded) == sorted(fingerprint_base(f) for f in findings)
    assert '"line"' not in text
    with pytest.raises(RiskauditError, match="b.json"):
        path.write_text('{"riskaudit_baseline": 1, "fingerprint_version": 1, "findings": []}', encoding="utf-8")
        load_baseline(path)
