"""Unit tests of what the environment decides: Python versions, interpreters, mypy's config and layout.

Also the folding of findings the environment explains.

The mypy messages come from real mypy runs captured in ``tests/data`` (see its README); the interpreters
probed are real ones.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest

from riskaudit.collectors.mypy import parse_json_output
from riskaudit.collectors.mypy_config import find_config, without_plugins
from riskaudit.collectors.mypy_layout import find_shadows, plan_layout, scan_imports, source_roots
from riskaudit.environment.issues import fold, newer_syntax
from riskaudit.environment.packages import MISSING, TYPED, UNTYPED, Package, package_states
from riskaudit.environment.python import (
    DeclaredPython,
    declared_python,
    matching_interpreters,
    minimum_version,
    tool_interpreter,
)
from riskaudit.models import RawFinding, ToolRun, ToolStatus
from riskaudit.sources import SourceIndex, build_index
from support import BROKEN_SOURCE, copy_fixture

DATA = Path(__file__).parent / "data"
FIXTURES = Path(__file__).parent / "fixtures"
LAYOUT_ROOT = Path("/tmp/riskaudit-layoutapp")
"""Where the layoutapp fixture was when the mypy outputs were captured."""
RUNNING = (sys.version_info[0], sys.version_info[1])


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# --- declared Python version ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        (">=3.12", (3, 12)),
        (">= 3.10, <4", (3, 10)),
        ("~=3.13", (3, 13)),
        ("==3.12.*", (3, 12)),
        ("^3.12", (3, 12)),
        (">=3.9 || >=3.12", (3, 9)),
        ("<4", None),
        ("!=3.10.0", None),
    ],
)
def test_minimum_version_of_a_specifier(specifier: str, expected: tuple[int, int] | None) -> None:
    assert minimum_version(specifier) == expected


@pytest.mark.parametrize(
    ("files", "version", "where"),
    [
        ({"pyproject.toml": '[project]\nname = "a"\nrequires-python = ">=3.12"\n'}, (3, 12), "requires-python"),
        ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.13"\n'}, (3, 13), "tool.poetry"),
        ({"setup.cfg": "[options]\npython_requires = >=3.11\n"}, (3, 11), "setup.cfg"),
        ({"setup.py": 'setup(name="a", python_requires=">=3.10")\n'}, (3, 10), "setup.py"),
    ],
)
def test_declared_python_is_read_from_packaging_metadata(
    tmp_path: Path, files: dict[str, str], version: tuple[int, int], where: str
) -> None:
    declared = declared_python(_write(tmp_path, files))
    assert declared is not None
    assert declared.version == version
    assert where in declared.source


def test_no_declared_python_without_metadata(tmp_path: Path) -> None:
    assert declared_python(_write(tmp_path, {"pyproject.toml": '[project]\nname = "a"\n'})) is None


# --- interpreters -----------------------------------------------------------------------------


def _fake_pyenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pyenv root whose one version is this interpreter (a real one, linked in)."""
    pyenv = tmp_path / "pyenv"
    binary = pyenv / "versions" / "this" / "bin"
    binary.mkdir(parents=True)
    (binary / "python3").symlink_to(os.path.realpath(sys.executable))
    monkeypatch.setenv("PYENV_ROOT", str(pyenv))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "no-uv"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    return binary / "python3"


def test_matching_interpreters_finds_pyenv_versions_new_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = _fake_pyenv(tmp_path, monkeypatch)
    found = matching_interpreters(tmp_path / "project", RUNNING)
    assert [(i.path, i.version, i.origin) for i in found] == [(str(python), RUNNING, "pyenv")]
    assert matching_interpreters(tmp_path / "project", (RUNNING[0], RUNNING[1] + 1)) == ()


def test_matching_interpreters_prefers_the_project_virtualenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_pyenv(tmp_path, monkeypatch)
    project = tmp_path / "project"
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "python").symlink_to(sys.executable)
    found = matching_interpreters(project, RUNNING)
    assert [i.origin for i in found] == [".venv"]  # the same interpreter is listed once


def test_tool_interpreter_keeps_the_usual_choice_when_no_newer_python_has_the_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_pyenv(tmp_path, monkeypatch)
    newer = (RUNNING[0], RUNNING[1] + 1)
    assert tool_interpreter(sys.executable, "mypy", tmp_path, newer) == (sys.executable, "riskaudit's environment")


# --- packages ---------------------------------------------------------------------------------


def test_package_states_ask_the_interpreter(tmp_path: Path) -> None:
    states = package_states(sys.executable, ["os", "mypy", "radon", "riskaudit_no_such_module"])
    assert states["os"].state == TYPED
    assert states["mypy"].state == TYPED  # ships py.typed
    assert states["radon"].state == UNTYPED
    assert states["riskaudit_no_such_module"] == Package(MISSING)


# --- mypy config ------------------------------------------------------------------------------


def test_config_without_plugins_keeps_everything_else(tmp_path: Path) -> None:
    project = _write(tmp_path / "p", {
        "pyproject.toml": (
            '[tool.mypy]\nfiles = ["lib"]\nmypy_path = "$MYPY_CONFIG_FILE_DIR/typings"\n'
            'plugins = ["plugins/local.py", "absent.plugin"]\nstrict = true\nexclude = ["a/", "b/"]\n\n'
            '[[tool.mypy.overrides]]\nmodule = ["lib.legacy", "lib.old.*"]\nignore_errors = true\n'
        ),
    })
    config = find_config(project)
    assert config is not None and config.plugins == ("plugins/local.py", "absent.plugin")
    copy = without_plugins(config, {"absent.plugin"}, tmp_path / "copy")
    text = copy.read_text(encoding="utf-8")
    folder = project.resolve()
    assert f"plugins = {folder}/plugins/local.py" in text
    assert "absent" not in text
    assert f"mypy_path = {folder}/typings" in text
    assert "files = lib" in text and "strict = True" in text and "exclude = a/|b/" in text
    assert "[mypy-lib.legacy,lib.old.*]" in text


def test_config_search_follows_mypy_order(tmp_path: Path) -> None:
    project = _write(tmp_path, {
        "setup.cfg": "[mypy]\nfiles = a\n",
        "pyproject.toml": "[tool.mypy]\nstrict = true\n",
    })
    config = find_config(project)
    assert config is not None and config.path.name == "pyproject.toml"
    assert not config.selects_files


# --- layout -----------------------------------------------------------------------------------


def _layout_files() -> list[str]:
    return sorted(p.relative_to(FIXTURES / "layoutapp").as_posix() for p in (FIXTURES / "layoutapp").rglob("*.py"))


def test_shadowing_folder_is_found_by_the_names_it_cannot_provide() -> None:
    root = FIXTURES / "layoutapp"
    files = _layout_files()
    shadows = find_shadows(root, files, scan_imports(root, files))
    assert [(s.folder, s.package, s.example.location) for s in shadows] == [("alembic", "alembic", "alembic/env.py:3")]


def test_namespace_package_with_its_modules_is_no_shadow(tmp_path: Path) -> None:
    files = {"app/core/db.py": "X = 1\n", "app/main.py": "from app.core import db\nfrom app import core\n"}
    root = _write(tmp_path, files)
    assert find_shadows(root, list(files), scan_imports(root, list(files))) == ()


def test_source_roots_come_from_the_project_imports() -> None:
    root = FIXTURES / "layoutapp"
    files = _layout_files()
    sites = scan_imports(root, files)
    installed = {"requests": Package(MISSING), "yaml": Package(UNTYPED, "/elsewhere/yaml")}
    assert source_roots(root, files, sites, installed, find_shadows(root, files, sites)) == ("src", "tests")


def test_a_folder_providing_an_installed_package_is_no_source_root(tmp_path: Path) -> None:
    files = {"scripts/requests.py": "X = 1\n", "scripts/run.py": "import requests\n"}
    root = _write(tmp_path, files)
    sites = scan_imports(root, list(files))
    elsewhere = {"requests": Package(TYPED, "/usr/lib/python3/site-packages/requests")}
    assert source_roots(root, list(files), sites, elsewhere, ()) == ()
    assert source_roots(root, list(files), sites, {"requests": Package(MISSING)}, ()) == ("scripts",)


def test_layout_respects_a_config_that_picks_files_or_bases(tmp_path: Path) -> None:
    files = {"src/app/x.py": "import app.x\n"}
    for config in ('files = ["src"]', "explicit_package_bases = true", "namespace_packages = false"):
        root = _write(tmp_path / str(abs(hash(config))), {**files, "pyproject.toml": f"[tool.mypy]\n{config}\n"})
        assert plan_layout(root, list(files), find_config(root), sys.executable).arguments == ()
    root = _write(tmp_path / "plain", files)
    layout = plan_layout(root, list(files), None, sys.executable)
    assert layout.arguments == ("--explicit-package-bases",)
    assert layout.search_path == (str(root / "src"), str(root))


def test_shadowed_package_that_is_not_installed_gets_a_stub(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    import venv

    venv.EnvBuilder(with_pip=False).create(bare)
    root = FIXTURES / "layoutapp"
    layout = plan_layout(root, _layout_files(), find_config(root), str(bare / "bin" / "python"))
    assert layout.stubs == ("alembic",)
    assert [issue.kind for issue in layout.issues] == ["shadowed-package"]
    assert "not installed" in layout.issues[0].detail
    assert layout.search_path[-1] == str(root)
    assert str(root / "alembic") in layout.search_path


# --- sources: attributes set on modules --------------------------------------------------------


def test_attributes_set_on_imported_modules_are_recorded() -> None:
    index = build_index(FIXTURES / "layoutapp", ["tests/conftest.py"])
    assert index.files["tests/conftest.py"].module_attributes == {"pytest.fixture_database", "pytest.slow_tests"}


# --- folding ----------------------------------------------------------------------------------


def _mypy_run(name: str) -> ToolRun:
    findings = parse_json_output((DATA / name).read_text(encoding="utf-8"), LAYOUT_ROOT)
    return ToolRun("mypy", ToolStatus.OK, version="mypy 2.4.1 (compiled: yes)", findings=findings)


def _installed(state_of: dict[str, str]) -> Callable[[Iterable[str]], Mapping[str, Package]]:
    return lambda names: {name: Package(state_of[name]) for name in names if name in state_of}


def test_missing_packages_and_stubs_and_runtime_attributes_fold_into_issues() -> None:
    index = build_index(FIXTURES / "layoutapp", _layout_files())
    run = _mypy_run("mypy-environment.jsonl")
    installed = {"requests": MISSING, "yaml": UNTYPED}
    folded = fold([run], index, None, {"app", "tests", "helpers"}, _installed(installed), "/venv/bin/python")
    summary = {(i.kind, i.subject): (i.findings, i.examples) for i in folded.issues}
    assert summary == {
        ("missing-package", "requests"): (1, ("src/app/api/routes.py:5",)),
        ("missing-stubs", "types-PyYAML"): (1, ("src/app/api/routes.py:6",)),
        ("runtime-attribute", "pytest"): (
            3, ("tests/conftest.py:8", "tests/test_routes.py:10", "tests/test_routes.py:11")
        ),
    }
    kept = {(f.path, f.line, f.code) for f in folded.runs[0].findings}
    assert kept == {
        ("src/app/api/routes.py", 18, "assignment"),
        ("tests/test_routes.py", 16, "assignment"),
        ("alembic/versions/abc123_create_items.py", 7, "assignment"),
    }


def test_project_modules_are_never_put_down_to_the_environment() -> None:
    index = build_index(FIXTURES / "layoutapp", _layout_files())
    run = _mypy_run("mypy-missing-packages.jsonl")
    installed = {"pytest": MISSING, "sqlalchemy": MISSING, "requests": MISSING, "yaml": MISSING}
    folded = fold([run], index, None, {"pytest"}, _installed(installed), "/venv/bin/python")
    subjects = {i.subject for i in folded.issues}
    assert subjects == {"sqlalchemy", "requests", "yaml"}
    assert sum(f.code == "import-not-found" for f in folded.runs[0].findings) == 2  # pytest: a project name here


NEWER = pytest.mark.skipif(sys.version_info >= (3, 14), reason="this interpreter reads Python 3.14 syntax")
NEWSYNTAX_FILES = ["app/__init__.py", "app/broken.py", "app/generic.py", "app/plain.py"]


def _newsyntax_index(tmp_path: Path) -> SourceIndex:
    project = copy_fixture("newsyntaxapp", tmp_path)
    (project / "app" / "broken.py").write_text(BROKEN_SOURCE, encoding="utf-8")
    return build_index(project, NEWSYNTAX_FILES)


DECLARED_314 = DeclaredPython((3, 14), 'requires-python in pyproject.toml: ">=3.14"')


@NEWER
def test_newer_syntax_is_told_from_a_real_syntax_error(tmp_path: Path) -> None:
    index = _newsyntax_index(tmp_path)
    assert newer_syntax(index, DECLARED_314, RUNNING) == ("app/generic.py",)
    assert newer_syntax(index, DeclaredPython(RUNNING, "x"), RUNNING) == ()
    assert newer_syntax(index, None, RUNNING) == ()


@NEWER
def test_syntax_errors_on_newer_syntax_fold_into_an_incomplete_python_version_issue(tmp_path: Path) -> None:
    index = _newsyntax_index(tmp_path)
    flake8 = ToolRun("flake8", ToolStatus.OK, findings=(
        RawFinding("flake8", "E999", "SyntaxError: invalid syntax", "app/generic.py", 6),
        RawFinding("flake8", "E999", "SyntaxError: invalid syntax", "app/broken.py", 4),
    ))
    mypy = ToolRun("mypy", ToolStatus.OK, version="mypy 2.4.1 (compiled: yes)", findings=(
        RawFinding("mypy", "syntax", "mypy cannot parse this file: Expected a parameter", "app/broken.py", 4),
    ))
    folded = fold([flake8, mypy], index, DECLARED_314, {"app"}, _installed({}), sys.executable, RUNNING)
    [issue] = folded.issues
    assert (issue.kind, issue.subject, issue.incomplete) == ("python-version", "3.14", True)
    assert issue.files == ("app/generic.py",)
    assert "flake8" in issue.detail and "radon" in issue.detail
    assert [(f.path, f.code) for f in folded.runs[0].findings] == [("app/broken.py", "E999")]


@NEWER
def test_mypy_syntax_error_for_the_declared_version_is_a_real_one(tmp_path: Path) -> None:
    index = _newsyntax_index(tmp_path)
    declared_312 = DeclaredPython((3, 12), "requires-python")  # `except A, B:` needs 3.14
    mypy = ToolRun("mypy", ToolStatus.OK, version="mypy 2.4.1 (compiled: yes)", findings=(
        RawFinding("mypy", "syntax", "Multiple exception types must be parenthesized", "app/generic.py", 40),
    ))
    folded = fold([mypy], index, declared_312, {"app"}, _installed({}), sys.executable, RUNNING)
    assert folded.issues == ()
    assert folded.runs[0].findings == mypy.findings


def test_project_names_are_the_importable_top_level_names() -> None:
    from riskaudit.scan import project_names

    paths = [
        "masakari/__init__.py", "masakari/engine/__init__.py", "masakari/engine/taskflow/__init__.py",
        "masakari/engine/taskflow/base.py", "tests/helpers.py", "src/app/main.py",
    ]
    names = project_names(paths)
    assert {"masakari", "tests", "helpers", "src", "app"} <= names
    assert "taskflow" not in names  # inside a package: `import taskflow` cannot mean it


def test_stub_hint_of_the_first_import_covers_the_later_ones() -> None:
    message = 'Library stubs not installed for "yaml" (Hint: "python3 -m pip install types-PyYAML")'
    first = RawFinding("mypy", "import-untyped", message, "a.py", 1)
    later = RawFinding("mypy", "import-untyped", 'Library stubs not installed for "yaml"', "b.py", 3)
    run = ToolRun("mypy", ToolStatus.OK, version="mypy 2.4.1", findings=(first, later))
    index = build_index(FIXTURES / "layoutapp", [])
    folded = fold([run], index, None, set(), _installed({"yaml": UNTYPED}), sys.executable)
    assert [(i.kind, i.subject, i.findings) for i in folded.issues] == [("missing-stubs", "types-PyYAML", 2)]
