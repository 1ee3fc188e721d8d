"""The cached facts of each source file: identical to a fresh analysis, refreshed on change, never trusted corrupt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import FIXTURES

from riskaudit.caching.store import Cache
from riskaudit.sources import SourceFile, read_source
from riskaudit.caching.source_values import NAMESPACE, source_from_json, source_to_json, index_sources

EVERY_FACT = '''\
"""A module with one of each thing the index records."""
import sqlalchemy as sa


class Base:
    pass


class Repo(Base, sa.orm.Mapped[int]):
    async def fetch(self, session):
        try:
            rows = await session.execute(sa.select(Base).where(Base.id == None))
        except KeyError:
            return None
        finally:
            session.close()
        if hasattr(self, "cache"):
            self.cache.clear()
        return rows

    def plain(self):
        def inner():
            return 1
        return inner


async def top():
    if not hasattr(top, "calls"):
        return
    top.calls += 1
'''
BROKEN = "def broken(:\n    pass\n"


def _all_fixture_files() -> list[tuple[Path, str]]:
    return [(path.parent, path.name) for path in sorted(FIXTURES.rglob("*.py"))]


@pytest.mark.parametrize(("folder", "name"), _all_fixture_files(), ids=lambda item: str(item))
def test_facts_survive_the_round_trip_for_every_fixture_file(folder: Path, name: str) -> None:
    fresh = read_source(folder, name)
    value = json.loads(json.dumps(source_to_json(fresh)))
    assert source_from_json(name, fresh.lines, fresh.encoding_error, value) == fresh


@pytest.mark.parametrize("text", [EVERY_FACT, BROKEN, "", "# coding: latin-1\nx = 'caf\xe9'\n"])
def test_facts_survive_the_round_trip(tmp_path: Path, text: str) -> None:
    (tmp_path / "m.py").write_text(text, encoding="latin-1" if "latin-1" in text else "utf-8")
    fresh = read_source(tmp_path, "m.py")
    value = json.loads(json.dumps(source_to_json(fresh)))
    assert source_from_json("m.py", fresh.lines, fresh.encoding_error, value) == fresh


def test_the_module_exercises_every_fact(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(EVERY_FACT)
    source = read_source(tmp_path, "m.py")
    assert source.symbols and source.classes and source.async_functions
    assert source.async_methods and source.class_bases and source.error_paths and source.sql_regions


def _entries(folder: Path) -> list[Path]:
    return sorted((folder / NAMESPACE).rglob("*.json"))


def test_a_cached_index_equals_a_fresh_one_and_is_read_from_the_cache(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "a.py").write_text(EVERY_FACT)
    (project / "b.py").write_text(BROKEN)
    cache = Cache(tmp_path / "cache")
    fresh = index_sources(project, ["a.py", "b.py"])
    assert index_sources(project, ["a.py", "b.py"], cache) == fresh
    assert len(_entries(cache.folder or tmp_path)) == 2
    # a valid entry for these exact bytes is believed: plant one that differs to see it used
    (entry,) = [e for e in _entries(tmp_path / "cache") if json.loads(e.read_text())["value"]["parse_error"] == ""]
    data = json.loads(entry.read_text())
    data["value"]["classes"] = ["Planted"]
    entry.write_text(json.dumps(data))
    assert index_sources(project, ["a.py"], cache).files["a.py"].classes == frozenset({"Planted"})


def test_a_changed_file_gets_fresh_facts(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(EVERY_FACT)
    cache = Cache(tmp_path / "cache")
    index_sources(tmp_path, ["a.py"], cache)
    (tmp_path / "a.py").write_text(EVERY_FACT + "\n\nclass Added:\n    pass\n")
    assert "Added" in index_sources(tmp_path, ["a.py"], cache).files["a.py"].classes
    assert len(_entries(tmp_path / "cache")) == 2


@pytest.mark.parametrize(
    "corrupt",
    [
        {"classes": "Base"},
        {"symbols": [["Repo", "class", True, 30]]},
        {"symbols": [["Repo", "class", 9]]},
        {"imports": None},
        {"async_methods": [["Repo", "fetch"]]},
        {"class_bases": [[1, ["Base"]]]},
        {"error_paths": [["except", 12, 13, "14"]]},
        {"sql_regions": [[12]]},
        {"parse_error": 0},
    ],
    ids=lambda corrupt: next(iter(corrupt)),
)
def test_a_malformed_entry_is_discarded_and_replaced(tmp_path: Path, corrupt: dict[str, object]) -> None:
    (tmp_path / "a.py").write_text(EVERY_FACT)
    cache = Cache(tmp_path / "cache")
    fresh = read_source(tmp_path, "a.py")
    index_sources(tmp_path, ["a.py"], cache)
    (entry,) = _entries(tmp_path / "cache")
    data = json.loads(entry.read_text())
    data["value"].update(corrupt)
    entry.write_text(json.dumps(data))
    assert index_sources(tmp_path, ["a.py"], cache).files["a.py"] == fresh
    assert source_from_json("a.py", fresh.lines, "", json.loads(entry.read_text())["value"]) == fresh


def test_an_unreadable_file_is_named_and_not_cached(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    source: SourceFile = index_sources(tmp_path, ["missing.py"], cache).files["missing.py"]
    assert source.parse_error.startswith("cannot read")
    assert not _entries(tmp_path / "cache")
