"""The result cache: reused when unchanged, invalidated by content, config and tool version.

A corrupt cache is never trusted. Every scan here runs the real tools.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from support import copy_fixture

from riskaudit.caching.store import CACHE_DIR, Cache, digest
from riskaudit.catalogue import default_catalogue
from riskaudit.caching.tool_results import environment_stamp, per_file
from riskaudit.models import RawFinding
from riskaudit.options import ScanOptions
from riskaudit.results import ScanResult
from riskaudit.scan import scan


def _scan(project: Path, cached: bool = True) -> ScanResult:
    return scan(project, ScanOptions(python=sys.executable, use_cache=cached), default_catalogue())


def _key(result: ScanResult) -> list[tuple[str, str | None, int | None, tuple[str, ...]]]:
    return [(f.rule_id, f.path, f.line, f.sources) for f in result.findings]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return copy_fixture("asyncapp", tmp_path)


def test_unchanged_tree_reuses_every_result(project: Path) -> None:
    cold = _scan(project)
    warm = _scan(project)
    assert _key(warm) == _key(cold)
    mypy = warm.run("mypy")
    assert mypy is not None and "unchanged since the cached run" in mypy.executable
    assert (project / CACHE_DIR / ".gitignore").read_text().strip().endswith("*")


def test_changed_file_gives_fresh_results(project: Path) -> None:
    _scan(project)
    report = project / "app" / "services" / "report.py"
    report.write_text(report.read_text() + "\n\ndef added(x):\n    unused = 1\n    return x\n")
    fresh = _scan(project)
    assert _key(fresh) == _key(_scan(project, cached=False))
    added = [f for f in fresh.findings if f.path == "app/services/report.py" and "flake8:F841" in f.sources]
    assert added, "the new defect in the touched file must be found"
    mypy = fresh.run("mypy")
    assert mypy is not None and "unchanged" not in mypy.executable


def test_changed_config_gives_fresh_results(project: Path) -> None:
    first = _scan(project)
    assert any("flake8:D103" in f.sources for f in first.findings)
    config = project / ".flake8"
    config.write_text(config.read_text().replace("extend-ignore = ", "extend-ignore = D103, "))
    second = _scan(project)
    assert not any("flake8:D103" in f.sources for f in second.findings)


def test_corrupt_cache_is_discarded(project: Path) -> None:
    clean = _key(_scan(project, cached=False))
    _scan(project)
    entries = [p for p in (project / CACHE_DIR).rglob("*.json") if "mypy/" not in p.as_posix().split(CACHE_DIR)[1]]
    assert entries
    for number, entry in enumerate(entries):
        entry.write_text(["{not json", '{"format": "1", "key": "other", "value": []}', "[]", ""][number % 4])
    assert _key(_scan(project)) == clean
    assert _key(_scan(project)) == clean


def test_no_cache_writes_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MYPY_CACHE_DIR", raising=False)  # the suite's own setting would hide mypy's default
    assert not (project / ".mypy_cache").exists()
    _scan(project, cached=False)
    assert not (project / CACHE_DIR).exists()
    assert not (project / ".mypy_cache").exists()


def test_environment_stamp_changes_when_packages_change(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    python = tmp_path / "bin" / "python"
    python.write_text("")
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    before = environment_stamp(str(python))
    os.utime(site, ns=(1, 1))
    pinned = environment_stamp(str(python))
    (site / "newtool-2.0.dist-info").mkdir()
    os.utime(site, ns=(2, 2))
    assert before is not None and pinned != environment_stamp(str(python))
    assert environment_stamp(str(tmp_path / "nowhere" / "python")) is None


def test_keys_separate_tool_versions(tmp_path: Path) -> None:
    cache = Cache.for_target(tmp_path, True)
    old, new = digest("flake8", "7.0.0", "x.py"), digest("flake8", "7.1.0", "x.py")
    cache.put("flake8", old, [["flake8", "E501", "line too long", "x.py", 1, 1]])
    assert cache.get("flake8", new) is None
    assert cache.get("flake8", old) == [["flake8", "E501", "line too long", "x.py", 1, 1]]
    assert digest("a", "bc") != digest("ab", "c")


def _entries(project: Path) -> dict[str, set[str]]:
    """Entry file names by namespace (mypy's own incremental cache left out)."""
    found: dict[str, set[str]] = {}
    for entry in (project / CACHE_DIR).glob("*/*/*.json"):
        namespace = entry.parent.parent.name
        if namespace != "mypy":
            found.setdefault(namespace, set()).add(entry.name)
    return found


def test_entries_of_contents_that_are_gone_are_pruned(project: Path) -> None:
    _scan(project)
    first = _entries(project)
    assert {"sources", "flake8", "radon", "detectors", "mypy-results"} <= set(first)
    foreign = project / CACHE_DIR / "elsewhere" / "ab" / "abc.json"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("{}")
    report = project / "app" / "services" / "report.py"
    report.write_text(report.read_text() + "\n# touched\n")
    _scan(project)
    second = _entries(project)
    assert second.pop("elsewhere") == {"abc.json"}, "a namespace this scan did not use is left alone"
    # every namespace holds as many entries as before: the touched file's old ones are gone
    assert {name: len(names) for name, names in second.items()} == {name: len(names) for name, names in first.items()}
    for namespace in ("sources", "flake8", "radon", "detectors", "mypy-results"):
        assert second[namespace] != first[namespace], namespace


def test_prune_keeps_what_was_used_and_nothing_without_a_folder(tmp_path: Path) -> None:
    cache = Cache.for_target(tmp_path, True)
    cache.put("radon", "a" * 64, 1)
    cache.put("radon", "b" * 64, 2)
    reader = Cache.for_target(tmp_path, True)
    assert reader.get("radon", "a" * 64) == 1
    assert reader.prune() == 1
    assert Cache.for_target(tmp_path, True).get("radon", "a" * 64) == 1
    assert Cache.for_target(tmp_path, True).get("radon", "b" * 64) is None
    assert Cache(None).prune() == 0


def _tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_a_symlinked_cache_folder_is_never_followed(tmp_path: Path) -> None:
    target, outside = tmp_path / "target", tmp_path / "outside"
    target.mkdir()
    outside.mkdir()
    (outside / "keep.json").write_text("{}", encoding="utf-8")
    (target / CACHE_DIR).symlink_to(outside, target_is_directory=True)
    cache = Cache.for_target(target, True)
    assert cache.folder is None
    cache.put("radon", "a" * 64, 1)
    assert cache.subfolder("mypy") is None
    assert cache.prune() == 0
    assert _tree(outside) == ["keep.json"]


def test_symlinks_inside_the_cache_folder_are_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.json").write_text("{}", encoding="utf-8")
    folder = tmp_path / CACHE_DIR
    folder.mkdir()
    (folder / ".gitignore").symlink_to(outside / "gitignore")
    for name in ("radon", "mypy"):
        (folder / name).symlink_to(outside, target_is_directory=True)
    entry = folder / "flake8" / ("a" * 2)
    entry.mkdir(parents=True)
    (entry / f"{'a' * 64}.json").symlink_to(outside / "keep.json")
    cache = Cache.for_target(tmp_path, True)
    cache.put("radon", "b" * 64, 1)
    assert cache.get("radon", "b" * 64) is None
    assert cache.get("flake8", "a" * 64) is None
    assert cache.subfolder("mypy") is None
    cache.prune()
    assert _tree(outside) == ["keep.json"]


def test_a_file_edited_while_the_tool_ran_is_not_cached(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("y = 2\n", encoding="utf-8")
    cache = Cache.for_target(tmp_path, True)

    def analyse(paths: Sequence[str]) -> dict[str, list[RawFinding]]:
        (tmp_path / "a.py").write_text("x = 1\nunused = 3\n", encoding="utf-8")  # edited mid-run
        return {path: [RawFinding("flake8", "F841", "m", path, 1, 1)] for path in paths}

    first = per_file(cache, "flake8", "k", tmp_path, ["a.py", "b.py"], analyse)
    assert first is not None and len(first) == 2
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")  # back as it was when its key was taken
    calls: list[Sequence[str]] = []

    def again(paths: Sequence[str]) -> dict[str, list[RawFinding]]:
        calls.append(paths)
        return {}

    per_file(Cache.for_target(tmp_path, True), "flake8", "k", tmp_path, ["a.py", "b.py"], again)
    assert calls == [["a.py"]]  # b.py was cached; a.py's results were of the edited text: not stored


def _mypy_errors(result: ScanResult) -> list[tuple[str | None, int | None, str]]:
    run = result.run("mypy")
    assert run is not None and run.status.value == "ok", run
    return [(f.path, f.line, f.code) for f in run.findings]


def test_a_changed_stub_on_mypy_path_gives_fresh_mypy_results(tmp_path: Path) -> None:
    project = tmp_path / "stubbed"
    (project / "stubs").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.mypy]\nmypy_path = "stubs"\n', encoding="utf-8")
    (project / "app.py").write_text('"""Uses a library typed by a stub."""\nimport extlib\n\nx: int = extlib.value()\n')
    stub = project / "stubs" / "extlib.pyi"
    stub.write_text("def value() -> int: ...\n", encoding="utf-8")
    assert _mypy_errors(_scan(project)) == []
    # another size too: mypy's own incremental cache takes a stub of the same size and second as unchanged
    stub.write_text("def value() -> bytes: ...\n", encoding="utf-8")
    warm = _scan(project)
    assert _mypy_errors(warm) == [("app.py", 4, "assignment")]
    assert _mypy_errors(warm) == _mypy_errors(_scan(project, cached=False))
