"""Reporting benchmark results: the measurement table, riskaudit's inside view, and the issue's ratios.

Works on the JSON data ``benchmarks/run.py`` builds for one target (and saves in
``results-<date>.json``): ``print_report`` prints everything for one target and returns the ratio
rows; ``load_other`` finds the other target's results for the linearity check.
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any


GIB = 1024 * 1024 * 1024


ROWS = (
    ("flake8", "flake8 alone (riskaudit's command, same files)"),
    ("ruff", "ruff alone (riskaudit's command, same files)"),
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


def own_analysis_cpu(data: dict[str, Any]) -> float | None:
    """CPU seconds of riskaudit's own in-process analysis (the probe's phases: index, radon, detectors), median."""
    probes: list[dict[str, Any]] = [p for p in data.get("probes", []) if p]
    if not probes:
        return None
    return float(statistics.median(sum(phase["cpu"] for phase in p["phases"].values()) for p in probes))


def ratios(data: dict[str, Any], other: tuple[dict[str, Any], str] | None) -> list[dict[str, Any]]:
    """The issue's targets, measured: each with its wall ratio, CPU ratio, limit and verdict."""
    linter = "ruff" if "ruff" in data["samples"] else "flake8"
    tools = {name: median(data, name) for name in (linter, "mypy cold", "radon")}
    measured = {name: value for name, value in tools.items() if value is not None}
    slowest = max(measured, key=lambda name: measured[name]) if measured else None
    cold, cold_cpu = median(data, "riskaudit cold"), median(data, "riskaudit cold", "cpu")
    rows: list[dict[str, Any]] = []

    def add(label: str, wall: float | None, cpu: float | None, limit: float | None, target: str) -> None:
        verdict = "-" if limit is None else _verdict(wall, limit)
        rows.append({"ratio": label, "wall": wall, "cpu": cpu, "target": target, "verdict": verdict})

    slow_cpu = median(data, slowest, "cpu") if slowest else None
    add(f"cold / slowest tool ({slowest})", _ratio(cold, measured.get(slowest or "")),
        _ratio(cold_cpu, slow_cpu), None, "(for the row below)")
    total = sum(measured.values()) if len(measured) == 3 else None
    total_cpu = sum(median(data, name, "cpu") or 0.0 for name in measured)
    add("cold / sum of the tools", _ratio(cold, total), _ratio(cold_cpu, total_cpu), None, "(none)")
    # radon is computed in-process (riskaudit's own analysis below), and radon mi's CLI is quadratic in a
    # statement's length (minutes on rich): the bound is set by the subprocess tools, the linter and mypy
    cores = float(data.get("cpus") or os.cpu_count() or 1)
    wrapped = [name for name in (linter, "mypy cold") if name in measured]
    wrapped_cpu = sum(median(data, name, "cpu") or 0.0 for name in wrapped)
    bound = max(measured[name] for name in wrapped) if len(wrapped) == 2 else None
    add(f"cold / max({linter} or mypy alone, their cpu / {cores:g} cores)",
        _ratio(cold, None if bound is None else max(bound, wrapped_cpu / cores)), None, 1.15, "<= 1.15")
    add(f"own analysis cpu / {linter} + mypy cpu", _ratio(own_analysis_cpu(data), wrapped_cpu), None, 0.25,
        "<= 0.25 (wall column: cpu)")
    if data["project"]["label"] == "ruff":
        add("cold / mypy alone (ruff-configured project)", _ratio(cold, median(data, "mypy cold")),
            _ratio(cold_cpu, median(data, "mypy cold", "cpu")), 1.5, "<= 1.5")
    add("warm / cold", _ratio(median(data, "riskaudit warm"), cold),
        _ratio(median(data, "riskaudit warm", "cpu"), cold_cpu), 0.15, "<= 0.15")
    add("one touched file / cold", _ratio(median(data, "riskaudit touched"), cold),
        _ratio(median(data, "riskaudit touched", "cpu"), cold_cpu), 0.30, "<= 0.30")
    add("riskaudit cold / prospector", _ratio(cold, median(data, "prospector")),
        _ratio(cold_cpu, median(data, "prospector", "cpu")), 0.75, "<= 0.75")
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
    if data["project"]["label"] not in ("medium", "large"):
        return rows
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
