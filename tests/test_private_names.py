"""Private names the project defines: found by the index, used before positions, and part of the cache key."""

from __future__ import annotations

from pathlib import Path

from riskaudit.caching.store import Cache
from riskaudit.detectors.registry import ALL_DETECTORS
from riskaudit.detectors.project import project_symbols
from riskaudit.detectors.runner import run_detectors
from riskaudit.models import ToolRun
from riskaudit.sources import read_source
from riskaudit.caching.source_values import index_sources

DEFINITIONS = '''\
_module_level = 1
__dunder__ = 2
_ = 3
_sunder_ = 4


class _Hidden:
    _class_level = 5
    __slots__ = ("_slot_a", "_slot_b")

    def __init__(self, other):
        self._on_self = 1
        other._on_other, (first._in_tuple, *rest._starred) = 1, (2, 3)
        self.__dict__["_via_dict"] = 4
        setattr(self, "_via_setattr", 5)
        _local = 6
        annotated: int = 7
        self._annotated: int = 8

    def _method(self):
        pass


async def _coroutine():
    pass
'''
USES = "import httpx\n\n\ndef body(response: httpx.Response) -> bytes:\n    return response._content\n"


def test_the_index_records_every_kind_of_private_definition(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(DEFINITIONS)
    assert read_source(tmp_path, "m.py").private_names == {
        "_module_level", "_Hidden", "_class_level", "_slot_a", "_slot_b", "_on_self", "_on_other",
        "_in_tuple", "_starred", "_via_dict", "_via_setattr", "_annotated", "_method", "_coroutine",
    }


def _internals(root: Path, cache: Cache) -> tuple[ToolRun, list[tuple[str | None, int | None]]]:
    index = index_sources(root, sorted(p.name for p in root.glob("*.py")), cache)
    run = run_detectors(index, project_symbols(index), ALL_DETECTORS, cache=cache)
    return run, [(f.path, f.line) for f in run.findings if f.code == "library-internals"]


def test_a_private_name_defined_in_another_file_is_not_a_library_internal(tmp_path: Path) -> None:
    (tmp_path / "uses.py").write_text(USES)
    (tmp_path / "defines.py").write_text("class Response:\n    def __init__(self):\n        self._content = b''\n")
    assert _internals(tmp_path, Cache(None))[1] == []
    (tmp_path / "defines.py").write_text("class Response:\n    pass\n")
    assert _internals(tmp_path, Cache(None))[1] == [("uses.py", 5)]


def test_cached_results_follow_the_names_the_file_uses_defined_elsewhere(tmp_path: Path) -> None:
    project, cache = tmp_path / "p", Cache(tmp_path / "cache")
    project.mkdir()
    (project / "uses.py").write_text(USES)
    (project / "defines.py").write_text("class Response:\n    def __init__(self):\n        self._content = b''\n")
    assert _internals(project, cache)[1] == []
    entries = set((tmp_path / "cache" / "detectors").rglob("*.json"))
    # a private name the other file does not mention: only the changed file is analysed again
    (project / "defines.py").write_text(
        "class Response:\n    def __init__(self):\n        self._content = b''\n        self._unrelated = 1\n"
    )
    assert _internals(project, cache)[1] == []
    assert len(set((tmp_path / "cache" / "detectors").rglob("*.json")) - entries) == 1
    # the definition the first file relied on goes away: its cached (empty) result must not be reused
    (project / "defines.py").write_text("class Response:\n    pass\n")
    assert _internals(project, cache)[1] == [("uses.py", 5)]
