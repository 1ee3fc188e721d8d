"""flake8 whatever the project's config holds: output options riskaudit neutralises.

The fixture project is scanned with the real flake8: ``flake8optionsapp`` switches on every output
option a config can hold and has a local plugin that prints and reports a two-line message.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import copy_fixture, marker_lines

from riskaudit.catalogue import default_catalogue
from riskaudit.collectors.launch import module_command
from riskaudit.models import ToolRun, ToolStatus
from riskaudit.options import ScanOptions
from riskaudit.results import ScanResult
from riskaudit.scan import scan

@pytest.fixture(scope="module")
def options_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture whose config switches every output option on."""
    return copy_fixture("flake8optionsapp", tmp_path_factory.mktemp("flake8options"))


@pytest.fixture(scope="module")
def options_scan(options_project: Path) -> ScanResult:
    """One scan of it."""
    return scan(options_project, ScanOptions(python=sys.executable, use_cache=False), default_catalogue())


def _flake8(result: ScanResult) -> ToolRun:
    return next(run for run in result.runs if run.name == "flake8")


def _positions(run: ToolRun, path: str) -> list[tuple[str, int | None]]:
    return sorted((f.code, f.line) for f in run.findings if f.path == path)


# --- every output option in the project's config -------------------------------------------------


def test_output_options_of_the_config_leave_the_scan_complete(options_scan: ScanResult) -> None:
    run = _flake8(options_scan)
    assert run.status is ToolStatus.OK, run.reason
    assert not options_scan.incomplete


def test_output_options_of_the_config_leave_every_finding(options_project: Path, options_scan: ScanResult) -> None:
    state = options_project / "optionsapp" / "state.py"
    found = _positions(_flake8(options_scan), "optionsapp/state.py")
    assert ("E711", marker_lines(state, "E711")[0]) in found
    assert ("F401", 3) in found
    assert [f.message for f in _flake8(options_scan).findings if f.code == "RAM100"] == [
        "global state\nshared by every caller"
    ]
    assert ("RAM100", marker_lines(state, "RAM100")[0]) in found


def test_the_config_output_file_is_not_written_into_the_project(options_project: Path) -> None:
    assert not (options_project / "flake8-report.txt").exists()


def test_the_command_shown_is_riskaudit_s(options_scan: ScanResult) -> None:
    command = _flake8(options_scan).command
    assert command[:3] == tuple(module_command(sys.executable, "flake8"))
    assert "--output-file=<private report file>" in command
    assert any(part.startswith("--append-config=") and part.endswith("flake8_output.cfg") for part in command)
    assert Path(next(p for p in command if p.startswith("--append-config="))[len("--append-config="):]).is_file()
