"""flake8: run it with the target's own config and plugins, parse a fixed separator format."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from riskaudit.collectors.paths import relative_posix
from riskaudit.cache import NO_CACHE, Cache, config_digest, digest
from riskaudit.collectors import isolation
from riskaudit.collectors.cached import cached_tool_version, per_file
from riskaudit.collectors.launch import module_command
from riskaudit.collectors.process import display_command, pick_interpreter, run_process, tail
from riskaudit.discovery import Target
from riskaudit.models import RawFinding, ToolRun, ToolStatus

SEPARATOR = "\x1f"
"""ASCII unit separator: cannot occur in paths or messages flake8 prints, so parsing is unambiguous."""
FORMAT = SEPARATOR.join(["%(path)s", "%(row)d", "%(col)d", "%(code)s", "%(text)s"])


class Flake8OutputError(ValueError):
    """flake8 printed a line that is not in the requested format."""


def parse_output(stdout: str, root: Path) -> tuple[RawFinding, ...]:
    """Parse flake8 output produced with ``--format=FORMAT``."""
    findings: list[RawFinding] = []
    for number, line in enumerate(stdout.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split(SEPARATOR)
        if len(fields) != 5 or not fields[1].isdigit() or not fields[2].isdigit():
            raise Flake8OutputError(f"line {number} of flake8's output is not a finding: {line[:120]!r}")
        path, row, col, code, text = fields
        findings.append(
            RawFinding(
                tool="flake8",
                code=code,
                message=text,
                path=relative_posix(path, root),
                line=int(row) or None,
                column=int(col) or None,
            )
        )
    return tuple(findings)


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


def collect(target: Target, timeout: float, cache: Cache = NO_CACHE) -> ToolRun:
    """Run flake8 on the target's files (changed ones only, with a cache) and return its findings."""
    python, origin = pick_interpreter(target.python, "flake8")
    executable = f"{python} -m flake8 ({origin})"
    cwd = isolation.work_dir() if target.untrusted else target.root
    version, problem = cached_tool_version(python, "flake8", cwd, cache)
    if problem:
        return ToolRun("flake8", ToolStatus.FAILED, executable=executable, reason=problem)
    files = [f.path for f in target.files]
    if not files:
        return ToolRun("flake8", ToolStatus.SKIPPED, version, executable, reason="no Python files")
    # --exit-zero: findings exit 0, so any other status means flake8 itself failed.
    base = [*module_command(python, "flake8"), "--exit-zero", f"--format={FORMAT}", "--"]
    if target.untrusted:  # no config files (hence no local plugins); absolute paths from an empty folder
        base[3:3] = isolation.FLAKE8_OPTIONS
    shown = display_command([*base, *files], files)
    run = ToolRun("flake8", ToolStatus.OK, version=version, executable=executable, command=shown)
    outcome: list[ToolRun] = []
    budget = [MAX_RETRIES]

    def analyse(todo: Sequence[str]) -> dict[str, list[RawFinding]] | None:
        given = [str(target.root / path) for path in todo] if target.untrusted else list(todo)
        result = run_process([*base, *given], cwd=cwd, timeout=timeout)
        if result.returncode != 0:
            reason = result.error or tail(result.stderr or result.stdout) or f"exit code {result.returncode}"
            isolated = None
            bisecting = budget[0] < MAX_RETRIES  # a single file is blamed only when others passed
            if result.returncode is not None and (len(todo) > 1 or bisecting):
                isolated = isolate_crash(analyse, todo, f"exit code {result.returncode}: {reason}", budget)
            if isolated is None:
                failed = replace(run, status=ToolStatus.FAILED, reason=f"exit code {result.returncode}: {reason}")
                outcome.append(failed)
            return isolated
        try:
            parsed = parse_output(result.stdout, target.root)
        except Flake8OutputError as exc:
            outcome.append(replace(run, status=ToolStatus.FAILED, reason=str(exc)))
            return None
        grouped: dict[str, list[RawFinding]] = {}
        for finding in parsed:
            grouped.setdefault(finding.path or "", []).append(finding)
        return grouped

    start = time.monotonic()
    key = digest("flake8", version, python, config_digest(target.root, CONFIG_FILES))
    findings = per_file(cache, "flake8", key, target.root, files, analyse)
    if findings is None:
        return replace(outcome[0], duration=time.monotonic() - start)
    return replace(run, findings=findings, duration=time.monotonic() - start)
