"""ruff's JSON report parsed: real output captured in ``tests/data/ruff.json`` (see ``tests/data/README.md``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskaudit.collectors.ruff_output import SYNTAX_CODE, RuffOutputError, parse_output
from riskaudit.models import RawFinding

DATA = Path(__file__).parent / "data"
ROOT = Path("/tmp/riskaudit-sample")
"""The folder the sample project was in when the output was captured."""
SERVICE = "app/service.py"


def _captured() -> str:
    return (DATA / "ruff.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("path", "line", "column", "code", "message"),
    [
        (SERVICE, 65, 5, "C901", "`branchy` is too complex (12 > 10)"),
        (SERVICE, 61, 5, "E722", "Do not use bare `except`"),
        (SERVICE, 57, 17, "E711", "Comparison to `None` should be `cond is None`"),
        (SERVICE, 58, 16, "F821", "Undefined name `missing_name`"),
        (SERVICE, 53, 25, "B006", "Do not use mutable data structures for argument defaults"),
        ("broken.py", 1, 12, SYNTAX_CODE, "Expected a parameter or the end of the parameter list"),
    ],
)
def test_ruff_finding(path: str, line: int, column: int, code: str, message: str) -> None:
    assert RawFinding("ruff", code, message, path, line, column) in parse_output(_captured(), ROOT)


def test_every_object_of_the_report_is_one_finding_with_a_relative_path() -> None:
    findings = parse_output(_captured(), ROOT)
    assert len(findings) == len(json.loads(_captured())) == 10
    assert {f.path for f in findings} == {SERVICE, "broken.py"}


def test_the_null_code_of_older_rufs_syntax_errors_is_invalid_syntax() -> None:
    older = [{"code": None, "message": "SyntaxError: Unexpected token", "filename": str(ROOT / "broken.py"),
              "location": {"row": 1, "column": 12}}]
    (finding,) = parse_output(json.dumps(older), ROOT)
    assert (finding.code, finding.path) == (SYNTAX_CODE, "broken.py")


def test_paths_under_the_resolved_root_are_relative_when_the_root_is_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    report = [{"code": "F401", "message": "m", "filename": str(real / "a.py"), "location": {"row": 1, "column": 1}}]
    (finding,) = parse_output(json.dumps(report), tmp_path / "link")
    assert finding.path == "a.py"


def test_an_empty_report_has_no_findings() -> None:
    assert parse_output("[]", ROOT) == ()


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        ("warning: something\n[]", "ruff's output is not JSON"),
        ('{"code": "E722"}', "is not a JSON array"),
        ('[["E722"]]', "finding 1 of ruff's output is not an object"),
        ('[{"code": "E722", "message": "m", "filename": "a.py"}]', "finding 1 of ruff's output lacks"),
        ('[{"code": 7, "message": "m", "filename": "a.py", "location": {"row": 1, "column": 1}}]', "lacks"),
    ],
)
def test_output_that_is_not_rufs_report_is_refused(output: str, problem: str) -> None:
    with pytest.raises(RuffOutputError, match=problem):
        parse_output(output, ROOT)
