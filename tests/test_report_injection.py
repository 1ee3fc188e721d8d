"""Text from the target (layer names, tool messages) cannot add structure or control bytes to a report."""

from __future__ import annotations

import json
import re
from pathlib import Path

from support import REPO, run_cli

from riskaudit.cli import _shown

GOLD = REPO / "tests" / "gold" / "asyncapp" / "report.json"
LAYER = "# INJECTED-H1 <img src=x onerror=alert(1)>"
MESSAGE = "\x1b[31m\x07 red ::warning file=x.py::pwned"


def _hostile_results(tmp_path: Path) -> Path:
    # the layer's name everywhere it is written, not its content kind (an enum of the schema)
    text = GOLD.read_text(encoding="utf-8").replace('"data access"', json.dumps(LAYER))
    data = json.loads(text)
    for layer in data["layers"]:
        if layer["content"] == LAYER:
            layer["content"] = "data access"
    data["findings"][0]["message"] = MESSAGE
    out = tmp_path / "hostile.json"
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def test_markdown_escapes_layer_names_and_drops_control_bytes(tmp_path: Path) -> None:
    results = _hostile_results(tmp_path)
    report = tmp_path / "report.md"
    run = run_cli("render", str(results), "-o", str(report))
    assert run.returncode == 0, run.stderr
    text = report.read_text(encoding="utf-8")
    assert "INJECTED-H1" in text
    assert not [line for line in text.splitlines() if line.lstrip("| ").startswith("# INJECTED")]
    assert re.search(r"(?<!\\)<img", text) is None
    assert "\x1b" not in text and "\x07" not in text


def test_html_escapes_layer_names_and_drops_control_bytes(tmp_path: Path) -> None:
    results = _hostile_results(tmp_path)
    report = tmp_path / "report.html"
    run = run_cli("render", str(results), "-f", "html", "-o", str(report))
    assert run.returncode == 0, run.stderr
    text = report.read_text(encoding="utf-8")
    assert "INJECTED-H1" in text
    assert "<img src=x" not in text


def test_terminal_text_cannot_start_a_workflow_command() -> None:
    shown = _shown(MESSAGE)
    assert "\x1b" not in shown and "\x07" not in shown
    assert "::" not in shown
    assert "[31m" in shown
