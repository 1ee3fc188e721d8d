"""End to end on the ``reviewapp`` fixture: findings in the order and shape a reviewer expects.

Framework idioms are known, layers come from what files do, one defect is one finding, and test code
has its own list and its own risks. Every planted line carries ``# defect: <name>``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import copy_fixture, marker_lines

from riskaudit.catalogue import default_catalogue
from riskaudit.models import Finding, Severity
from riskaudit.options import ScanOptions
from riskaudit.report.render import render_markdown
from riskaudit.results import ScanResult
from riskaudit.scan import scan


@pytest.fixture(scope="module")
def reviewapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the fixture."""
    return copy_fixture("reviewapp", tmp_path_factory.mktemp("reviewapp"))


@pytest.fixture(scope="module")
def result(reviewapp: Path) -> ScanResult:
    """One scan of the fixture, shared by the tests here."""
    return scan(reviewapp, ScanOptions(python=sys.executable, use_cache=False), default_catalogue())


def _at(result: ScanResult, path: str, line: int) -> list[Finding]:
    return [f for f in result.findings if f.path == path and f.line == line]


def _planted(project: Path, path: str, name: str) -> list[int]:
    lines = marker_lines(project / path, name)
    assert lines, f"no `# defect: {name}` in {path}"
    return lines


def test_fastapi_parameter_defaults_are_the_idiom_and_a_plain_call_is_a_bug(
    reviewapp: Path, result: ScanResult
) -> None:
    for line in _planted(reviewapp, "shop/api.py", "framework-default"):
        assert [(f.rule_id, f.severity) for f in _at(result, "shop/api.py", line)] == [("RA215", Severity.INFO)]
    (line,) = _planted(reviewapp, "shop/api.py", "call-in-default")
    assert "RA205" in {f.rule_id for f in _at(result, "shop/api.py", line)}


def test_a_bare_except_is_one_finding_and_re_raising_swallows_nothing(reviewapp: Path, result: ScanResult) -> None:
    (reraises,) = _planted(reviewapp, "shop/store.py", "bare-except-reraises")
    (swallows,) = _planted(reviewapp, "shop/store.py", "bare-except")
    (quiet,) = _at(result, "shop/store.py", reraises)
    assert quiet.rule_id == "RA216" and quiet.sources == ("flake8:B001", "flake8:E722")
    (loud,) = _at(result, "shop/store.py", swallows)
    assert loud.rule_id == "RA208" and loud.sources == ("flake8:B001", "flake8:E722")


def test_a_naive_column_with_a_naive_default_is_one_finding(reviewapp: Path, result: ScanResult) -> None:
    (line,) = _planted(reviewapp, "shop/models/tables.py", "naive-datetime")
    naive = [f for f in _at(result, "shop/models/tables.py", line) if f.rule_id == "RA501"]
    assert len(naive) == 1 and "DateTime column" in naive[0].message and "utcnow" in naive[0].message


def test_layers_come_from_what_the_code_does(result: ScanResult) -> None:
    assert result.file_layers.get("shop/store.py") == "data access"  # no data-layer folder name
    assert result.file_layers.get("shop/models/tables.py") == "persistence"
    assert "shop/models/schemas.py" not in result.file_layers  # a `models` folder of Pydantic schemas
    assert "tests/test_store.py" not in result.file_layers


def test_test_code_has_its_own_risks_and_ranks_after_production_code(reviewapp: Path, result: ScanResult) -> None:
    (discarded,) = _planted(reviewapp, "tests/test_store.py", "discarded-check")
    (unchecked,) = _planted(reviewapp, "tests/test_store.py", "test-without-assertion")
    assert {f.rule_id for f in _at(result, "tests/test_store.py", discarded)} >= {"RA307"}
    assert "RA308" in {f.rule_id for f in _at(result, "tests/test_store.py", unchecked)}
    roles = [f.role for f in result.findings]
    assert roles == sorted(roles, key=("source", "test", "support").index)
    # the test whose comparison is thrown away is that one finding, not also "without assertion"
    source = (reviewapp / "tests/test_store.py").read_text().splitlines()
    find_test = next(n for n, text in enumerate(source, 1) if "def test_find_returns_orders" in text)
    stamp_test = next(n for n, text in enumerate(source, 1) if "def test_stamp" in text)
    assert [f.line for f in result.findings if f.rule_id == "RA308"] == [unchecked]
    assert find_test != unchecked and stamp_test != unchecked


def test_the_report_lists_test_code_in_its_own_section(result: ScanResult) -> None:
    report = render_markdown(result)
    production = report[report.index("## 1. Ranked risks") : report.index("## 2. Test code")]
    tests = report[report.index("## 2. Test code") : report.index("## 3. Test coverage")]
    assert "tests/test_store.py" not in production and "shop/store.py" in production
    assert "RA307" in tests and "RA308" in tests


MODULE = '''"""Module {n}."""

import datetime


def collect(items=[], seen={{}}):
    items.append(datetime.datetime.now())
    return items


def route(kind, flag, count, name):
    if kind == 1:
        return 1
    elif kind == 2:
        return 2
    elif kind == 3:
        return 3
    elif kind == 4 and flag:
        return 4
    elif kind == 5 or count:
        return 5
    elif kind == 6:
        return 6
    elif kind == 7 and name:
        return 7
    elif kind == 8:
        return 8
    elif kind == 9:
        return 9
    elif kind == 10:
        return 10
    return 0


class Holder:
    def value(self, obj):
        if hasattr(obj, "value"):
            return obj.value
        return None
'''


def test_a_300_file_project_reads_in_ten_minutes(tmp_path: Path) -> None:
    package = tmp_path / "bigapp"
    package.mkdir()
    (package / "__init__.py").write_text('"""A large generated package."""\n')
    for number in range(300):
        (package / f"module_{number:03}.py").write_text(MODULE.format(n=number))
    result = scan(tmp_path, ScanOptions(python=sys.executable, use_cache=False), default_catalogue())
    assert len(result.findings) > 3000  # every module has a dozen findings
    report = render_markdown(result)
    assert len(report.splitlines()) < 800
    # one cause (the same rule and message pattern) is one item, with the other places listed
    ranked = [line for line in report.splitlines() if line.startswith("### 1.")]
    assert any("(RA501), 300 places" in line for line in ranked), ranked
    assert any("(RA205), 600 places" in line for line in ranked), ranked  # two mutable defaults a module
    assert len(ranked) <= 25
