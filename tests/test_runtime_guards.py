"""Code for another Python version or platform, or for the type checker only, is not "untested"."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from riskaudit.coverage_analysis import error_path_findings
from riskaudit.models import CoverageData, FileCoverage
from riskaudit.pipeline.derive import unreachable_code
from riskaudit.runtime_guards import guard_condition, guards_of, unreachable_lines
from riskaudit.sources import build_index

COMPAT = '''import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.models import User

if sys.version_info >= (3, 11):
    def run(coro):
        try:
            return runner(coro)
        except KeyboardInterrupt:
            return None
else:
    def run(coro):
        try:
            return old_runner(coro)
        except KeyboardInterrupt:
            return None

if sys.platform == "win32":
    def close(loop):
        try:
            loop.close()
        except OSError:
            pass

def read(path):
    try:
        return open(path).read()
    except OSError:
        return ""
'''


def _test(source: str) -> ast.expr:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.If)
    return node.test


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ("if sys.version_info >= (3, 11): pass", ("version >= 3.11", True)),
        ("if sys.version_info[:2] < (3, 10): pass", ("version < 3.10", True)),
        ("if not sys.version_info >= (3, 12, 0): pass", ("version >= 3.12", False)),
        ("if sys.platform == 'win32': pass", ("platform == win32", True)),
        ("if sys.platform != 'win32': pass", ("platform == win32", False)),
        ("if sys.platform.startswith('linux'): pass", ("platform startswith linux", True)),
        ("if os.name == 'nt': pass", ("os.name == nt", True)),
        ("if TYPE_CHECKING: pass", ("typing", True)),
        ("if typing.TYPE_CHECKING: pass", ("typing", True)),
        ("if settings.debug: pass", None),
        ("if sys.version_info >= MINIMUM: pass", None),
        ("if sys.platform == name: pass", None),
    ],
)
def test_guard_conditions(test: str, expected: tuple[str, bool] | None) -> None:
    assert guard_condition(_test(test)) == expected


def test_an_elif_chain_is_not_an_else_block() -> None:
    node = ast.parse("if sys.platform == 'win32':\n    a = 1\nelif other:\n    b = 2\n").body[0]
    assert isinstance(node, ast.If)
    assert [(g.start, g.end, g.holds) for g in guards_of(node)] == [(2, 2, True)]


def test_lines_that_cannot_run_on_linux_311() -> None:
    guards = guards_of(_if(COMPAT, 3)) + guards_of(_if(COMPAT, 4)) + guards_of(_if(COMPAT, 5))
    lines = unreachable_lines(guards, (3, 11), platform="linux", os_name="posix")
    assert lines == {6} | frozenset(range(15, 20)) | frozenset(range(22, 27))
    assert unreachable_lines(guards, (3, 10), platform="win32", os_name="nt") == {6} | frozenset(range(9, 14))
    assert unreachable_lines(guards, None, platform="win32", os_name="nt") == {6}


def _if(source: str, number: int) -> ast.If:
    node = ast.parse(source).body[number]
    assert isinstance(node, ast.If)
    return node


def test_untested_error_handling_only_where_the_tests_could_run_it(tmp_path: Path) -> None:
    (tmp_path / "compat.py").write_text(COMPAT, encoding="utf-8")
    index = build_index(tmp_path, ["compat.py"])
    statements = [n for n in range(1, COMPAT.count("\n") + 1) if COMPAT.splitlines()[n - 1].strip()]
    missing = tuple(n for n in statements if n >= 10)
    entry = FileCoverage("compat.py", len(statements), missing, 20.0, "20%", tuple(n for n in statements if n < 10))
    coverage = CoverageData(".coverage", (entry,), 20.0, "20%")
    everything = {f.line for f in error_path_findings(index, coverage, (), ())}
    assert everything == {12, 18, 25, 31}
    unreachable = unreachable_code(index, (3, 11))
    reachable = {f.line for f in error_path_findings(index, coverage, (), (), unreachable)}
    assert reachable == {12, 31} | ({25} if sys.platform == "win32" else set())
