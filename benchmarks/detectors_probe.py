"""Time riskaudit's in-process work on one target, phase by phase, and write it as JSON.

Run by ``benchmarks/run.py`` in a process of its own (so that its memory and CPU are measured
apart). It reproduces riskaudit's own work in ``riskaudit.scan.scan_target``, through the same
functions: discovery, ``build_index``, radon through riskaudit's collector and ``run_detectors``
(each with the default number of worker processes and no result cache), and ``project_symbols``. The
phases run one after the other, each with a pool of its own (so that the CPU time of its workers
is counted when the pool ends), where the scan overlaps radon and the detectors on one pool. With
``--breakdown`` it then runs the detectors once more in this one process, file by file, as the runner
does, timing the libcst parse, the position metadata (computed only for files where a detector asks)
and the batched visit apart, and counting the files no detector's ``TRIGGERS`` matched.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper

from riskaudit.caching.store import NO_CACHE
from riskaudit.collectors import radon as radon_collector
from riskaudit.detectors.registry import ALL_DETECTORS
from riskaudit.detectors.project import file_context, project_symbols
from riskaudit.detectors.runner import LazyPositions, run_detectors, visitors
from riskaudit.discovery import load_target
from riskaudit.models import ToolRun
from riskaudit.running.workers import worker_count, worker_pool
from riskaudit.sources import SourceIndex, build_index

_T = TypeVar("_T")


def _children_cpu() -> float:
    """CPU seconds (user + system) of child processes so far: those waited for, and living ones.

    A living child counts with what it reaped: the fork server the worker pools start from outlives
    each pool, and the workers' time lands in its own children's account when it reaps them.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + _living_children_cpu()


def _living_children_cpu() -> float:
    """CPU seconds (utime, stime, cutime, cstime) of the living children, from ``/proc`` (0 without it)."""
    me, total = os.getpid(), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 14 and fields[1] == str(me):
            total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


class Clock:
    """Accumulates wall and CPU seconds (this process and its waited-for children) over timed calls."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def time(self, call: Callable[..., _T], *args: object) -> _T:
        """Run ``call(*args)`` and add its cost."""
        wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        try:
            return call(*args)
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu + _children_cpu() - children

    def as_json(self) -> dict[str, float]:
        """Seconds, rounded to the millisecond."""
        return {"wall": round(self.wall, 3), "cpu": round(self.cpu, 3)}


class TimedPositions(LazyPositions):
    """The runner's lazy positions, with the one computation they make timed."""

    def __init__(self, wrapper: MetadataWrapper, clock: Clock) -> None:
        super().__init__(wrapper)
        self.clock = clock
        self.asked = False

    def __call__(self, node: cst.CSTNode) -> CodeRange:
        """Time the first lookup (it computes every position of the module)."""
        if self.asked:
            return super().__call__(node)
        self.asked = True
        return self.clock.time(super().__call__, node)


def breakdown(index: SourceIndex) -> dict[str, object]:
    """The detectors in this one process, with the libcst parse, positions and visit timed apart."""
    facts = project_symbols(index)
    clocks = {name: Clock() for name in ("parse", "positions", "visit")}
    analysed = lines = untriggered = with_positions = 0
    problems: list[str] = []
    for path, source in sorted(index.files.items()):
        if source.parse_error:
            continue
        context = file_context(path, facts)
        text = source.text
        applicable = [kind for kind in ALL_DETECTORS if kind.applies_to(context)]
        active = [kind(context) for kind in applicable if kind.triggered_by(text)]
        if not active:
            untriggered += bool(applicable)
            continue
        try:
            module = clocks["parse"].time(cst.parse_module, text)
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
            positions = TimedPositions(wrapper, clocks["positions"])
            for detector in active:
                detector.bind_positions(positions)
            clocks["visit"].time(wrapper.visit_batched, visitors(active))
        except Exception as exc:  # noqa: BLE001 - a file the runner would skip is only counted here
            problems.append(f"{path}: {type(exc).__name__}")
            continue
        analysed += 1
        with_positions += positions.asked
        lines += len(source.lines)
    # the visit's clock also ran while positions were computed inside it
    clocks["visit"].wall -= clocks["positions"].wall
    clocks["visit"].cpu -= clocks["positions"].cpu
    result: dict[str, object] = {name: clock.as_json() for name, clock in clocks.items()}
    result.update(
        files=analysed, lines=lines, problems=problems, untriggered=untriggered, with_positions=with_positions
    )
    return result


def _radon(index: SourceIndex) -> ToolRun:
    """The radon collector with its own pool of workers (ended before returning, so their CPU is counted)."""
    jobs = worker_count()
    with worker_pool(jobs) as pool:
        return radon_collector.collect(index, NO_CACHE, pool, jobs)[0]


def probe(root: Path, python: str | None, with_breakdown: bool) -> dict[str, object]:
    """Every phase of riskaudit's in-process work on the target at root, timed."""
    clocks = {name: Clock() for name in ("discover", "build_index", "radon", "project_symbols", "detectors")}
    target = clocks["discover"].time(load_target, root, python)
    index = clocks["build_index"].time(build_index, target.root, target.source_paths)
    radon_run = clocks["radon"].time(_radon, index)
    facts = clocks["project_symbols"].time(project_symbols, index)
    run = clocks["detectors"].time(run_detectors, index, facts, ALL_DETECTORS)
    result: dict[str, object] = {
        "files": len(index.files),
        "lines": sum(len(source.lines) for source in index.files.values()),
        "phases": {name: clock.as_json() for name, clock in clocks.items()},
        "detectors": {
            "count": len(ALL_DETECTORS),
            "executable": run.executable,
            "status": run.status.value,
            "reason": run.reason[:300],
            "findings": len(run.findings),
        },
        "radon": {"status": radon_run.status.value, "findings": len(radon_run.findings)},
    }
    if with_breakdown:
        result["breakdown"] = breakdown(index)
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, probe the target, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the target folder, as given to riskaudit scan")
    parser.add_argument("--python", help="the target's interpreter, as given to riskaudit scan --python")
    parser.add_argument("--output", type=Path, required=True, help="where to write the JSON")
    parser.add_argument("--breakdown", action="store_true", help="also time the libcst steps apart")
    args = parser.parse_args(argv)
    result = probe(args.root, args.python, args.breakdown)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
