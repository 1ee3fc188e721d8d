"""A partial test run is recognised from the coverage data, and its gaps are not called untested code.

The project's ``.coveragerc`` omits the tests, as most do, so which test modules ran is read from what
they import. Real coverage runs of the real suite: one of part of it, one of all of it.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import run_cli

from riskaudit.coverage_reach import run_reach
from riskaudit.models import FileCoverage, NotRun
from riskaudit.module_imports import module_level_imports

FILES = {
    ".coveragerc": "[run]\nsource = shop\nomit = tests/*\n",
    "shop/__init__.py": "",
    "shop/cart.py": '"""Carts."""\n\n\ndef total(prices):\n    """The sum."""\n    return sum(prices)\n',
    "shop/billing.py": (
        '"""Billing."""\n\n\ndef charge(amount):\n    """Charge, or report a refusal."""\n    try:\n'
        "        return round(amount, 2)\n    except TypeError:  # defect: untested except\n"
        '        return "refused"\n'
    ),
    "tests/test_cart.py": "from shop.cart import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n",
    "tests/test_billing.py": (
        "from shop import billing\n\n\ndef test_charge():\n    assert billing.charge(1.234) == 1.23\n"
    ),
}


def _scanned(tmp_path: Path, name: str, *tests: str) -> dict[str, Any]:
    """The JSON results of a scan after a coverage run of the given test files."""
    project = tmp_path / name
    for path, text in FILES.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
    ran = subprocess.run(command, cwd=project, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    out = tmp_path / f"{name}.json"
    done = run_cli("scan", str(project), "--no-cache", "--fail-on", "none", "-f", "json", "-o", str(out))
    assert done.returncode == 0, done.stderr
    return dict(json.loads(out.read_text("utf-8")))


@pytest.fixture(scope="module")
def partial(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _scanned(tmp_path_factory.mktemp("reach"), "partial", "tests/test_cart.py")


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _scanned(tmp_path_factory.mktemp("reach"), "whole", "tests")


def _untested(data: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(f["rule_id"], f["path"], f["line"]) for f in data["findings"] if f["rule_id"] in ("RA303", "RA305")]


def test_the_test_module_left_out_is_named_with_the_evidence(partial: dict[str, Any]) -> None:
    coverage = partial["coverage"]
    assert coverage["not_run"] == [{"test": "tests/test_billing.py", "evidence": "shop/billing.py"}]
    assert coverage["tests_judged"] == 2 and coverage["unverified"] == ["shop/billing.py"]
    run = next(r for r in partial["runs"] if r["name"] == "coverage")
    assert run["status"] == "ok"
    assert "partial test run: 1 of 2 test modules did not run (tests/test_billing.py: shop/billing.py, which it" in (
        run["reason"]
    )


def test_the_report_says_the_run_was_partial(partial: dict[str, Any], tmp_path: Path) -> None:
    results = tmp_path / "partial.json"
    results.write_text(json.dumps(partial), encoding="utf-8")
    done = run_cli("render", str(results), "-o", str(tmp_path / "partial.md"))
    assert done.returncode == 0, done.stderr
    assert (
        "**Partial test run.** 1 of the 2 test modules the data can judge did not run: `tests/test_billing.py`. "
        "The 1 file(s) they import count as not measured"
    ) in (tmp_path / "partial.md").read_text("utf-8")


def test_code_only_the_left_out_tests_reach_is_not_called_untested(
    partial: dict[str, Any], whole: dict[str, Any]
) -> None:
    # the whole suite runs charge() but never its except: that is untested; the partial run says nothing of it
    assert _untested(whole) == [("RA303", "shop/billing.py", 8)]
    assert _untested(partial) == []
    assert whole["coverage"]["not_run"] == [] and whole["coverage"]["unverified"] == []
    billing = [f for f in partial["findings"] if f["path"] == "shop/billing.py"]
    assert all(f["coverage"] is None for f in billing)


def _module(text: str) -> ast.Module:
    return ast.parse(text)


def test_module_level_imports_are_those_that_run_on_import() -> None:
    text = (
        "import a.b\nfrom c import d\nfrom . import sibling\nfrom ..up import thing\n"
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import hidden\n"
        "try:\n    import fast\nexcept ImportError:\n    import slow\n"
        "if VERSION > 2:\n    import conditional\n"
        "def later():\n    import lazy\n"
        "class Holder:\n    import inside\n"
    )
    found = module_level_imports(_module(text), "pkg.tests.test_x")
    assert found == (
        "a.b", "c", "c.d", "pkg.tests", "pkg.tests.sibling", "pkg.up", "pkg.up.thing", "typing",
        "typing.TYPE_CHECKING", "fast",
    )
    assert module_level_imports(_module("from . import x\n"), "pkg", is_package=True) == ("pkg", "pkg.x")
    assert module_level_imports(_module("from ... import x\n"), "pkg.mod") == ()


def _measured(path: str, statements: int, missing: int) -> FileCoverage:
    return FileCoverage(path, statements, tuple(range(1, missing + 1)), 0.0, "0")


def test_a_measured_test_module_says_itself_whether_it_ran() -> None:
    files = [_measured("tests/test_a.py", 4, 4), _measured("tests/test_b.py", 4, 0), _measured("app.py", 3, 0)]
    imports = {"tests/test_a.py": ("app",), "tests/test_b.py": ("app",), "app.py": ()}
    reach = run_reach(files, imports, ["tests/test_a.py", "tests/test_b.py"])
    assert reach.judged == 2
    assert reach.not_run == (NotRun("tests/test_a.py", "not executed"),)
    assert dict(reach.unverified) == {"app.py": ("tests/test_a.py",)}


def test_tests_the_data_cannot_judge_are_not_counted() -> None:
    # a test importing nothing measured (or only empty modules) says nothing about the run
    files = [_measured("pkg/__init__.py", 0, 0), _measured("pkg/core.py", 2, 0)]
    imports = {
        "tests/test_a.py": ("pkg", "os"), "tests/conftest.py": ("pkg.core",), "pkg/__init__.py": (), "pkg/core.py": (),
    }
    reach = run_reach(files, imports, ["tests/test_a.py", "tests/conftest.py"])
    assert (reach.judged, reach.not_run, dict(reach.unverified)) == (0, (), {})


def test_a_test_that_ran_loaded_what_its_helpers_import_and_is_judged_by_it() -> None:
    # test_api imports a helper (not measured: the tests are omitted) that imports app/urls.py, which ran nothing
    files = [_measured("app/urls.py", 5, 5), _measured("app/views.py", 4, 1), _measured("app/db.py", 3, 0)]
    imports = {
        "tests/test_api.py": ("tests.fakes", "app.views"),
        "tests/fakes.py": ("app.urls",),
        "app/views.py": ("app.db",),
        "app/urls.py": (),
        "app/db.py": (),
    }
    reach = run_reach(files, imports, ["tests/test_api.py", "tests/fakes.py"])
    assert reach.not_run == (NotRun("tests/test_api.py", "app/urls.py"),)
    # what it tests: its own imports and its helpers', not what those production modules import in turn
    assert dict(reach.unverified) == {"app/urls.py": ("tests/test_api.py",), "app/views.py": ("tests/test_api.py",)}
