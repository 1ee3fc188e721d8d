"""Real scans of fixture projects whose analysis the environment shapes.

Module layout, mypy config and plugins, a newer declared Python, packages the environment lacks.

Every scan runs the real flake8, mypy, radon and libcst on a copy of a fixture in ``tests/fixtures``.
"""

from __future__ import annotations

import json
import sys
import venv
from pathlib import Path

import pytest

from riskaudit.catalogue import default_catalogue
from riskaudit.gate import exit_code
from riskaudit.options import ScanOptions
from riskaudit.results import ScanResult
from riskaudit.scan import scan
from support import BROKEN_SOURCE, copy_fixture, marker_lines, run_cli


def _scan(project: Path, python: str = sys.executable) -> ScanResult:
    return scan(project, ScanOptions(python=python, use_cache=False), default_catalogue())


def _mypy_findings(result: ScanResult) -> set[tuple[str, str | None, int | None]]:
    return {(f.rule_id, f.path, f.line) for f in result.findings if any(s.startswith("mypy:") for s in f.sources)}


@pytest.fixture(scope="module")
def layoutapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A src layout with a namespace package, a `time.py`, an alembic/ folder and test helpers."""
    return copy_fixture("layoutapp", tmp_path_factory.mktemp("layoutapp"))


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An interpreter of a virtualenv without any package: the project's dependencies are missing."""
    folder = tmp_path_factory.mktemp("bare") / "venv"
    venv.EnvBuilder(with_pip=False).create(folder)
    return str(folder / "bin" / "python")


@pytest.fixture(scope="module")
def layout_result(layoutapp: Path) -> ScanResult:
    """The layout fixture scanned with riskaudit's interpreter (alembic, pytest and yaml installed)."""
    return _scan(layoutapp)


def test_modules_are_named_as_the_project_imports_them(layoutapp: Path, layout_result: ScanResult) -> None:
    expected = {
        ("RA107", "src/app/api/routes.py", marker_lines(layoutapp / "src/app/api/routes.py", "project-module-type")[0]),
        ("RA107", "tests/test_routes.py", marker_lines(layoutapp / "tests/test_routes.py", "helper-type")[0]),
        (
            "RA107",
            "alembic/versions/abc123_create_items.py",
            marker_lines(layoutapp / "alembic/versions/abc123_create_items.py", "migration-type")[0],
        ),
    }
    assert _mypy_findings(layout_result) == expected
    mypy = layout_result.run("mypy")
    assert mypy is not None and mypy.command[0] == "MYPYPATH=src:tests:alembic:."
    assert "--explicit-package-bases" in mypy.command


def test_environment_issues_replace_import_and_attribute_findings(layout_result: ScanResult) -> None:
    issues = {(i.kind, i.subject): i for i in layout_result.environment}
    assert set(issues) == {
        ("shadowed-package", "alembic"),
        ("missing-package", "requests"),
        ("missing-stubs", "types-PyYAML"),
        ("runtime-attribute", "pytest"),
    }
    assert issues[("runtime-attribute", "pytest")].findings == 3
    assert issues[("missing-package", "requests")].examples == ("src/app/api/routes.py:5",)
    assert not {f.rule_id for f in layout_result.findings} & {"RA104", "RA112", "RA103"}
    assert exit_code(layout_result) == 0


def test_missing_dependencies_are_one_issue_each(layoutapp: Path, bare_python: str) -> None:
    result = _scan(layoutapp, bare_python)
    kinds = {(i.kind, i.subject) for i in result.environment}
    assert ("shadowed-package", "alembic") in kinds
    assert {("missing-package", name) for name in ("pytest", "requests", "sqlalchemy", "yaml")} <= kinds
    shadow = next(i for i in result.environment if i.kind == "shadowed-package")
    assert "not installed" in shadow.detail
    # alembic is not installed: mypy resolves `from alembic import op` to the stub, not to the folder
    assert not any("alembic" in f.message for f in result.findings)
    assert ("RA107", "alembic/versions/abc123_create_items.py", 7) in _mypy_findings(result)
    assert not {f.rule_id for f in result.findings} & {"RA104", "RA112"}


def test_config_files_mypy_path_and_a_missing_plugin(tmp_path: Path) -> None:
    project = copy_fixture("configapp", tmp_path)
    result = _scan(project)
    mypy = result.run("mypy")
    assert mypy is not None and mypy.status.value == "ok", mypy.reason if mypy else ""
    line = marker_lines(project / "lib/service.py", "stub-arg-type")[0]
    assert _mypy_findings(result) == {("RA108", "lib/service.py", line)}  # scripts/ and lib/legacy.py: not checked
    [issue] = [i for i in result.environment if i.kind == "missing-plugin"]
    assert issue.subject == "absent_vendor_sdk.mypy_plugin"
    assert "No module named 'absent_vendor_sdk'" in issue.detail
    assert exit_code(result) == 0


def _newsyntaxapp(tmp_path: Path) -> Path:
    """The newer-syntax fixture, with a file no Python parses added."""
    project = copy_fixture("newsyntaxapp", tmp_path)
    (project / "app" / "broken.py").write_text(BROKEN_SOURCE, encoding="utf-8")
    return project


NEWER = pytest.mark.skipif(sys.version_info >= (3, 14), reason="this interpreter reads Python 3.14 syntax")


@NEWER
def test_newer_python_syntax_makes_the_analysis_incomplete_not_a_syntax_error(tmp_path: Path) -> None:
    project = _newsyntaxapp(tmp_path)
    report = tmp_path / "report.json"
    run = run_cli("scan", str(project), "--no-cache", "-f", "json", "-o", str(report))
    assert run.returncode == 2, run.stderr
    assert "INCOMPLETE" in run.stderr and "Python 3.14" in run.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    [issue] = [i for i in data["environment"] if i["kind"] == "python-version"]
    assert issue["files"] == ["app/generic.py"] and issue["incomplete"] is True
    syntax = [(f["rule_id"], f["path"]) for f in data["findings"] if f["rule_id"] == "RA211"]
    assert syntax == [("RA211", "app/broken.py")]
    generic = {(f["rule_id"], f["line"]) for f in data["findings"] if f["path"] == "app/generic.py"}
    line = marker_lines(project / "app/generic.py", "newer-syntax-type")[0]
    # mypy checked the file for Python 3.14: the real type error, no "missing" batched/override
    assert {rule for rule, _ in generic} <= {"RA107", "RA201", "RA203"}
    assert ("RA107", line) in generic


@NEWER
def test_markdown_report_has_the_environment_section(tmp_path: Path) -> None:
    project = _newsyntaxapp(tmp_path)
    report = tmp_path / "report.md"
    run = run_cli("scan", str(project), "--no-cache", "-o", str(report))
    assert run.returncode == 2
    text = report.read_text(encoding="utf-8")
    assert "**Verdict: INCOMPLETE.**" in text and "1 file(s) not analysed" in text
    section = text.split("## Environment", 1)[1].split("\n## ", 1)[0]
    assert "**python-version** `3.14`" in section and "`app/generic.py`" in section and "**Fix**" in section
    assert text.index("## Tools") < text.index("## Environment") < text.index("## Findings by severity")
