"""Which config file a scan reads: ``--config``, else the nearest pyproject.toml upwards, not above the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_cli

from riskaudit.config import find_config, rebase, scan_options
from riskaudit.errors import ConfigError

_APP = "def total(prices):\n    return sum(prices)\n"


def _project(root: Path, table: str) -> Path:
    """A project whose root pyproject.toml holds table, with its code in app/ (no config of its own)."""
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "logic.py").write_text(_APP, encoding="utf-8")
    (root / "pyproject.toml").write_text(f'[project]\nname = "p"\nversion = "0"\n\n{table}', encoding="utf-8")
    return root


def test_a_subfolder_scan_reads_the_project_roots_table(tmp_path: Path) -> None:
    root = _project(tmp_path / "repo", '[tool.riskaudit]\nfail-on = "none"\nexclude = ["app/generated/**"]\n')
    options = scan_options(root / "app", {})
    assert options.config == (root / "pyproject.toml").resolve()
    assert options.fail_on == "none" and options.exclude == ("generated/**",)


def test_the_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    _project(tmp_path, '[tool.riskaudit]\nfail-on = "none"\n')
    repo = tmp_path / "checkout"
    (repo / ".git").mkdir(parents=True)
    (repo / "src").mkdir()
    assert find_config(repo / "src") is None
    assert scan_options(repo / "src", {}).fail_on == "critical"


def test_the_nearest_pyproject_wins_even_without_a_table(tmp_path: Path) -> None:
    root = _project(tmp_path, '[tool.riskaudit]\nfail-on = "none"\n')
    (root / "app" / "pyproject.toml").write_text('[project]\nname = "nested"\n', encoding="utf-8")
    options = scan_options(root / "app", {})
    assert options.config == (root / "app" / "pyproject.toml").resolve() and options.fail_on == "critical"


def test_config_names_the_file_and_refuses_a_missing_one(tmp_path: Path) -> None:
    root = _project(tmp_path, "")
    other = tmp_path / "ci.toml"
    other.write_text('[tool.riskaudit]\nfail-on = "high"\n', encoding="utf-8")
    assert scan_options(root, {"config": other}).fail_on == "high"
    with pytest.raises(ConfigError, match="no such config file"):
        scan_options(root, {"config": tmp_path / "absent.toml"})


@pytest.mark.parametrize(
    ("pattern", "prefix", "expected"),
    [
        ("app/generated/**", "app/", "generated/**"),
        ("tests/**", "app/", None),
        ("**/migrations/*", "app/", "**/migrations/*"),
        ("legacy/*", "", "legacy/*"),
        ("generated", "app/", "generated"),  # a bare name matches at any depth
        ("generated/", "app/", "generated/"),
        ("app/generated", "app/", "generated"),
    ],
)
def test_globs_are_rebased_onto_the_scanned_folder(pattern: str, prefix: str, expected: str | None) -> None:
    assert rebase(pattern, prefix) == expected


def test_the_report_names_the_config_read(tmp_path: Path) -> None:
    root = _project(tmp_path / "repo", '[tool.riskaudit]\nfail-on = "none"\n')
    out = tmp_path / "r.json"
    result = run_cli("scan", "app", "--format", "json", "--output", str(out), "--no-cache", cwd=root)
    assert result.returncode == 0, result.stderr
    meta = json.loads(out.read_text(encoding="utf-8"))["meta"]
    assert (meta["config"], meta["fail_on"]) == ("../pyproject.toml", "none")
