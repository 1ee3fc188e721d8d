"""The files a cached mypy result is keyed by besides the analysed modules: stubs and search folders."""

from __future__ import annotations

import os
from pathlib import Path

from riskaudit.collectors.mypy_config import MypyConfig
from riskaudit.collectors.mypy_inputs import read_inputs, search_folders
from riskaudit.discovery import discover_files


def test_search_folders_come_from_mypy_path_and_mypypath(tmp_path: Path) -> None:
    config = MypyConfig(tmp_path / "setup.cfg", {"mypy_path": "$MYPY_CONFIG_FILE_DIR/stubs, typings:src"})
    environment = os.pathsep.join(["/opt/shared", "", "typings"])
    assert search_folders(tmp_path, config, environment) == (
        tmp_path / "stubs", tmp_path / "typings", tmp_path / "src", Path("/opt/shared"),
    )
    assert search_folders(tmp_path, None, None) == ()


def test_inputs_are_the_targets_stubs_and_what_the_search_folders_hold(tmp_path: Path) -> None:
    root, shared = tmp_path / "root", tmp_path / "shared"
    for path in ("pkg/mod.py", "pkg/mod.pyi", "typings/lib.pyi", ".venv/lib/site.pyi", "notes.txt"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("", encoding="utf-8")
    (shared / "helpers").mkdir(parents=True)
    (shared / "helpers" / "__init__.py").write_text("", encoding="utf-8")
    (shared / "README.md").write_text("", encoding="utf-8")
    assert read_inputs(root, discover_files(root).stubs, [shared]) == (
        root / "pkg/mod.pyi", root / "typings/lib.pyi", shared / "helpers" / "__init__.py",
    )
