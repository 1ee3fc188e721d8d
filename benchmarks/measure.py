"""Measuring one command: wall time, CPU time, the largest process and the process tree's memory.

``Runner.measure`` runs a command as a child process in a session of its own and returns a ``Sample``:
wall time until the command exits; user + system CPU time from ``wait4``, plus that of the descendants
it left behind, which this process adopts as a child subreaper (Linux) and reaps afterwards; the
largest single process's peak RSS (GNU time's ``%M``); and the peak of the whole tree's memory (PSS
summed over the tree, sampled from ``/proc`` by ``TreeSampler``). Used by ``benchmarks/run.py``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SNAPSHOT_ENV = "RISKAUDIT_BENCH_SNAPSHOT"
"""Set (to the snapshot folder) once the benchmark has re-executed itself on a snapshot of riskaudit.

``Runner.env`` puts that folder on the PYTHONPATH of the runs of riskaudit itself.
"""


@dataclass
class Sample:
    """One measured run of one command."""

    wall: float
    """Elapsed seconds."""
    cpu: float
    """User + system CPU seconds of the process and every descendant it waited for, plus (on Linux, where
    this benchmark is a child subreaper) the descendants it left running when it exited, and theirs."""
    max_rss_mib: float
    """The largest single process of the tree (peak RSS), in MiB: GNU time's ``%M`` where /usr/bin/time
    is GNU time, else ``ru_maxrss`` from ``wait4``, which on Linux also counts this benchmark's own RSS
    at the fork (the high-water mark survives ``exec``); or the largest left-behind descendant's, if more."""
    tree_mib: float
    """Peak of the memory of the whole process tree (PSS summed, sampled), in MiB."""
    returncode: int | None
    """Exit status; None when it was killed on timeout."""
    load: float
    """The machine's one-minute load average when the run started."""
    note: str = ""
    """Why the run does not count as a complete one, or what it found."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Per-run details (riskaudit's own per-tool durations, prospector's message counts)."""


def _read(path: str) -> str:
    """A /proc file's text, or empty when the process is gone."""
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def _tree(root: int) -> list[int]:
    """The process root and all its descendants, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read(f"/proc/{entry}/stat")
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, ()))
    return found


def _memory_kib(pid: int) -> int:
    """A process's proportional set size (PSS), or its RSS where smaps_rollup is not readable."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        for line in _read(path).splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed memory of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self._halt = threading.Event()

    def run(self) -> None:
        """Sample until stop() is called."""
        while not self._halt.is_set():
            total = sum(_memory_kib(pid) for pid in _tree(self.pid))
            self.peak_kib = max(self.peak_kib, total)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._halt.set()
        self.join()


def _gnu_time() -> str:
    """/usr/bin/time when it is GNU time (its ``%M`` is measured from a small parent, so it is exact)."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return ""
    probe = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return path if "GNU" in probe.stdout + probe.stderr else ""


GNU_TIME = _gnu_time()


def _max_rss_kib(path: Path, fallback: int) -> int:
    """The peak RSS GNU time wrote (its last numeric line), else the ``wait4`` figure."""
    if GNU_TIME and path.is_file():
        numbers = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip().isdigit()]
        if numbers:
            return int(numbers[-1])
    return fallback


def _kill_group(pid: int) -> None:
    """SIGKILL a process group, ignoring one that is gone."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


PR_SET_CHILD_SUBREAPER = 36
"""prctl() option (Linux >= 3.4): orphaned descendants are reparented to this process, not to init."""
ORPHAN_GRACE = 10.0
"""Seconds a measured command's left-behind descendants get to end after it exited, before they are killed."""


@functools.cache
def subreaper() -> bool:
    """Make this process a child subreaper, once (Linux only); whether it is one.

    A command can leave descendants behind that it never waits for: riskaudit's worker pool starts from
    a multiprocessing fork server, a child of riskaudit that riskaudit does not reap, and the workers are
    the fork server's children, reaped by it. Their CPU time is then in no ``wait4`` figure of the
    command. As a subreaper, this process adopts them when their parent exits, and ``Runner.measure`` reaps
    them and adds their CPU time. Where this fails, such CPU time is lost and the cpu column undercounts.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    return int(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0


def _adopted(session: int) -> list[int]:
    """This process's children (zombies included) in the given session, from /proc/*/stat."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read(f"/proc/{entry}/stat")
        fields = stat[stat.rfind(")") + 2 :].split()  # state, ppid, pgrp, session, ...
        if len(fields) > 3 and int(fields[1]) == me and int(fields[3]) == session:
            found.append(int(entry))
    return found


def reap_orphans(session: int, grace: float = ORPHAN_GRACE) -> tuple[float, int, int]:
    """Wait for the descendants a measured command left behind; their CPU s, largest ru_maxrss (KiB), kills.

    Called once the command itself has been waited for; the orphans are this (subreaper) process's
    children by then. Only those in the command's session (``start_new_session``: its id is the
    command's pid) are waited for, one pid at a time, never with ``wait4(-1)``, so no other child of
    this process can be reaped by mistake. (Nothing else runs while a command is measured anyway: the
    set-up commands run before it, one at a time, and the sampler and timeout threads only read /proc
    and send a signal.) An orphan that moved to a session of its own is neither waited for nor counted.
    A reaped orphan's rusage includes the children it reaped itself (a fork server's workers). Those
    still running ``grace`` seconds after the command exited are killed (the kills returned), and
    given up on if still there another ``grace`` seconds later.
    """
    cpu, rss, killed = 0.0, 0, 0
    deadline = time.monotonic() + grace
    while pids := _adopted(session):
        reaped = 0
        for pid in pids:
            try:
                done, _, usage = os.wait4(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if done:
                reaped += 1
                cpu += usage.ru_utime + usage.ru_stime
                rss = max(rss, usage.ru_maxrss)
        if reaped:
            continue
        if time.monotonic() > deadline:
            if killed:  # even SIGKILL did not end them in another grace period: give up on them
                break
            killed = len(pids)
            _kill_group(session)
            for pid in pids:  # in case one moved to a process group of its own
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            deadline = time.monotonic() + grace
        time.sleep(0.01)
    return cpu, rss, killed


@dataclass(frozen=True)
class Runner:
    """How every command is run: the environment, the log folder, the timeout and the sampling rate."""

    logs: Path
    """Where each run's stdout and stderr go."""
    home: Path
    """HOME for the tools: the folder above the target roots, so flake8 looks no further up for config."""
    timeout: float
    """Seconds before a run is killed."""
    interval: float
    """Seconds between memory samples."""

    def env(self, mypy_cache: Path | None, riskaudit: bool) -> dict[str, str]:
        """The environment of a run: no active venv or user config, mypy's cache where asked.

        Runs of riskaudit itself get the snapshot of its sources first on PYTHONPATH (when there is one).
        """
        dropped = {"VIRTUAL_ENV", "XDG_CONFIG_HOME", "PYTHONPATH", "MYPYPATH", "MYPY_CACHE_DIR", "PYTHONSTARTUP"}
        env = {key: value for key, value in os.environ.items() if key not in dropped}
        env["HOME"] = str(self.home)
        if mypy_cache is not None:
            env["MYPY_CACHE_DIR"] = str(mypy_cache)
        snapshot = os.environ.get(SNAPSHOT_ENV)
        if riskaudit and snapshot:
            env["PYTHONPATH"] = snapshot
        return env

    def measure(
        self, name: str, command: Sequence[str], cwd: Path, mypy_cache: Path | None = None, riskaudit: bool = False
    ) -> Sample:
        """Run the command to completion (or the timeout) and measure it.

        Wall time stops when the command itself exits; the CPU time of the descendants it left behind
        (see ``subreaper``) is added after that, once they have ended too.
        """
        adopting = subreaper()
        slug = "".join(c if c.isalnum() else "-" for c in name)
        load = os.getloadavg()[0]
        with open(self.logs / f"{slug}.out", "wb") as out, open(self.logs / f"{slug}.err", "wb") as err:
            start = time.perf_counter()
            rss_file = self.logs / f"{slug}.maxrss"
            wrapped = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *command] if GNU_TIME else list(command)
            proc = subprocess.Popen(
                wrapped, cwd=cwd, env=self.env(mypy_cache, riskaudit), stdin=subprocess.DEVNULL,
                stdout=out, stderr=err, start_new_session=True,
            )
            sampler = TreeSampler(proc.pid, self.interval)
            sampler.start()
            timer = threading.Timer(self.timeout, _kill_group, (proc.pid,))
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:
                _kill_group(proc.pid)
                proc.wait()
                raise
            finally:
                timer.cancel()
                sampler.stop()
            wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        orphan_cpu, orphan_rss, lingered = reap_orphans(proc.pid) if adopting else (0.0, 0, 0)
        killed = code == -signal.SIGKILL and wall >= self.timeout
        notes = [f"killed after the {self.timeout:g}s timeout"] if killed else []
        if lingered:
            notes.append(f"{lingered} process(es) it left behind killed {ORPHAN_GRACE:g}s after it exited")
        return Sample(
            wall=round(wall, 3),
            cpu=round(usage.ru_utime + usage.ru_stime + orphan_cpu, 3),
            max_rss_mib=round(max(_max_rss_kib(rss_file, usage.ru_maxrss), orphan_rss) / 1024, 1),
            tree_mib=round(sampler.peak_kib / 1024, 1),
            returncode=None if killed else code,
            load=round(load, 2),
            note="; ".join(notes),
            extra={"orphan_cpu": round(orphan_cpu, 3)} if adopting else {},
        )

    def stderr_tail(self, name: str, lines: int = 3) -> str:
        """The last lines a run wrote to stderr, for a failure note."""
        slug = "".join(c if c.isalnum() else "-" for c in name)
        text = (self.logs / f"{slug}.err").read_text(encoding="utf-8", errors="replace")
        return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])
