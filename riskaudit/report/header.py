"""The report's header: where and when the scan ran, with what tools, and what restricted it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from riskaudit.models import ToolRun
from riskaudit.results import BaselineSummary, DiffScope, ScanMeta
from riskaudit.report.wording import counted, seconds

PLUGIN_LIST = re.compile(r"^(?P<head>[^()]*?) \((?P<plugins>[^():,]+: [^(),]+(?:, [^():,]+: [^(),]+)+)\)(?P<tail>.*)$")
"""A version with a list of plugins in parentheses, as ``flake8 --version`` prints it:
``7.1.1 (mccabe: 0.7.0, pyflakes: 3.2.0) CPython 3.12.3 on Linux`` (two plugins at least)."""


@dataclass(frozen=True)
class BaselineLine:
    """How the findings compare with a ``--baseline`` file."""

    path: str
    """The baseline file as given on the command line."""
    text: str
    """What follows the path: whether this scan wrote it, how many findings are new and known."""


@dataclass(frozen=True)
class DiffLine:
    """The ``--diff REF`` restriction."""

    ref: str
    """The git ref as given."""
    text: str
    """What follows the ref: changed files and lines, findings left out, coverage of the changed lines."""


@dataclass(frozen=True)
class Header:
    """Provenance of the scan and what restricted it."""

    target: str
    """The target folder's name."""
    root: str
    """The target's path as given on the command line."""
    commit: str
    """Short git commit of the target, or empty outside git."""
    date: str
    """ISO 8601 UTC time of the scan."""
    riskaudit_version: str
    """riskaudit's version."""
    python: str
    """The target's interpreter."""
    python_origin: str
    """How that interpreter was chosen."""
    files: int
    """Python files analysed."""
    test_files: int
    """Of which test files."""
    lines: int
    """Source lines read."""
    baseline: BaselineLine | None
    """The ``--baseline`` comparison, or None without one."""
    diff: DiffLine | None
    """The ``--diff`` restriction, or None for a whole-project scan."""
    nested_projects: tuple[str, ...]
    """Folders below the target that are projects of their own and were not scanned."""
    untrusted: bool
    """Whether the scan ran with ``--untrusted``."""
    not_analysed: tuple[str, ...]
    """``*.py`` entries left out, each ``path (why)``."""
    config: str
    """The config file read, relative to the target; empty when none was."""
    linter: str
    """The linter that ran and why, like ``ruff (the project configures ruff ..., not flake8)``; empty: unknown."""


@dataclass(frozen=True)
class ToolRow:
    """One tool's run in the tools table."""

    name: str
    """Collector name."""
    status: str
    """``ok``, ``failed`` or ``skipped``."""
    status_label: str
    """The status in capitals, like ``OK``."""
    version: str
    """Version string the tool reported, in full."""
    version_head: str
    """The version without its plugin list (the whole version when it has none), like ``7.1.1 CPython 3.12.3``."""
    plugins: tuple[str, ...]
    """The plugins the version lists, each ``name version``; empty when it lists none."""
    plugins_words: str
    """How many plugins, like ``7 plugins``; empty when none."""
    executable: str
    """The interpreter or program that ran it."""
    time: str
    """Wall-clock time, like ``1.5s``."""
    reason: str
    """Why it failed or was skipped; empty when ok. The one place the report gives a failed tool's reason."""
    anchor: str
    """The row's element id in the HTML report, like ``tool-mypy``."""


def tool_anchor(name: str) -> str:
    """The element id of a tool's row in the HTML report's tools table: the one place a failure is explained."""
    return f"tool-{name}"


def version_parts(version: str) -> tuple[str, tuple[str, ...]]:
    """A version split into itself without its plugin list and the plugins, each ``name version``.

    ``7.1.1 (mccabe: 0.7.0, pyflakes: 3.2.0) CPython 3.12.3`` is ``7.1.1 CPython 3.12.3`` with two plugins;
    a version without such a list (``mypy 1.11 (compiled: yes)`` has one item only) is left whole.
    """
    match = PLUGIN_LIST.match(version)
    if match is None:
        return version, ()
    plugins = tuple(item.replace(": ", " ", 1) for item in match.group("plugins").split(", "))
    return f"{match.group('head')}{match.group('tail')}".strip(), plugins


def baseline_line(baseline: BaselineSummary) -> BaselineLine:
    """The baseline comparison in words."""
    written = " (written by this scan)" if baseline.written else ""
    return BaselineLine(
        baseline.path,
        f"{written}: {baseline.new} new, {baseline.known} known of {baseline.entries} recorded;"
        " the gate counts new findings only",
    )


def diff_line(diff: DiffScope) -> DiffLine:
    """The diff restriction in words."""
    if diff.coverage_display:
        coverage = diff.coverage_display
    else:
        coverage = "not measured" if diff.statements is None else "no measured statement changed"
    return DiffLine(
        diff.ref,
        f": {len(diff.files)} file(s), {diff.lines} line(s); {diff.dropped} finding(s) elsewhere left out;"
        f" coverage of the changed lines: {coverage}",
    )


def header(meta: ScanMeta, baseline: BaselineSummary | None, diff: DiffScope | None) -> Header:
    """The header of a scan."""
    return Header(
        target=meta.target,
        root=meta.root,
        commit=meta.commit,
        date=meta.date,
        riskaudit_version=meta.riskaudit_version,
        python=meta.python,
        python_origin=meta.python_origin,
        files=meta.files,
        test_files=meta.test_files,
        lines=meta.lines,
        baseline=None if baseline is None else baseline_line(baseline),
        diff=None if diff is None else diff_line(diff),
        nested_projects=meta.nested_projects,
        untrusted=meta.untrusted,
        not_analysed=meta.not_analysed,
        config=meta.config,
        linter=f"{meta.linter} ({meta.linter_reason})" if meta.linter_reason else meta.linter,
    )


def tool_row(run: ToolRun) -> ToolRow:
    """One run as a row of the tools table."""
    head, plugins = version_parts(run.version)
    return ToolRow(
        name=run.name,
        status=run.status.value,
        status_label=run.status.value.upper(),
        version=run.version,
        version_head=head,
        plugins=plugins,
        plugins_words=counted(len(plugins), "plugin") if plugins else "",
        executable=run.executable,
        time=seconds(run.duration),
        reason=run.reason,
        anchor=tool_anchor(run.name),
    )


def tool_rows(runs: Iterable[ToolRun]) -> tuple[ToolRow, ...]:
    """The runs as rows of the tools table, in their order."""
    return tuple(tool_row(run) for run in runs)
