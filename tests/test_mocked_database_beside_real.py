"""A mocked session is RA508 where no test uses a real database, RA517 (minor) where others do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import run_cli

FILES = {
    "app/__init__.py": "",
    "app/repo.py": (
        '"""Orders."""\nfrom sqlalchemy import select\nfrom sqlalchemy.orm import Session\n\n\n'
        'def count(session: Session) -> int:\n    """How many orders."""\n'
        "    return len(session.execute(select(1)).all())\n"
    ),
    "tests/test_mocked.py": (
        "from unittest.mock import Mock\n\nfrom sqlalchemy.orm import Session\n\nfrom app.repo import count\n\n\n"
        "def test_count():\n    session = Mock(spec=Session)\n    assert count(session) == 0\n"
    ),
}
REAL = {
    "tests/test_real.py": (
        "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import Session\n\nfrom app.repo import count\n\n\n"
        "def test_count():\n    with Session(create_engine('sqlite://')) as session:\n"
        "        assert count(session) == 1\n"
    ),
}


def _findings(tmp_path: Path, files: dict[str, str]) -> list[dict[str, Any]]:
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    out = tmp_path / "out.json"
    done = run_cli("scan", str(tmp_path), "--no-cache", "--fail-on", "none", "-f", "json", "-o", str(out))
    assert done.returncode == 0, done.stderr
    return list(json.loads(out.read_text("utf-8"))["findings"])


@pytest.mark.parametrize("with_real", [False, True])
def test_the_mock_is_judged_by_the_rest_of_the_suite(tmp_path: Path, with_real: bool) -> None:
    found = _findings(tmp_path, {**FILES, **(REAL if with_real else {})})
    database = {(f["rule_id"], f["path"], f["line"]) for f in found if f["rule_id"] in ("RA508", "RA509", "RA517")}
    if with_real:
        assert database == {("RA517", "tests/test_mocked.py", 9)}
        (mock,) = [f for f in found if f["rule_id"] == "RA517"]
        assert mock["message"].endswith("; other tests run against a real database (tests/test_real.py)")
    else:
        assert database == {("RA508", "tests/test_mocked.py", 9), ("RA509", None, None)}
