"""The HTML report, opened from disk in a real headless Chromium driven by Playwright.

The browser tests need Debian's ``chromium`` at /usr/bin/chromium (CI installs it) and skip
without it. Timings of the 5,000-finding page are printed, never asserted.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, expect

from riskaudit.catalogue import default_catalogue
from riskaudit.models import ExcerptLine, Finding, Severity, ToolStatus
from riskaudit.options import ScanOptions
from riskaudit.report.charts import ChartRow, bar_chart, short_label
from riskaudit.report.finding_view import location_key
from riskaudit.report.highlight import CodeLine, CodeSpan
from riskaudit.report.html import ExcerptPart, excerpt_parts, render_html
from riskaudit.report.view import build_view
from riskaudit.results import ScanResult
from riskaudit.scan import scan
from riskaudit.serialise import dumps
from support import copy_fixture, marker_lines, run_cli

XSS_MODULE = "<img src=x onerror=alert(1)>.py"
XSS_TARGET = "<svg onload=alert(4)>"
SCALE = 5000


# --- browser plumbing -------------------------------------------------------------------------


@dataclass
class Tab:
    """A page with everything it did recorded: requests, console errors, dialogs."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, path: Path, fragment: str = "") -> None:
        """Load a report file from disk and wait until it has loaded."""
        self.page.goto(path.as_uri() + fragment, wait_until="load")

    def assert_clean(self, path: Path) -> None:
        """No request but the file itself, no console error, no dialog."""
        assert self.requests == [path.as_uri()], self.requests
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs


def _tab(browser: Browser, javascript: bool = True) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(30_000)
    tab = Tab(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            tab.errors.append(f"{message.type}: {message.text}")

    def on_dialog(dialog: Dialog) -> None:
        tab.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_request(request: Request) -> None:
        tab.requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.errors.append(f"pageerror: {error}"))
    page.on("dialog", on_dialog)
    page.on("request", on_request)
    yield tab
    context.close()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    """A fresh browser context and page."""
    yield from _tab(browser)


@pytest.fixture
def tab_without_js(browser: Browser) -> Iterator[Tab]:
    """A fresh page with JavaScript disabled."""
    yield from _tab(browser, javascript=False)


@pytest.fixture(scope="module")
def report(asyncapp_result: ScanResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of the async fixture's real scan, on disk."""
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(asyncapp_result), encoding="utf-8")
    return path


def visible_ids(page: Page) -> list[str]:
    """Ids of the findings rows not hidden, in table order."""
    return list(page.eval_on_selector_all("#findings-table tbody tr:not([hidden])", "rows => rows.map(r => r.id)"))


def all_ids(page: Page) -> list[str]:
    """Ids of all findings rows, in table order."""
    return list(page.eval_on_selector_all("#findings-table tbody tr", "rows => rows.map(r => r.id)"))


def ids_where(findings: tuple[Finding, ...], keep: Callable[[Finding], bool]) -> list[str]:
    """Row ids of the findings kept, in ranked order."""
    return [f"f-{rank}" for rank, finding in enumerate(findings, 1) if keep(finding)]


def ranked_ids(findings: tuple[Finding, ...], key: Any) -> list[str]:
    """Row ids of the findings in the order of key, ties by rank."""
    order = sorted(range(len(findings)), key=lambda i: (key(findings[i]), i))
    return [f"f-{i + 1}" for i in order]


# --- the asyncapp report in Chromium ----------------------------------------------------------


def test_opens_from_disk_with_no_request_and_no_error(tab: Tab, report: Path, tmp_path: Path) -> None:
    tab.open(report)
    expect(tab.page.locator("#verdict")).to_be_visible()
    shot = tmp_path / "report.png"
    tab.page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot of the asyncapp report: {shot}")
    assert shot.stat().st_size > 10_000
    tab.assert_clean(report)


def test_verdict_counts_and_tools_are_at_the_top(tab: Tab, report: Path, asyncapp_result: ScanResult) -> None:
    view = build_view(asyncapp_result)
    tab.open(report)
    verdict = tab.page.locator("#verdict")
    expect(verdict).to_be_visible()
    expect(verdict.locator(".status")).to_have_text(view.status)
    expect(verdict).to_contain_text(view.headline)
    for reason in view.reasons:
        expect(verdict).to_contain_text(reason)
    expect(tab.page.locator("ul.counts")).to_have_count(0)  # the counts are the overview's table, once
    totals = tab.page.locator("#overview table.severities tfoot td")
    expect(totals).to_have_text([str(count) for _, count in view.severity_counts] + [str(view.total)])
    box = verdict.bounding_box()
    assert box is not None and box["y"] < 400
    tools = tab.page.locator("#tools tbody tr")
    expect(tools).to_have_count(len(asyncapp_result.runs))
    for run in asyncapp_result.runs:
        row = tab.page.locator("#tools tbody tr", has=tab.page.locator(f"th:text-is('{run.name}')"))
        expect(row.locator("td.version")).to_have_attribute("title", run.version)
        expect(row).to_contain_text(run.status.value.upper())
    expect(tab.page.locator("#incomplete")).to_have_count(0)
    meta = tab.page.locator("table.meta")
    expect(meta).to_contain_text(asyncapp_result.meta.root)
    expect(meta).to_contain_text(asyncapp_result.meta.date)
    expect(meta).to_contain_text(asyncapp_result.meta.commit or "(not a git checkout)")
    expect(meta).to_contain_text(view.gate)
    tab.assert_clean(report)


@pytest.mark.parametrize("severity", ["critical", "high", "medium", "low"])
def test_filter_by_severity_hides_exactly_the_other_severities(
    tab: Tab, report: Path, asyncapp_result: ScanResult, severity: str
) -> None:
    findings = asyncapp_result.findings
    tab.open(report)
    tab.page.select_option("#filter-severity", severity)
    expected = ids_where(findings, lambda f: f.severity.value == severity)
    assert expected
    assert visible_ids(tab.page) == expected
    hidden = tab.page.eval_on_selector_all("#findings-table tbody tr[hidden]", "rows => rows.map(r => r.dataset.sev)")
    assert len(hidden) == len(findings) - len(expected) and severity not in hidden
    expect(tab.page.locator("#filter-status")).to_have_text(f"{len(expected)} of {len(findings)} findings shown.")
    tab.page.click("#filters button[type=reset]")
    expect(tab.page.locator("#filter-status")).to_have_text(f"All {len(findings)} findings shown.")
    assert len(visible_ids(tab.page)) == len(findings)
    tab.assert_clean(report)


def test_a_failed_tool_is_a_banner_above_everything(tab: Tab, asyncapp_result: ScanResult, tmp_path: Path) -> None:
    reason = "mypy crashed: <internal error> & exit code 2"
    runs = tuple(
        replace(run, status=ToolStatus.FAILED, reason=reason, findings=()) if run.name == "mypy" else run
        for run in asyncapp_result.runs
    )
    path = tmp_path / "incomplete.html"
    path.write_text(render_html(replace(asyncapp_result, runs=runs)), encoding="utf-8")
    tab.open(path)
    banner = tab.page.locator("#incomplete")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("INCOMPLETE ANALYSIS")
    expect(banner).to_contain_text("missing from this report: mypy. Why each failed is in the Tools table.")
    banner.locator("a[href='#tool-mypy']").click()
    expect(tab.page.locator("#tool-mypy")).to_be_in_viewport()
    box = banner.bounding_box()
    assert box is not None and box["y"] < 100
    expect(tab.page.locator("#verdict .status")).to_have_text("INCOMPLETE")
    failed = tab.page.locator("#tools tr.run-failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("FAILED")
    expect(failed.locator("td.notes")).to_have_text(reason)
    expect(tab.page.locator("#s-mypy")).to_contain_text("No results: mypy failed (see Tools).")
    expect(tab.page.locator("body")).to_contain_text(reason)
    assert tab.page.locator("body").inner_text().count(reason) == 1
    shot = tmp_path / "incomplete.png"
    tab.page.screenshot(path=str(shot))
    print(f"\nscreenshot of an incomplete report: {shot}")
    tab.assert_clean(path)


def test_filter_by_tool_rule_and_text(tab: Tab, report: Path, asyncapp_result: ScanResult) -> None:
    findings = asyncapp_result.findings
    tab.open(report)
    page = tab.page
    page.select_option("#filter-tool", "mypy")
    assert visible_ids(page) == ids_where(findings, lambda f: any(s.startswith("mypy:") for s in f.sources))
    page.select_option("#filter-tool", "")
    page.select_option("#filter-rule", "RA301")
    assert visible_ids(page) == ids_where(findings, lambda f: f.rule_id == "RA301")
    page.select_option("#filter-rule", "")
    page.fill("#filter-text", "REPOSITORIES/ user")
    expected = ids_where(findings, lambda f: "repositories/user" in (f.path or ""))
    assert expected
    expect(page.locator("#filter-status")).to_have_text(f"{len(expected)} of {len(findings)} findings shown.")
    assert visible_ids(page) == expected
    tab.assert_clean(report)


def test_sorting_by_risk_and_location_reorders_the_rows(tab: Tab, report: Path, asyncapp_result: ScanResult) -> None:
    findings = asyncapp_result.findings
    tab.open(report)
    page = tab.page
    ranking = ids_where(findings, lambda f: True)
    assert all_ids(page) == ranking
    risk = page.locator("#findings-table thead th", has_text="Risk")
    risk.locator("button").click()
    expect(risk).to_have_attribute("aria-sort", "ascending")
    assert all_ids(page) == ranked_ids(findings, lambda f: f.risk)
    assert all_ids(page) != ranking
    risk.locator("button").click()
    expect(risk).to_have_attribute("aria-sort", "descending")
    assert all_ids(page) == ranked_ids(findings, lambda f: -f.risk)
    location = page.locator("#findings-table thead th", has_text="Location")
    location.locator("button").click()
    by_location = ranked_ids(findings, lambda f: location_key(f).lower())
    assert all_ids(page) == by_location
    paths = [page.locator(f"#{row} td.loc").inner_text() for row in all_ids(page)]
    assert paths == sorted(paths, key=lambda p: (p.rsplit(":", 1)[0], int(p.rsplit(":", 1)[-1]) if ":" in p else 0))
    expect(risk).not_to_have_attribute("aria-sort", re.compile(".+"))
    rank = page.locator("#findings-table thead th", has_text="#")
    rank.locator("button").click()
    expect(rank).to_have_attribute("aria-sort", "ascending")
    assert all_ids(page) == ranking
    tab.assert_clean(report)


def test_expanding_a_finding_shows_its_excerpt_and_rule(tab: Tab, report: Path, asyncapp_result: ScanResult) -> None:
    (index, finding) = next((i, f) for i, f in enumerate(asyncapp_result.findings, 1) if f.rule_id == "RA101")
    rule = asyncapp_result.rules["RA101"]
    tab.open(report)
    row = tab.page.locator(f"#f-{index}")
    excerpt = row.locator("pre.excerpt")
    expect(excerpt).to_be_hidden()
    row.locator("summary").click()
    expect(excerpt).to_be_visible()
    mark = excerpt.locator("mark")
    expect(mark).to_have_count(1)
    expect(mark).to_be_visible()
    expect(mark).to_have_text(re.compile(rf"^>\s*{finding.line} \| .*defect: missing-await$"))
    shown = excerpt.inner_text()
    for line in finding.excerpt:
        assert f"{line.number} | {line.text}" in shown
    box, highlighted = excerpt.bounding_box(), mark.bounding_box()
    assert box is not None and highlighted is not None and highlighted["width"] >= box["width"] - 4
    expect(row.locator(".rule-doc")).to_contain_text(rule.problem)
    expect(row.locator(".rule-doc")).to_contain_text(rule.risk)
    expect(row.locator(".rule-doc")).to_contain_text(rule.recommendation)
    tab.assert_clean(report)


def test_each_finding_has_a_working_anchor(tab: Tab, report: Path, asyncapp_result: ScanResult) -> None:
    count = len(asyncapp_result.findings)
    tab.open(report)
    page = tab.page
    assert all_ids(page) == [f"f-{i}" for i in range(1, count + 1)]
    page.click(f"#f-{count} a.self")
    assert page.url.endswith(f"#f-{count}")
    target = page.locator(":target")
    expect(target).to_have_id(f"f-{count}")
    expect(target).to_be_in_viewport()
    expect(page.locator(f"#f-{count} details")).to_have_attribute("open", "")
    # A link from the narrative to a finding that the filters hide shows it again.
    page.select_option("#filter-severity", "low")
    expect(page.locator("#f-1")).to_be_hidden()
    page.locator("#s-summary a[href='#f-1']").click()
    expect(page.locator("#f-1")).to_be_visible()
    expect(page.locator("#f-1")).to_be_in_viewport()
    expect(page.locator("#filter-status")).to_have_text(f"All {count} findings shown.")
    tab.assert_clean(report)


def test_opening_a_finding_link_directly(tab: Tab, report: Path) -> None:
    tab.open(report, "#f-3")
    expect(tab.page.locator("#f-3")).to_be_in_viewport()
    expect(tab.page.locator("#f-3 pre.excerpt, #f-3 .more p.muted").first).to_be_visible()
    assert tab.errors == [] and tab.dialogs == []


def test_print_layout_expands_details_and_hides_filters(tab: Tab, report: Path) -> None:
    tab.open(report)
    page = tab.page
    expect(page.locator("#filters")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.locator("nav.toc")).to_be_hidden()
    expect(page.locator("#f-1 pre.excerpt mark")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator("#f-1 pre.excerpt mark")).to_be_hidden()


def test_readable_without_javascript(tab_without_js: Tab, report: Path, asyncapp_result: ScanResult) -> None:
    tab_without_js.open(report)
    page = tab_without_js.page
    expect(page.locator("#verdict")).to_be_visible()
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.locator("th .sort")).to_have_count(0)
    assert len(visible_ids(page)) == len(asyncapp_result.findings)
    page.locator("#f-1 summary").click()
    expect(page.locator("#f-1 mark")).to_be_visible()
    expect(page.locator("#f-1 a.rule-link[href='#rule-RA101']")).to_be_visible()
    expect(page.locator("#rule-RA101 .rule-doc")).to_contain_text(asyncapp_result.rules["RA101"].problem)
    tab_without_js.assert_clean(report)


def test_a_result_without_findings_renders_cleanly(tab: Tab, asyncapp_result: ScanResult, tmp_path: Path) -> None:
    path = tmp_path / "clean.html"
    path.write_text(render_html(replace(asyncapp_result, findings=(), rules={})), encoding="utf-8")
    tab.open(path)
    expect(tab.page.locator("#verdict .status")).to_have_text("READY")
    expect(tab.page.locator("#findings")).to_contain_text("No findings.")
    expect(tab.page.locator("#findings-table")).to_have_count(0)
    expect(tab.page.locator("#filters")).to_have_count(0)
    tab.assert_clean(path)


# --- markup from the target -------------------------------------------------------------------


@pytest.fixture(scope="module")
def htmlapp_result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    """A real scan of the markup fixture, copied under a folder whose name is markup too."""
    copy = copy_fixture("htmlapp", tmp_path_factory.mktemp("htmlapp"))
    project = copy.rename(copy.parent / XSS_TARGET)
    assert (project / "htmlapp" / XSS_MODULE).is_file()
    return scan(project, ScanOptions(python=sys.executable), default_catalogue())


def test_markup_fixture_is_found_where_it_is(htmlapp_result: ScanResult) -> None:
    module = f"htmlapp/{XSS_MODULE}"
    (line,) = marker_lines(Path(__file__).parent / "fixtures" / "htmlapp" / module, "unused-variable")
    assert any(f.path == module and f.line == line and "flake8:F841" in f.sources for f in htmlapp_result.findings)
    assert any("<script>" in f.message for f in htmlapp_result.findings)
    assert htmlapp_result.meta.target == XSS_TARGET
    assert not htmlapp_result.incomplete


def test_markup_from_the_target_is_shown_as_text_and_never_runs(
    tab: Tab, htmlapp_result: ScanResult, tmp_path: Path
) -> None:
    path = tmp_path / "xss.html"
    path.write_text(render_html(htmlapp_result), encoding="utf-8")
    tab.open(path)
    page = tab.page
    page.eval_on_selector_all("details", "all => all.forEach(d => { d.open = true; })")
    page.locator("#findings-table summary").first.hover()
    page.wait_for_timeout(300)
    assert tab.dialogs == []
    assert page.locator("img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("svg[onload], [onerror], [onmouseover], [onload]").count() == 0
    assert page.locator("script").count() == 1  # the page's own
    body = page.locator("body").inner_text()
    assert f"htmlapp/{XSS_MODULE}" in body
    assert "<script>alert(2)</script>" in body and "<script>alert('unused')</script>" in body
    assert page.title().startswith(f"Risk analysis of {XSS_TARGET}")
    expect(page.locator("h1")).to_have_text(f"Risk analysis of {XSS_TARGET}")
    shot = tmp_path / "xss.png"
    page.screenshot(path=str(shot))
    print(f"\nscreenshot of the markup report: {shot}")
    tab.assert_clean(path)


class _Markup(HTMLParser):
    """Collects the elements and attribute values of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the element and its attributes."""
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)


def _target_strings(value: object, into: set[str]) -> set[str]:
    """Every string in a result object (dataclasses, tuples, mappings), recursively."""
    if isinstance(value, str):
        into.add(value)
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            _target_strings(getattr(value, item.name), into)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _target_strings(key, into)
            _target_strings(item, into)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _target_strings(item, into)
    return into


def _without_target_text(page: str, result: ScanResult) -> str:
    """The page with every escaped piece of target text (all of the result's strings but the rule docs) removed.

    The highlighting's spans (a class and nothing else) are dropped first, so that code reads as the source did.
    """
    page = re.sub(r'<span class="[a-z0-9]+">|</span>', "", page)
    text = _target_strings(replace(result, rules={}), set())
    for item in sorted(text, key=len, reverse=True):
        if len(item) > 3:
            page = page.replace(str(escape(item)), "")
    return page


@pytest.mark.parametrize("name", ["htmlapp_result", "asyncapp_result"])
def test_no_reference_to_another_host_outside_escaped_target_text(request: pytest.FixtureRequest, name: str) -> None:
    result: ScanResult = request.getfixturevalue(name)
    page = render_html(result)
    if name == "htmlapp_result":
        assert "https://evil.example" in page.replace("&#39;", "'")  # the target's own text, escaped
    leftover = re.findall(r"(?i).{0,60}(?:https?:|//[a-z0-9.-]+\.[a-z]).{0,60}", _without_target_text(page, result))
    assert leftover == []


@pytest.mark.parametrize("name", ["htmlapp_result", "asyncapp_result"])
def test_no_element_or_attribute_loads_or_runs_anything(request: pytest.FixtureRequest, name: str) -> None:
    parser = _Markup()
    parser.feed(render_html(request.getfixturevalue(name)))
    assert not {"img", "link", "iframe", "object", "embed", "base", "frame", "audio", "video"} & set(parser.tags)
    assert parser.tags.count("script") == 1 and parser.tags.count("style") == 1
    names = {name for _, name, _ in parser.attributes}
    assert not {"src", "style", "srcset", "action", "formaction"} & names
    assert not [name for name in names if name.startswith("on")]
    assert all(value.startswith("#") for _, name, value in parser.attributes if name in ("href", "xlink:href"))


def test_content_security_policy_allows_exactly_the_inline_blocks(asyncapp_result: ScanResult) -> None:
    page = render_html(asyncapp_result)
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert match
    policy = match.group(1).replace("&#39;", "'")
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert "unsafe" not in policy and "http" not in policy and "*" not in policy
    (style,) = re.findall(r"<style>(.*?)</style>", page, re.S)
    (script,) = re.findall(r"<script>(.*?)</script>", page, re.S)

    def source(block: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"

    assert directives["style-src"] == source(style)
    assert directives["script-src"] == source(script)


def test_render_cli_round_trip(asyncapp_result: ScanResult, tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(dumps(asyncapp_result), encoding="utf-8")
    out = tmp_path / "x.html"
    run = run_cli("render", str(results), "--format", "html", "--output", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8") == render_html(asyncapp_result)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>\n<html lang=\"en\">")


# --- pure helpers -----------------------------------------------------------------------------


def test_excerpt_parts_number_the_lines_and_isolate_the_flagged_one() -> None:
    lines = (ExcerptLine(9, "a = 1", False), ExcerptLine(10, "<b>", True), ExcerptLine(11, "", False))
    parts = excerpt_parts(lines)
    assert [(part.text, part.highlight) for part in parts] == [
        ("  9 | a = 1", False),
        (">10 | <b>", True),
        (" 11 | ", False),
    ]
    assert parts[0] == ExcerptPart(False, (CodeLine("  9 | ", (CodeSpan("", "a = "), CodeSpan("m", "1"))),))
    assert excerpt_parts(()) == ()


def test_bar_chart_geometry() -> None:
    chart = bar_chart("c", "t", [ChartRow("a", 10, "10"), ChartRow("b", 5, "5"), ChartRow("c", 0, "0")])
    assert [bar.width for bar in chart.bars] == [chart.plot_width, round(chart.plot_width / 2, 1), 0]
    assert chart.bars[1].y > chart.bars[0].y and chart.height >= chart.bars[-1].y + chart.bar_height
    assert chart.description == "a: 10; b: 5; c: 0"
    scaled = bar_chart("d", "t", [ChartRow("x", 50, "50%", marker=80)], scale=100)
    assert scaled.bars[0].width == round(scaled.plot_width / 2, 1)
    assert scaled.bars[0].marker_x == round(scaled.plot_width * 0.8, 1)
    assert bar_chart("e", "t", []).bars == ()
    long = "a/" * 40 + "file.py"
    assert short_label(long).endswith("file.py") and len(short_label(long)) == 44


# --- scale ------------------------------------------------------------------------------------


def _many(result: ScanResult, count: int) -> ScanResult:
    """The result with ``count`` findings derived from its own, varied in path, line, severity and risk."""
    base = result.findings
    severities = list(Severity)
    findings = [
        replace(
            base[i % len(base)],
            path=f"pkg{i % 40}/module_{i % 13}.py",
            line=1 + (i * 7) % 900,
            severity=severities[(i * 3) % len(severities)],
            risk=round(300.0 - i * 0.05, 2),
        )
        for i in range(count)
    ]
    return replace(result, findings=tuple(findings))


def test_five_thousand_findings_open_and_filter(tab: Tab, asyncapp_result: ScanResult, tmp_path: Path) -> None:
    big = _many(asyncapp_result, SCALE)
    started = time.perf_counter()
    page_text = render_html(big)
    rendered = time.perf_counter() - started
    path = tmp_path / "big.html"
    path.write_text(page_text, encoding="utf-8")
    started = time.perf_counter()
    tab.open(path)
    opened = time.perf_counter() - started
    page = tab.page
    loading = page.evaluate(
        """() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const ready = performance.getEntriesByName("riskaudit-ready")[0];
        return {dom: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, ready: ready ? ready.startTime : -1};
    }"""
    )
    assert page.locator("#findings-table tbody tr").count() == SCALE
    filtering = page.evaluate(
        """async () => {
        const settle = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
        const select = document.getElementById("filter-severity");
        const text = document.getElementById("filter-text");
        const times = {};
        let start = performance.now();
        select.value = "critical";
        select.dispatchEvent(new Event("change", {bubbles: true}));
        times.severity_script = performance.now() - start;
        await settle();
        times.severity_frame = performance.now() - start;
        times.critical_shown = document.querySelectorAll("#findings-table tbody tr:not([hidden])").length;
        start = performance.now();
        select.value = "";
        text.value = "pkg7/";
        text.dispatchEvent(new Event("change", {bubbles: true}));
        times.text_script = performance.now() - start;
        await settle();
        times.text_frame = performance.now() - start;
        times.text_shown = document.querySelectorAll("#findings-table tbody tr:not([hidden])").length;
        start = performance.now();
        text.value = "";
        document.querySelector("#findings-table thead th:nth-child(5) button").click();
        await settle();
        times.sort_frame = performance.now() - start;
        return times;
    }"""
    )
    expected_critical = sum(f.severity is Severity.CRITICAL for f in big.findings)
    expected_text = sum("pkg7/" in (f.path or "") for f in big.findings)
    assert filtering["critical_shown"] == expected_critical
    assert filtering["text_shown"] == expected_text
    page.select_option("#filter-severity", "")
    expect(page.locator("#filter-status")).to_have_text(f"All {SCALE} findings shown.")
    expect(page.locator("#findings-table")).to_have_class(re.compile(r"\blarge\b"))
    page.evaluate("location.hash = '#f-4321'")
    expect(page.locator("#f-4321")).to_be_in_viewport()
    expect(page.locator("#f-4321 details")).to_have_attribute("open", "")
    size = len(page_text.encode("utf-8")) / 1e6
    print(
        f"\n{SCALE} findings, {size:.1f} MB: rendered in {rendered:.2f}s; Chromium goto->load {opened:.2f}s "
        f"(DOMContentLoaded {loading['dom']:.0f} ms, script ready {loading['ready']:.0f} ms, "
        f"load {loading['load']:.0f} ms); severity filter {filtering['severity_script']:.1f} ms script, "
        f"{filtering['severity_frame']:.1f} ms to next frame; text filter {filtering['text_script']:.1f} ms script, "
        f"{filtering['text_frame']:.1f} ms to next frame; sort by location {filtering['sort_frame']:.1f} ms"
    )
    tab.assert_clean(path)


def test_header_shows_mode_skipped_files_and_baseline(asyncapp_result: ScanResult) -> None:
    from riskaudit.results import BaselineSummary

    meta = replace(asyncapp_result.meta, untrusted=True, not_analysed=("<b>x.py</b> (not a regular file)",))
    result = replace(
        asyncapp_result,
        meta=meta,
        baseline=BaselineSummary(path="base.json", written=False, entries=3, new=1, known=2),
    )
    page = render_html(result)
    assert "untrusted mode: the target's tool configs and plugins were not used" in page
    assert "not analysed: &lt;b&gt;x.py&lt;/b&gt; (not a regular file)" in page
    assert "<code>base.json</code>: 1 new, 2 known of 3 recorded" in page
