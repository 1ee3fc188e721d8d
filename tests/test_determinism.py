"""Reproducible reports: with SOURCE_DATE_EPOCH two scans of the same tree give identical bytes."""

from __future__ import annotations

import json
from pathlib import Path

from riskaudit.detectors.runner import PARALLEL_THRESHOLD
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


def test_a_warm_scan_of_many_files_reports_what_the_cold_one_did(tmp_path: Path) -> None:
    """Enough files for the worker pool cold, none to analyse warm: the report must not tell them apart."""
    project = tmp_path / "many"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    for n in range(PARALLEL_THRESHOLD + 5):
        text = f"import datetime\n\n\ndef stamp_{n}() -> datetime.datetime:\n    return datetime.datetime.now()\n"
        (project / "pkg" / f"module_{n}.py").write_text(text, encoding="utf-8")
    reports = []
    for name in ("cold", "warm"):
        target = tmp_path / f"{name}.json"
        run = run_cli("scan", project.name, "--format", "json", "--output", str(target), cwd=tmp_path, env=PINNED)
        assert run.returncode == 0, run.stderr  # medium findings only: the default gate passes
        reports.append(target.read_bytes())
    assert (project / ".riskaudit_cache" / "detectors").is_dir()
    assert reports[0] == reports[1]
    naive = [f for f in json.loads(reports[0])["findings"] if f["rule_id"] == "RA501"]
    assert len(naive) == PARALLEL_THRESHOLD + 5
