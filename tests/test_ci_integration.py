"""The integration files and the README's CI instructions say what riskaudit really does."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml

from riskaudit.report.formats import EXTENSIONS, FORMATS
from riskaudit.suppressions import parse_comment
from support import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "riskaudit"
    assert hook["entry"] == "riskaudit scan"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False and hook["always_run"] is True
    assert hook["args"] == ["--fail-on", "critical"]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert hook["entry"].split()[0] in scripts


def _workflow() -> dict[str, Any]:
    (text,) = [block for block in _blocks("yaml") if "upload-sarif" in block]
    workflow = yaml.safe_load(text)
    assert isinstance(workflow, dict)
    return workflow


def test_readme_workflow_gates_and_always_uploads() -> None:
    (job,) = _workflow()["jobs"].values()
    steps = job["steps"]
    gate = next(step for step in steps if "riskaudit scan" in step.get("run", ""))
    assert gate["run"].strip() == "riskaudit scan . --format sarif --output riskaudit.sarif --fail-on critical"
    upload = next(step for step in steps if "upload-sarif" in step.get("uses", ""))
    assert upload["if"] == "always()"
    assert upload["with"]["sarif_file"] == "riskaudit.sarif"
    assert steps.index(upload) > steps.index(gate)
    assert _workflow()["permissions"]["security-events"] == "write"


def test_readme_names_every_format_and_extension() -> None:
    assert "--format {" + ",".join(FORMATS) + "}" in README
    for fmt in ("sarif", "github"):
        assert f"riskaudit-report.{EXTENSIONS[fmt]}" in README


def test_readme_suppression_examples_are_valid() -> None:
    (block,) = [b for b in _blocks("python") if "riskaudit: ignore" in b]
    for number, line in enumerate(block.splitlines(), 1):
        comment = line[line.index("#"):]
        parsed = parse_comment("example.py", number, comment)
        assert parsed is not None and parsed.rule_ids and parsed.reason and not parsed.problem, line


def test_readme_points_at_the_shipped_schema() -> None:
    assert "riskaudit/schema/results-v1.schema.json" in README
    assert (REPO / "riskaudit" / "schema" / "results-v1.schema.json").is_file()
