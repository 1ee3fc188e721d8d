"""Untested cleanup paths: not an abstract hook (the subclass's method is the one to test), not a name alone."""

from __future__ import annotations

from pathlib import Path

from riskaudit.coverage_analysis import error_path_findings, is_stub
from riskaudit.models import CoverageData, FileCoverage, FunctionCoverage
from riskaudit.sources import build_index

SOURCE = '''import abc


class Lock:
    def release(self) -> None:
        """Release the lock."""
        raise NotImplementedError


class Base(abc.ABC):
    @abc.abstractmethod
    async def aclose(self) -> None:
        ...

    def close(self) -> None:
        pass


class Pool:
    def close(self) -> None:
        """Close every connection."""
        for conn in self.conns:
            conn.close()


def retry_on_deadlock(fn):
    fn.retry = True
    return fn


def recover_session(session):
    session.rollback()
    return session
'''


def _function(qualname: str, start: int, end: int) -> FunctionCoverage:
    lines = tuple(range(start + 1, end + 1))
    return FunctionCoverage("locks.py", qualname, "method", start, end, len(lines), lines, 0.0, 1, 2.0, "")


def test_stubs_are_recognised(tmp_path: Path) -> None:
    (tmp_path / "locks.py").write_text(SOURCE, encoding="utf-8")
    source = build_index(tmp_path, ["locks.py"]).files["locks.py"]
    assert is_stub(source, 5, 7)
    assert is_stub(source, 12, 13)
    assert is_stub(source, 15, 16)
    assert not is_stub(source, 20, 23)


def test_only_the_real_cleanup_is_untested(tmp_path: Path) -> None:
    (tmp_path / "locks.py").write_text(SOURCE, encoding="utf-8")
    index = build_index(tmp_path, ["locks.py"])
    functions = (
        _function("Lock.release", 5, 7), _function("Base.aclose", 12, 13), _function("Base.close", 15, 16),
        _function("Pool.close", 20, 23), _function("retry_on_deadlock", 26, 28),
        _function("recover_session", 31, 33),
    )
    missing = tuple(n for fn in functions for n in fn.missing)
    coverage = CoverageData("c", (FileCoverage("locks.py", len(missing), missing, 0.0, "0%"),), 0.0, "0%")
    found = [f for f in error_path_findings(index, coverage, functions, ()) if f.code == "untested-cleanup"]
    assert [f.line for f in found] == [20, 31]
