"""The report's view model: complete, the only thing the templates see, with a section per tool from the runs.

The golden reports (``test_golden.py``) pin what the reports say; these tests pin how they are built:
the templates read nothing but the view, every value they print is a documented field of a frozen
dataclass, a tool the report does not know yet gets its section from its run alone, and the report
package has no import cycle.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import typing
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import pytest

from riskaudit.models import ExcerptLine, Finding, Severity, ToolRun, ToolStatus
from riskaudit.report import html as html_module
from riskaudit.report import markdown as markdown_module
from riskaudit.report.finding_view import FindingView, finding_view
from riskaudit.report.html import HtmlPage, html_page, items, render_html
from riskaudit.report.render import render_markdown
from riskaudit.report.risks import RiskGroup, RiskItem, risk_items
from riskaudit.report.rules_view import RuleView
from riskaudit.report.templating import templates_dir
from riskaudit.report.tool_sections import ToolSection, ToolStyle, tool_style
from riskaudit.report.view import ReportView, build_view
from riskaudit.report.wording import counted, format_ranges, places
from riskaudit.results import ScanResult

REPORT = Path(html_module.__file__).parent
RAW = {
    "ScanResult",
    "ScanMeta",
    "BaselineSummary",
    "DiffScope",
    "ToolRun",
    "CoverageData",
    "FileCoverage",
    "FunctionCoverage",
    "FunctionComplexity",
    "LayerCoverage",
    "EnvironmentIssue",
    "SuppressedFinding",
    "RawFinding",
    "RuleDoc",
    "Finding",
}
"""Types of the scan result a template must not reach through the view."""
FOR_PROGRAMS = {("RiskItem", "lead")}
"""Fields that hold result data for programs reading the view (the corpus review), not for the templates."""


# --- the package's structure ------------------------------------------------------------------


def _report_imports(path: Path) -> set[str]:
    """The modules of riskaudit.report a module imports, anywhere in it (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "riskaudit.report":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("riskaudit.report."):
                found.add(node.module.removeprefix("riskaudit.report.").split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.removeprefix("riskaudit.report.").split(".")[0]
                for alias in node.names
                if alias.name.startswith("riskaudit.report.")
            )
    return found


def test_the_report_package_has_no_import_cycle() -> None:
    graph = {path.stem: _report_imports(path) for path in REPORT.glob("*.py")}
    assert {"view", "html", "render", "markdown"} <= set(graph)
    assert graph["render"] >= {"html", "markdown", "view"}
    state: dict[str, str] = {}

    def visit(module: str, trail: tuple[str, ...]) -> None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            assert state.get(target) != "open", f"import cycle: {' -> '.join((*trail, module, target))}"
            if target not in state:
                visit(target, (*trail, module))
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, ())


# --- the view is all the templates see --------------------------------------------------------


def _reachable(kind: type[Any], seen: dict[str, type[Any]], via: list[tuple[str, str, str]]) -> None:
    """Every dataclass reachable from ``kind``'s field types, by name; ``via`` records (owner, field, type)."""
    seen[kind.__name__] = kind
    for name, hint in typing.get_type_hints(kind).items():
        stack = [hint]
        while stack:
            current = stack.pop()
            stack.extend(typing.get_args(current))
            if isinstance(current, type) and dataclasses.is_dataclass(current):
                via.append((kind.__name__, name, current.__name__))
                if (kind.__name__, name) not in FOR_PROGRAMS and current.__name__ not in seen:
                    _reachable(current, seen, via)


def _undocumented_fields(kind: type[Any]) -> list[str]:
    """Fields of a dataclass without a docstring right below them."""
    tree = ast.parse(inspect.getsource(inspect.getmodule(kind)))  # type: ignore[arg-type]
    (node,) = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == kind.__name__]
    missing = []
    for statement, following in zip(node.body, [*node.body[1:], None], strict=True):
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            documented = (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            )
            if not documented:
                missing.append(statement.target.id)
    return missing


def test_the_view_reaches_no_scan_result_data_and_documents_every_field() -> None:
    seen: dict[str, type[Any]] = {}
    via: list[tuple[str, str, str]] = []
    for root in (ReportView, HtmlPage):
        _reachable(root, seen, via)
    assert {"Header", "ToolSection", "CoverageSection", "RiskItem", "FindingView", "BarChart"} <= set(seen)
    raw = [(owner, field, kind) for owner, field, kind in via if kind in RAW and (owner, field) not in FOR_PROGRAMS]
    assert raw == []
    assert "result" not in {f.name for f in dataclasses.fields(ReportView)}
    for name, kind in seen.items():
        if kind.__module__.startswith("riskaudit.report."):
            assert kind.__dataclass_params__.frozen, name  # type: ignore[attr-defined]
            assert kind.__doc__ and _undocumented_fields(kind) == [], name


def test_the_templates_read_only_the_view_and_call_no_function() -> None:
    expected = {"report.md.j2": {"view"}, "report.html.j2": {"view", "page"}}
    for name, variables in expected.items():
        env = markdown_module.environment() if name.endswith(".md.j2") else html_module.environment()
        source = (templates_dir() / name).read_text(encoding="utf-8")
        assert jinja2.meta.find_undeclared_variables(env.parse(source)) == variables, name
        assert set(env.globals) == set(jinja2.Environment().globals), name
        assert not re.search(r"\|\s*(format|sum|length|upper)\b", source), name


# --- a tool the report does not know yet ------------------------------------------------------


@pytest.fixture(scope="module")
def with_bandit(asyncapp_result: ScanResult) -> ScanResult:
    """The async fixture's real result with a run of a further tool first, and one finding of it."""
    base = next(f for f in asyncapp_result.findings if any(s.startswith("flake8:") for s in f.sources))
    extra = replace(base, sources=("bandit:B608",), message="Possible SQL injection vector | string-built query")
    run = ToolRun("bandit", ToolStatus.OK, version="bandit 1.8.6", executable="bandit")
    return replace(asyncapp_result, runs=(run, *asyncapp_result.runs), findings=(*asyncapp_result.findings, extra))


def test_a_new_tool_gets_its_markdown_section_in_the_order_of_the_runs(with_bandit: ScanResult) -> None:
    text = render_markdown(with_bandit)
    rule = with_bandit.rules[with_bandit.findings[-1].rule_id]
    headings = re.findall(r"^### (5\.\d) (\w+) \((\d+) (\w+)\)$", text, re.M)
    assert [(number, name, noun) for number, name, _, noun in headings] == [
        ("5.1", "bandit", "findings"),
        ("5.2", "flake8", "findings"),
        ("5.3", "mypy", "errors"),
    ]
    assert headings[0][2] == "1"
    example = "Possible SQL injection vector \\| string-built query"
    row = f"| B608 | 1 | {rule.severity.value.upper()} | {rule.id} | {rule.title} | {example} |"
    assert row in text.splitlines()
    section = text.split("### 5.1 bandit", 1)[1].split("### 5.2", 1)[0]
    assert "| Code | Count | Risk level | Rule | What it means | Example |" in section


def test_a_new_tool_gets_its_html_section_and_the_later_sections_are_renumbered(with_bandit: ScanResult) -> None:
    page = render_html(with_bandit)
    assert '<h2 id="s-bandit-heading">1. Bandit analysis (1 findings)</h2>' in page
    assert '<li><a href="#s-bandit">1. Bandit analysis</a></li>' in page
    assert '<li><a href="#s-flake8">2. Flake8 analysis</a></li>' in page
    assert '<h2 id="s-mypy-heading">3. Mypy type errors (' in page
    assert '<li id="mypy-1"><span class="ref-n">3.1</span> ' in page
    for anchor, number, title in [
        ("s-complexity", 4, "Complexity (radon)"),
        ("s-coverage", 5, "Test coverage analysis"),
        ("s-summary", 6, "Critical findings summary"),
        ("s-recommendations", 7, "Recommendations"),
        ("s-conclusion", 8, "Conclusion"),
    ]:
        assert f'<h2 id="{anchor}-heading">{number}. {title}</h2>' in page
    assert '<h3 id="s-coverage-files">5.1 Coverage by file</h3>' in page
    assert "Possible SQL injection vector | string-built query" in page


def test_a_new_tool_that_failed_says_so_in_its_section(with_bandit: ScanResult) -> None:
    reason = "bandit crashed: <internal> & exit code 2"
    runs = tuple(
        replace(run, status=ToolStatus.FAILED, reason=reason) if run.name == "bandit" else run
        for run in with_bandit.runs
    )
    failed = replace(with_bandit, runs=runs)
    text = render_markdown(failed)
    assert "No results: bandit failed (see [Tools](#tools))." in text.splitlines()
    assert text.count("bandit crashed") == 1  # in the tools table only
    page = render_html(failed)
    warning = 'No results: <a href="#tool-bandit">bandit failed</a> (see Tools).'
    assert f'<p class="warn">{warning}</p>' in page
    assert page.count("bandit crashed: &lt;internal&gt; &amp; exit code 2") == 1
    assert build_view(failed).status == "INCOMPLETE"


# --- builders ---------------------------------------------------------------------------------


def test_flake8_and_mypy_keep_their_styles_and_any_other_tool_reads_like_flake8() -> None:
    assert tool_style("flake8") == ToolStyle(title="Flake8 analysis")
    mypy = tool_style("mypy")
    assert (mypy.title, mypy.noun, mypy.rule_column, mypy.items_title) == (
        "Mypy type errors",
        "errors",
        False,
        "Runtime-risk items",
    )
    other = tool_style("bandit")
    assert (other.title, other.noun, other.rule_column, other.items_title) == ("Bandit analysis", "findings", True, "")


def test_the_view_has_a_section_per_run_but_those_with_sections_of_their_own(asyncapp_result: ScanResult) -> None:
    view = build_view(asyncapp_result)
    names = ["flake8", "mypy", "radon", "coverage", "riskaudit", "analysis"]
    assert [run.name for run in asyncapp_result.runs] == names
    assert [s.name for s in view.tool_sections] == ["flake8", "mypy"]
    flake8, mypy = view.tool_sections
    assert flake8.total == sum(
        1 for f in asyncapp_result.findings for s in f.sources if s.startswith("flake8:")
    )
    assert flake8.items == () and mypy.items
    assert all("mypy" in item.tools and Severity(item.severity).at_least(Severity.MEDIUM) for item in mypy.items)
    assert [row.name for row in view.tools] == [run.name for run in asyncapp_result.runs]
    assert view.failed_runs == ()


def _finding(rule: str, line: int, message: str) -> Finding:
    return Finding(rule, Severity.HIGH, "app/db.py", line, message, (f"mypy:{rule}",))


def _rule(rule_id: str) -> RuleView:
    return RuleView(
        id=rule_id,
        slug=rule_id.lower(),
        title=f"title {rule_id}",
        category="runtime",
        severity="high",
        severity_label="HIGH",
        severity_rank=Severity.HIGH.rank,
        confidence="high",
        problem="p",
        risk="r",
        recommendation="f",
        example="",
        example_code="",
    )


def _view(finding: Finding, rank: int) -> FindingView:
    return finding_view(finding, rank, {finding.rule_id: _rule(finding.rule_id)})


def test_risk_items_are_numbered_per_section_and_a_rule_is_explained_where_it_first_shows() -> None:
    a1, a2, b1 = _finding("RA1", 1, "x"), _finding("RA1", 9, "y 'z'"), _finding("RA2", 5, "w")
    ranked = [(f, _view(f, rank)) for rank, f in enumerate((a1, a2, b1), 1)]
    first = RiskGroup(ranked[0], tuple((ranked[1],) * 10))
    second = RiskGroup(ranked[2], ())
    (one, two) = risk_items((("1", (first, second)), ("2", (RiskGroup(ranked[1], ()),))))
    assert [item.number for item in one] == ["1.1", "1.2"] and two[0].number == "2.1"
    assert [item.explained_in for item in (*one, *two)] == ["", "", "1.1"]
    assert one[0].places == "11 places" and one[1].places == ""
    assert len(one[0].others) == 8 and one[0].others_more == 2
    assert isinstance(one[0], RiskItem) and one[0].lead is a1 and one[0].head.anchor == "f-1"


def test_a_tools_items_in_the_page_are_numbered_after_its_section() -> None:
    findings = [_finding("RA1", 1, "x"), _finding("RA1", 2, "y"), _finding("RA2", 3, "z")]
    views = tuple(_view(f, rank) for rank, f in enumerate(findings, 1))
    tool = ToolSection(
        name="mypy",
        title="Mypy type errors",
        noun="errors",
        total=3,
        produced=True,
        reason="",
        failed=False,
        status_label="OK",
        row_anchor="tool-mypy",
        codes=(),
        rule_column=False,
        codes_title="",
        items_title="Items",
        items=views,
        more_title="",
        more=(),
    )
    numbered = items(tool, 4)
    assert [(i.id, i.number, i.finding.anchor) for i in numbered] == [
        ("mypy-1", "4.1", "f-1"),
        ("mypy-2", "4.2", "f-2"),
        ("mypy-3", "4.3", "f-3"),
    ]


def test_the_page_numbers_its_sections_after_the_tools(asyncapp_result: ScanResult) -> None:
    view = build_view(asyncapp_result)
    page = html_page(view, "", "")
    assert [(part.number, part.anchor) for part in page.tools] == [(1, "s-flake8"), (2, "s-mypy")]
    numbers = page.numbers
    assert (numbers.complexity, numbers.coverage, numbers.summary, numbers.recommendations, numbers.conclusion) == (
        3,
        4,
        5,
        6,
        7,
    )
    assert [row.finding.rank for row in page.rows] == list(range(1, len(asyncapp_result.findings) + 1))
    assert page.status_class == "not-ready" and view.status == "NOT READY"


def test_a_finding_without_excerpt_says_why() -> None:
    line = _view(replace(_finding("RA1", 3, "m"), excerpt=(ExcerptLine(3, "x = 1", True),)), 1)
    assert line.no_excerpt == "" and line.excerpt_block == ">    3 | x = 1\n"
    stored = _view(_finding("RA1", 3, "m"), 1)
    assert stored.no_excerpt == "No code excerpt is stored for this finding."
    whole_file = _view(replace(_finding("RA1", 3, "m"), line=None), 1)
    assert whole_file.no_excerpt == "No code excerpt: the finding concerns the whole file."
    project = _view(replace(_finding("RA1", 3, "m"), line=None, path=None), 1)
    assert project.no_excerpt == "No code excerpt: the finding concerns the whole project."
    assert project.location == "(project)" and project.location_key == ""


def test_the_facts_of_a_finding_name_what_its_score_is_made_of() -> None:
    scored = {"risk": 45.0, "exposure": 1.5, "coverage": 40.4, "complexity": 7, "critical_layer": True}
    finding = replace(_finding("RA1", 3, "m"), **scored)
    assert _view(finding, 1).score_line == (
        "Risk 45.0: high severity, high confidence, exposure 1.5 · coverage 40% · complexity 7 · critical layer"
    )
    assert _view(_finding("RA1", 3, "m"), 1).score_line == "Risk 0.0: high severity, high confidence, exposure 1.0"


def test_wording() -> None:
    assert (counted(1, "finding"), counted(0, "finding"), counted(3, "statement")) == (
        "1 finding",
        "0 findings",
        "3 statements",
    )
    assert (places(1), places(2)) == ("", "2 places")
    assert format_ranges([7, 1, 2, 3, 9, 10]) == "1-3, 7, 9-10"
    assert format_ranges([]) == ""


def test_a_large_untested_class_lists_its_largest_functions_and_counts_the_rest() -> None:
    from riskaudit.models import FunctionCoverage
    from riskaudit.report.coverage_view import FUNCTIONS_PER_GROUP, untested_groups

    functions = [
        FunctionCoverage("app/h.py", f"Handler.m{n}", "method", 10 * n, 10 * n + 5, 1 + n % 3, (10 * n + 1,), 0.0,
                         1 + (n % 5), 2.0, "data access")
        for n in range(1, 15)
    ]
    (group,) = untested_groups(functions)
    assert len(group.functions) == FUNCTIONS_PER_GROUP
    assert group.more == 14 - FUNCTIONS_PER_GROUP
    listed = {f.name for f in group.functions}
    assert {"m4", "m9", "m14"} <= listed
    assert [f.start for f in group.functions] == sorted(f.start for f in group.functions)
    assert group.more_statements == sum(f.statements for f in functions if f.qualname.split(".")[1] not in listed)


def test_the_markdown_excerpt_keeps_two_lines_around_the_flagged_one() -> None:
    from riskaudit.models import ExcerptLine
    from riskaudit.report.finding_view import excerpt_block

    lines = [ExcerptLine(n, f"line {n}", n == 13) for n in range(10, 17)]
    assert [row.split("|")[0].strip(" >") for row in excerpt_block(lines).splitlines()] == [
        "11", "12", "13", "14", "15",
    ]
    assert excerpt_block(lines, context=3).count("\n") == 7
