"""What the HTML report's sections say when there is little to say, and how the verdict follows a baseline.

The Contents lists each numbered section with its number once; a clean run draws no empty chart and
lists no empty section; the coverage table keeps the count of missing lines apart from their ranges;
with ``--baseline`` the verdict counts what the gate counts and says how many accepted findings remain.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from riskaudit.catalogue import default_catalogue
from riskaudit.gate import gated
from riskaudit.models import FunctionCoverage, Severity
from riskaudit.options import ScanOptions
from riskaudit.report.coverage_view import CoverageRow, untested_groups
from riskaudit.report.html import html, html_page, render_html
from riskaudit.report.render import render_markdown
from riskaudit.report.view import build_view
from riskaudit.report.wording import counted
from riskaudit.results import BaselineSummary, ScanResult
from riskaudit.scan import scan

NUMBERED = re.compile(r"^(\d+)\. ")


class _Outline(HTMLParser):
    """The Contents entries (href, text) and the text of every ``h2`` by id."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[tuple[str, str]] = []
        self.headings: dict[str, str] = {}
        self.toc_lists: list[str] = []
        self._in_toc = False
        self._href: str | None = None
        self._heading: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "nav" and values.get("class") == "toc":
            self._in_toc = True
        elif self._in_toc and tag in ("ol", "ul"):
            self.toc_lists.append(tag)
        elif self._in_toc and tag == "a":
            self._href, self._text = values.get("href"), []
        elif tag == "h2" and values.get("id"):
            self._heading, self._text = values["id"], []

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_toc = False
        elif tag == "a" and self._href is not None:
            self.entries.append((self._href, "".join(self._text)))
            self._href = None
        elif tag == "h2" and self._heading is not None:
            self.headings[self._heading] = "".join(self._text)
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._href is not None or self._heading is not None:
            self._text.append(data)


def outline(page: str) -> _Outline:
    """The page's Contents and headings."""
    parser = _Outline()
    parser.feed(page)
    return parser


def section(page: str, anchor: str) -> str:
    """The markup of one ``<section id=anchor>``."""
    found = re.search(rf'<section [^>]*\bid="{re.escape(anchor)}"', page)
    assert found, anchor
    start = found.start()
    return page[start : page.index("</section>", start)]


def assert_contents_match_headings(page: str) -> None:
    """Every Contents entry leads to a heading, and a numbered one carries the heading's number, once."""
    parsed = outline(page)
    assert parsed.toc_lists == ["ul"]  # no list numbering of its own
    for href, text in parsed.entries:
        anchor = href.removeprefix("#")
        assert not re.match(r"^\d+\.\s*\d+\.", text), text
        number = NUMBERED.match(text)
        if number:
            assert parsed.headings[f"{anchor}-heading"].startswith(number.group(0)), (text, anchor)
        assert f'id="{anchor}"' in page, anchor


# --- H1: the Contents numbers each section once -----------------------------------------------


def test_contents_entries_carry_their_section_number_once(asyncapp_result: ScanResult) -> None:
    page = render_html(asyncapp_result)
    assert_contents_match_headings(page)
    entries = dict(outline(page).entries)
    assert entries["#s-flake8"] == "1. Flake8 analysis"
    assert entries["#s-coverage"] == "4. Test coverage analysis"
    assert entries["#tools"] == "Tools" and entries["#rules"] == "Rule reference"


VISIBLE_ENTRIES = """nav => Array.from(nav.querySelectorAll('li')).map((li, i) => {
  const style = getComputedStyle(li);
  const marked = style.display === 'list-item' && style.listStyleType !== 'none';
  const marker = !marked ? '' : style.listStyleType === 'decimal' ? (i + 1) + '. ' : '\\u2022 ';
  return marker + li.innerText.trim();
})"""
"""The text a reader sees of each Contents entry: its list marker (a number for ``decimal``), then its text."""


def test_contents_entries_show_their_number_once_in_a_browser(
    browser: Browser, asyncapp_result: ScanResult, tmp_path: Path
) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_html(asyncapp_result), encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load")
        shown = page.eval_on_selector("nav.toc", VISIBLE_ENTRIES)
    finally:
        page.close()
    assert "1. Flake8 analysis" in shown and "Tools" in shown
    doubled = [text for text in shown if re.match(r"^\d+\.\s*\d+\.", text)]
    assert doubled == []


# --- H2: the verdict follows the gate ---------------------------------------------------------


def _baselined(result: ScanResult, keep_new: int = 0) -> ScanResult:
    """The result as a ``--baseline`` run sees it: all findings accepted but the first ``keep_new`` criticals."""
    criticals = [f for f in result.findings if f.severity is Severity.CRITICAL][:keep_new]
    findings = tuple(f if f in criticals else dataclasses.replace(f, new=False) for f in result.findings)
    new = len(criticals)
    summary = BaselineSummary(path="base.json", entries=len(findings), known=len(findings) - new, new=new)
    return dataclasses.replace(result, findings=findings, baseline=summary)


def test_without_a_baseline_the_verdict_is_unchanged(asyncapp_result: ScanResult) -> None:
    critical = sum(f.severity is Severity.CRITICAL for f in asyncapp_result.findings)
    assert critical
    view = build_view(asyncapp_result)
    assert view.status == "NOT READY"
    assert view.headline == f"Not ready for production: {critical} critical finding(s) must be fixed first."
    assert f"Do not deploy until the {critical} must-fix item(s) are resolved." in view.conclusion


def test_all_findings_accepted_by_the_baseline_is_ready_as_the_gate_passed(asyncapp_result: ScanResult) -> None:
    accepted = _baselined(asyncapp_result)
    assert gated(accepted) == ()
    count = len(accepted.findings)
    view = build_view(accepted)
    assert view.gate.startswith("PASSED (exit 0)")
    assert view.status == "READY"
    assert view.headline == (
        f"Ready: no new critical or high-risk findings. {count} accepted findings from the baseline remain"
        " and are still listed among the findings."
    )
    assert not any(" x " in reason and "(critical" in reason for reason in view.reasons)
    assert "Do not deploy" not in view.conclusion
    page = render_html(accepted)
    verdict = section(page, "verdict")
    assert "NOT READY" not in verdict and "must be fixed first" not in verdict
    assert f"{count} accepted findings from the baseline remain" in verdict
    markdown = render_markdown(accepted)
    assert f"**Verdict: READY.** Ready: no new critical or high-risk findings. {count} accepted" in markdown


def test_new_criticals_beside_accepted_findings_are_counted_alone(asyncapp_result: ScanResult) -> None:
    mixed = _baselined(asyncapp_result, keep_new=1)
    view = build_view(mixed)
    rest = len(mixed.findings) - 1
    assert view.gate.startswith("FAILED (exit 1): 1 new finding(s)")
    assert view.status == "NOT READY"
    assert view.headline == (
        f"Not ready for production: 1 new critical finding(s) must be fixed first. {rest} accepted findings"
        " from the baseline remain and are still listed among the findings."
    )
    assert "Do not deploy until the 1 must-fix item(s) are resolved." in view.conclusion


def test_one_accepted_finding_is_singular(asyncapp_result: ScanResult) -> None:
    first = dataclasses.replace(asyncapp_result.findings[0], severity=Severity.LOW, new=False)
    one = dataclasses.replace(asyncapp_result, findings=(first,), baseline=BaselineSummary("b.json", 1, 1, 0))
    assert build_view(one).headline == (
        "Ready: no new critical or high-risk findings. 1 accepted finding from the baseline remains"
        " and is still listed among the findings."
    )


# --- H4: a clean run ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_result(cleanapp: Path) -> ScanResult:
    """A real scan of the clean fixture: no finding."""
    result = scan(cleanapp, ScanOptions(python=sys.executable), default_catalogue())
    assert result.findings == () and not result.is_incomplete
    return result


def test_a_clean_run_draws_no_chart_and_lists_no_empty_section(clean_result: ScanResult) -> None:
    page = render_html(clean_result)
    assert html_page(build_view(clean_result), "", "").charts == ()
    overview = section(page, "overview")
    assert "<svg" not in overview and "<table" not in overview
    assert "<p>No findings.</p>" in overview
    assert 'href="#rules"' not in page and 'id="rules"' not in page
    summary = section(page, "s-summary")
    assert "<h3" not in summary
    assert "<p>No finding at critical, high or medium severity.</p>" in summary
    assert "low/info" not in summary and "low or info" not in summary
    assert_contents_match_headings(page)


def test_a_run_with_findings_keeps_its_charts_rules_and_summary(asyncapp_result: ScanResult) -> None:
    page = render_html(asyncapp_result)
    assert 'id="chart-severity-title"' in page and 'id="chart-category-title"' in page
    assert 'href="#rules"' in page and 'id="rule-RA101"' in page
    summary = section(page, "s-summary")
    assert summary.count("<h3>") == 3
    low = sum(f.severity in (Severity.LOW, Severity.INFO) for f in asyncapp_result.findings)
    assert f"Also counted above and ranked last: {counted(low, 'finding')} at low or info severity" in summary


# --- H6: the coverage table and its wording ----------------------------------------------------


def test_coverage_table_keeps_the_missing_count_apart_from_the_ranges(asyncapp_result: ScanResult) -> None:
    view = build_view(asyncapp_result)
    covered = CoverageRow("app/full.py", "-", "100", 12, 0, "")
    some = CoverageRow("app/db.py", "data access", "83", 35, 4, "3-4, 6-7")
    page = html(dataclasses.replace(view, coverage=dataclasses.replace(view.coverage, rows=(some, covered))))
    table = section(page, "s-coverage")
    assert '<th scope="col" class="num">Missing</th><th scope="col">Missing lines</th>' in table
    assert '<td class="num">35</td><td class="num">4</td><td>3-4, 6-7</td></tr>' in table
    assert '<td class="num">12</td><td class="num">0</td><td><span class="muted">none</span></td></tr>' in table
    assert ": 3-4" not in table and "Lines missing" not in table


def _function(name: str, start: int, statements: int) -> FunctionCoverage:
    missing = tuple(range(start + 1, start + 1 + statements))
    return FunctionCoverage("app/h.py", f"Handler.{name}", "method", start, start + 9, statements, missing, 0.0, 1,
                            2.0, "data access")


def test_untested_functions_are_counted_in_words(asyncapp_result: ScanResult) -> None:
    (one,) = untested_groups([_function("only", 10, 1)])
    assert (one.missing_words, one.more_words) == ("1 statement", "")
    (many,) = untested_groups([_function(f"m{n}", 10 * n, 1 + n % 2) for n in range(1, 11)])
    assert many.missing_words == f"{many.missing} statements"
    assert many.more_words == f"2 smaller functions ({many.more_statements} statements)"
    (single_rest,) = untested_groups([_function(f"m{n}", 10 * n, 1) for n in range(1, 10)])
    assert single_rest.more_words == "1 smaller function (1 statement)"
    view = build_view(asyncapp_result)
    page = html(dataclasses.replace(view, coverage=dataclasses.replace(view.coverage, untested_groups=(one, many))))
    coverage = section(page, "s-coverage")
    assert "data access: 1 statement never executed)</h4>" in coverage
    assert f"<li>... and 2 smaller functions ({many.more_statements} statements)</li>" in coverage
    assert "function(s)" not in coverage
