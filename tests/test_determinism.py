"""Reproducible reports: with SOURCE_DATE_EPOCH two scans of the same tree give identical bytes."""

from __future__ import annotations

import json
from pathlib import Path

from support import copy_fixture, run_cli, run_project_tests

PINNED = {"SOURCE_DATE_EPOCH": "1767225600"}
FORMATS = {"markdown": "md", "json": "json", "sarif": "sarif"}


def _scan_all(project: Path, out: Path, *args: str) -> dict[str, bytes]:
    """One real scan per format, run beside the project with a relative path; the report bytes by format."""
    reports = {}
    for fmt, ext in FORMATS.items():
        target = out / f"report.{ext}"
        run = run_cli(
            "scan", project.name, "--format", fmt, "--output", str(target), *args, cwd=project.parent, env=PINNED
        )
        assert run.returncode in (0, 1), run.stderr
        reports[fmt] = target.read_bytes()
    return reports


def test_two_scans_give_identical_bytes(tmp_path: Path) -> None:
    project = copy_fixture("asyncapp", tmp_path)
    tests = run_project_tests(project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = _scan_all(project, tmp_path / "one")  # the second and third scans reuse the cache
    assert (project / ".riskaudit_cache").is_dir()
    second = _scan_all(project, tmp_path / "two", "--no-cache")
    for fmt in FORMATS:
        assert first[fmt] == second[fmt], fmt
    data = json.loads(first["json"])
    assert data["meta"]["date"] == "2026-01-01T00:00:00Z"
    assert data["coverage"] is not None and data["findings"]
    assert all(run["duration"] == 0 for run in data["runs"])
    assert "unchanged since the cached run" not in first["markdown"].decode("utf-8")
    assert str(tmp_path).encode() not in first["markdown"] + first["json"] + first["sarif"]
