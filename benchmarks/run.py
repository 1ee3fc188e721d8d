"""riskaudit's performance benchmark on real code: riskaudit against the tools it wraps, and prospector.

Usage (from the repository root, with the interpreter riskaudit is installed in)::

    .venv/bin/python benchmarks/run.py                    # the 20-50k line target, 3 repetitions
    .venv/bin/python benchmarks/run.py --target large --repeat 1
    .venv/bin/python benchmarks/run.py --target all

Pinned source releases are fetched from PyPI into ``benchmarks/.cache/`` (``pip download --no-deps
--no-binary :all:``), and each measurement runs as a child process whose wall time, CPU time
(user + system, from ``wait4``, including the descendants it left behind, which this process adopts
as a child subreaper), largest single process (GNU time's ``%M``) and process-tree memory (PSS summed
over the tree, sampled from ``/proc``) are recorded. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import functools
import hashlib
import fcntl
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from riskaudit import __version__ as RISKAUDIT_VERSION
from riskaudit.collectors import flake8 as flake8_collector
from riskaudit.collectors import mypy as mypy_collector
from riskaudit.collectors.process import pick_interpreter
from riskaudit.discovery import Target, load_target
from riskaudit.sources import decode_source, source_lines

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
PROBE = BENCHMARKS / "detectors_probe.py"
PROSPECTOR = "prospector[with-mypy]==1.20.0"
"""Installed into a venv of its own under the cache, with the same mypy version riskaudit runs."""
PROSPECTOR_TOOLS = ("pyflakes", "pycodestyle", "mccabe", "mypy", "pydocstyle")
"""Prospector's closest equivalent of riskaudit's flake8 (+ plugins), mypy and radon."""
TOUCH_LINE = b"\n# touched by the riskaudit benchmark\n"
GIB = 1024 * 1024 * 1024
SNAPSHOT_ENV = "RISKAUDIT_BENCH_SNAPSHOT"
"""Set (to the snapshot folder) once the benchmark has re-executed itself on a snapshot of riskaudit."""
SNAPSHOT_PARTS = ("riskaudit", "rules", "templates")
CACHE_MARKER = """\
# Written by benchmarks/run.py. This folder holds third-party sources downloaded as benchmark targets.
# This file makes the folder a separate project for riskaudit's discovery, so that `riskaudit scan .`
# on the repository (and its own test that scans the repository) leaves these sources alone.
"""


@dataclass(frozen=True)
class Project:
    """A pinned source release used as a benchmark target."""

    label: str
    """``medium`` or ``large``."""
    name: str
    """Its PyPI name."""
    version: str
    """The pinned version."""
    package: str
    """The package folder inside the sdist; only it is copied into the target."""
    touch: str
    """The target-relative module appended to in the one-touched-file run."""


PROJECTS = {
    "medium": Project("medium", "rich", "13.9.4", "rich", "rich/console.py"),
    "large": Project("large", "sqlalchemy", "2.0.36", "lib/sqlalchemy", "sqlalchemy/orm/session.py"),
}


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


# ----------------------------------------------------------------------------- measuring


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
    command. As a subreaper, this process adopts them when their parent exits, and ``measure`` reaps
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


# ----------------------------------------------------------------------------- preparing


def _call(command: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a set-up command; its stdout, or SystemExit with its output when it fails."""
    proc = subprocess.run(list(command), cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout


def fetch(project: Project, cache: Path) -> Path:
    """Download (once) and unpack (once) the project's sdist; the unpacked folder."""
    downloads, sources = cache / "downloads", cache / "src"
    downloads.mkdir(parents=True, exist_ok=True)
    sources.mkdir(parents=True, exist_ok=True)
    stem = f"{project.name}-{project.version}".lower()
    archives = [p for p in downloads.iterdir() if p.name.lower().startswith(stem) and p.name.endswith(".tar.gz")]
    if not archives:
        print(f"fetching {project.name}=={project.version} from PyPI ...", flush=True)
        _call([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", str(downloads),
               f"{project.name}=={project.version}"])
        archives = [p for p in downloads.iterdir() if p.name.lower().startswith(stem) and p.name.endswith(".tar.gz")]
    if not archives:
        raise SystemExit(f"pip download left no {stem}*.tar.gz in {downloads}")
    with tarfile.open(archives[0]) as archive:
        top = archive.getnames()[0].split("/")[0]
        unpacked = sources / top
        if not (unpacked / project.package).is_dir():
            archive.extractall(sources, filter="data")
    return unpacked


def workspace(project: Project, sdist: Path, cache: Path) -> Path:
    """The target root: a folder holding only a copy of the package, set up once.

    It is its own git repository (one commit), so mypy looks for config no further up than it, and
    riskaudit sees a real commit as it would in a project. The folder above it is HOME for the runs,
    so flake8 looks no further up either: no config of this repository leaks into the measurement.
    """
    targets = cache / "targets"
    root = targets / f"{project.name}-{project.version}"
    ready = targets / f"{root.name}.ready"
    if root.is_dir() and ready.is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    package = sdist / project.package
    shutil.copytree(package, root / package.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if shutil.which("git"):
        env = {**os.environ, "HOME": str(targets), "GIT_CONFIG_NOSYSTEM": "1"}
        identity = ["-c", "user.name=benchmark", "-c", "user.email=benchmark@localhost", "-c", "commit.gpgsign=false"]
        _call(["git", "init", "-q"], cwd=root, env=env)
        _call(["git", "add", "-A"], cwd=root, env=env)
        _call(["git", *identity, "commit", "-q", "-m", f"{project.name} {project.version}"], cwd=root, env=env)
    else:
        (root / ".hg").mkdir()
    ready.write_text("ok\n", encoding="utf-8")
    return root


def pristine(project: Project, sdist: Path, root: Path) -> None:
    """Put the touched module back as released (a run that was interrupted may have left it changed)."""
    original = sdist / Path(project.package).parent / project.touch
    shutil.copy2(original, root / project.touch)


def bare_python(cache: Path) -> str:
    """A venv with nothing installed: the target's interpreter, so mypy follows no import into site-packages."""
    venv = cache / "target-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        _call([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    return str(python)


def prospector_command(cache: Path, mypy_version: str) -> list[str] | str:
    """Prospector from a venv of its own (installed once); a string saying why when it cannot be installed."""
    venv = cache / "prospector-venv"
    executable = venv / "bin" / "prospector"
    marker = venv / ".benchmark-ready"
    if not marker.is_file():
        print(f"installing {PROSPECTOR} (mypy=={mypy_version}) into {venv} ...", flush=True)
        try:
            _call([sys.executable, "-m", "venv", "--clear", str(venv)])
            _call([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", PROSPECTOR, f"mypy=={mypy_version}"])
        except SystemExit as exc:
            return f"not installable: {str(exc).strip().splitlines()[-1][:200]}"
        marker.write_text("ok\n", encoding="utf-8")
    tools = [part for tool in PROSPECTOR_TOOLS for part in ("--tool", tool)]
    return [str(executable), *tools, "--output-format", "json", "--zero-exit", "--die-on-tool-error", "."]


def count_lines(target: Target) -> int:
    """Physical lines of every scanned file, counted as riskaudit counts them."""
    return sum(len(source_lines(decode_source((target.root / f.path).read_bytes()))) for f in target.files)


def version_of(python: str, module: str) -> str:
    """``python -m module --version``, on one line."""
    return " ".join(_call([python, "-m", module, "--version"]).split())


# ----------------------------------------------------------------------------- one target


@dataclass(frozen=True)
class Setup:
    """Everything prepared for one target."""

    project: Project
    sdist: Path
    root: Path
    target: Target
    lines: int
    runner: Runner
    work: Path
    prospector: list[str] | str
    versions: dict[str, str]


def _fresh(work: Path, name: str) -> Path:
    """A new, empty folder under the run's work folder (a fresh mypy cache, an output folder)."""
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=work))
    return path


def riskaudit_command(setup: Setup, output: Path) -> list[str]:
    """``riskaudit scan TARGET --format json --output FILE --fail-on none`` (with the bare interpreter)."""
    script = Path(sys.executable).parent / "riskaudit"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "riskaudit"]
    return [
        *launcher, "scan", str(setup.root), "--python", setup.target.python, "--format", "json",
        "--output", str(output), "--fail-on", "none", "--timeout", f"{setup.runner.timeout:g}",
    ]


def riskaudit_details(sample: Sample, output: Path) -> None:
    """Riskaudit's own per-tool durations and statuses, from its JSON; a note when the analysis is incomplete."""
    try:
        data = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        sample.note = sample.note or f"no results ({type(exc).__name__})"
        return
    runs = {run["name"]: run for run in data.get("runs", [])}
    sample.extra["durations"] = {name: round(float(run.get("duration", 0.0)), 3) for name, run in runs.items()}
    sample.extra["statuses"] = {name: run.get("status") for name, run in runs.items()}
    sample.extra["findings"] = len(data.get("findings", []))
    failed = [f"{name}: {run.get('reason', '')[:160]}" for name, run in runs.items()
              if name in ("flake8", "mypy", "radon", "riskaudit") and run.get("status") != "ok"]
    if failed:
        sample.note = "INCOMPLETE " + "; ".join(failed)


def measure_riskaudit(setup: Setup, results: dict[str, list[Sample]]) -> None:
    """Riskaudit cold, warm, and after one touched file, in one fresh mypy cache and result cache."""
    shutil.rmtree(setup.root / ".riskaudit_cache", ignore_errors=True)
    mypy_cache = _fresh(setup.work, "riskaudit-mypy-cache")
    touched = setup.root / setup.project.touch
    for name in ("riskaudit cold", "riskaudit warm", "riskaudit touched"):
        output = _fresh(setup.work, "report") / "results.json"
        original = touched.read_bytes()
        if name == "riskaudit touched":
            touched.write_bytes(original + TOUCH_LINE)
        try:
            command = riskaudit_command(setup, output)
            sample = setup.runner.measure(name, command, setup.work, mypy_cache, riskaudit=True)
        finally:
            touched.write_bytes(original)
        if sample.returncode not in (0, 1):
            sample.note = sample.note or f"exit {sample.returncode}: {setup.runner.stderr_tail(name)}"
        riskaudit_details(sample, output)
        results.setdefault(name, []).append(sample)


def measure_tools(setup: Setup, results: dict[str, list[Sample]]) -> None:
    """flake8, mypy (cold, then warm) and radon alone, each the way riskaudit runs it."""
    files = [f.path for f in setup.target.files]
    runner, root = setup.runner, setup.root
    flake8_python, _ = pick_interpreter(setup.target.python, "flake8")
    flake8 = [flake8_python, "-m", "flake8", "--exit-zero", f"--format={flake8_collector.FORMAT}", "--", *files]
    mypy_python, _ = pick_interpreter(setup.target.python, "mypy")
    use_json = mypy_collector.supports_json(setup.versions["mypy"])
    mypy = mypy_collector.build_command(mypy_python, setup.target, use_json, files)
    mypy_cache = _fresh(setup.work, "mypy-cache")
    radon = [sys.executable, "-m", "radon"]
    for name, command, cache in (
        ("flake8", flake8, None),
        ("mypy cold", mypy, mypy_cache),
        ("mypy warm", mypy, mypy_cache),
        ("radon cc", [*radon, "cc", "--json", "--show-closures", *files], None),
        ("radon mi", [*radon, "mi", "--json", *files], None),
    ):
        sample = runner.measure(name, command, root, cache)
        ok = (0, 1) if name.startswith("mypy") else (0,)
        if sample.returncode not in ok:
            sample.note = sample.note or f"exit {sample.returncode}: {runner.stderr_tail(name)}"
        results.setdefault(name, []).append(sample)


def measure_prospector(setup: Setup, results: dict[str, list[Sample]]) -> None:
    """Prospector with the closest tool set, cold (an empty mypy cache)."""
    if isinstance(setup.prospector, str):
        return
    name = "prospector"
    sample = setup.runner.measure(name, setup.prospector, setup.root, _fresh(setup.work, "prospector-mypy-cache"))
    slug = "".join(c if c.isalnum() else "-" for c in name)
    try:
        data = json.loads((setup.runner.logs / f"{slug}.out").read_text(encoding="utf-8"))
        counts: dict[str, int] = {}
        for message in data.get("messages", []):
            counts[message.get("source", "?")] = counts.get(message.get("source", "?"), 0) + 1
        sample.extra["messages"] = counts
    except (OSError, ValueError) as exc:
        problem = f"unreadable output ({type(exc).__name__})"
        sample.note = f"exit {sample.returncode}, {problem}: {setup.runner.stderr_tail(name)}"
    results.setdefault(name, []).append(sample)


def measure_probe(setup: Setup, results: dict[str, list[Sample]], breakdown: bool) -> dict[str, Any]:
    """Riskaudit's in-process phases alone (index, radon, detectors), in a process of its own."""
    output = _fresh(setup.work, "probe") / "probe.json"
    snapshot = os.environ.get(SNAPSHOT_ENV)
    probe = Path(snapshot) / PROBE.name if snapshot else PROBE
    command = [sys.executable, str(probe), str(setup.root), "--python", setup.target.python, "--output", str(output)]
    if breakdown:
        command.append("--breakdown")
    sample = setup.runner.measure("detectors probe", command, setup.work, riskaudit=True)
    try:
        data: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        sample.note = f"exit {sample.returncode}: {setup.runner.stderr_tail('detectors probe')}"
        data = {}
    results.setdefault("detectors probe", []).append(sample)
    return data


def prepare(project: Project, cache: Path, args: argparse.Namespace) -> Setup:
    """Fetch, unpack and lay out the target; find the interpreters and the tool versions."""
    sdist = fetch(project, cache)
    root = workspace(project, sdist, cache)
    pristine(project, sdist, root)
    python = bare_python(cache)
    target = load_target(root, python)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    work = cache / "runs" / f"{project.label}-{stamp}"
    work.mkdir(parents=True)
    versions = {
        "riskaudit": RISKAUDIT_VERSION,
        "flake8": version_of(pick_interpreter(python, "flake8")[0], "flake8"),
        "mypy": version_of(pick_interpreter(python, "mypy")[0], "mypy"),
        "radon": version_of(sys.executable, "radon"),
    }
    mypy_version = versions["mypy"].split()[1]
    prospector: list[str] | str = "skipped (--skip prospector)"
    if "prospector" not in args.skip:
        prospector = prospector_command(cache, mypy_version)
    if isinstance(prospector, list):
        versions["prospector"] = version_of(str(Path(prospector[0]).parent / "python"), "prospector")
    runner = Runner(logs=work, home=root.parent, timeout=args.timeout, interval=args.interval)
    return Setup(project, sdist, root, target, count_lines(target), runner, work, prospector, versions)


def run_target(project: Project, cache: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement on one target, ``--repeat`` times, interleaved; the results as JSON data."""
    source = riskaudit_source()
    setup = prepare(project, cache, args)
    print(f"\n== {project.name} {project.version}: {len(setup.target.files)} files, {setup.lines:,} lines "
          f"in {setup.root} ==", flush=True)
    results: dict[str, list[Sample]] = {}
    probes: list[dict[str, Any]] = []
    for repetition in range(1, args.repeat + 1):
        started = time.perf_counter()
        logs = setup.work / "logs" / f"rep-{repetition}"
        logs.mkdir(parents=True)
        setup = replace(setup, runner=replace(setup.runner, logs=logs))
        measure_tools(setup, results)
        measure_riskaudit(setup, results)
        if "prospector" not in args.skip:
            measure_prospector(setup, results)
        if "probe" not in args.skip:
            probes.append(measure_probe(setup, results, breakdown="breakdown" not in args.skip))
        print(f"   repetition {repetition}/{args.repeat} done in {time.perf_counter() - started:.0f}s "
              f"(load average now {os.getloadavg()[0]:.1f})", flush=True)
    for used in setup.work.glob("*mypy-cache-*"):
        shutil.rmtree(used, ignore_errors=True)
    return {
        "project": asdict(project),
        "root": str(setup.root),
        "files": len(setup.target.files),
        "lines": setup.lines,
        "repeat": args.repeat,
        "versions": setup.versions,
        "riskaudit_source": source,
        "riskaudit_source_after": riskaudit_source(),
        "cpu_counts_orphans": subreaper(),
        "commands": {
            "riskaudit": riskaudit_command(setup, Path("/tmp/x.json")),
            "prospector": setup.prospector,
            "mypy": mypy_collector.build_command(
                pick_interpreter(setup.target.python, "mypy")[0], setup.target,
                mypy_collector.supports_json(setup.versions["mypy"]), ["<files>"]),
        },
        "samples": {name: [asdict(s) for s in samples] for name, samples in results.items()},
        "probes": probes,
    }


# ----------------------------------------------------------------------------- reporting


ROWS = (
    ("flake8", "flake8 alone (riskaudit's command, same files)"),
    ("mypy cold", "mypy alone, cold (empty MYPY_CACHE_DIR)"),
    ("mypy warm", "mypy alone, warm (cache kept)"),
    ("radon cc", "radon cc (CLI, same files)"),
    ("radon mi", "radon mi (CLI, same files)"),
    ("radon", "radon = cc + mi"),
    ("riskaudit cold", "riskaudit cold (empty caches)"),
    ("riskaudit warm", "riskaudit warm (nothing changed)"),
    ("riskaudit touched", "riskaudit, one file touched"),
    ("prospector", "prospector, cold (5 tools, see README)"),
    ("detectors probe", "riskaudit in-process phases alone (probe)"),
)


def _samples(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The samples of one row; radon is the sum of cc and mi, repetition by repetition."""
    samples: dict[str, list[dict[str, Any]]] = data["samples"]
    if name != "radon":
        return samples.get(name, [])
    pairs = zip(samples.get("radon cc", []), samples.get("radon mi", []), strict=False)
    return [{"wall": a["wall"] + b["wall"], "cpu": a["cpu"] + b["cpu"], "tree_mib": max(a["tree_mib"], b["tree_mib"]),
             "max_rss_mib": max(a["max_rss_mib"], b["max_rss_mib"]), "load": a["load"]} for a, b in pairs]


def median(data: dict[str, Any], name: str, key: str = "wall") -> float | None:
    """The median of one measure of a row, or None when it was not measured."""
    values = [s[key] for s in _samples(data, name)]
    return statistics.median(values) if values else None


def _fmt(value: float | None, digits: int = 1) -> str:
    """A number for the table, or a dash."""
    return "-" if value is None else f"{value:,.{digits}f}"


def print_table(data: dict[str, Any]) -> None:
    """The measurements, one row per command: wall median (min..max), CPU median, memory."""
    print(f"{'run':52} {'wall s median':>13} {'min':>8} {'max':>8} {'cpu s':>8} {'tree MiB':>9} {'proc MiB':>9}  n")
    for name, label in ROWS:
        rows = _samples(data, name)
        if not rows:
            continue
        walls = [r["wall"] for r in rows]
        print(f"{label:52} {_fmt(statistics.median(walls)):>13} {_fmt(min(walls)):>8} {_fmt(max(walls)):>8} "
              f"{_fmt(median(data, name, 'cpu')):>8} {_fmt(max(r['tree_mib'] for r in rows), 0):>9} "
              f"{_fmt(max(r['max_rss_mib'] for r in rows), 0):>9}  {len(rows)}")
    notes = {(name, s.get("note")) for name, _ in ROWS for s in _samples(data, name) if s.get("note")}
    for name, note in sorted(notes):
        print(f"  note: {name}: {note}")


def print_inside(data: dict[str, Any]) -> None:
    """Riskaudit's own per-tool durations (median), and the probe's phases."""
    samples: dict[str, list[dict[str, Any]]] = data["samples"]
    for name in ("riskaudit cold", "riskaudit warm", "riskaudit touched"):
        durations = [s["extra"].get("durations", {}) for s in samples.get(name, [])]
        tools = sorted({tool for d in durations for tool in d})
        parts = [f"{tool} {statistics.median(d.get(tool, 0.0) for d in durations):.1f}" for tool in tools]
        if parts:
            print(f"  inside {name} (per-tool wall s, median, as riskaudit reports them): {', '.join(parts)}")
    probes: list[dict[str, Any]] = [p for p in data.get("probes", []) if p]
    if not probes:
        return
    lines = float(probes[0]["lines"])
    phases = probes[0]["phases"]
    parts = []
    for phase in phases:
        wall = statistics.median(p["phases"][phase]["wall"] for p in probes)
        cpu = statistics.median(p["phases"][phase]["cpu"] for p in probes)
        parts.append(f"{phase} {wall:.1f}s (cpu {cpu:.1f}s)")
    print(f"  probe phases (median): {', '.join(parts)}")
    detectors = statistics.median(p["phases"]["detectors"]["wall"] for p in probes)
    where = probes[0]["detectors"]["executable"]
    print(f"  detectors alone: {lines / detectors:,.0f} lines/s wall ({where})")
    splits = [p["breakdown"] for p in probes if "breakdown" in p]
    if splits:
        steps = [step for step in ("parse", "metadata_copy", "positions", "visit") if step in splits[0]]
        cpu = {step: statistics.median(b[step]["cpu"] for b in splits) for step in steps}
        total = sum(cpu.values())
        shares = ", ".join(f"{step} {cpu[step]:.1f}s ({100 * cpu[step] / total:.0f}%)" for step in steps)
        print(f"  detectors in one process: {total:.1f} cpu s = {lines / total:,.0f} lines/s per core; {shares}")
        if "with_positions" in splits[0]:
            first = splits[0]
            print(f"  files parsed {first['files']}, of which {first['with_positions']} needed positions; "
                  f"{first['untriggered']} not parsed (no detector's TRIGGERS matched)")


def _verdict(value: float | None, limit: float) -> str:
    """The verdict: reached, NOT reached, or not measured."""
    if value is None:
        return "not measured"
    return "reached" if value <= limit else "NOT reached"


def _ratio(a: float | None, b: float | None) -> float | None:
    """The ratio a / b, or None when either is missing."""
    return None if a is None or b is None or b == 0 else a / b


def ratios(data: dict[str, Any], other: tuple[dict[str, Any], str] | None) -> list[dict[str, Any]]:
    """The issue's targets, measured: each with its wall ratio, CPU ratio, limit and verdict."""
    tools = {name: median(data, name) for name in ("flake8", "mypy cold", "radon")}
    measured = {name: value for name, value in tools.items() if value is not None}
    slowest = max(measured, key=lambda name: measured[name]) if measured else None
    cold, cold_cpu = median(data, "riskaudit cold"), median(data, "riskaudit cold", "cpu")
    rows: list[dict[str, Any]] = []

    def add(label: str, wall: float | None, cpu: float | None, limit: float | None, target: str) -> None:
        verdict = "-" if limit is None else _verdict(wall, limit)
        rows.append({"ratio": label, "wall": wall, "cpu": cpu, "target": target, "verdict": verdict})

    slow_cpu = median(data, slowest, "cpu") if slowest else None
    add(f"cold / slowest tool ({slowest})", _ratio(cold, measured.get(slowest or "")),
        _ratio(cold_cpu, slow_cpu), 1.15, "<= 1.15")
    total = sum(measured.values()) if len(measured) == 3 else None
    total_cpu = sum(median(data, name, "cpu") or 0.0 for name in measured)
    add("cold / sum of the tools", _ratio(cold, total), _ratio(cold_cpu, total_cpu), None, "(none)")
    add("warm / cold", _ratio(median(data, "riskaudit warm"), cold),
        _ratio(median(data, "riskaudit warm", "cpu"), cold_cpu), 0.15, "<= 0.15")
    add("one touched file / cold", _ratio(median(data, "riskaudit touched"), cold),
        _ratio(median(data, "riskaudit touched", "cpu"), cold_cpu), 0.30, "<= 0.30")
    add("riskaudit cold / prospector", _ratio(cold, median(data, "prospector")),
        _ratio(cold_cpu, median(data, "prospector", "cpu")), 0.50, "<= 0.50")
    peak = max((s["tree_mib"] for s in _samples(data, "riskaudit cold")), default=None)
    large = data["project"]["label"] == "large"
    rows.append({"ratio": "riskaudit cold peak memory (tree PSS)", "wall": None if peak is None else peak / 1024,
                 "cpu": None, "target": "<= 1.5 GiB (large target)", "unit": "GiB",
                 "verdict": _verdict(None if peak is None else peak * 1024 * 1024, 1.5 * GIB) if large else "-"})
    lines = float(data["lines"]) / 10_000
    per10k = None if cold is None else cold / lines
    per10k_cpu = None if cold_cpu is None else cold_cpu / lines
    rows.append({"ratio": "riskaudit cold s per 10k lines", "wall": per10k, "cpu": per10k_cpu,
                 "target": "(for the row below)", "verdict": "-", "unit": "s"})
    linear: dict[str, Any] = {"ratio": "s per 10k lines, large / medium", "wall": None, "cpu": None,
                              "target": "0.67 .. 1.5 (roughly linear)", "verdict": "needs both targets"}
    if other is not None and per10k is not None and per10k_cpu is not None:
        other_data, source = other
        other_lines = float(other_data["lines"]) / 10_000
        other_cold = median(other_data, "riskaudit cold")
        other_cpu = median(other_data, "riskaudit cold", "cpu")
        if other_cold is not None and other_cpu is not None:
            mine, theirs = (per10k, per10k_cpu), (other_cold / other_lines, other_cpu / other_lines)
            small, big = (theirs, mine) if large else (mine, theirs)
            linear.update(wall=big[0] / small[0], cpu=big[1] / small[1], source=source)
            linear["verdict"] = "reached" if 1 / 1.5 <= linear["wall"] <= 1.5 else "NOT reached"
    rows.append(linear)
    return rows


def print_ratios(rows: list[dict[str, Any]]) -> None:
    """The ratio table."""
    print(f"{'ratio (medians)':44} {'wall':>8} {'cpu':>8}  {'issue target':28} verdict")
    for row in rows:
        unit = str(row.get("unit", ""))
        wall = _fmt(row["wall"], 2) + unit
        cpu = _fmt(row["cpu"], 2) + (unit if row["cpu"] is not None else "")
        print(f"{row['ratio']!s:44} {wall:>8} {cpu:>8}  {row['target']!s:28} {row['verdict']}")
        if row.get("source") and row["source"] != "this run":
            print(f"{'':44} (the other target's numbers come from {row['source']})")


def print_report(data: dict[str, Any], other: tuple[dict[str, Any], str] | None) -> list[dict[str, Any]]:
    """Everything printed for one target; the ratio rows."""
    project = data["project"]
    loads = [s["load"] for name, _ in ROWS for s in _samples(data, name)]
    print(f"\n### {project['name']} {project['version']} ({project['label']} target): "
          f"{data['files']} files, {data['lines']:,} lines; repeat {data['repeat']}")
    for tool, version in data["versions"].items():
        print(f"    {tool}: {version}")
    source, after = data.get("riskaudit_source", {}), data.get("riskaudit_source_after", {})
    if source:
        print(f"    riskaudit measured: {source['source']}, commit {source['commit']}, sources {source['digest']}")
        if after.get("digest") != source["digest"]:
            print("    WARNING: riskaudit's sources changed while it was measured; the runs mix versions.")
    if not data.get("cpu_counts_orphans"):
        print("    WARNING: cpu leaves out processes a command left behind (riskaudit's fork server and its pool's"
              " workers): not a child subreaper here, or results from before it was; riskaudit's cpu undercounts.")
    cpus = os.cpu_count() or 1
    if loads:
        print(f"    load average at run starts: median {statistics.median(loads):.1f}, max {max(loads):.1f} "
              f"on {cpus} CPUs")
        if statistics.median(loads) > cpus:
            print("    WARNING: the machine was busy with other work during the runs: wall times are inflated and"
                  " noisy; CPU seconds are far less affected.")
    print()
    print_table(data)
    print()
    print_inside(data)
    print()
    rows = ratios(data, other)
    print_ratios(rows)
    return rows


def load_other(
    label: str, cache: Path, fresh: dict[str, dict[str, Any]], here: str = "this run"
) -> tuple[dict[str, Any], str] | None:
    """The other target's results: from this run (or file, ``here``), else from the newest results file."""
    other = "large" if label == "medium" else "medium"
    if other in fresh:
        return fresh[other], here
    for path in sorted(cache.glob("results-*.json"), reverse=True):
        try:
            targets = json.loads(path.read_text(encoding="utf-8")).get("targets", {})
        except (OSError, ValueError):
            continue
        if other in targets:
            return targets[other], path.name
    return None


def source_state() -> str:
    """The repository's commit (``-dirty`` when riskaudit/, rules/ or templates/ have local changes)."""
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", *SNAPSHOT_PARTS], cwd=REPO, capture_output=True, text=True
    )
    return commit.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def source_digest(base: Path) -> str:
    """SHA-256 (first 16 hex digits) of every file of riskaudit/, rules/ and templates/ under base."""
    hasher = hashlib.sha256()
    for part in SNAPSHOT_PARTS:
        for path in sorted((base / part).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                hasher.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()[:16]


def take_snapshot(cache: Path) -> Path:
    """Copy riskaudit's sources, byte-compiled like an installed package.

    Edits made in the working tree while the benchmark runs then do not change what it measures.
    """
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    snapshot = cache / "snapshots" / stamp
    for part in SNAPSHOT_PARTS:
        shutil.copytree(REPO / part, snapshot / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # the probe imports riskaudit's internals: it must match the snapshot, not the working tree
    shutil.copy2(PROBE, snapshot / PROBE.name)
    info = {"commit": source_state(), "digest": source_digest(snapshot), "taken": stamp}
    (snapshot / "SNAPSHOT.json").write_text(json.dumps(info) + "\n", encoding="utf-8")
    _call([sys.executable, "-m", "compileall", "-q", str(snapshot / "riskaudit")])
    return snapshot


def riskaudit_source() -> dict[str, str]:
    """Which riskaudit the runs measured: the snapshot's commit and digest, or the live working tree's."""
    snapshot = os.environ.get(SNAPSHOT_ENV)
    if snapshot:
        info: dict[str, str] = json.loads((Path(snapshot) / "SNAPSHOT.json").read_text(encoding="utf-8"))
        return {"source": f"snapshot {snapshot}", **info}
    return {"source": f"working tree {REPO} (--live)", "commit": source_state(), "digest": source_digest(REPO)}


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0]}


def save(cache: Path, fresh: dict[str, dict[str, Any]]) -> Path:
    """Merge this run's targets into ``results-<date>.json`` in the cache."""
    path = cache / f"results-{datetime.date.today().isoformat()}.json"
    with open(cache / ".results.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored: dict[str, Any] = {"targets": {}}
        if path.is_file():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                pass
        stored.setdefault("targets", {}).update(fresh)
        stored["machine"] = machine()
        stored["written"] = datetime.datetime.now().isoformat(timespec="seconds")
        path.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
    return path


def report_only(cache: Path) -> int:
    """Print the report of every target in the newest results file, measuring nothing."""
    files = sorted(cache.glob("results-*.json"))
    if not files:
        print(f"no results-*.json in {cache}: run the benchmark first", file=sys.stderr)
        return 2
    targets: dict[str, dict[str, Any]] = json.loads(files[-1].read_text(encoding="utf-8")).get("targets", {})
    print(f"report of {files[-1]}")
    for label in ("medium", "large"):
        if label in targets:
            print_report(targets[label], load_other(label, cache, targets, "this run"))
    return 0


@contextmanager
def _interrupt_safe() -> Iterator[None]:
    """Exit 130 on Ctrl-C without a traceback."""
    try:
        yield
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        raise SystemExit(130) from None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="riskaudit's performance benchmark (see benchmarks/README.md)")
    parser.add_argument("--target", choices=("medium", "large", "all"), default="medium",
                        help="medium: rich 13.9.4 (~27k lines); large: sqlalchemy 2.0.36 (~232k lines)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of every measurement (default 3)")
    parser.add_argument("--cache", type=Path, default=BENCHMARKS / ".cache", help="download and work folder")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds before one run is killed")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between memory samples")
    parser.add_argument("--skip", action="append", default=[], choices=("prospector", "probe", "breakdown"),
                        help="leave out prospector, the in-process probe, or the probe's libcst breakdown")
    parser.add_argument("--live", action="store_true",
                        help="measure the working tree as it is, not a snapshot of riskaudit's sources")
    parser.add_argument("--report", action="store_true", help="only print the newest results file again")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark for the chosen targets, print the tables, save the JSON."""
    args = parse_args(argv)
    cache = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    marker = cache / "pyproject.toml"
    if not marker.exists():
        marker.write_text(CACHE_MARKER, encoding="utf-8")
    if args.report:
        return report_only(cache)
    if not args.live and not os.environ.get(SNAPSHOT_ENV):
        snapshot = take_snapshot(cache)
        print(f"measuring a snapshot of riskaudit: {snapshot}", flush=True)
        env = {**os.environ, SNAPSHOT_ENV: str(snapshot), "PYTHONPATH": str(snapshot)}
        arguments = list(argv) if argv is not None else sys.argv[1:]
        os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *arguments], env)
    if not subreaper():
        print("warning: could not become a child subreaper (Linux only): the cpu column leaves out processes a "
              "command leaves behind, such as riskaudit's worker pool, and undercounts riskaudit", file=sys.stderr)
    labels = ("medium", "large") if args.target == "all" else (args.target,)
    fresh: dict[str, dict[str, Any]] = {}
    with _interrupt_safe():
        for label in labels:
            fresh[label] = run_target(PROJECTS[label], cache, args)
    for label in labels:
        fresh[label]["ratios"] = print_report(fresh[label], load_other(label, cache, fresh))
    print(f"\nresults: {save(cache, fresh)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
