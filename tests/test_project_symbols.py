"""The detectors across files and lines: classes known by module, one finding per line of a detector."""

from __future__ import annotations

from pathlib import Path

from riskaudit.detectors.missing_await import MissingAwait
from riskaudit.detectors.project import project_symbols
from riskaudit.detectors.runner import analyse_file
from riskaudit.sources import SourceIndex, read_source

ABC = "class TestRunner:\n    def run_test(self) -> None: ...\n"
ASYNCIO = (
    "from pkg import abc\n\nclass TestRunner(abc.TestRunner):\n"
    "    async def _call(self) -> None: ...\n    def run_test(self) -> None:\n        self._call()\n"
)
TRIO = (
    "from pkg import abc\n\nclass TestRunner(abc.TestRunner):\n"
    "    def _call(self) -> None: ...\n    def run_test(self) -> None:\n        self._call()\n"
)


def _missing_awaits(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int | None]]:
    for path, code in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(code, encoding="utf-8")
    index = SourceIndex({path: read_source(tmp_path, path) for path in files})
    project = project_symbols(index)
    found = []
    for path, code in files.items():
        outcome = analyse_file(path, code, project, [MissingAwait])
        found += [(f.path or "", f.line) for f in outcome.findings]
    return sorted(found)


def test_classes_of_the_same_name_in_two_modules_keep_their_own_methods(tmp_path: Path) -> None:
    files = {"pkg/abc.py": ABC, "pkg/_asyncio.py": ASYNCIO, "pkg/_trio.py": TRIO}
    # only the asyncio runner's _call is a coroutine function
    assert _missing_awaits(tmp_path, files) == [("pkg/_asyncio.py", 6)]


def test_a_base_class_imported_from_another_module_passes_on_its_coroutines(tmp_path: Path) -> None:
    base = "class Repository:\n    async def flush(self) -> None: ...\n"
    child = "from app.base import Repository\n\nclass Users(Repository):\n    def save(self):\n        self.flush()\n"
    other = "class Repository:\n    def flush(self) -> None: ...\n"
    files = {"app/base.py": base, "app/users.py": child, "app/legacy.py": other}
    assert _missing_awaits(tmp_path, files) == [("app/users.py", 5)]


def test_facts_name_classes_by_module(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "_asyncio.py").write_text(ASYNCIO, encoding="utf-8")
    project = project_symbols(SourceIndex({"pkg/_asyncio.py": read_source(tmp_path, "pkg/_asyncio.py")}))
    assert project.async_methods == {"pkg._asyncio.TestRunner": frozenset({"_call"})}


def test_one_line_is_one_finding_of_a_detector(tmp_path: Path) -> None:
    from riskaudit.detectors.naive_datetime import NaiveDatetime

    code = "from datetime import datetime\nfrom sqlalchemy import Column, DateTime\n" \
        "created = Column(DateTime, default=datetime.utcnow)\n"
    (tmp_path / "models.py").write_text(code, encoding="utf-8")
    project = project_symbols(SourceIndex({"models.py": read_source(tmp_path, "models.py")}))
    findings = analyse_file("models.py", code, project, [NaiveDatetime]).findings
    assert [f.line for f in findings] == [3]
    assert "DateTime column" in findings[0].message and "utcnow" in findings[0].message


def test_a_sync_override_is_not_a_coroutine_and_chains_of_thousands_of_classes_resolve(tmp_path: Path) -> None:
    base = "class Spawner:\n    async def start(self): ...\n    async def stop(self): ...\n"
    service = "from pkg.spawner import Spawner\n\nclass Local(Spawner):\n    def start(self): ...\n"
    chain = "".join(f"class K{i}(K{i - 1}):\n    pass\n" for i in range(1, 3000))
    root = "class K0:\n    async def go(self): ...\n"
    files = {"pkg/spawner.py": base, "pkg/service.py": service, "pkg/chain.py": root + chain}
    for path, code in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(code, encoding="utf-8")
    project = project_symbols(SourceIndex({path: read_source(tmp_path, path) for path in files}))
    assert project.async_methods["pkg.service.Local"] == frozenset({"stop"})
    assert project.async_methods["pkg.chain.K2999"] == frozenset({"go"})
