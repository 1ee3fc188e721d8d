"""coverage: read existing data (.coverage, coverage.json, coverage.xml) into per-file coverage."""

from __future__ import annotations

import json
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from riskaudit.running import isolation
from riskaudit.collectors.paths import relative_posix
from riskaudit.running.launch import module_command
from riskaudit.running.process import pick_interpreter, run_process, tail
from riskaudit.discovery import Target
from riskaudit.coverage_reach import partial_run_note, run_reach
from riskaudit.layers import LayerMap
from riskaudit.models import CoverageData, FileCoverage, RawFinding, ToolRun, ToolStatus

DATA_FILES = ("coverage.json", ".coverage", "coverage.xml")
"""Names looked for in the target root when no ``--coverage-file`` is given."""


class CoverageDataError(ValueError):
    """A coverage data file that cannot be read as what its name says it is."""


PARALLEL_PREFIX = ".coverage."
"""Names of ``coverage run -p`` data files start so (``.coverage.HOST.PID.RANDOM``): combined when nothing else is."""


def parallel_data(root: Path, project_root: Path | None = None) -> list[Path]:
    """The parallel data files (``coverage run -p``) of the first folder holding any: the target root, the project's."""
    for folder in dict.fromkeys(f for f in (root, project_root) if f is not None):
        found = sorted(p for p in folder.glob(f"{PARALLEL_PREFIX}*") if p.is_file() and not p.is_symlink())
        if found:
            return found
    return []


def combine_parallel(files: Sequence[Path], target: Target, timeout: float, into: Path) -> Path:
    """``coverage combine --keep`` of parallel data files into a private data file in ``into`` (the target's stay).

    Raises:
        CoverageDataError: when coverage cannot combine them (its reason).
    """
    python, _ = pick_interpreter(target.python, "coverage")
    combined = into / ".coverage"
    command = [*module_command(python, "coverage"), "combine", "--keep", "-q", f"--data-file={combined}"]
    cwd = target.root
    if target.untrusted:  # riskaudit's own rc file (no plugins) and nothing to import from the cwd
        command.append(f"--rcfile={isolation.coverage_config()}")
        cwd = isolation.work_dir()
    result = run_process([*command, *(str(f.resolve()) for f in files)], cwd=cwd, timeout=timeout)
    if result.returncode != 0 or not combined.is_file():
        reason = result.error or tail(result.stderr or result.stdout) or f"exit code {result.returncode}"
        raise CoverageDataError(f"coverage combine failed: {reason}")
    return combined


def find_data_file(root: Path, explicit: Path | None, project_root: Path | None = None) -> Path | None:
    """The given data file, or the newest of ``DATA_FILES`` in the target root, else in the project root.

    The project root is the folder of the config file found above the target (``riskaudit scan app``
    from a project whose tests write ``.coverage`` at its root).
    """
    if explicit is not None:
        return explicit
    for folder in dict.fromkeys(f for f in (root, project_root) if f is not None):
        present = [folder / name for name in DATA_FILES if (folder / name).is_file()]
        if present:
            return max(present, key=lambda p: (p.stat().st_mtime, p.name))
    return None


def display_percent(covered: int, total: int) -> str:
    """A percentage the way coverage.py prints it (never 0 or 100 unless exactly so)."""
    if total == 0:
        return "100"
    percent = 100.0 * covered / total
    if 0 < percent < 1:
        return "1"
    if 99 < percent < 100:
        return "99"
    return str(round(percent))


def parse_json_report(text: str, root: Path) -> tuple[list[FileCoverage], float, str]:
    """Files and totals from ``coverage json`` output."""
    try:
        data = json.loads(text)
        files = data["files"]
        totals = data["totals"]
        result = [
            FileCoverage(
                path=relative_posix(name, root),
                statements=int(entry["summary"]["num_statements"]),
                missing=tuple(sorted(int(n) for n in entry["missing_lines"])),
                percent=float(entry["summary"]["percent_covered"]),
                display=str(entry["summary"]["percent_covered_display"]),
                executed=tuple(sorted(int(n) for n in entry.get("executed_lines", ()))),
                branches=int(entry["summary"].get("num_branches", 0)),
                missing_branches=int(entry["summary"].get("missing_branches", 0)),
            )
            for name, entry in files.items()
        ]
        return result, float(totals["percent_covered"]), str(totals["percent_covered_display"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CoverageDataError(f"not a coverage.py JSON report ({type(exc).__name__}: {exc})") from None


def _xml_line_hits(tree: ElementTree.Element, root: Path) -> dict[str, dict[int, bool]]:
    """Whether each line of each file was hit, from the <class> elements of a Cobertura report."""
    sources = [Path(s.text.strip()) for s in tree.iter("source") if s.text and s.text.strip()]
    hits: dict[str, dict[int, bool]] = {}
    for cls in tree.iter("class"):
        filename = cls.get("filename")
        if not filename:
            raise CoverageDataError("a <class> element has no filename")
        absolute = next((base / filename for base in sources if (base / filename).exists()), None)
        lines = hits.setdefault(relative_posix(str(absolute or filename), root), {})
        for line in cls.iter("line"):
            try:
                number, count = int(line.get("number", "")), int(line.get("hits", ""))
            except ValueError:
                raise CoverageDataError(f"bad <line> element in {filename}") from None
            lines[number] = lines.get(number, False) or count > 0
    return hits


def parse_xml_report(text: str, root: Path) -> tuple[list[FileCoverage], float, str]:
    """Files and totals from a Cobertura ``coverage.xml``."""
    try:
        tree = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise CoverageDataError(f"not well-formed XML ({exc})") from None
    if tree.tag != "coverage":
        raise CoverageDataError("not a Cobertura coverage report (root element is not <coverage>)")
    files = []
    for name, lines in _xml_line_hits(tree, root).items():
        covered = sum(lines.values())
        files.append(
            FileCoverage(
                path=name,
                statements=len(lines),
                missing=tuple(sorted(n for n, hit in lines.items() if not hit)),
                percent=100.0 * covered / len(lines) if lines else 100.0,
                display=display_percent(covered, len(lines)),
                executed=tuple(sorted(n for n, hit in lines.items() if hit)),
            )
        )
    return (files, *matched_total(files))


def scanned_path(data_path: str, known: Collection[str]) -> str | None:
    """The scanned file a data path stands for: itself, or the one scanned path it ends with."""
    if data_path in known:
        return data_path
    tails = [p for p in known if data_path.endswith("/" + p)]
    if not tails:
        return None
    depth = max(len(PurePosixPath(p).parts) for p in tails)
    best = [p for p in tails if len(PurePosixPath(p).parts) == depth]
    return best[0] if len(best) == 1 else None


def match_paths(
    files: Sequence[FileCoverage], known: Collection[str]
) -> tuple[tuple[FileCoverage, ...], tuple[str, ...]]:
    """Map data paths onto scanned files; paths from another checkout match by their longest tail.

    An exact path beats tail matches; data paths that match nothing, or that compete for the
    same scanned file, are returned as unmatched rather than guessed.
    Returns the matched files (renamed to the scanned path) and the unmatched data paths.
    """
    by_target: dict[str, list[FileCoverage]] = {}
    unmatched: list[str] = []
    for entry in files:
        target = scanned_path(entry.path, known)
        if target is None:
            unmatched.append(entry.path)
        else:
            by_target.setdefault(target, []).append(entry)
    matched: list[FileCoverage] = []
    for target, entries in by_target.items():
        exact = [e for e in entries if e.path == target]
        chosen = exact or entries
        if len(chosen) == 1:
            matched.append(replace(chosen[0], path=target))
            unmatched.extend(e.path for e in entries if e is not chosen[0])
        else:
            unmatched.extend(e.path for e in entries)
    return tuple(sorted(matched, key=lambda f: f.path)), tuple(sorted(unmatched))


def fitting_files(
    files: Sequence[FileCoverage], lines: Mapping[str, int]
) -> tuple[tuple[FileCoverage, ...], tuple[str, ...]]:
    """The files whose data fits the scanned file, and the paths of those with data past its last line.

    Hits on line 900 of a 13-line file are data of another version of it: trusting them would give it
    a coverage it does not have.
    """
    fitting: list[FileCoverage] = []
    unfit: list[str] = []
    for entry in files:
        last = max((*entry.missing, *entry.executed), default=0)
        if last > lines.get(entry.path, 0):
            unfit.append(entry.path)
        else:
            fitting.append(entry)
    return tuple(fitting), tuple(unfit)


def matched_total(files: Sequence[FileCoverage]) -> tuple[float, str]:
    """Total line coverage of some files: (percent, as coverage.py would print it)."""
    statements = sum(f.statements for f in files)
    covered = sum(f.statements - len(f.missing) for f in files)
    return (100.0 * covered / statements if statements else 100.0), display_percent(covered, statements)


def coverage_findings(
    data: CoverageData, layers: LayerMap, total_threshold: float, tests: Collection[str]
) -> tuple[RawFinding, ...]:
    """Critical-layer files under their layer's threshold, and a total under the project threshold.

    Files whose coverage lacks tests that did not run (``data.unverified``) are not judged.
    """
    findings = []
    unverified = set(data.unverified)
    for entry in data.files:
        layer = layers.of(entry.path)
        if layer is None or entry.path in tests or entry.path in unverified or entry.statements == 0:
            continue
        if entry.percent < layer.coverage_threshold:
            findings.append(
                RawFinding(
                    tool="coverage",
                    code="critical-layer-low",
                    message=(
                        f"{layer.name} file covered {entry.display}%: {len(entry.missing)} of "
                        f"{entry.statements} statements never executed (threshold {layer.coverage_threshold:g}%)"
                    ),
                    path=entry.path,
                )
            )
    if data.files and data.percent < total_threshold:
        findings.append(
            RawFinding(
                tool="coverage",
                code="total-low",
                message=f"total line coverage {data.display}% is below {total_threshold:g}%",
                path=None,
            )
        )
    return tuple(findings)


def read_data(path: Path, target: Target, timeout: float) -> tuple[list[FileCoverage], float, str, str]:
    """Per-file coverage from any supported data file, plus the coverage version that read it."""
    try:
        head = path.read_bytes()[:16]
    except OSError as exc:
        raise CoverageDataError(f"cannot read: {exc.strerror or exc}") from None
    if path.suffix == ".json" or head.lstrip().startswith(b"{"):
        text = path.read_text(encoding="utf-8", errors="replace")
        return (*parse_json_report(text, target.root), "coverage.json report")
    if path.suffix == ".xml" or head.lstrip().startswith(b"<"):
        text = path.read_text(encoding="utf-8", errors="replace")
        return (*parse_xml_report(text, target.root), "Cobertura XML report")
    python, origin = pick_interpreter(target.python, "coverage")
    with tempfile.TemporaryDirectory(prefix="riskaudit-cov-") as temp:
        out = Path(temp) / "coverage.json"
        command = [*module_command(python, "coverage"), "json", f"--data-file={path.resolve()}", "-o", str(out), "-q"]
        command.append("--fail-under=0")
        cwd = target.root
        if target.untrusted:  # riskaudit's own rc file (no plugins) and nothing to import from the cwd
            command.append(f"--rcfile={isolation.coverage_config()}")
            cwd = isolation.work_dir()
        result = run_process(command, cwd=cwd, timeout=timeout)
        if result.returncode != 0 or not out.is_file():
            reason = result.error or tail(result.stderr or result.stdout) or f"exit code {result.returncode}"
            raise CoverageDataError(f"coverage json failed: {reason}")
        version = run_process([*module_command(python, "coverage"), "--version"], cwd=cwd, timeout=60)
        label = version.stdout.splitlines()[0] if version.stdout else "coverage"
        return (*parse_json_report(out.read_text(encoding="utf-8"), target.root), f"{label} ({origin})")


def collect(
    target: Target,
    explicit: Path | None,
    layers: LayerMap,
    total_threshold: float,
    timeout: float,
    lines: Mapping[str, int],
    project_root: Path | None = None,
    imports: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[ToolRun, CoverageData | None]:
    """Read the target's coverage data; no data is "not measured" (skipped), bad data is a failure.

    Without a data file, the parallel data files of ``coverage run -p`` (``.coverage.*``) are combined
    into a private file, as ``coverage combine --keep`` does, and read. ``lines`` holds the line count of
    each scanned file (from the source index): data past a file's end is stale. ``imports``, each file's
    module-level imports, tell which test modules the run left out (``riskaudit.coverage_reach``).
    """
    found = imports or {}
    start = time.monotonic()
    path = find_data_file(target.root, explicit, project_root)
    parallel = parallel_data(target.root, project_root) if path is None else []
    if path is None and not parallel:
        where = "the target" + (f" or {project_root}" if project_root not in (None, target.root) else "")
        reason = f"not measured: no {', '.join(DATA_FILES)} or {PARALLEL_PREFIX}* in {where}; pass --coverage-file"
        return ToolRun("coverage", ToolStatus.SKIPPED, reason=reason), None
    if path is not None:
        return _measured(path, relative_posix(str(path.resolve()), target.root), target, layers,
                         total_threshold, timeout, (lines, found), start)
    first = relative_posix(str(parallel[0].resolve()), target.root)
    shown = f"{first} and {len(parallel) - 1} more parallel data file(s), combined" if len(parallel) > 1 else first
    with tempfile.TemporaryDirectory(prefix="riskaudit-combine-") as temp:
        try:
            combined = combine_parallel(parallel, target, timeout, Path(temp))
        except CoverageDataError as exc:
            failed = f"{shown}: {exc}"
            return ToolRun("coverage", ToolStatus.FAILED, reason=failed, duration=time.monotonic() - start), None
        return _measured(combined, shown, target, layers, total_threshold, timeout, (lines, found), start)


def _measured(
    path: Path,
    shown: str,
    target: Target,
    layers: LayerMap,
    total_threshold: float,
    timeout: float,
    facts: tuple[Mapping[str, int], Mapping[str, tuple[str, ...]]],
    start: float,
) -> tuple[ToolRun, CoverageData | None]:
    """The run and measurement of one data file (``shown`` as the report names it).

    ``facts``: each scanned file's line count and module-level imports.
    """
    lines, imports = facts
    if not path.is_file():
        reason = f"{shown}: no such coverage data file"
        return ToolRun("coverage", ToolStatus.FAILED, reason=reason), None
    try:
        files, percent, display, version = read_data(path, target, timeout)
    except CoverageDataError as exc:
        run = ToolRun("coverage", ToolStatus.FAILED, reason=f"{shown}: {exc}", duration=time.monotonic() - start)
        return run, None
    matched, unmatched = match_paths(files, set(target.source_paths))
    matched, unfit = fitting_files(matched, lines)
    if files and not matched:
        reason = (
            f"not measured: none of the {len(files)} file(s) in {shown} is in the scanned tree "
            f"(data of another project or checkout?): {', '.join((*unfit, *unmatched)[:3])}"
        )
        return ToolRun("coverage", ToolStatus.SKIPPED, reason=reason, duration=time.monotonic() - start), None
    problems = []
    if unmatched:
        problems.append(f"{len(unmatched)} file(s) in the data are not in the scanned tree: {', '.join(unmatched[:5])}")
    if unfit:
        stale = ", ".join(unfit[:5])
        problems.append(f"{len(unfit)} file(s) have data for lines they do not have (stale data?): {stale}")
    if problems:  # the data's own total counts files the scan does not have: count the matched ones
        percent, display = matched_total(matched)
        problems.append(f"the total {display}% is of the {len(matched)} matched file(s)")
    tests = {f.path for f in target.files if f.is_test}
    reach = run_reach(matched, imports, tests)
    if reach.partial:
        problems.append(partial_run_note(reach))
    data = CoverageData(
        shown, matched, percent, display, (*unmatched, *unfit),
        tests_judged=reach.judged, not_run=reach.not_run, unverified=tuple(reach.unverified),
    )
    findings = coverage_findings(data, layers, total_threshold, tests)
    reason = "; ".join(problems)
    run = ToolRun(
        "coverage",
        ToolStatus.OK,
        version=version,
        executable=shown,
        duration=time.monotonic() - start,
        reason=reason,
        findings=findings,
    )
    return run, data
