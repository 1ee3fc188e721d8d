"""Which test modules a coverage run left out, and the code whose measured coverage lacks them.

A project's tests are often run in part (``pytest tests/unit``, one tox environment, a CI shard). The
coverage data then says "never executed" of code that the other tests exercise. Which test modules ran
is read from the data itself, without running anything:

- a test module the data measures ran when it executed a line;
- otherwise (a ``.coveragerc`` usually omits the tests), a test module that ran imported every module
  named at its top level (``riskaudit.module_imports``), and every module those import in turn, so
  each of them executed at least its ``def`` and ``class`` lines: one with no executed line at all
  says the test module was not run.

The project modules a test module that did not run imports, itself or through test helpers
(``fakes.py``, ``conftest``-style modules), are *unverified*: their coverage lacks that test's share, so
"untested" is not a finding there. Pure functions of the measured files and the imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from riskaudit.models import FileCoverage, NotRun
from riskaudit.module_imports import module_name
from riskaudit.roles import is_test_module


@dataclass(frozen=True)
class RunReach:
    """What the coverage data says of the test run that produced it."""

    judged: int = 0
    """Test modules the data can judge (measured, or importing a measured project module)."""
    not_run: tuple[NotRun, ...] = ()
    """The judged test modules that were not part of the run, by path."""
    unverified: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Production file -> the test modules that import it and were not run (their coverage lacks them)."""

    @property
    def partial(self) -> bool:
        """Whether the data comes from a run that left out some of the project's test modules."""
        return bool(self.not_run)


def _ran_something(entry: FileCoverage) -> bool:
    """Whether a measured file executed a line."""
    return entry.statements > len(entry.missing)


def _resolve(name: str, modules: Mapping[str, str]) -> str | None:
    """The project file a dotted import name reads: its longest prefix that is a project module."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        found = modules.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None


def run_reach(
    files: Iterable[FileCoverage], imports: Mapping[str, tuple[str, ...]], tests: Iterable[str]
) -> RunReach:
    """Which test modules the run behind the measured ``files`` left out (see the module doc).

    ``imports`` holds every scanned file's ``module_imports``; ``tests`` the target's test files.
    """
    measured = {entry.path: entry for entry in files if entry.statements}  # an empty __init__ says nothing
    test_files = set(tests)
    modules = {module_name(path): path for path in imports}
    graph = {
        path: sorted({found for name in names if (found := _resolve(name, modules)) is not None and found != path})
        for path, names in imports.items()
    }
    judged = 0
    not_run: list[NotRun] = []
    unverified: dict[str, list[str]] = {}
    for test in sorted(path for path in test_files if is_test_module(path)):
        if test in measured:
            idle = [] if _ran_something(measured[test]) else ["not executed"]
        else:
            # running it would have imported all of these: one that executed nothing says it did not run
            loaded = [path for path in _closure(test, graph, lambda _: True) if path in measured]
            if not loaded:
                continue
            idle = [path for path in loaded if not _ran_something(measured[path])]
        judged += 1
        if idle:
            not_run.append(NotRun(test, idle[0]))
            # what it tests: the project code it imports itself or through test helpers
            for path in _closure(test, graph, lambda path: path in test_files):
                if path in measured and path not in test_files:
                    unverified.setdefault(path, []).append(test)
    return RunReach(judged, tuple(not_run), {path: tuple(found) for path, found in sorted(unverified.items())})


def _closure(start: str, graph: Mapping[str, list[str]], through: Callable[[str], bool]) -> list[str]:
    """Every file ``start`` imports, directly or through imported files for which ``through`` holds, sorted."""
    seen: set[str] = set()
    pending = list(graph.get(start, ()))
    while pending:
        path = pending.pop()
        if path in seen or path == start:
            continue
        seen.add(path)
        if through(path):
            pending.extend(graph.get(path, ()))
    return sorted(seen)


def partial_run_note(reach: RunReach) -> str:
    """One line for the coverage run's reason: which tests did not run, and what that withholds."""
    first = reach.not_run[0]
    because = "it is in the data but executed nothing" if first.evidence == "not executed" else (
        f"{first.evidence}, which it imports, executed nothing"
    )
    more = f" and {len(reach.not_run) - 1} more" if len(reach.not_run) > 1 else ""
    return (
        f"partial test run: {len(reach.not_run)} of {reach.judged} test modules did not run "
        f"({first.test}{more}: {because}); the {len(reach.unverified)} file(s) they import are not called "
        "untested and count as not measured"
    )
