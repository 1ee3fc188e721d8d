"""flake8: run it with the target's own config and plugins, its report in riskaudit's format in a private file."""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from riskaudit.collectors.tool_launch import tool_launch
from riskaudit.caching.store import NO_CACHE, Cache, config_digest, digest
from riskaudit.collectors import flake8_plugins
from riskaudit.running import isolation
from riskaudit.caching.tool_results import per_file
from riskaudit.collectors.flake8_output import FORMAT, NEUTRAL_CONFIG, parse_output
from riskaudit.collectors.report_file import read_report
from riskaudit.collectors.flake8_plugins import Omission
from riskaudit.running.launch import module_command
from riskaudit.running.process import display_command, failure, run_process, tail, tool_output
from riskaudit.running.workers import semaphores_work
from riskaudit.discovery import Target
from riskaudit.collectors.interface import CollectContext, Collected
from riskaudit.models import RawFinding, ToolRun, ToolStatus

CONFIG_FILES = (".flake8", "setup.cfg", "tox.ini")
"""Where flake8 reads its configuration."""
CRASH_CODE = "crash"
"""The code of a finding saying flake8 crashed on a file (e.g. RecursionError on a huge expression)."""
MAX_RETRIES = 40
"""How many extra flake8 runs may go into finding the files it crashes on."""


Analyse = Callable[[Sequence[str]], "dict[str, list[RawFinding]] | None"]


def isolate_crash(
    analyse: Analyse, todo: Sequence[str], reason: str, budget: list[int]
) -> dict[str, list[RawFinding]] | None:
    """After flake8 crashed on a batch: halve it until the files it crashes on are found.

    Each such file becomes a finding naming it; the others keep their findings. None when flake8
    fails on every file (a problem of flake8 itself) or the retry budget is spent.
    """
    if len(todo) == 1:
        message = f"flake8 crashed on this file, so it was not checked ({reason[-300:]})"
        return {todo[0]: [RawFinding("flake8", CRASH_CODE, message, todo[0])]}
    if budget[0] < 2:
        return None
    budget[0] -= 2
    middle = len(todo) // 2
    halves = [analyse(todo[:middle]), analyse(todo[middle:])]
    if any(half is None for half in halves):
        return None
    merged = {path: found for half in halves if half for path, found in half.items()}
    crashed = [path for path, found in merged.items() if any(f.code == CRASH_CODE for f in found)]
    return None if len(crashed) == len(todo) else merged


REPORT_SHOWN = "--output-file=<private report file>"
"""How the report file (a temporary file, gone after the run) appears in the command shown."""
OVERRIDES_SHOWN = "--append-config=<the project's config without the plugins this environment lacks>"
"""How riskaudit's plugin overrides (a temporary file) appear in the command shown."""


def _operands(paths: Sequence[str]) -> list[str]:
    """File operands for flake8, a relative path starting with ``-`` as ``./path`` (the parser drops ``./``).

    flake8 cannot take ``--`` before them: it re-appends ``--output-file`` to its arguments when it
    parses them a second time, and after ``--`` that would be taken for a file name.
    """
    return [f"./{path}" if path.startswith("-") else path for path in paths]


def plugin_omission(python: str, target: Target, timeout: float) -> Omission | str:
    """The plugins of the target's flake8 config to leave out here; a reason string when that cannot be told."""
    if target.untrusted:  # --isolated: no config, no plugins
        return Omission()
    config = flake8_plugins.read_plugin_config(flake8_plugins.find_config(target.root))
    if not config.local and not config.required:
        return Omission()
    unavailable = flake8_plugins.probe(python, target.root, config, timeout)
    if isinstance(unavailable, str):
        return unavailable
    return flake8_plugins.omission(config, unavailable, own_flake8=python != target.python)


def collect(target: Target, timeout: float, cache: Cache = NO_CACHE) -> ToolRun:
    """Run flake8 on the target's files (changed ones only, with a cache) and return its findings.

    flake8 writes its report into a private file, with riskaudit's output settings appended after
    the project's config; plugins of the config the environment lacks are left out (an environment
    issue of the run).
    """
    # --isolated: the version does not depend on the config, and a config naming a missing plugin cannot fail it
    launch = tool_launch(target, "flake8", cache, ("--isolated",))
    python, executable, version, problem = launch.python, launch.executable, launch.version, launch.problem
    if problem:
        return ToolRun("flake8", ToolStatus.FAILED, executable=executable, reason=problem)
    files = [f.path for f in target.files]
    if not files:
        return ToolRun("flake8", ToolStatus.SKIPPED, version, executable, reason="no Python files")
    left_out = plugin_omission(python, target, timeout)
    if isinstance(left_out, str):
        return ToolRun("flake8", ToolStatus.FAILED, version, executable, reason=left_out)
    with tempfile.TemporaryDirectory(prefix="riskaudit-flake8-") as temporary:
        private = Path(temporary)
        overrides = flake8_plugins.override_config(left_out)
        base, shown = _command(python, target, overrides, private)
        run = ToolRun(
            "flake8",
            ToolStatus.OK,
            version=version,
            executable=executable,
            command=shown,
            reason=flake8_plugins.summary(left_out.issues) if left_out else "",
            environment=left_out.issues,
        )
        key = digest("flake8", version, python, config_digest(target.root, CONFIG_FILES), overrides)
        return _analyse_all(run, base, target, timeout, cache, private, key)


def _command(python: str, target: Target, overrides: str, private: Path) -> tuple[list[str], tuple[str, ...]]:
    """flake8's command before the report file and the files, and the whole command as reports show it.

    The plugin overrides (config text), when there are any, are written into ``private``.
    """
    # --exit-zero: findings exit 0, so any other status means flake8 itself failed.
    base = [*module_command(python, "flake8"), "--exit-zero", f"--format={FORMAT}", f"--append-config={NEUTRAL_CONFIG}"]
    shown = list(base)
    if overrides:
        (private / "plugins.cfg").write_text(overrides, encoding="utf-8")
        base.append(f"--append-config={private / 'plugins.cfg'}")
        shown.append(OVERRIDES_SHOWN)
    if not semaphores_work():  # flake8's process pool would crash (it falls back to serial on ENOSPC only)
        base.append("--jobs=1")
        shown.append("--jobs=1")
    if target.untrusted:  # no config files (hence no local plugins); absolute paths from an empty folder
        base += isolation.FLAKE8_OPTIONS
        shown += isolation.FLAKE8_OPTIONS
    files = _operands([f.path for f in target.files])
    return base, display_command([*shown, REPORT_SHOWN, *files], files)


def _analyse_all(
    run: ToolRun, base: list[str], target: Target, timeout: float, cache: Cache, private: Path, key: str
) -> ToolRun:
    """flake8 over the files not in the cache, isolating the files it crashes on; reports go into ``private``."""
    cwd = isolation.work_dir() if target.untrusted else target.root
    files = [f.path for f in target.files]
    outcome: list[ToolRun] = []
    budget = [MAX_RETRIES]
    reports = itertools.count(1)

    def analyse(todo: Sequence[str]) -> dict[str, list[RawFinding]] | None:
        given = [str(target.root / path) for path in todo] if target.untrusted else _operands(todo)
        report = private / f"report-{next(reports)}.txt"
        result = run_process([*base, f"--output-file={report}", *given], cwd=cwd, timeout=timeout)
        if result.returncode != 0:
            reason = result.error or tail(result.stderr or result.stdout) or f"exit code {result.returncode}"
            isolated = None
            bisecting = budget[0] < MAX_RETRIES  # a single file is blamed only when others passed
            if result.returncode is not None and (len(todo) > 1 or bisecting):
                isolated = isolate_crash(analyse, todo, f"exit code {result.returncode}: {reason}", budget)
            if isolated is None:
                failed = replace(
                    run, status=ToolStatus.FAILED, reason=failure(result, reason), output=tool_output(result)
                )
                outcome.append(failed)
            return isolated
        parsed = read_report(report, parse_output, target.root, "flake8")
        if isinstance(parsed, str):
            outcome.append(replace(run, status=ToolStatus.FAILED, reason=parsed))
            return None
        grouped: dict[str, list[RawFinding]] = {}
        for finding in parsed:
            grouped.setdefault(finding.path or "", []).append(finding)
        return grouped

    start = time.monotonic()
    findings = per_file(cache, "flake8", key, target.root, files, analyse)
    if findings is None:
        return replace(outcome[0], duration=time.monotonic() - start)
    return replace(run, findings=findings, duration=time.monotonic() - start)


class Flake8:
    """flake8 behind the collector interface."""

    def collect(self, context: CollectContext) -> Collected:
        """flake8's run on the target's files."""
        return Collected((collect(context.target, context.options.timeout, context.cache),))


COLLECTOR = Flake8()
"""The flake8 collector (see ``riskaudit.collectors.registry``)."""
