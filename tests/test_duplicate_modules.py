"""Loose scripts that share a module name: one environment issue naming them, not a finding per file."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from support import run_cli


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any]]:
    """A package and three example folders (not importable names), each with its own ``app_config.py``."""
    root = tmp_path_factory.mktemp("dupes")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text('"""Package."""\n', encoding="utf-8")
    (root / "pkg" / "core.py").write_text('"""Core."""\n\n\ndef half(x: int) -> int:\n    """Half."""\n'
                                          '    return x // 2\n', encoding="utf-8")
    for name in ("one-app", "two-app", "three-app"):
        (root / "examples" / name).mkdir(parents=True)
        (root / "examples" / name / "app_config.py").write_text(
            '"""Config."""\n\nlimit: int = "ten"\n', encoding="utf-8"
        )
    out = root.parent / f"{root.name}.json"
    run = run_cli("scan", str(root), "--no-cache", "--python", sys.executable, "-f", "json", "-o", str(out))
    return run.returncode, json.loads(out.read_text(encoding="utf-8"))


def test_one_issue_names_the_files_left_out(scanned: tuple[int, dict[str, Any]]) -> None:
    _, data = scanned
    issues = [issue for issue in data["environment"] if issue["kind"] == "duplicate-module"]
    assert [issue["subject"] for issue in issues] == ["app_config"]
    assert issues[0]["findings"] == 2
    assert all(location.startswith("examples/") for location in issues[0]["examples"])


def test_no_finding_per_left_out_file_and_the_first_one_still_checked(scanned: tuple[int, dict[str, Any]]) -> None:
    code, data = scanned
    assert code != 2
    mypy = [f for f in data["findings"] if any(s.startswith("mypy:") for s in f["sources"])]
    assert not [f for f in mypy if "Duplicate module" in f["message"]]
    assigned = {f["path"] for f in mypy if "Incompatible types in assignment" in f["message"]}
    scripts = {f"examples/{n}/app_config.py" for n in ("one-app", "two-app", "three-app")}
    assert len(assigned) == 1 and assigned <= scripts
