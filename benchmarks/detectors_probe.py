"""Time riskaudit's in-process work on one target, phase by phase, and write it as JSON.

Run by ``benchmarks/run.py`` in a process of its own (so that its memory and CPU are measured
apart). It reproduces what ``riskaudit.scan.scan_target`` does in its main thread, through the same
functions: discovery, ``build_index``, radon through riskaudit's collector, ``project_facts`` and
``run_detectors`` (with its default worker processes and no result cache). With ``--breakdown`` it
then runs the detectors once more in this one process, file by file, timing the libcst parse, the
copy ``MetadataWrapper`` makes of the tree, the position metadata and the batched visit apart.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from riskaudit.collectors import radon as radon_collector
from riskaudit.detectors import ALL_DETECTORS
from riskaudit.detectors.project import file_context, project_facts
from riskaudit.detectors.runner import run_detectors
from riskaudit.discovery import load_target
from riskaudit.sources import SourceIndex, build_index

_T = TypeVar("_T")


def _children_cpu() -> float:
    """CPU seconds (user + system) of the waited-for child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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


def breakdown(index: SourceIndex) -> dict[str, object]:
    """The detectors in this one process, with the libcst parse, tree copy, positions and visit timed apart."""
    facts = project_facts(index)
    clocks = {name: Clock() for name in ("parse", "metadata_copy", "positions", "visit")}
    analysed = lines = 0
    problems: list[str] = []
    for path, source in sorted(index.files.items()):
        if source.parse_error:
            continue
        context = file_context(path, facts)
        active = [kind(context) for kind in ALL_DETECTORS if kind.applies_to(context)]
        if not active:
            continue
        text = source.text
        try:
            module = clocks["parse"].time(cst.parse_module, text)
            wrapper = clocks["metadata_copy"].time(MetadataWrapper, module)
            clocks["positions"].time(wrapper.resolve, PositionProvider)
            clocks["visit"].time(wrapper.visit_batched, active)
        except Exception as exc:  # noqa: BLE001 - a file the runner would skip is only counted here
            problems.append(f"{path}: {type(exc).__name__}")
            continue
        analysed += 1
        lines += len(source.lines)
    result: dict[str, object] = {name: clock.as_json() for name, clock in clocks.items()}
    result.update(files=analysed, lines=lines, problems=problems)
    return result


def probe(root: Path, python: str | None, with_breakdown: bool) -> dict[str, object]:
    """Every phase of riskaudit's in-process work on the target at root, timed."""
    clocks = {name: Clock() for name in ("discover", "build_index", "radon", "project_facts", "detectors")}
    target = clocks["discover"].time(load_target, root, python)
    index = clocks["build_index"].time(build_index, target.root, target.source_paths)
    radon_run, _ = clocks["radon"].time(radon_collector.collect, index)
    facts = clocks["project_facts"].time(project_facts, index)
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
