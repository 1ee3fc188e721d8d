"""riskaudit as users get it: a non-editable install in a fresh venv, and riskaudit on itself."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from support import REPO, copy_fixture, run_cli


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with a plain (non-editable) ``pip install .``.

    The dependencies come from the test interpreter's site-packages through a ``.pth`` line, so
    the test needs no network; riskaudit itself is built into a wheel and installed for real.
    """
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(home)
    python = home / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "riskaudit_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    built = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-q", str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return home


def test_wheel_ships_rules_and_templates(installed: Path, tmp_path: Path) -> None:
    python = installed / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import riskaudit, pathlib; print(pathlib.Path(riskaudit.__file__).parent)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.strip()
    package = Path(where)
    assert package.parent.name == "site-packages", package
    assert (package / "rules" / "RA101-missing-await.toml").is_file()
    assert (package / "templates" / "report.md.j2").is_file()
    assert (package / "schema" / "results-v1.schema.json").is_file()
    assert (package / "collectors" / "flake8_output.cfg").is_file()


def test_installed_cli_scans_a_fixture(installed: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    project = copy_fixture("cleanapp", tmp_path)
    result = subprocess.run(
        [str(installed / "bin" / "riskaudit"), "scan", str(project), "--output", str(report)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert report.read_text().startswith("# Risk analysis of cleanapp")


def test_riskaudit_is_mypy_strict_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "riskaudit"], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout


def test_riskaudit_scans_itself_without_critical_findings(tmp_path: Path) -> None:
    results = tmp_path / "self.json"
    result = run_cli("scan", str(REPO), "--format", "json", "--output", str(results), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(results.read_text())
    assert {run["name"]: run["status"] for run in data["runs"]}["mypy"] == "ok"
    assert "tests/fixtures/asyncapp" in data["meta"]["nested_projects"]
    assert not [f for f in data["findings"] if f["severity"] in ("critical", "high")]
