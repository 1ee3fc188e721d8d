"""mypy 2's parallel checking: used on the cores the rest of the scan leaves free, with identical findings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from support import copy_fixture

from riskaudit.caching.store import Cache
from riskaudit.collectors import mypy as mypy_collector
from riskaudit.collectors.mypy_config import MypyConfig
from riskaudit.discovery import load_target
from riskaudit.models import ToolStatus
from riskaudit.running.process import tool_version
from riskaudit.running.workers import worker_count

INSTALLED, _ = tool_version(sys.executable, "mypy", Path.cwd())


@pytest.mark.parametrize(
    ("version", "cores", "expected"),
    [
        ("mypy 1.19.1 (compiled: yes)", 64, 0),  # no parallel mode before 2.0
        ("mypy 2.4.1 (compiled: yes)", 1, 0),
        ("mypy 2.4.1 (compiled: yes)", worker_count() + 2, 0),  # one core left: not worth the workers
        ("mypy 2.4.1 (compiled: yes)", worker_count() + 3, 2),
        ("mypy 2.4.1 (compiled: yes)", 64, 4),  # mypy's advice: 2 to 4
    ],
)
def test_workers_are_the_cores_left_by_riskaudits_pool_and_the_linter(version: str, cores: int, expected: int) -> None:
    assert mypy_collector.parallel_workers(version, cores, None) == expected


def test_the_projects_own_num_workers_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    config = MypyConfig(Path("pyproject.toml"), {"num_workers": 2})
    assert mypy_collector.parallel_workers("mypy 2.4.1", 64, config) == 0
    monkeypatch.setenv("MYPY_NUM_WORKERS", "3")
    assert mypy_collector.parallel_workers("mypy 2.4.1", 64, None) == 0


@pytest.mark.skipif(mypy_collector.parallel_workers(INSTALLED, 64, None) == 0, reason=f"{INSTALLED} has no -n")
def test_parallel_mypy_finds_exactly_what_serial_mypy_finds(tmp_path_factory: pytest.TempPathFactory) -> None:
    runs = {}
    for cores in (1, 64):
        project = copy_fixture("asyncrisks", tmp_path_factory.mktemp(f"cores{cores}"))
        target = load_target(project, sys.executable)
        runs[cores] = mypy_collector.collect(target, 600, Cache.for_target(project, True), cores=cores)
    serial, parallel = runs[1], runs[64]
    assert serial.status is parallel.status is ToolStatus.OK
    assert "--num-workers" not in serial.command and "--num-workers" in parallel.command
    assert serial.findings and sorted(serial.findings, key=repr) == sorted(parallel.findings, key=repr)


@pytest.mark.parametrize("mypy_cache_dir", [None, os.devnull])
def test_without_a_cache_mypy_checks_serially(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mypy_cache_dir: str | None
) -> None:
    if mypy_cache_dir is None:  # --no-cache and no MYPY_CACHE_DIR: riskaudit turns mypy's cache off
        monkeypatch.delenv("MYPY_CACHE_DIR", raising=False)
    else:
        monkeypatch.setenv("MYPY_CACHE_DIR", mypy_cache_dir)
    project = copy_fixture("asyncrisks", tmp_path)
    run = mypy_collector.collect(load_target(project, sys.executable), 600, cores=64)
    assert run.status is ToolStatus.OK and "--num-workers" not in run.command  # parallel mode needs the cache
