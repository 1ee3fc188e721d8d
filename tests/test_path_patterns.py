"""Config path patterns: globs in which ``*`` crosses folders, and .gitignore's rules for folder and bare names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from riskaudit.catalogue import default_catalogue
from riskaudit.options import ScanOptions
from riskaudit.path_patterns import matches, unmatched
from riskaudit.scan import prepare, scan


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("legacy/old.py", "legacy/*", True),  # a glob: * crosses folders
        ("pkg/a/b_pb2.py", "*_pb2.py", True),
        ("generated/gen.py", "generated", True),  # a folder name: everything below it
        ("generated/deep/gen.py", "generated/", True),
        ("pkg/generated/gen.py", "generated", True),  # a bare name: at any depth
        ("pkg/generated/gen.py", "generated/", True),
        ("app/generated/gen.py", "app/generated", True),  # with a slash: anchored at the root
        ("lib/app/generated/gen.py", "app/generated", False),
        ("tests/unit/conftest.py", "conftest.py", True),
        ("conftest.py/x.py", "conftest.py/", True),
        ("pkg/conftest.py", "conftest.py/", False),  # a trailing slash names folders only
        ("generated_code.py", "generated", False),
        ("app/models.py", "", False),
    ],
)
def test_pattern_matching(path: str, pattern: str, expected: bool) -> None:
    assert matches(path, pattern) is expected


def test_patterns_that_match_no_path_are_named_once_in_order() -> None:
    paths = ["app/a.py", "generated/g.py"]
    assert unmatched(["generatd", "generated", "app/*", "generatd", "tests/*"], paths) == ("generatd", "tests/*")


def _project(root: Path) -> Path:
    for name in ("app/__init__.py", "app/generated/gen.py", "generated/top.py", "tests/test_a.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text('"""A module."""\n', encoding="utf-8")
    return root


def test_exclude_by_folder_name_and_notes_for_patterns_that_match_nothing(tmp_path: Path) -> None:
    options = ScanOptions(
        python=sys.executable, exclude=("generated", "generatd/"), per_file_ignores=(("test/*", ("RA2",)),)
    )
    target = prepare(_project(tmp_path), options)
    assert sorted(f.path for f in target.files) == ["app/__init__.py", "tests/test_a.py"]
    assert target.not_analysed == (
        "2 file(s) excluded by [tool.riskaudit] exclude",
        "[tool.riskaudit] exclude pattern 'generatd/' matches no Python file",
        "[tool.riskaudit] per-file-ignores pattern 'test/*' matches no analysed file",
    )


def test_the_notes_reach_the_report(tmp_path: Path) -> None:
    result = scan(_project(tmp_path), ScanOptions(python=sys.executable, exclude=("vendor",)), default_catalogue())
    assert "[tool.riskaudit] exclude pattern 'vendor' matches no Python file" in result.meta.not_analysed
