"""bugbear's B027 (an empty method of an abstract base class) on an optional hook is minor, real flake8 run.

A hook the base class calls itself, or one that documents doing nothing by default, is meant to be
empty: subclasses may fill it in. An empty method nobody calls and nothing documents may be a
forgotten ``@abstractmethod`` and stays a likely bug (RA205).
"""

from __future__ import annotations

import json
from pathlib import Path

from support import run_cli

SOURCE = '''"""Backends."""

from abc import ABC, abstractmethod


class Backend(ABC):
    """A storage backend."""

    @abstractmethod
    def connect(self) -> None:
        """Open the connection."""

    def drop_all(self) -> None:
        """Drop every table, then what the backend adds."""
        self.connect()
        self.drop_extra()

    def drop_extra(self) -> None:
        pass

    def on_load(self) -> None:
        """Do nothing by default; subclasses may react to a load."""

    def forgotten(self) -> None:
        pass
'''


def test_an_optional_hook_is_minor_and_a_forgotten_abstract_is_not(tmp_path: Path) -> None:
    (tmp_path / "backends.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / ".flake8").write_text("[flake8]\nselect = B027\n", encoding="utf-8")
    out = tmp_path / "out.json"
    done = run_cli("scan", str(tmp_path), "--no-cache", "--fail-on", "none", "-f", "json", "-o", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text("utf-8"))
    lines = {n: line.strip() for n, line in enumerate(SOURCE.splitlines(), start=1)}
    b027 = {lines[f["line"]]: f["rule_id"] for f in data["findings"] if "flake8:B027" in f["sources"]}
    assert b027 == {
        "def drop_extra(self) -> None:": "RA217",  # the base class calls it: a template-method hook
        "def on_load(self) -> None:": "RA217",  # documents doing nothing by default
        "def forgotten(self) -> None:": "RA205",
    }
