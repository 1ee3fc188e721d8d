"""The detectors and the rule files, linked both ways; the catalogue loads without the detectors."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from riskaudit.catalogue import default_catalogue, load_catalogue
from riskaudit.detectors.registry import ALL_DETECTORS
from riskaudit.detectors.base import Detector
from riskaudit.detectors.links import check_links, link_problems
from riskaudit.detectors.naive_datetime import NaiveDatetime
from riskaudit.errors import CatalogueError
from riskaudit.options import ScanOptions
from riskaudit.scan import scan

RULES = Path(__file__).resolve().parent.parent / "rules"


def _rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    return folder


def _probe(rule: str, code: str) -> type[Detector]:
    """A detector class that only carries the link attributes (it is never run)."""
    return type("Probe", (Detector,), {"RULE": rule, "CODE": code, "MESSAGE": "probe", "__module__": __name__})


def test_every_detector_and_every_riskaudit_mapping_are_linked() -> None:
    assert link_problems(default_catalogue(), ALL_DETECTORS) == []


@pytest.mark.parametrize("detector", ALL_DETECTORS, ids=lambda d: d.__name__)
def test_the_rule_file_of_each_detector_maps_its_code(detector: type[Detector]) -> None:
    rule = default_catalogue().get(detector.RULE)
    assert rule.path is not None and rule.path.name.startswith(f"{detector.RULE}-")
    assert f'tool = "riskaudit"\ncode = "{detector.CODE}"' in rule.path.read_text(encoding="utf-8")


def test_a_detector_feeding_an_unknown_rule_is_named() -> None:
    with pytest.raises(CatalogueError) as caught:
        check_links(default_catalogue(), [*ALL_DETECTORS, _probe("RA599", "probe-code")])
    assert str(caught.value) == f"detector {__name__}.Probe: feeds rule 'RA599', which no rule file defines"


def test_a_detector_whose_rule_does_not_map_its_code_is_named() -> None:
    catalogue = default_catalogue()
    problems = link_problems(catalogue, [*ALL_DETECTORS, _probe("RA501", "probe-code")])
    assert problems == [
        f"detector {__name__}.Probe: its rule file {catalogue.get('RA501').path} does not map its code "
        '(add [[mappings]] tool = "riskaudit", code = "probe-code")'
    ]


def test_a_rule_file_whose_detector_code_is_gone_is_named(tmp_path: Path) -> None:
    folder = _rules_copy(tmp_path)
    path = folder / "RA501-naive-datetime.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('code = "naive-datetime"', 'code = "naive-datetimes"'), encoding="utf-8")
    problems = link_problems(load_catalogue(folder), ALL_DETECTORS)
    assert problems == [
        f"detector {NaiveDatetime.__module__}.NaiveDatetime: its rule file {path} does not map its code "
        '(add [[mappings]] tool = "riskaudit", code = "naive-datetime")',
        f"{path}: mappings[0]: no detector has the code 'naive-datetimes' (nor does any other riskaudit finding)",
    ]


def test_a_deleted_rule_file_is_named_by_its_detector(tmp_path: Path) -> None:
    folder = _rules_copy(tmp_path)
    (folder / "RA501-naive-datetime.toml").unlink()
    problems = link_problems(load_catalogue(folder), ALL_DETECTORS)
    assert problems == [
        f"detector {NaiveDatetime.__module__}.NaiveDatetime: feeds rule 'RA501', which no rule file defines"
    ]


def test_a_scan_with_a_broken_link_stops_before_any_tool_runs(tmp_path: Path) -> None:
    folder = _rules_copy(tmp_path)
    (folder / "RA508-mocked-database.toml").unlink()
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="feeds rule 'RA508', which no rule file defines"):
        scan(project, ScanOptions(python=sys.executable), load_catalogue(folder))
    assert not (project / ".riskaudit_cache").exists()


def test_rules_and_explain_import_neither_libcst_nor_the_detectors() -> None:
    script = textwrap.dedent(
        """
        import sys
        from typer.testing import CliRunner
        from riskaudit.cli import app
        for args in (["rules"], ["explain", "RA501"]):
            result = CliRunner().invoke(app, args)
            assert result.exit_code == 0, result.output
        loaded = sorted(m for m in sys.modules if m == "libcst" or m.startswith(("libcst.", "riskaudit.detectors")))
        print(loaded)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
