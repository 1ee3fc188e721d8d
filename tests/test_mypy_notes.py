"""A mypy run that prints notes only is a clean run, though mypy's JSON output makes it exit 1."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from support import run_cli

from riskaudit.collectors.mypy import only_notes

NOTE = (
    '{"file": "m.py", "line": 2, "column": 4, "message": "By default the bodies of untyped functions are not '
    'checked, consider using --check-untyped-defs", "hint": null, "code": "annotation-unchecked", '
    '"severity": "note"}'
)
ERROR = '{"file": "m.py", "line": 3, "column": 4, "message": "boom", "hint": null, "code": "misc", "severity": "error"}'


def test_only_notes() -> None:
    assert only_notes(NOTE + "\n" + NOTE + "\n")
    assert not only_notes(NOTE + "\n" + ERROR + "\n")
    assert not only_notes("")
    assert not only_notes(NOTE + "\nm.py:3: error: boom\n")


def test_a_project_with_notes_only_has_a_complete_mypy_run(tmp_path: Path) -> None:
    project = tmp_path / "notes"
    project.mkdir()
    (project / "m.py").write_text(
        '"""Module."""\n\n\ndef f():  # noqa: ANN201\n    """Untyped."""\n    x: list[str] = []\n    return x\n',
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    run = run_cli("scan", str(project), "--no-cache", "--python", sys.executable, "-f", "json", "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    mypy = next(r for r in data["runs"] if r["name"] == "mypy")
    assert mypy["status"] == "ok", mypy
    assert run.returncode != 2, run.stderr
