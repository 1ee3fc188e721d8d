"""``--untrusted``: a target that ships tool plugins and a conftest.py gets none of them run.

A copy of the async fixture (with real coverage data) is booby-trapped with a mypy plugin, a
coverage plugin, a flake8 local plugin and a conftest.py; each writes a marker file (at an absolute
path outside the target) the moment it is imported. Real tools scan it. The tools do not import
from the folder they run in, so the scans get the target's root on ``PYTHONPATH``, as an installed
project's plugins are importable: only the untrusted mode keeps them from loading.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import run_cli

PLUGINS = ("evil_mypy", "evil_cov", "evil_flake8", "conftest")


def _trap(name: str, markers: Path, body: str = "") -> str:
    """A module that writes ``markers/name`` on import."""
    return (
        "from pathlib import Path\n\n"
        f"Path({str(markers)!r}).mkdir(parents=True, exist_ok=True)\n"
        f"Path({str(markers)!r}, {name!r}).write_text('ran', encoding='utf-8')\n\n\n{body}"
    )


def _booby_trapped(asyncapp: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the fixture (with its .coverage data) planted with plugins; and the marker folder."""
    project = tmp_path / "asyncapp"
    shutil.copytree(asyncapp, project, ignore=shutil.ignore_patterns(".riskaudit_cache", "__pycache__"))
    assert (project / ".coverage").is_file()
    markers = tmp_path / "markers"
    (project / "evil_mypy.py").write_text(
        _trap("evil_mypy", markers, "def plugin(version: str) -> object:\n    return object\n"), encoding="utf-8"
    )
    (project / "evil_cov.py").write_text(
        _trap("evil_cov", markers, "def coverage_init(reg: object, options: object) -> None:\n    pass\n"),
        encoding="utf-8",
    )
    flake8_plugin = (
        "class Plugin:\n    name = 'evil'\n    version = '1'\n\n"
        "    def __init__(self, tree: object) -> None:\n        self.tree = tree\n\n"
        "    def run(self) -> list[object]:\n        return []\n"
    )
    (project / "evil_flake8.py").write_text(_trap("evil_flake8", markers, flake8_plugin), encoding="utf-8")
    (project / "conftest.py").write_text(_trap("conftest", markers), encoding="utf-8")
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text = text.replace("[tool.mypy]\n", '[tool.mypy]\nplugins = ["evil_mypy"]\n')
    text = text.replace("[tool.coverage.run]\n", '[tool.coverage.run]\nplugins = ["evil_cov"]\n')
    pyproject.write_text(text, encoding="utf-8")
    with (project / ".flake8").open("a", encoding="utf-8") as out:
        out.write("\n[flake8:local-plugins]\nextension =\n    EVL = evil_flake8:Plugin\npaths = .\n")
    return project, markers


def _importable(project: Path) -> dict[str, str]:
    """The environment in which the target's plugin modules can be imported by name."""
    return {"PYTHONPATH": str(project)}


def _all_markers(tmp_path: Path) -> list[Path]:
    """Every marker written anywhere below tmp_path."""
    return [p for p in tmp_path.rglob("*") if p.is_file() and p.name in PLUGINS and p.parent.name == "markers"]


def test_untrusted_runs_nothing_from_the_target(asyncapp: Path, tmp_path: Path) -> None:
    project, markers = _booby_trapped(asyncapp, tmp_path)
    report = tmp_path / "out.json"

    refused = run_cli("scan", str(project), "--untrusted", "--run-tests", "-o", str(tmp_path / "refused.md"))
    assert refused.returncode == 2
    assert "cannot be combined with --untrusted" in refused.stderr
    assert not (tmp_path / "refused.md").exists()
    refused_python = run_cli("scan", str(project), "--untrusted", "--python", "/usr/bin/python3")
    assert refused_python.returncode == 2

    done = run_cli(
        "scan", str(project), "--untrusted", "--fail-on", "none", "--format", "json", "-o", str(report),
        env=_importable(project),
    )
    assert done.returncode == 0, done.stderr
    assert not markers.exists() and not _all_markers(tmp_path), "a target plugin or conftest ran"

    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["meta"]["untrusted"] is True
    assert "untrusted" in data["meta"]["python_origin"]
    runs = {run["name"]: run for run in data["runs"]}
    for tool in ("flake8", "mypy", "radon", "coverage", "riskaudit"):
        assert runs[tool]["status"] == "ok", runs[tool]
    for tool in ("flake8", "mypy", "coverage"):
        assert runs[tool]["findings"], f"{tool} found nothing"
    assert "pytest" not in runs
    assert data["coverage"]["files"], "the .coverage data was not read"
    assert all(not f["path"].startswith("/") for run in runs.values() for f in run["findings"] if f["path"])
    assert not (project / ".riskaudit_cache").exists()

    markdown = tmp_path / "out.md"
    rendered = run_cli("render", str(report), "-o", str(markdown))
    assert rendered.returncode == 0, rendered.stderr
    assert "untrusted mode: the target's tool configs and plugins were not used" in markdown.read_text("utf-8")
    assert not _all_markers(tmp_path)


def test_without_untrusted_the_mypy_plugin_does_run(asyncapp: Path, tmp_path: Path) -> None:
    """The control: the same traps do go off in a normal scan, so the test above can fail."""
    project, markers = _booby_trapped(asyncapp, tmp_path)
    done = run_cli(
        "scan", str(project), "--no-cache", "--format", "json", "-o", str(tmp_path / "out.json"),
        env=_importable(project),
    )
    assert done.returncode in (0, 1, 2)
    assert (markers / "evil_mypy").is_file()
    assert {"evil_mypy", "evil_cov", "evil_flake8"} <= {p.name for p in markers.iterdir()}


@pytest.mark.parametrize("flag", ["--run-tests", "--python"])
def test_untrusted_refuses_running_target_code(tmp_path: Path, flag: str) -> None:
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    extra = [flag] if flag == "--run-tests" else [flag, "/usr/bin/python3"]
    done = run_cli("scan", str(tmp_path), "--untrusted", *extra, "-o", str(tmp_path / "r.md"))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.md").exists()
