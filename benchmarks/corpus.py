"""riskaudit on a corpus of real projects: pinned releases, two scans each, a summary, review records.

Usage (from the repository root, with the interpreter riskaudit is installed in)::

    .venv/bin/python benchmarks/corpus.py fetch                      # download and unpack every sdist
    .venv/bin/python benchmarks/corpus.py scan                       # both scans of every project
    .venv/bin/python benchmarks/corpus.py scan --project anyio --mode bare
    .venv/bin/python benchmarks/corpus.py report                     # the summary again, from the kept results
    .venv/bin/python benchmarks/corpus.py review --project anyio     # write/refresh its review template

The projects are pinned in ``benchmarks/corpus.toml``; downloads, unpacked trees, targets, venvs and
results live in ``benchmarks/.cache/corpus/`` (git-ignored); review records are committed in
``benchmarks/corpus/reviews/``. The file format, the scans and the summary are described in
``benchmarks/README.md``. The pure parts are in ``corpus_spec.py`` (the corpus file),
``corpus_review.py`` (records, precision@20) and ``corpus_summary.py`` (the printed summary).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from riskaudit.errors import RiskauditError
from riskaudit.results import ScanResult
from riskaudit.serialise import loads as load_result

from corpus_review import Assessment, Review, assess, parse_review, render_template, top_findings
from corpus_spec import CorpusError, CorpusProject, install_plan, load_corpus, select
from corpus_summary import ScanRecord, dump_record, load_record, scan_lines, closing_totals, total_lines
from run import CACHE_MARKER, bare_python, commit_all, source_state

BENCHMARKS = Path(__file__).resolve().parent
CORPUS_FILE = BENCHMARKS / "corpus.toml"
REVIEWS = BENCHMARKS / "corpus" / "reviews"
CACHE = BENCHMARKS / ".cache"
PYPI_JSON = "https://pypi.org/pypi/{name}/json"
MODES = ("bare", "deps")
INSTALL_TIMEOUT = 2400.0
"""Seconds one venv's pip install may take."""
TOOL_TIMEOUT = 900.0
"""riskaudit's ``--timeout`` per tool."""


class Layout:
    """The folders of the corpus cache."""

    def __init__(self, base: Path) -> None:
        """Folders under base (``benchmarks/.cache/corpus``), created on demand."""
        self.base = base
        self.downloads = base / "downloads"
        self.sources = base / "src"
        self.targets = base / "targets"
        self.venvs = base / "venvs"
        self.results = base / "results"
        self.logs = base / "logs"

    def make(self) -> None:
        """Create every folder, and the marker that makes the cache a separate project for riskaudit."""
        for folder in (self.downloads, self.sources, self.targets, self.venvs, self.results, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        marker = self.base.parent / "pyproject.toml"
        if not marker.exists():
            marker.write_text(CACHE_MARKER, encoding="utf-8")

    def result(self, project: CorpusProject, mode: str, suffix: str) -> Path:
        """``results/<name>-<version>-<mode><suffix>``."""
        return self.results / f"{project.slug}-{mode}{suffix}"


# ----------------------------------------------------------------------------- fetching


def sha256_of(path: Path) -> str:
    """The file's sha256, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pypi_url(project: CorpusProject) -> str:
    """The download address of the project's sdist from PyPI's JSON API, after checking PyPI's digest."""
    api = PYPI_JSON.format(name=urllib.parse.quote(project.name))
    with urllib.request.urlopen(api, timeout=60) as response:
        data: dict[str, Any] = json.load(response)
    files = data.get("releases", {}).get(project.version) or []
    for item in files:
        if item.get("filename") == project.sdist:
            published = item.get("digests", {}).get("sha256")
            if published != project.sha256:
                raise CorpusError(f"{project.name}: PyPI lists sha256 {published} for {project.sdist}, "
                                  f"the corpus pins {project.sha256}")
            return urllib.parse.urljoin(api, str(item["url"]))
    raise CorpusError(f"{project.name}: PyPI has no file {project.sdist} in release {project.version}")


def fetch(project: CorpusProject, layout: Layout, local: Path | None) -> Path:
    """The verified sdist in the downloads folder: already there, copied from local, or downloaded."""
    path = layout.downloads / project.sdist
    if path.is_file() and sha256_of(path) == project.sha256:
        return path
    partial = path.with_name(path.name + ".part")
    if local is not None and (local / project.sdist).is_file():
        shutil.copyfile(local / project.sdist, partial)
    else:
        print(f"downloading {project.sdist} ...", flush=True)
        with urllib.request.urlopen(pypi_url(project), timeout=300) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
    actual = sha256_of(partial)
    if actual != project.sha256:
        partial.unlink()
        raise CorpusError(f"{project.name}: {project.sdist} has sha256 {actual}, the corpus pins {project.sha256}")
    partial.replace(path)
    return path


def unpack(project: CorpusProject, sdist: Path, layout: Layout) -> Path:
    """The unpacked source tree (unpacked once; a ``.unpacked`` marker says it is whole)."""
    tree = layout.sources / project.slug
    marker = layout.sources / f"{project.slug}.unpacked"
    if marker.is_file():
        return tree / marker.read_text(encoding="utf-8").strip()
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as archive:
            names = archive.namelist()
            archive.extractall(tree)
    else:
        with tarfile.open(sdist) as archive:
            names = archive.getnames()
            archive.extractall(tree, filter="data")
    tops = {name.split("/")[0] for name in names if name}
    top = tops.pop() if len(tops) == 1 else "."
    marker.write_text(top + "\n", encoding="utf-8")
    return tree / top


# ----------------------------------------------------------------------------- venvs and tests


def _tail(text: str, lines: int = 1) -> str:
    """The last meaningful lines of a command's output (pip's ``ERROR:`` lines first)."""
    rows = [r.strip() for r in text.splitlines() if r.strip()]
    errors = [r for r in rows if r.startswith("ERROR:")]
    chosen = errors[-lines:] if errors else rows[-lines:]
    return " / ".join(chosen) or "no output"


def _run(command: Sequence[str], cwd: Path, env: dict[str, str], timeout: float, log: Path) -> tuple[int | None, str]:
    """Run a command, its output to log; (exit code or None on timeout, combined output).

    On timeout the command first gets SIGINT (pytest then stops cleanly and coverage still writes its
    data), and SIGKILL 60 s later.
    """
    with open(log, "w+", encoding="utf-8", errors="replace") as out:
        out.write(f"$ {' '.join(command)}\n(cwd {cwd})\n")
        out.flush()
        start = out.tell()
        proc = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True)
        code: int | None
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            code = None
        out.seek(start)
        output = out.read()
        out.write(f"\nexit {'timeout' if code is None else code}\n")
    return code, output


def project_venv(project: CorpusProject, sdist: Path, tree: Path, layout: Layout, retry: bool) -> tuple[str, str]:
    """(the venv's python or '', a one-line status); installed once per project and install plan."""
    venv = layout.venvs / project.slug
    state_file = layout.venvs / f"{project.slug}.json"
    try:
        pyproject = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8")) if project.groups else {}
        files = {name: (tree / name).read_text(encoding="utf-8") for name in project.requirements
                 if (tree / name).is_file()}
        plan = install_plan(project, sdist, pyproject, files)
    except (OSError, CorpusError, tomllib.TOMLDecodeError) as exc:
        return "", f"not installed: {exc}"
    wanted = [plan.project, *plan.requirements, *(["coverage"] if project.tests else [])]
    key = hashlib.sha256(json.dumps([sys.version, wanted]).encode()).hexdigest()[:16]
    python = venv / "bin" / "python"
    if state_file.is_file():
        state = json.loads(state_file.read_text(encoding="utf-8"))
        if state.get("key") == key and (state.get("ok") or not retry) and (python.exists() or not state.get("ok")):
            if state.get("ok"):
                return str(python), f"venv {venv} (cached, installed in {state['seconds']:.0f} s)"
            return "", f"not installed (cached failure, --retry-install to try again): {state['reason']}"
    print(f"   installing {project.slug} and its test dependencies into {venv} ...", flush=True)
    started = time.perf_counter()
    log = layout.logs / f"{project.slug}-install.log"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    code, output = _run([sys.executable, "-m", "venv", "--clear", str(venv)], layout.venvs, env, 300, log)
    if code == 0:
        code, output = _run([str(python), "-m", "pip", "install", "-q", *wanted], layout.venvs, env,
                            INSTALL_TIMEOUT, log)
    seconds = time.perf_counter() - started
    ok = code == 0
    reason = "" if ok else ("pip timed out" if code is None else f"pip exit {code}: {_tail(output)}")
    state_file.write_text(json.dumps({"key": key, "ok": ok, "seconds": seconds, "reason": reason,
                                      "requirements": wanted}, indent=2) + "\n", encoding="utf-8")
    if ok:
        return str(python), f"venv {venv} (installed in {seconds:.0f} s)"
    return "", f"not installed: {reason} (log {log})"


def run_tests(project: CorpusProject, python: str, target: Path, layout: Layout) -> tuple[Path | None, str]:
    """Run the project's tests under coverage in the target; (coverage JSON or None, a one-line status)."""
    coverage_json = layout.result(project, "deps", ".coverage.json")
    coverage_json.unlink(missing_ok=True)
    source_root = target / "src" if (target / "src").is_dir() else target
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "COVERAGE_PROCESS_START")}
    env.update({"HOME": str(layout.targets), "PYTHONPATH": str(source_root), "PYTHONDONTWRITEBYTECODE": "1"})
    command = [python, "-m", "coverage", "run", "-m", *project.tests.split()]
    print(f"   tests: {' '.join(command[1:])} ...", flush=True)
    started = time.perf_counter()
    log = layout.logs / f"{project.slug}-tests.log"
    code, output = _run(command, target, env, project.tests_timeout, log)
    seconds = time.perf_counter() - started
    outcome = f"timed out after {project.tests_timeout:.0f} s" if code is None else f"exit {code}"
    summary = closing_totals(output)
    _run([python, "-m", "coverage", "combine"], target, env, 600, layout.logs / f"{project.slug}-combine.log")
    made, made_output = _run([python, "-m", "coverage", "json", "-i", "-o", str(coverage_json)], target, env, 600,
                             layout.logs / f"{project.slug}-coverage-json.log")
    status = f"{outcome} in {seconds:.0f} s ({summary[:100]})"
    if made != 0 or not coverage_json.is_file():
        return None, f"{status}; no coverage data: {_tail(made_output)}"
    try:
        percent = json.loads(coverage_json.read_text(encoding="utf-8"))["totals"]["percent_covered"]
        return coverage_json, f"{status}; coverage {percent:.1f}%"
    except (OSError, ValueError, KeyError, TypeError):
        return coverage_json, f"{status}; coverage data written"


# ----------------------------------------------------------------------------- scanning


def make_target(project: CorpusProject, tree: Path, mode: str, layout: Layout) -> Path:
    """A fresh copy of the unpacked tree for one scan, made a git repository with one commit."""
    target = layout.targets / f"{project.slug}-{mode}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(tree, target, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    commit_all(target, layout.targets, f"{project.name} {project.version}")
    return target


def scan_once(project: CorpusProject, target: Path, python: str, coverage: Path | None, layout: Layout,
              args: argparse.Namespace, record: ScanRecord) -> ScanRecord:
    """One riskaudit scan of a target; its JSON and Markdown kept in results/, its record returned."""
    output = layout.result(project, record.mode, ".json")
    markdown = layout.result(project, record.mode, ".md")
    output.unlink(missing_ok=True)
    markdown.unlink(missing_ok=True)
    command = [sys.executable, "-m", "riskaudit", "scan", ".", "--format", "json", "--output", str(output),
               "--fail-on", "none", "--python", python, "--timeout", str(args.timeout)]
    if coverage is not None:
        command += ["--coverage-file", str(coverage)]
    if not args.warm:
        command.append("--no-cache")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "MYPY_CACHE_DIR")}
    env["HOME"] = str(layout.targets)
    print(f"   scanning {target.name} ...", flush=True)
    started_at = datetime.datetime.now().isoformat(timespec="seconds")
    started = time.perf_counter()
    log = layout.logs / f"{project.slug}-{record.mode}-scan.log"
    code, text = _run(command, target, env, args.timeout * 4 + 300, log)
    wall = time.perf_counter() - started
    record = replace(record, wall=wall, exit_code=code, python=python, started=started_at, riskaudit=source_state())
    if not output.is_file():
        record = replace(record, error=f"riskaudit exit {code}, no results: {_tail(text)}")
    else:
        _run([sys.executable, "-m", "riskaudit", "render", str(output), "--format", "markdown", "--output",
              str(markdown)], target, env, 600, layout.logs / f"{project.slug}-{record.mode}-render.log")
    layout.result(project, record.mode, ".meta.json").write_text(dump_record(record), encoding="utf-8")
    return record


def scan_project(project: CorpusProject, layout: Layout, args: argparse.Namespace) -> None:
    """Fetch, unpack and scan one project in the chosen modes, one scan at a time."""
    print(f"\n== {project.slug} ==", flush=True)
    sdist = fetch(project, layout, args.sdists)
    tree = unpack(project, sdist, layout)
    for mode in MODES if args.mode == "both" else (args.mode,):
        record = ScanRecord(project.name, project.version, mode)
        if mode == "bare":
            target = make_target(project, tree, mode, layout)
            scan_once(project, target, bare_python(CACHE), None, layout, args, record)
            continue
        if not project.deps:
            record = replace(record, error=f"deps = false: {project.deps_reason}")
            layout.result(project, mode, ".meta.json").write_text(dump_record(record), encoding="utf-8")
            for stale in (".json", ".md"):
                layout.result(project, mode, stale).unlink(missing_ok=True)
            continue
        python, install = project_venv(project, sdist, tree, layout, args.retry_install)
        record = replace(record, install=install)
        if not python:
            record = replace(record, error=f"deps {install}")
            layout.result(project, mode, ".meta.json").write_text(dump_record(record), encoding="utf-8")
            for stale in (".json", ".md"):
                layout.result(project, mode, stale).unlink(missing_ok=True)
            continue
        target = make_target(project, tree, mode, layout)
        coverage: Path | None = None
        kept_coverage = layout.result(project, mode, ".coverage.json")
        if project.tests and args.reuse_coverage and kept_coverage.is_file():
            coverage = kept_coverage
            reused = "not run: the coverage data of the last test run is reused (--reuse-coverage)"
            record = replace(record, tests=reused)
        elif project.tests and not args.skip_tests:
            coverage, tests = run_tests(project, python, target, layout)
            record = replace(record, tests=tests)
        elif project.tests_reason:
            record = replace(record, tests=f"not run: {project.tests_reason}")
        scan_once(project, target, python, coverage, layout, args, record)


# ----------------------------------------------------------------------------- summary and reviews


def load_review(project: CorpusProject) -> Review | None:
    """The project's review record, or None when there is none yet."""
    path = REVIEWS / f"{project.name}.toml"
    if not path.is_file():
        return None
    try:
        return parse_review(path.read_text(encoding="utf-8"))
    except CorpusError as exc:
        raise CorpusError(f"{path}: {exc}") from None


def load_scan(
    project: CorpusProject, mode: str, layout: Layout
) -> tuple[ScanRecord | None, ScanResult | None, int | None]:
    """A kept scan: its record, its results (None when unreadable) and its Markdown report's line count."""
    meta = layout.result(project, mode, ".meta.json")
    if not meta.is_file():
        return None, None, None
    record = load_record(meta.read_text(encoding="utf-8"))
    output, markdown = layout.result(project, mode, ".json"), layout.result(project, mode, ".md")
    result = None
    if output.is_file() and not record.error:
        try:
            result = load_result(output.read_text(encoding="utf-8"))
        except (RiskauditError, ValueError) as exc:
            record = replace(record, error=f"unreadable results {output}: {exc}")
    lines = len(markdown.read_text(encoding="utf-8").splitlines()) if markdown.is_file() else None
    return record, result, lines


def summary(projects: Sequence[CorpusProject], layout: Layout) -> list[str]:
    """The printed summary of the kept scans of projects, then precision@20."""
    lines = ["", "== summary =="]
    scored: list[tuple[str, str, Assessment]] = []
    for project in projects:
        review = load_review(project)
        lines.append(f"{project.slug}  [{', '.join(project.tags)}]")
        for mode in MODES:
            record, result, report = load_scan(project, mode, layout)
            if record is None:
                lines.append(f"  {mode:<4} not scanned yet")
                continue
            assessment = assess(top_findings(result), review) if result is not None else None
            if assessment is not None:
                scored.append((project.name, mode, assessment))
            lines.extend(scan_lines(record, result, report, assessment))
            if assessment is not None and assessment.new and review is not None:
                for finding in assessment.new:
                    lines.append(f"         new since the last review: {finding.rule_id} {finding.path}:{finding.line} "
                                 f"{finding.symbol}")
        if review is not None and review.missed:
            lines.append(f"  missed (from the review): {len(review.missed)}")
    lines.append("")
    lines.extend(total_lines(scored))
    return lines


def write_review(project: CorpusProject, mode: str, layout: Layout) -> Path:
    """Write or refresh the project's review template from the kept scan of mode; its path."""
    record, result, _ = load_scan(project, mode, layout)
    if result is None:
        why = record.error if record else "not scanned yet"
        raise CorpusError(f"{project.slug} {mode}: no results to review ({why}); run the scan first")
    tree = unpack(project, layout.downloads / project.sdist, layout)

    def source_of(path: str) -> list[str] | None:
        """The lines of a target-relative file of the unpacked release."""
        try:
            return (tree / path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None

    REVIEWS.mkdir(parents=True, exist_ok=True)
    path = REVIEWS / f"{project.name}.toml"
    text = render_template(project.name, project.version, mode, top_findings(result), load_review(project), source_of)
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="riskaudit on the real-code corpus (see benchmarks/README.md)")
    parser.add_argument("command", choices=("fetch", "scan", "report", "review"))
    parser.add_argument("--project", action="append", default=[], help="a corpus project (repeatable; default all)")
    parser.add_argument("--mode", choices=("bare", "deps", "both"), default="both",
                        help="scan: which scans (default both); review: which scan's top 20 "
                             "(default deps, bare for a project without deps)")
    parser.add_argument("--sdists", type=Path,
                        help="fetch/scan: a folder to take already downloaded sdists from (sha256 checked)")
    parser.add_argument("--timeout", type=float, default=TOOL_TIMEOUT,
                        help="riskaudit's --timeout per tool (default 900)")
    parser.add_argument("--skip-tests", action="store_true", help="scan: do not run the projects' tests first")
    parser.add_argument(
        "--reuse-coverage",
        action="store_true",
        help="scan: read the coverage data the last test run left (same release, same tests) instead of running them",
    )
    parser.add_argument("--retry-install", action="store_true", help="scan: try again installs that failed before")
    parser.add_argument("--warm", action="store_true", help="scan: keep riskaudit's result cache (default --no-cache)")
    parser.add_argument("--cache", type=Path, default=CACHE / "corpus", help="download and work folder")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; 0 when it did its job, 2 on a corpus or review file error."""
    args = parse_args(argv)
    layout = Layout(args.cache.resolve())
    layout.make()
    try:
        projects = select(load_corpus(CORPUS_FILE), args.project)
        if args.command == "fetch":
            for project in projects:
                tree = unpack(project, fetch(project, layout, args.sdists), layout)
                print(f"{project.slug}: {tree}")
        elif args.command == "scan":
            started = time.perf_counter()
            for project in projects:
                scan_project(project, layout, args)
            print("\n".join(summary(projects, layout)))
            print(f"\nwall time of this run: {time.perf_counter() - started:.0f} s")
        elif args.command == "report":
            print("\n".join(summary(projects, layout)))
        else:
            for project in projects:
                mode = project.primary_mode if args.mode == "both" else args.mode
                print(f"{project.slug}: {write_review(project, mode, layout)}")
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
