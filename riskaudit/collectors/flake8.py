"""flake8: run it with the target's own config and plugins, parse a fixed separator format."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from riskaudit.collectors.paths import relative_posix
from riskaudit.collectors.process import display_command, pick_interpreter, run_process, tail, tool_version
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


def collect(target: Target, timeout: float) -> ToolRun:
    """Run flake8 on the target's files and return its findings, or why it could not run."""
    python, origin = pick_interpreter(target.python, "flake8")
    executable = f"{python} -m flake8 ({origin})"
    version, problem = tool_version(python, "flake8", target.root)
    if problem:
        return ToolRun("flake8", ToolStatus.FAILED, executable=executable, reason=problem)
    files = [f.path for f in target.files]
    if not files:
        return ToolRun("flake8", ToolStatus.SKIPPED, version, executable, reason="no Python files")
    # --exit-zero: findings exit 0, so any other status means flake8 itself failed.
    command = [python, "-m", "flake8", "--exit-zero", f"--format={FORMAT}", "--", *files]
    result = run_process(command, cwd=target.root, timeout=timeout)
    run = ToolRun(
        "flake8",
        ToolStatus.OK,
        version=version,
        executable=executable,
        command=display_command(command, files),
        duration=result.duration,
    )
    if result.returncode != 0:
        reason = result.error or tail(result.stderr or result.stdout) or f"exit code {result.returncode}"
        return replace(run, status=ToolStatus.FAILED, reason=f"exit code {result.returncode}: {reason}")
    try:
        findings = parse_output(result.stdout, target.root)
    except Flake8OutputError as exc:
        return replace(run, status=ToolStatus.FAILED, reason=str(exc))
    return replace(run, findings=findings)
