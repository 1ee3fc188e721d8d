"""The async APIs of installed libraries: read from site-packages sources, followed through re-exports and bases.

The end-to-end scan uses aiosqlite, installed with riskaudit's development dependencies and absent from the
shipped catalogue, on untyped code that mypy does not check.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import copy_fixture, marker_lines

from riskaudit.caching.store import Cache
from riskaudit.catalogue import default_catalogue
from riskaudit.installed_async import build_index, index_sites, module_facts
from riskaudit.options import ScanOptions
from riskaudit.results import ScanResult
from riskaudit.scan import scan

CLIENT = '''
import functools
from typing import Optional

from ._base import BaseClient


def sync_compatible(fn):
    return fn


class Response: ...


class AsyncClient(BaseClient):
    async def get(self, url) -> "Response": ...
    async def close(self) -> None: ...
    def send(self): ...
    @staticmethod
    async def ping(): ...
    @sync_compatible
    async def fetch_sync(self): ...


class SyncClient(AsyncClient):
    def close(self) -> None: ...


async def request(url) -> Response: ...


def connect(url) -> AsyncClient: ...
'''
BASE = "class BaseClient:\n    async def aclose(self): ...\n    async def send(self): ...\n"
INIT = "from ._client import AsyncClient, SyncClient, connect, request as fetch\nfrom . import _client as client\n"


def _site(root: Path) -> Path:
    """A site-packages folder holding the small library ``fakelib``."""
    package = root / "site-packages" / "fakelib"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(INIT, encoding="utf-8")
    (package / "_client.py").write_text(CLIENT, encoding="utf-8")
    (package / "_base.py").write_text(BASE, encoding="utf-8")
    return root / "site-packages"


def test_module_facts_skip_transforming_decorators_and_read_imports() -> None:
    facts = module_facts(CLIENT, "fakelib._client", False)
    classes = {name: (bases, set(coroutines), set(others)) for name, bases, coroutines, others in facts.classes}
    assert classes["fakelib._client.AsyncClient"] == (
        ("fakelib._base.BaseClient",), {"get", "close", "ping"}, {"send", "fetch_sync"}
    )
    assert facts.functions == ("fakelib._client.request",)
    assert ("fakelib._client.BaseClient", "fakelib._base.BaseClient") in facts.aliases
    assert dict(facts.returns)["fakelib._client.AsyncClient.get"] == "fakelib._client.Response"


def test_the_index_follows_reexports_inheritance_and_sync_overrides(tmp_path: Path) -> None:
    index = index_sites([_site(tmp_path)], ["fakelib", "notinstalled"])
    assert index.methods("fakelib.AsyncClient") == {"get", "close", "ping", "aclose"}  # send is sync here
    assert index.methods("fakelib.SyncClient") == {"get", "ping", "aclose"}
    assert index.methods("fakelib.client.AsyncClient") == index.methods("fakelib.AsyncClient")
    assert index.is_function("fakelib.fetch") and not index.is_function("fakelib.connect")
    assert index.result("fakelib.connect") == "fakelib._client.AsyncClient"
    assert index.stamp


def test_the_index_is_cached_and_changes_with_the_library(tmp_path: Path) -> None:
    site = _site(tmp_path)
    cache = Cache(tmp_path / "cache")
    first = index_sites([site], ["fakelib"], cache)
    assert index_sites([site], ["fakelib"], cache) == first
    (site / "fakelib" / "_base.py").write_text("class BaseClient:\n    async def reset(self): ...\n", encoding="utf-8")
    changed = index_sites([site], ["fakelib"], cache)
    assert "reset" in changed.methods("fakelib.AsyncClient") and changed.stamp != first.stamp


def test_a_cycle_of_bases_ends() -> None:
    source = "class A(B):\n    async def a(self): ...\nclass B(A):\n    async def b(self): ...\n"
    facts = module_facts(source, "m", False)
    index = build_index([facts])
    assert index.methods("m.A") >= {"a"} and index.methods("m.B") >= {"b"}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    pytest.importorskip("aiosqlite")
    project = copy_fixture("installedasync", tmp_path_factory.mktemp("installedasync"))
    return scan(project, ScanOptions(python=sys.executable, use_cache=False), default_catalogue())


def test_dropped_awaits_on_an_installed_library_are_found_in_untyped_code(result: ScanResult) -> None:
    project = Path(result.meta.root)
    planted = set(marker_lines(project / "app" / "store.py", "missing-await"))
    found = {f.line for f in result.findings if f.rule_id == "RA101" and f.path == "app/store.py"}
    assert found == planted and len(planted) == 2
    messages = [f.message for f in result.findings if f.rule_id == "RA101"]
    assert all("is an async def of the installed aiosqlite; `db` is typed Connection" in m for m in messages)
    assert all(f.sources == ("riskaudit:missing-await",) for f in result.findings if f.rule_id == "RA101")


def test_under_untrusted_no_library_is_read(tmp_path: Path) -> None:
    pytest.importorskip("aiosqlite")
    project = copy_fixture("installedasync", tmp_path)
    untrusted = scan(project, ScanOptions(untrusted=True, use_cache=False), default_catalogue())
    assert not [f for f in untrusted.findings if f.rule_id == "RA101"]
