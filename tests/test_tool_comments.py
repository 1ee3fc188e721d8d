"""The tools' own suppression comments count for riskaudit's findings of the same defect."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import copy_fixture

from riskaudit.catalogue import default_catalogue
from riskaudit.models import Finding, Severity
from riskaudit.options import ScanOptions
from riskaudit.scan import scan
from riskaudit.tool_comments import own_suppression, tool_comment_codes


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        (
            "x()  # type: ignore[unused-coroutine, attr-defined]",
            (("mypy", "unused-coroutine"), ("mypy", "attr-defined")),
        ),
        ("except:  # noqa: E722,B001", (("flake8", "E722"), ("flake8", "B001"))),
        ("x()  # type: ignore", ()),
        ("x()  # noqa", ()),
    ],
)
def test_codes_of_a_lines_tool_comments(line: str, codes: tuple[tuple[str, str], ...]) -> None:
    assert tool_comment_codes(line) == codes


def _finding(rule_id: str, *sources: str) -> Finding:
    return Finding(rule_id, Severity.CRITICAL, "app/a.py", 3, "m", sources)


def test_a_comment_counts_for_the_rule_its_code_maps_onto_and_no_other() -> None:
    catalogue = default_catalogue()
    line = "    session.rollback()  # type: ignore[unused-coroutine]"
    reason = own_suppression(_finding("RA101", "riskaudit:missing-await"), line, catalogue.get("RA101"))
    assert reason.startswith("silenced by the line's own `# type: ignore[unused-coroutine]`")
    assert own_suppression(_finding("RA512", "riskaudit:cancellation-swallowed"), line, catalogue.get("RA512")) == ""
    # mypy still reported the line: its comment was for something else
    assert own_suppression(_finding("RA101", "mypy:unused-coroutine"), line, catalogue.get("RA101")) == ""


def test_a_scan_honours_the_tools_own_comment(tmp_path: Path) -> None:
    project = copy_fixture("asyncrisks", tmp_path / "p")
    repository = project / "shop" / "repository.py"
    text = repository.read_text(encoding="utf-8")
    repository.write_text(
        text.replace("self.session.rollback()  # defect: missing-await",
                     "self.session.rollback()  # type: ignore[unused-coroutine]"),
        encoding="utf-8",
    )
    result = scan(project, ScanOptions(python=sys.executable), default_catalogue())
    assert not [f for f in result.findings if f.rule_id == "RA101" and (f.path, f.line) == ("shop/repository.py", 27)]
    (silenced,) = [s for s in result.suppressed if s.finding.rule_id == "RA101"]
    assert silenced.finding.line == 27 and "unused-coroutine" in silenced.reason
