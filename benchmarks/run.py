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

This script holds the command line, the preparation of the targets, the measurements of one target,
the snapshot of riskaudit's sources and the saving of the results. Measuring one command is in
``measure.py``, the printed report in ``report.py``, both imported from this script's folder.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import fcntl
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from riskaudit import __version__ as RISKAUDIT_VERSION
from riskaudit.collectors import mypy as mypy_collector
from riskaudit.collectors import ruff as ruff_collector
from riskaudit.collectors.flake8_output import FORMAT, NEUTRAL_CONFIG
from riskaudit.collectors.linter_choice import choose_linter
from riskaudit.running.launch import module_command
from riskaudit.running.process import pick_interpreter
from riskaudit.discovery import Target, load_target
from riskaudit.sources import decode_source, source_lines

from measure import SNAPSHOT_ENV, Runner, Sample, subreaper
from report import load_other, print_report

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
PROBE = BENCHMARKS / "detectors_probe.py"
PROSPECTOR = "prospector[with-mypy]==1.20.0"
"""Installed into a venv of its own under the cache, with the same mypy version riskaudit runs."""
PROSPECTOR_TOOLS = ("pyflakes", "pycodestyle", "mccabe", "mypy", "pydocstyle")
"""Prospector's closest equivalent of riskaudit's flake8 (+ plugins), mypy and radon."""
TOUCH_LINE = b"\n# touched by the riskaudit benchmark\n"
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
    """``medium``, ``large`` or ``ruff``."""
    name: str
    """Its PyPI name."""
    version: str
    """The pinned version."""
    package: str
    """The package folder inside the sdist; only it is copied into the target."""
    touch: str
    """The target-relative module appended to in the one-touched-file run."""
    configs: tuple[str, ...] = ()
    """Files of the sdist's root copied into the target root with the package: the project's own tool config."""


PROJECTS = {
    "medium": Project("medium", "rich", "13.9.4", "rich", "rich/console.py"),
    "large": Project("large", "sqlalchemy", "2.0.36", "lib/sqlalchemy", "sqlalchemy/orm/session.py"),
    "ruff": Project("ruff", "starlette", "1.10.0", "starlette", "starlette/routing.py", ("pyproject.toml",)),
}
"""The targets: two without any tool config (every tool's defaults), one with its own ruff and mypy config."""


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
    for config in project.configs:
        shutil.copy2(sdist / config, root / config)
    commit_all(root, targets, f"{project.name} {project.version}")
    ready.write_text("ok\n", encoding="utf-8")
    return root


def commit_all(root: Path, home: Path, message: str) -> None:
    """Make root a git repository holding everything in it as one commit (a bare ``.hg`` marker without git).

    Either way root is a project root for the tools: mypy and riskaudit look for config no further up.
    git runs with HOME set to home and no system config, so no user's git settings apply.
    """
    if shutil.which("git"):
        env = {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
        identity = ["-c", "user.name=benchmark", "-c", "user.email=benchmark@localhost", "-c", "commit.gpgsign=false"]
        _call(["git", "init", "-q"], cwd=root, env=env)
        _call(["git", "add", "-A"], cwd=root, env=env)
        _call(["git", *identity, "commit", "-q", "--no-verify", "-m", message], cwd=root, env=env)
    else:
        (root / ".hg").mkdir()


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
    linter: str
    """The linter riskaudit runs on the target (``flake8`` or ``ruff``), measured alone the same way."""


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
              if name in ("flake8", "ruff", "mypy", "radon", "riskaudit") and run.get("status") != "ok"]
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


def linter_command(setup: Setup, files: Sequence[str]) -> tuple[str, list[str]]:
    """The project's linter (as riskaudit chooses it) and its command as riskaudit runs it on these files."""
    linter = setup.linter
    python, _ = pick_interpreter(setup.target.python, linter)
    if linter == "ruff":
        report = setup.work / "ruff-alone.json"
        return linter, [*module_command(python, "ruff"), *ruff_collector.OPTIONS, f"--output-file={report}", *files]
    flake8 = [*module_command(python, "flake8"), "--exit-zero", f"--format={FORMAT}"]
    return linter, [*flake8, f"--append-config={NEUTRAL_CONFIG}", "--", *files]


def measure_tools(setup: Setup, results: dict[str, list[Sample]]) -> None:
    """The linter (flake8 or ruff), mypy (cold, then warm) and radon alone, each the way riskaudit runs it."""
    files = [f.path for f in setup.target.files]
    runner, root = setup.runner, setup.root
    linter, lint = linter_command(setup, files)
    mypy_python, _ = pick_interpreter(setup.target.python, "mypy")
    use_json = mypy_collector.supports_json(setup.versions["mypy"])
    mypy = mypy_collector.build_command(mypy_python, setup.target, use_json, files)
    mypy_cache = _fresh(setup.work, "mypy-cache")
    radon = [sys.executable, "-m", "radon"]
    for name, command, cache in (
        (linter, lint, None),
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
    linter = choose_linter(root).name
    versions = {
        "riskaudit": RISKAUDIT_VERSION,
        linter: version_of(pick_interpreter(python, linter)[0], linter),
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
    return Setup(project, sdist, root, target, count_lines(target), runner, work, prospector, versions, linter)


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
    # the probe imports riskaudit's internals: it must match the snapshot, not the working tree. This script,
    # measure.py and report.py are not copied: only the benchmark process runs them, and riskaudit's runs
    # and the probe never import them.
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
    parser.add_argument("--target", choices=(*PROJECTS, "all"), default="medium",
                        help="medium: rich 13.9.4 (~27k lines); large: sqlalchemy 2.0.36 (~232k lines); "
                        "ruff: starlette 1.10.0 with its own ruff and mypy config (~7k lines); all: the three")
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
    labels = tuple(PROJECTS) if args.target == "all" else (args.target,)
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
