"""How the reports read: each thing said once, code that reads as code, filters that survive a reload.

A failed tool's reason is given once, in its row of the tools table, and referred to elsewhere; each
finding is shown in full once, in the findings table, and linked to in one line everywhere else; the
severity counts are one table and a chart. Excerpts are highlighted by Pygments, end without blank
lines, scroll inside their box, and the page has a dark scheme. The HTML filters live in the URL.
The Markdown coverage table keeps the count of missing lines apart from their ranges.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path

import pytest
from markupsafe import escape
from playwright.sync_api import Browser, Page, ViewportSize, expect

from riskaudit.models import ExcerptLine, FunctionCoverage, Severity, ToolStatus
from riskaudit.report.coverage_view import CoverageRow, untested_groups
from riskaudit.report.header import version_parts
from riskaudit.report.highlight import CodeSpan, highlighted
from riskaudit.report.html import inline_asset, render_html
from riskaudit.report.markdown import markdown
from riskaudit.report.render import render_markdown
from riskaudit.report.view import build_view
from riskaudit.results import ScanResult
from riskaudit.sources import read_source

REASON = "mypy crashed: <internal error> & exit code 2"


def section(page: str, anchor: str) -> str:
    """The markup of the element of that id (a section or the banner), to its end."""
    found = re.search(rf'<(section|div) [^>]*\bid="{re.escape(anchor)}"', page)
    assert found, anchor
    return page[found.start() : page.index(f"</{found.group(1)}>", found.start())]


def outside(page: str, anchor: str) -> str:
    """The page without one of its sections."""
    part = section(page, anchor)
    return page.replace(part, "")


def failed(result: ScanResult, reasons: dict[str, str]) -> ScanResult:
    """The result with the named runs failed for the given reasons."""
    runs = tuple(
        dataclasses.replace(run, status=ToolStatus.FAILED, reason=reasons[run.name], findings=())
        if run.name in reasons
        else run
        for run in result.runs
    )
    return dataclasses.replace(result, runs=runs)


# --- H3: a failed tool's reason once, in the tools table --------------------------------------


def test_a_failed_tools_reason_is_given_once_in_the_tools_table(asyncapp_result: ScanResult) -> None:
    result = failed(asyncapp_result, {"mypy": REASON})
    page = render_html(result)
    escaped = str(escape(REASON))
    assert page.count(escaped) == 1
    row = re.search(r'<tr class="run-failed" id="tool-mypy">.*?</tr>', page, re.S)
    assert row and f'<td class="notes">{escaped}</td>' in row.group(0)
    banner = section(page, "incomplete")
    assert 'missing from this report: <a href="#tool-mypy"><strong>mypy</strong></a>.' in banner
    assert 'Why each failed is in the <a href="#tools">Tools</a> table.' in banner
    assert '<li><a href="#tool-mypy">mypy failed</a> (see Tools)</li>' in section(page, "verdict")
    assert '<p class="warn">No results: <a href="#tool-mypy">mypy failed</a> (see Tools).</p>' in section(
        page, "s-mypy"
    )
    assert not any("mypy" in reason for reason in build_view(result).reasons)


def test_a_failed_tools_reason_is_given_once_in_the_markdown(asyncapp_result: ScanResult) -> None:
    text = render_markdown(failed(asyncapp_result, {"mypy": REASON}))
    lines = text.splitlines()
    assert text.count("mypy crashed") == 1
    (row,) = [line for line in lines if line.startswith("| mypy | FAILED |")]
    assert row.endswith("| mypy crashed: &lt;internal error> & exit code 2 |")
    assert "- mypy failed (see [Tools](#tools))" in lines
    assert (
        "> **INCOMPLETE ANALYSIS.** These tools did not complete, so their findings are missing from this report:"
        " **mypy**. Why each failed is in the Notes of [Tools](#tools)."
    ) in lines
    assert "No results: mypy failed (see [Tools](#tools))." in lines


def test_failed_radon_and_coverage_refer_to_the_tools_table(asyncapp_result: ScanResult) -> None:
    reasons = {"radon": "radon crashed: <boom> 1", "coverage": "coverage crashed: <bang> 2"}
    result = dataclasses.replace(failed(asyncapp_result, reasons), coverage=None)
    page = render_html(result)
    text = render_markdown(result)
    for reason in reasons.values():
        assert page.count(str(escape(reason))) == 1
        assert text.count(reason.split(":")[0]) == 1
    assert 'No complexity measured: <a href="#tool-radon">radon failed</a> (see Tools).' in section(
        page, "s-complexity"
    )
    assert '<a href="#tool-coverage">coverage failed</a> (see Tools). The ranking' in section(page, "s-coverage")
    assert "No complexity measured: radon failed (see [Tools](#tools))." in text.splitlines()
    assert "**Coverage: not measured.** coverage failed (see [Tools](#tools)). The ranking" in text


def test_a_skipped_tools_reason_stays_where_it_is_read(asyncapp_result: ScanResult) -> None:
    runs = tuple(
        dataclasses.replace(run, status=ToolStatus.SKIPPED, reason="radon is not installed")
        if run.name == "radon"
        else run
        for run in asyncapp_result.runs
    )
    page = render_html(dataclasses.replace(asyncapp_result, runs=runs))
    assert "radon did not produce results: radon is not installed" in section(page, "s-complexity")


# --- H3: the Version column -------------------------------------------------------------------


def test_a_version_with_a_plugin_list_is_split() -> None:
    assert version_parts("7.1.1 (mccabe: 0.7.0, pyflakes: 3.2.0) CPython 3.12.3 on Linux") == (
        "7.1.1 CPython 3.12.3 on Linux",
        ("mccabe 0.7.0", "pyflakes 3.2.0"),
    )
    assert version_parts("mypy 1.11.2 (compiled: yes)") == ("mypy 1.11.2 (compiled: yes)", ())
    assert version_parts("Coverage.py, version 7.6 (riskaudit's environment)")[1] == ()
    assert version_parts("") == ("", ())


def test_the_tools_table_folds_flake8s_plugin_list_away(asyncapp_result: ScanResult) -> None:
    run = asyncapp_result.run("flake8")
    assert run is not None
    head, plugins = version_parts(run.version)
    assert len(plugins) >= 3 and "(" not in head  # the real flake8 with its plugins
    page = render_html(asyncapp_result)
    cell = (
        f'<td class="version" title="{escape(run.version)}">{escape(head)}<details class="plugins">'
        f"<summary>{len(plugins)} plugins</summary>{escape(', '.join(plugins))}</details></td>"
    )
    assert cell in section(page, "tools")


# --- H5: each finding in full once, linked elsewhere; severity counts once ---------------------


def test_each_finding_is_shown_in_full_once(asyncapp_result: ScanResult) -> None:
    page = render_html(asyncapp_result)
    table = section(page, "findings")
    rest = outside(page, "findings")
    with_excerpt = [f for f in asyncapp_result.findings if f.excerpt]
    assert with_excerpt
    assert table.count('<pre class="excerpt">') == len(with_excerpt)
    assert '<pre class="excerpt">' not in rest
    examples = {code.example for tool in build_view(asyncapp_result).tool_sections for code in tool.codes}
    for finding in asyncapp_result.findings:
        assert str(escape(finding.message)) in table
        if finding.message not in examples:  # a tool's codes table quotes one message per code
            assert str(escape(finding.message)) not in rest, finding.message


def test_every_mention_of_a_finding_links_to_its_row(asyncapp_result: ScanResult) -> None:
    page = render_html(asyncapp_result)
    count = len(asyncapp_result.findings)
    assert re.findall(r'<tr role="row" id="(f-\d+)"', section(page, "findings")) == [
        f"f-{n}" for n in range(1, count + 1)
    ]
    links = set(re.findall(r'href="#(f-\d+)"', outside(page, "findings")))
    assert links and links <= {f"f-{n}" for n in range(1, count + 1)}
    urgent = [
        f"f-{rank}"
        for rank, f in enumerate(asyncapp_result.findings, 1)
        if f.severity in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM)
    ]
    assert re.findall(r'href="#(f-\d+)"', section(page, "s-summary")) == urgent
    mypy = section(page, "s-mypy")
    items = re.findall(r'<li id="mypy-\d+"><span class="ref-n">[\d.]+</span> (.*?)</li>', mypy)
    assert items and all(re.search(r'href="#f-\d+"', item) for item in items)
    assert "<article" not in mypy and "<h4" not in mypy and "The problem" not in mypy
    recommendations = section(page, "s-recommendations")
    assert re.search(r'<p>Where: <a href="#f-\d+"><code>', recommendations)


def test_severity_counts_are_one_table_and_the_chart(asyncapp_result: ScanResult) -> None:
    view = build_view(asyncapp_result)
    page = render_html(asyncapp_result)
    assert 'class="counts"' not in page and 'class="count ' not in page
    overview = section(page, "overview")
    assert overview.count("<table") == 1 and 'id="chart-severity-title"' in overview
    total = re.search(r"<tfoot>(.*?)</tfoot>", overview, re.S)
    assert total
    cells = re.findall(r'<td class="num(?: zero)?">(\d+)</td>', total.group(1))
    assert cells == [str(count) for _, count in view.severity_counts] + [str(view.total)]
    rows = re.findall(r'<tr><th scope="row">([a-z ]+)</th>', overview)
    assert rows == ["production code", "tests and support code", "all code"]


# --- H7: code excerpts ------------------------------------------------------------------------


def test_excerpts_are_highlighted_by_pygments_classes(asyncapp_result: ScanResult) -> None:
    page = render_html(asyncapp_result)
    (rank, finding) = next((r, f) for r, f in enumerate(asyncapp_result.findings, 1) if f.rule_id == "RA101")
    row = re.search(rf'<tr role="row" id="f-{rank}".*?</tr>', page, re.S)
    assert row and finding.excerpt
    markup = row.group(0)
    assert (
        '<span class="k">async</span> <span class="k">def</span> <span class="nf">close_db</span>()'
        ' -&gt; <span class="kc">None</span>:'
    ) in markup
    assert re.search(r'<mark><span class="ln">&gt;\s*\d+ \| </span>', markup)
    assert '<span class="c"># defect: missing-await</span>' in markup
    example = re.search(r'<pre class="example"><code>(.*?)</code></pre>', section(page, "rules"), re.S)
    assert example and re.search(r'<span class="(k|kn|nf|c)">', example.group(1))  # rule examples too
    css = inline_asset("report.css")
    for name in ("k", "kc", "nf", "s", "c", "m"):
        assert re.search(rf"pre \.{name}\b[^{{]*\{{", css), name


def test_highlighting_gives_the_code_back_line_by_line() -> None:
    lines = ('def f(x):', '    """Two', '    lines."""', "", "    return x  # done")
    spans = highlighted(lines)
    assert tuple("".join(s.text for s in line) for line in spans) == lines
    assert spans[1] == (CodeSpan("", "    "), CodeSpan("sd", '"""Two'))
    assert spans[2] == (CodeSpan("sd", '    lines."""'),)
    assert spans[3] == ()
    assert highlighted(()) == ()


def test_excerpts_drop_the_blank_lines_after_the_flagged_one(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(textwrap.dedent("""\
        x = 1
        y = 2



        z = 3
    """), encoding="utf-8")
    source = read_source(tmp_path, "m.py")
    assert [line.number for line in source.excerpt(2)] == [1, 2]
    assert source.excerpt(3, 1) == (ExcerptLine(2, "y = 2", False), ExcerptLine(3, "", True))
    assert [line.number for line in source.excerpt(6, 1)] == [5, 6]
    assert [line.number for line in source.excerpt(1, 5)] == [1, 2, 3, 4, 5, 6]


def test_the_real_scans_excerpts_end_with_code(asyncapp_result: ScanResult) -> None:
    for finding in asyncapp_result.findings:
        if finding.excerpt:
            last = finding.excerpt[-1]
            assert last.highlight or last.text.strip(), finding.location
    (check,) = [f for f in asyncapp_result.findings if f.symbol == "check_database" and f.excerpt]
    assert check.excerpt[-1].text.strip() == "return value == 1"


# --- M1: the Markdown coverage table and its wording ------------------------------------------


def test_markdown_coverage_table_keeps_the_missing_count_apart_from_the_ranges(asyncapp_result: ScanResult) -> None:
    view = build_view(asyncapp_result)
    covered = CoverageRow("app/full.py", "-", "100", 12, 0, "")
    some = CoverageRow("app/db.py", "data access", "83", 35, 4, "3-4, 6-7")
    coverage = dataclasses.replace(view.coverage, rows_listed=(some, covered))
    lines = markdown(dataclasses.replace(view, coverage=coverage)).splitlines()
    assert "| File | Layer | Coverage | Statements | Missing | Missing lines |" in lines
    assert "| `app/db.py` | data access | 83% | 35 | 4 | 3-4, 6-7 |" in lines
    assert "| `app/full.py` | - | 100% | 12 | 0 | none |" in lines
    assert not any("Lines missing" in line or ": 3-4" in line for line in lines)


def _function(name: str, start: int, statements: int) -> FunctionCoverage:
    missing = tuple(range(start + 1, start + 1 + statements))
    return FunctionCoverage(
        "app/h.py", f"Handler.{name}", "method", start, start + 9, statements, missing, 0.0, 1, 2.0, "data access"
    )


def test_markdown_counts_untested_functions_in_words(asyncapp_result: ScanResult) -> None:
    (one,) = untested_groups([_function("only", 10, 1)])
    (many,) = untested_groups([_function(f"m{n}", 10 * n, 1 + n % 2) for n in range(1, 11)])
    view = build_view(asyncapp_result)
    coverage = dataclasses.replace(view.coverage, untested_groups=(one, many))
    text = markdown(dataclasses.replace(view, coverage=coverage))
    part = text.split("### 3.2 Untested methods", 1)[1].split("### 3.3", 1)[0]
    assert "#### Handler (`app/h.py`, data access: 1 statement never executed)" in part
    assert f"- ... and 2 smaller functions ({many.more_statements} statements)" in part.splitlines()
    assert "function(s)" not in part and "1 statements" not in part


# --- in a browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(asyncapp_result: ScanResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of the async fixture's real scan, on disk."""
    path = tmp_path_factory.mktemp("reading") / "report.html"
    path.write_text(render_html(asyncapp_result), encoding="utf-8")
    return path


def _page(browser: Browser, width: int = 1366, scheme: str = "light") -> Page:
    viewport: ViewportSize = {"width": width, "height": 900}
    context = browser.new_context(viewport=viewport, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _shown(page: Page) -> list[str]:
    return list(page.eval_on_selector_all("#findings-table tbody tr:not([hidden])", "rows => rows.map(r => r.id)"))


def test_filter_state_is_kept_in_the_url_across_a_reload(
    browser: Browser, report: Path, asyncapp_result: ScanResult
) -> None:
    page = _page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(report.as_uri(), wait_until="load")
        page.select_option("#filter-severity", "high")
        page.select_option("#filter-rule", "RA301")
        assert page.evaluate("location.hash") == "#sev=high&rule=RA301"
        page.fill("#filter-text", "repositories/")
        expect(page).to_have_url(re.compile(r"#sev=high&rule=RA301&q=repositories%2F$"))
        expected = [
            f"f-{rank}"
            for rank, f in enumerate(asyncapp_result.findings, 1)
            if f.severity is Severity.HIGH and f.rule_id == "RA301" and "repositories/" in (f.path or "")
        ]
        assert expected and _shown(page) == expected
        page.reload(wait_until="load")
        expect(page.locator("#filter-severity")).to_have_value("high")
        expect(page.locator("#filter-rule")).to_have_value("RA301")
        expect(page.locator("#filter-text")).to_have_value("repositories/")
        assert _shown(page) == expected
        status = f"{len(expected)} of {len(asyncapp_result.findings)} findings shown."
        expect(page.locator("#filter-status")).to_have_text(status)
        page.click("#filters button[type=reset]")
        expect(page.locator("#filter-status")).to_have_text(f"All {len(asyncapp_result.findings)} findings shown.")
        assert page.evaluate("location.hash") == ""
        # A link to a finding stays a link to it, and opens it among all findings.
        page.goto(report.as_uri() + "#sev=low", wait_until="load")
        expect(page.locator("#filter-severity")).to_have_value("low")
        page.goto(report.as_uri() + "#f-1", wait_until="load")
        expect(page.locator("#f-1")).to_be_in_viewport()
        expect(page.locator("#f-1 details")).to_have_attribute("open", "")
        expect(page.locator("#filter-severity")).to_have_value("")
        assert page.evaluate("location.hash") == "#f-1"
    finally:
        page.context.close()
    assert errors == []


def test_the_dark_scheme_changes_the_colours(browser: Browser, report: Path) -> None:
    probe = """() => {
        const style = (selector, property) => getComputedStyle(document.querySelector(selector))[property];
        document.querySelector('#f-1 details').open = true;
        return [style('body', 'backgroundColor'), style('body', 'color'), style('#f-1 pre .k', 'color'),
                style('#f-1 mark', 'backgroundColor'), style('.chart .track', 'fill'),
                getComputedStyle(document.documentElement).colorScheme];
    }"""
    colours = {}
    for scheme in ("light", "dark"):
        page = _page(browser, scheme=scheme)
        try:
            page.goto(report.as_uri(), wait_until="load")
            colours[scheme] = page.evaluate(probe)
        finally:
            page.context.close()
    light, dark = colours["light"], colours["dark"]
    assert light[0] == "rgb(255, 255, 255)" and dark[0] != light[0]
    assert [a != b for a, b in zip(light[:5], dark[:5], strict=True)] == [True] * 5
    assert light[5] == dark[5] == "light dark"


@pytest.mark.parametrize("width", [1366, 850, 375])
def test_a_wide_excerpt_scrolls_inside_its_box(
    browser: Browser, asyncapp_result: ScanResult, tmp_path: Path, width: int
) -> None:
    first = asyncapp_result.findings[0]
    wide = "    query = '" + "SELECT id FROM users WHERE name = 'x' OR " * 12 + "'"
    excerpt = (ExcerptLine(1, "def f():", False), ExcerptLine(2, wide, True), ExcerptLine(3, "    return 1", False))
    result = dataclasses.replace(asyncapp_result, findings=(dataclasses.replace(first, excerpt=excerpt),
                                                            *asyncapp_result.findings[1:]))
    path = tmp_path / "wide.html"
    path.write_text(render_html(result), encoding="utf-8")
    page = _page(browser, width)
    try:
        page.goto(path.as_uri() + "#f-1", wait_until="load")
        pre = page.locator("#f-1 pre.excerpt")
        expect(pre).to_be_visible()
        sizes = page.evaluate("""() => {
            const pre = document.querySelector('#f-1 pre.excerpt');
            return {page: document.scrollingElement.scrollWidth, viewport: window.innerWidth,
                    content: pre.scrollWidth, box: pre.clientWidth};
        }""")
    finally:
        page.context.close()
    assert sizes["page"] <= sizes["viewport"], sizes
    assert sizes["content"] > sizes["box"], sizes


def test_the_version_column_is_wide_enough_to_read(browser: Browser, report: Path) -> None:
    page = _page(browser)
    try:
        page.goto(report.as_uri(), wait_until="load")
        cell = page.locator("#tool-flake8 td.version")
        box = cell.bounding_box()
        line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
        cell.locator("summary").click()
        expect(cell.locator("details")).to_have_attribute("open", "")
    finally:
        page.context.close()
    assert box is not None and box["width"] >= 190 and box["height"] <= 3 * line + 12, box
