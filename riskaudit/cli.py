"""The command line: a thin layer that parses options, shows progress and writes reports."""

from __future__ import annotations

import functools
import os
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, ParamSpec, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskaudit import __version__
from riskaudit.closed_stream import TolerantStderr
from riskaudit.catalogue import Catalogue, RuleMapping, default_catalogue
from riskaudit.running.process import stop_all
from riskaudit.config import scan_options
from riskaudit.control_chars import without_controls
from riskaudit.discovery import Target
from riskaudit.errors import RiskauditError
from riskaudit.gate import EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_TERMINATED, exit_code, gated
from riskaudit.input_files import read_input_text
from riskaudit.output import write_atomic
from riskaudit.models import Finding, Severity, ToolRun, ToolStatus
from riskaudit.option_table import REPORT_OPTIONS, SCAN_OPTIONS, command_line_values, effective_options
from riskaudit.options import ScanOptions
from riskaudit.ranking import FORMULA
from riskaudit.report.formats import EXTENSIONS
from riskaudit.report.render import render
from riskaudit.report.rules_view import rule_counts, rule_views
from riskaudit.report.terminal import clip, excerpt_text, gate_line, shown_count, source_lines
from riskaudit.results import ScanResult
from riskaudit.results_check import refusal
from riskaudit.serialise import loads
from riskaudit.typer_options import with_options

app = typer.Typer(
    name="riskaudit",
    help=(
        "Pre-deploy risk audit for Python codebases: runs flake8, mypy, radon and coverage, maps "
        "their findings onto a catalogue of production risks, ranks them and writes a report.\n\n"
        "Exit codes: 0 gate passed, 1 findings at or above --fail-on, 2 usage/config error or "
        "incomplete analysis (a tool failed), 130 interrupted, 143 terminated."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=True,
    pretty_exceptions_enable=False,
)
err = Console(file=cast(IO[str], TolerantStderr()), highlight=False, soft_wrap=True, emoji=False)
SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow", Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _shown(text: str) -> str:
    """Text from the target or a tool, safe on the terminal and in CI logs.

    Control characters are dropped, rich markup is escaped, and ``::`` gets a zero-width space so that
    no tool text can begin a GitHub Actions workflow command when the terminal folds a line.
    """
    return escape(without_controls(text).replace("::", ":\u200b:"))


class _RichProgress:
    """Shows each collector as a spinner line on stderr."""

    def __init__(self, progress: Progress, path: Path) -> None:
        self._progress = progress
        self._path = path
        self._tasks: dict[str, TaskID] = {}

    def scanning(self, target: Target) -> None:
        """Say what is scanned, with which interpreter, and what is left out."""
        self._progress.console.print(
            f"Scanning {len(target.files)} Python files in {_shown(str(self._path))} with {_shown(target.python)}"
        )
        for note in target.not_analysed:
            self._progress.console.print(f"[yellow]not analysed:[/] {_shown(note)}", highlight=False)

    def started(self, tool: str) -> None:
        """Add a line for the tool."""
        self._tasks[tool] = self._progress.add_task(f"{tool}: running", total=1)

    def finished(self, run: ToolRun) -> None:
        """Mark the tool's line done with its status."""
        style = {"ok": "green", "failed": "bold red", "skipped": "yellow"}[run.status.value]
        detail = f"{len(run.findings)} findings" if run.status is ToolStatus.OK else run.reason
        self._progress.update(
            self._tasks[run.name],
            completed=1,
            description=f"{run.name}: [{style}]{run.status.value}[/] ({_shown(clip(detail, 90))})",
        )


def _fail(message: str, code: int = EXIT_INCOMPLETE) -> typer.Exit:
    """Print a one-line error and return the exit to raise."""
    err.print(f"[bold red]riskaudit: error:[/] {_shown(message)}", highlight=False)
    return typer.Exit(code)


DEBUG_VARIABLE = "RISKAUDIT_DEBUG"
"""Set to 1 to see the traceback of an unexpected error."""
VERBOSE = typer.Option(
    "--verbose", "-v", metavar="", help="Print the whole output of a tool that failed, and the traceback of an "
    "unexpected error.",
)
_Params = ParamSpec("_Params")


def _guarded(command: Callable[_Params, None]) -> Callable[_Params, None]:
    """The command, with any unexpected exception ending it in exit code 2 and one line on stderr.

    Never a traceback and exit 1, which a CI job would read as "findings": whatever broke, the
    analysis (or the report) is incomplete.
    """

    @functools.wraps(command)
    def guarded(*args: _Params.args, **kwargs: _Params.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            raise _unexpected(exc, kwargs.get("verbose")) from None

    return guarded


def _unexpected(exc: Exception, verbose: object = None) -> typer.Exit:
    """Report an unexpected error in one line (with the traceback under -v or RISKAUDIT_DEBUG=1); exit 2.

    ``verbose`` is the command's ``-v`` (None for commands without one): the hint names what there is.
    """
    _drop_broken_stdout()
    debug = os.environ.get(DEBUG_VARIABLE, "").strip() == "1" or verbose is True
    if debug:
        err.print("".join(traceback.format_exception(exc)), markup=False, end="")
    way = f"set {DEBUG_VARIABLE}=1" if verbose is None else "rerun with -v"
    hint = "" if debug else f"; {way} for the traceback"
    detail = str(exc) or "(no message)"
    return _fail(f"unexpected {type(exc).__name__}: {detail} - the analysis is incomplete{hint}")


def _drop_broken_stdout() -> None:
    """After standard output failed (a full disk, a closed pipe), send the rest to /dev/null.

    Otherwise Python flushes it again at exit, prints another error and exits 120.
    """
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass


def _catalogue() -> Catalogue:
    """The packaged catalogue, or a one-line error naming the bad rule file."""
    try:
        return default_catalogue()
    except RiskauditError as exc:
        raise _fail(str(exc)) from None


def _emit(result: ScanResult, options: ScanOptions) -> str:
    """Render and write the report in ``--format`` to ``--output``; returns where it went."""
    text = render(result, options.format)
    if options.output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return "standard output"
    target = Path(options.output or f"riskaudit-report.{EXTENSIONS[options.format]}")
    try:
        write_atomic(target, text)
    except OSError as exc:
        raise _fail(f"{target}: cannot write the report: {exc.strerror or exc}") from None
    return str(target)


@dataclass(frozen=True)
class _SummaryStyle:
    """How much of the summary to print."""

    quiet: bool = False
    """Only what failed and where the report is."""
    verbose: bool = False
    """Under each tool that failed, its whole output."""
    top: int = 8
    """How many findings to list."""
    source: Path | None = None
    """With ``--show-source``: the scanned folder, whose code is shown under each finding listed."""
    statistics: bool = False
    """With ``--statistics``: the findings per rule, before the report's path (quiet or not)."""


_PLAIN = _SummaryStyle()
"""The summary as ``scan`` prints it without options."""


def _summary(result: ScanResult, where: str, style: _SummaryStyle = _PLAIN) -> None:
    """The compact terminal summary: tools, counts by severity, top findings, report location, the gate last.

    Quiet: only what failed and where the report is.
    """
    for run in result.runs:
        if run.status is ToolStatus.FAILED or (run.status is not ToolStatus.OK and not style.quiet):
            colour = "bold red" if run.status is ToolStatus.FAILED else "yellow"
            err.print(f"[{colour}]{run.name} {run.status.value}:[/] {_shown(run.reason)}", highlight=False)
            if style.verbose and run.output:
                err.print(f"{run.name}'s output:", highlight=False)
                for line in run.output.splitlines():
                    err.print(f"  {_shown(line)}", highlight=False)
    if not style.quiet:
        _findings_summary(result, style)
    if result.incomplete:
        err.print("[bold red]INCOMPLETE:[/] a tool failed; this analysis cannot pass the gate.")
    for issue in result.environment_gaps:
        err.print(f"[bold red]INCOMPLETE:[/] {_shown(issue.detail)}; {_shown(issue.fix)}.", highlight=False)
    if style.statistics:
        err.print(_statistics(result))
    err.print(f"Report: {where}", highlight=False)
    if not style.quiet:
        gate = gate_line(result)
        colour = {"PASSED": "bold green", "FAILED": "bold red"}.get(gate.status, "bold red")
        err.print(f"[{colour}]{_shown(gate.text)}[/]", highlight=False)


def _findings_summary(result: ScanResult, style: _SummaryStyle) -> None:
    """The summary's counts by severity, baseline and diff lines, suppressions and top findings."""
    counted = gated(result)
    counts = {s: sum(f.severity is s for f in counted) for s in Severity}
    line = "  ".join(f"[{SEVERITY_STYLE[s]}]{s.value} {n}[/]" for s, n in counts.items())
    err.print(f"{'New findings' if result.baseline else 'Findings'}: {line}", highlight=False)
    _scope_summary(result)
    if result.suppressed:
        err.print(f"Suppressed inline: {len(result.suppressed)} (listed in the report with their reasons)")
    if counted:
        listed = counted[: style.top]
        err.print(shown_count(len(listed), len(counted)), highlight=False)
        for finding in listed:
            _finding_line(finding, style.source)


def _statistics(result: ScanResult) -> Table:
    """``--statistics``: findings per rule (suppressed ones not counted), most first, then by rule id."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("count", "rule", "severity", "title"):
        table.add_column(column, overflow="fold")
    counts = sorted(rule_counts(result.findings, rule_views(result.rules)), key=lambda c: (-c.count, c.rule.id))
    for count in counts:
        severity = Severity(count.rule.severity)
        shown = f"[{SEVERITY_STYLE[severity]}]{severity.value}[/]"
        table.add_row(str(count.count), count.rule.id, shown, _shown(count.rule.title))
    return table


def _finding_line(finding: Finding, source: Path | None) -> None:
    """One finding as ``path:line:col: RULE severity message``, the location unbroken; its code when asked."""
    severity = f"[{SEVERITY_STYLE[finding.severity]}]{finding.severity.value}[/]"
    err.print(
        f"{_shown(finding.position)}: [bold]{finding.rule_id}[/] {severity} {_shown(clip(finding.message))}",
        highlight=False,
    )
    if source is not None:
        for line in excerpt_text(source_lines(finding, source)):
            err.print(_shown(line), highlight=False)


@app.command()
@_guarded
@with_options(SCAN_OPTIONS)
def scan(
    path: Annotated[Path, typer.Argument(help="Root folder of the project to analyse.")] = Path("."),
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", metavar="", help="No progress, no summary: only errors and the report's path."),
    ] = False,
    statistics: Annotated[
        bool,
        typer.Option(
            "--statistics", metavar="", help="Also print how many findings each rule has, most first (as ruff does)."
        ),
    ] = False,
    show_source: Annotated[
        bool,
        typer.Option("--show-source", metavar="", help="Show the code of each finding the summary lists."),
    ] = False,
    verbose: Annotated[bool, VERBOSE] = False,
    **given: object,
) -> None:
    """Analyse a project and write the risk report; the exit code is the CI gate."""
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _terminated)
    try:  # a signal during the import below is handled as during the scan
        from riskaudit.scan import scan as run_scan  # the detectors and libcst: not for `rules` and `explain`

        options = scan_options(path, command_line_values(SCAN_OPTIONS, given))
        catalogue = _catalogue()
        if quiet:
            result = run_scan(path, options, catalogue)
        else:
            with Progress(
                SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=False
            ) as bar:
                result = run_scan(path, options, catalogue, _RichProgress(bar, path))
    except RiskauditError as exc:
        raise _fail(str(exc)) from None
    except _Terminated:
        raise _fail("terminated (SIGTERM); the tools were stopped and no report written", EXIT_TERMINATED) from None
    except KeyboardInterrupt:
        raise _fail("interrupted; no report written", EXIT_INTERRUPTED) from None
    where = _emit(result, options)
    shown = _SummaryStyle(quiet=quiet, verbose=verbose, source=path if show_source else None, statistics=statistics)
    _summary(result, where, shown)
    if options.write_baseline is not None and result.is_incomplete:
        raise _fail(f"{options.write_baseline}: baseline not written: the analysis is incomplete (a tool failed)")
    raise typer.Exit(exit_code(result))


def _scope_summary(result: ScanResult) -> None:
    """The baseline and diff lines of the terminal summary."""
    if result.baseline is not None:
        b = result.baseline
        written = " (written now)" if b.written else ""
        err.print(
            f"Baseline {_shown(b.path)}{written}: {b.new} new, {b.known} known; the gate counts new findings only",
            highlight=False,
        )
    if result.diff is not None:
        d = result.diff
        covered = d.coverage_display or ("not measured" if d.statements is None else "no measured statement")
        err.print(
            f"Diff since {_shown(d.ref)}: {len(d.files)} changed file(s), {d.lines} line(s); {len(result.findings)} "
            f"finding(s) on them, {d.dropped} elsewhere left out; changed lines covered: {covered}",
            highlight=False,
        )


def _interrupted(signum: int, frame: object) -> None:
    """Ctrl-C: kill the running tools (they run in sessions of their own), then stop the scan."""
    stop_all()
    raise KeyboardInterrupt


class _Terminated(KeyboardInterrupt):
    """SIGTERM (a cancelled CI job): the scan unwinds as for Ctrl-C, then exits 143."""


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM: kill the running tools, then stop the scan as Ctrl-C does."""
    stop_all()
    raise _Terminated


@app.command("render")
@_guarded
@with_options(REPORT_OPTIONS)
def render_command(
    results: Annotated[Path, typer.Argument(help="JSON results written by `riskaudit scan --format json`.")],
    verbose: Annotated[bool, VERBOSE] = False,
    **given: object,
) -> None:
    """Re-render saved JSON results without scanning again."""
    try:
        options = effective_options({}, command_line_values(REPORT_OPTIONS, given))
    except RiskauditError as exc:
        raise _fail(str(exc)) from None
    try:
        text = read_input_text(results)
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"{results}: cannot read results: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        result = loads(text)
    except RiskauditError as exc:
        raise _fail(f"{results}: {exc}") from None
    problem = refusal(text, result)
    if problem:
        raise _fail(f"{results}: {problem}")
    where = _emit(result, options)
    err.print(f"Report: {where}", highlight=False)


@app.command()
@_guarded
def rules() -> None:
    """List the rule catalogue."""
    catalogue = _catalogue()
    table = Table(title=f"riskaudit {__version__}: {len(catalogue.rules)} rules")
    for column in ("id", "severity", "confidence", "category", "slug", "title", "maps"):
        table.add_column(column, overflow="fold")
    for rule in catalogue.rules.values():
        doc = rule.doc
        maps = ", ".join(sorted({f"{m.tool}:{m.code or '*'}" for m in rule.mappings}))
        style = SEVERITY_STYLE[doc.severity]
        table.add_row(
            doc.id, f"[{style}]{doc.severity.value}[/]", doc.confidence.value, doc.category, doc.slug,
            _shown(doc.title), _shown(maps),
        )
    Console().print(table)


@app.command()
@_guarded
def explain(rule: Annotated[str, typer.Argument(help="Rule id (RA101) or slug (missing-await).")]) -> None:
    """Explain one rule: the problem, the risk, the recommendation and an example."""
    catalogue = _catalogue()
    wanted = rule.strip()
    found = catalogue.rules.get(wanted.upper()) or next(
        (r for r in catalogue.rules.values() if r.doc.slug == wanted.lower()), None
    )
    if found is None:
        raise _fail(f"{rule}: no such rule; see `riskaudit rules`")
    doc = found.doc
    out = Console()
    out.print(f"[bold]{doc.id} {doc.slug}[/]: {_shown(doc.title)}")
    out.print(f"severity {doc.severity.value}, confidence {doc.confidence.value}, category {doc.category}")
    for heading, body in (("Problem", doc.problem), ("Risk", doc.risk), ("Recommendation", doc.recommendation)):
        out.print(f"\n[bold]{heading}[/]")
        out.print(body, markup=False, highlight=False)
    out.print("\n[bold]Example[/]")
    out.print(doc.example, markup=False, highlight=False)
    out.print("\n[bold]Reported for[/]")
    for mapping in found.mappings:
        out.print(f"- {_mapping_line(mapping)}", markup=False, highlight=False)
    out.print(f"\n[dim]Ranking: {FORMULA}[/]")


def _mapping_line(mapping: RuleMapping) -> str:
    """One tool code a rule is reported for, with its message pattern and conditions."""
    extra = []
    if mapping.message is not None:
        extra.append(f"message matching {mapping.message.pattern!r}")
    if mapping.requires:
        extra.append("when " + " and ".join(sorted(mapping.requires)))
    suffix = f" ({'; '.join(extra)})" if extra else ""
    return f"{mapping.tool} {mapping.code or '(any code)'}{suffix}"


@app.callback(invoke_without_command=True)
@_guarded
def main(
    version: Annotated[
        bool, typer.Option("--version", "-V", metavar="", help="Show riskaudit's version and exit.")
    ] = False,
) -> None:
    """Show the version, or run one of the commands."""
    if version:
        Console().print(f"riskaudit {__version__}")
        raise typer.Exit(0)


def run() -> None:
    """Console-script entry point."""
    try:
        app()
    except _Terminated:  # SIGTERM outside a command's own handling (writing the report, say)
        err.print("riskaudit: terminated (SIGTERM)")
        sys.exit(EXIT_TERMINATED)
    except KeyboardInterrupt:
        err.print("riskaudit: interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # outside any command: the command line's own parsing or start-up
        sys.exit(_unexpected(exc).exit_code)
