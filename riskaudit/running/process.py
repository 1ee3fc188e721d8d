"""Running a tool as a subprocess with a timeout that kills its whole process group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from riskaudit.running.launch import module_command, safe_code

DEFAULT_TIMEOUT = 900.0
_limits: list[float] = []
"""The ``time_limit`` blocks entered and not yet left, innermost last."""
_running: set[subprocess.Popen[bytes]] = set()
_running_lock = threading.Lock()
_stopping = threading.Event()


def stop_all() -> None:
    """Kill the process group of every running tool and start no more (on Ctrl-C)."""
    _stopping.set()
    with _running_lock:
        running = list(_running)
    for proc in running:
        _kill_group(proc)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Meanwhile no subprocess run here outlives ``seconds``, whatever timeout its caller gives.

    The scan runs in one: ``--timeout`` then bounds the probes of an interpreter (its version, its
    packages, its plugins) and git too, not only the tools; a hanging ``--python`` costs that long.
    """
    _limits.append(seconds)
    try:
        yield
    finally:
        _limits.pop()


@dataclass(frozen=True)
class ProcessResult:
    """What a finished (or killed) subprocess left behind."""

    returncode: int | None
    """Exit status; None when it could not start or was killed on timeout."""
    stdout: str
    """Decoded standard output."""
    stderr: str
    """Decoded standard error."""
    duration: float
    """Wall-clock seconds."""
    error: str = ""
    """Why it did not run to completion (missing executable, timeout); empty otherwise."""


def run_process(
    command: Sequence[str],
    cwd: Path,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> ProcessResult:
    """Run a command in its own session; on timeout (or the ``time_limit``) the whole process group is killed."""
    bound = min([timeout, *_limits])
    cause = " (--timeout)" if _limits and bound == min(_limits) else ""
    start = time.monotonic()
    if _stopping.is_set():
        return ProcessResult(None, "", "", 0.0, "interrupted")
    try:
        proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
    except OSError as exc:
        return ProcessResult(None, "", "", time.monotonic() - start, f"cannot start {command[0]}: {exc}")
    with _running_lock:
        _running.add(proc)
    if _stopping.is_set():  # interrupted while it started
        _kill_group(proc)
    try:
        return _finish(proc, bound, start, cause)
    finally:
        with _running_lock:
            _running.discard(proc)


def failure(result: ProcessResult, reason: str) -> str:
    """Why a tool failed, for its run: ``exit code N: reason``, or the reason alone when it never exited.

    A timeout or a missing executable has no exit code to show.
    """
    return reason if result.returncode is None else f"exit code {result.returncode}: {reason}"


def _finish(proc: subprocess.Popen[bytes], timeout: float, start: float, cause: str) -> ProcessResult:
    """Wait for a started process; on timeout (``cause`` says whose) or an exception its whole group is killed."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        return ProcessResult(
            None, _decode(out), _decode(err), time.monotonic() - start, f"timed out after {timeout:g} s{cause}"
        )
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    return ProcessResult(proc.returncode, _decode(out), _decode(err), time.monotonic() - start)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group led by proc, ignoring one that is already gone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _decode(data: bytes | None) -> str:
    """Tool output as text; undecodable bytes are replaced, never fatal."""
    return (data or b"").decode("utf-8", errors="replace")


OUTPUT_LIMIT = 20_000
"""Characters of a failed tool's output kept for ``--verbose`` (the end, where tracebacks end)."""


def tool_output(result: ProcessResult) -> str:
    """A failed tool's whole output for ``--verbose``: its stdout, then its stderr, cut to the last characters."""
    text = "\n".join(part.strip() for part in (result.stdout, result.stderr) if part.strip())
    return text[-OUTPUT_LIMIT:]


def tail(text: str, lines: int = 6) -> str:
    """The last few non-empty lines of a tool's output, joined for a one-line reason."""
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:])


@lru_cache(maxsize=None)
def can_import(python: str, module: str) -> bool:
    """Whether the given interpreter can import a module (without importing it)."""
    if python == sys.executable:
        return True
    probe = f"import importlib.util; sys.exit(importlib.util.find_spec({module!r}) is None)"
    result = run_process([python, "-c", safe_code(probe)], cwd=Path.cwd(), timeout=60)
    return result.returncode == 0


def pick_interpreter(target_python: str, module: str) -> tuple[str, str]:
    """Run a tool from the target's environment when it has it, else from riskaudit's own."""
    if target_python != sys.executable and can_import(target_python, module):
        return target_python, "target environment"
    return sys.executable, "riskaudit's environment"


def display_command(command: Sequence[str], files: Sequence[str]) -> tuple[str, ...]:
    """The command as shown in reports: a trailing list of target files becomes ``<N files>``."""
    count = len(files)
    if count and list(command[-count:]) == list(files):
        return (*command[:-count], f"<{count} files>")
    return tuple(command)


def tool_version(python: str, module: str, cwd: Path, options: Sequence[str] = ()) -> tuple[str, str]:
    """``(version, "")`` from ``python -m module [options] --version``, or ``("", reason)`` when it cannot run."""
    probe = run_process([*module_command(python, module), *options, "--version"], cwd=cwd, timeout=120)
    if probe.returncode != 0:
        return "", probe.error or tail(probe.stderr or probe.stdout) or f"{module} --version failed"
    return " ".join(probe.stdout.split()), ""
