"""The ``async def`` functions and methods of the libraries installed where the target runs.

The shipped catalogue (``riskaudit.detectors.analysis.async_apis``) knows the async APIs of a dozen
libraries. Any other library the project imports is read here from the target interpreter's
site-packages (its ``.py`` sources and ``.pyi`` stubs, parsed, never imported): module-level coroutine
functions, classes with the coroutine methods they define or inherit inside the library, and the names
a package re-exports (``from ._client import AsyncClient``). Coroutine functions that carry a decorator
other than ``staticmethod``/``classmethod``/``abstractmethod``/``override``/``overload`` are left out:
a decorator such as ``sync_compatible`` can make the call synchronous.

Reading the index is cached per library, keyed by where it is installed and when it changed. Under
``--untrusted`` nothing outside the target is read, so the index is empty.
"""

from __future__ import annotations

import ast
import json
import sys
import sysconfig
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from riskaudit.caching.store import NO_CACHE, Cache, digest
from riskaudit.running.process import run_process

TRANSPARENT = frozenset({"staticmethod", "classmethod", "abstractmethod", "override", "overload", "final"})
"""Decorators that leave a coroutine function a coroutine function."""
MAX_FILES = 3000
"""Modules read per library at most (a larger tree is read up to this many, in path order)."""
MAX_BYTES = 2_000_000
"""Larger modules are skipped (generated tables, not APIs)."""
FACTS_FORMAT = "2"
"""Version of what ``module_facts`` reads: part of the cache key."""
_SITE_PROBE = "import json, sysconfig; p = sysconfig.get_paths(); print(json.dumps([p['purelib'], p['platlib']]))"


@dataclass(frozen=True)
class ModuleFacts:
    """What one library module declares that matters for coroutine calls."""

    functions: tuple[str, ...] = ()
    """Qualified module-level coroutine functions."""
    classes: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = ()
    """``(qualified class, qualified bases, own async methods, own other methods)``."""
    aliases: tuple[tuple[str, str], ...] = ()
    """``(name here, what it names)`` for every import: ``pkg.AsyncClient`` -> ``pkg._client.AsyncClient``."""
    returns: tuple[tuple[str, str], ...] = ()
    """``(qualified function or method, qualified class its annotation names)``: ``pkg.connect`` -> ``pkg.Conn``."""


@dataclass(frozen=True)
class InstalledAsync:
    """The coroutine functions and methods of the installed libraries the project imports."""

    functions: frozenset[str] = frozenset()
    """Qualified coroutine functions, where they are defined."""
    classes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Coroutine method names (inherited ones included) of each class, by its qualified defining name."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Re-exported and imported names: name -> what it names (followed by ``resolve``)."""
    returns: Mapping[str, str] = field(default_factory=dict)
    """The class a function or method's return annotation names (awaited, for a coroutine function)."""
    stamp: str = ""
    """Identity of what was read (libraries, places, change times), for the detectors' cache key."""

    def resolve(self, qualified: str) -> str:
        """Where a qualified name is defined: re-exports and module aliases followed."""
        for _ in range(8):
            if qualified in self.aliases:
                qualified = self.aliases[qualified]
                continue
            head, _, tail = qualified.rpartition(".")
            if head in self.aliases and tail:
                qualified = f"{self.aliases[head]}.{tail}"
                continue
            break
        return qualified

    def methods(self, cls: str) -> frozenset[str]:
        """The coroutine methods of a class, named as the project names it."""
        return self.classes.get(self.resolve(cls), frozenset()) if self.classes else frozenset()

    def is_class(self, qualified: str) -> bool:
        """Whether a name is an installed class with coroutine methods."""
        return bool(self.classes) and self.resolve(qualified) in self.classes

    def is_function(self, qualified: str) -> bool:
        """Whether a name is an installed coroutine function."""
        return bool(self.functions) and self.resolve(qualified) in self.functions

    def result(self, callee: str) -> str:
        """The qualified class a call of an installed function or method gives (awaited); empty when unknown."""
        found = self.returns.get(self.resolve(callee), "") if self.returns else ""
        return self.resolve(found) if found else ""


NOTHING_INSTALLED = InstalledAsync()
"""No library read."""


def _dotted(node: ast.expr) -> str:
    """``a.b.c`` of a Name/Attribute chain, else empty."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return ""


def _transparent(function: ast.AsyncFunctionDef) -> bool:
    """Whether every decorator leaves the coroutine function one."""
    for decorator in function.decorator_list:
        name = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if name.rpartition(".")[2] not in TRANSPARENT:
            return False
    return True


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The module an ``ImportFrom`` reads, made absolute."""
    if not node.level:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
    return ".".join([*parts, node.module] if node.module else parts)


def module_facts(text: str, module: str, is_package: bool) -> ModuleFacts:
    """The coroutine functions, classes and imports of one module's source (empty when it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ModuleFacts()
    aliases: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node)
            for alias in node.names:
                if alias.name != "*":
                    aliases[f"{module}.{alias.asname or alias.name}"] = f"{base}.{alias.name}" if base else alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[f"{module}.{alias.asname}"] = alias.name
    functions = [
        f"{module}.{node.name}" for node in tree.body if isinstance(node, ast.AsyncFunctionDef) and _transparent(node)
    ]
    returns = _returns(tree.body, module, module, aliases)
    classes = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            returns += _returns(node.body, f"{module}.{node.name}", module, aliases)
            bases = [_dotted(base) for base in node.bases]
            qualified_bases = tuple(_in_module(base, module, aliases) for base in bases if base)
            own = [f for f in node.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
            coroutines = tuple(f.name for f in own if isinstance(f, ast.AsyncFunctionDef) and _transparent(f))
            others = tuple(f.name for f in own if f.name not in coroutines)
            classes.append((f"{module}.{node.name}", qualified_bases, coroutines, others))
    return ModuleFacts(tuple(functions), tuple(classes), tuple(sorted(aliases.items())), tuple(returns))


def _returns(body: Sequence[ast.stmt], owner: str, module: str, aliases: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(owner.function, qualified class)`` for each function whose return annotation names one class."""
    found = []
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            annotation = node.returns
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                try:
                    annotation = ast.parse(annotation.value, mode="eval").body
                except SyntaxError:
                    continue
            named = _dotted(annotation)
            if named and named not in ("None", "bool", "int", "str", "bytes", "float", "Any", "object"):
                found.append((f"{owner}.{node.name}", _in_module(named, module, aliases)))
    return found


def _in_module(name: str, module: str, aliases: Mapping[str, str]) -> str:
    """A name used in a module, qualified: an import's target, else a name of the module itself."""
    head, _, rest = name.partition(".")
    target = aliases.get(f"{module}.{head}")
    if target:
        return f"{target}.{rest}" if rest else target
    return f"{module}.{name}"


def build_index(facts: Iterable[ModuleFacts], stamp: str = "") -> InstalledAsync:
    """The index of many modules: each class's coroutine methods with those it inherits inside the libraries."""
    functions: set[str] = set()
    aliases: dict[str, str] = {}
    returns: dict[str, str] = {}
    declared: dict[str, tuple[tuple[str, ...], frozenset[str], frozenset[str]]] = {}
    for item in facts:
        functions.update(item.functions)
        aliases.update(item.aliases)
        returns.update(item.returns)
        for name, bases, coroutines, others in item.classes:
            declared[name] = (bases, frozenset(coroutines), frozenset(others))
    partial = InstalledAsync(aliases=aliases)
    resolved: dict[str, frozenset[str]] = {}

    def methods(cls: str, depth: int = 0) -> frozenset[str]:
        if cls in resolved:
            return resolved[cls]
        if cls not in declared or depth > 32:
            return frozenset()
        bases, coroutines, others = declared[cls]
        resolved[cls] = coroutines  # a cycle ends here
        inherited = frozenset().union(*(methods(partial.resolve(base), depth + 1) for base in bases))
        resolved[cls] = coroutines | (inherited - others)
        return resolved[cls]

    classes = {name: found for name in declared if (found := methods(name))}
    return InstalledAsync(frozenset(functions), classes, aliases, returns, stamp)


def site_folders(python: str, timeout: float = 60) -> tuple[Path, ...]:
    """The interpreter's site-packages folders (pure and platform), those that exist; empty when it cannot say."""
    if python == sys.executable:
        paths = sysconfig.get_paths()
        found = [paths["purelib"], paths["platlib"]]
    else:
        probe = run_process([python, "-I", "-c", _SITE_PROBE], cwd=Path("/"), timeout=timeout)
        try:
            found = json.loads(probe.stdout) if probe.returncode == 0 else []
        except ValueError:
            found = []
    unique = dict.fromkeys(Path(p) for p in found if isinstance(p, str))
    return tuple(p for p in unique if p.is_dir())


def _library_files(site: Path, name: str) -> list[tuple[Path, str, bool]]:
    """``(file, module, is package)`` of an installed top-level module and its stubs package."""
    found: list[tuple[Path, str, bool]] = []
    for folder in (site / name, site / f"{name}-stubs"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*.py*"))[:MAX_FILES]:
                if path.suffix not in (".py", ".pyi") or not path.is_file():
                    continue
                parts = path.relative_to(folder).with_suffix("").parts
                package = parts[-1] == "__init__"
                module = ".".join([name, *(parts[:-1] if package else parts)])
                found.append((path, module, package))
    for single in (site / f"{name}.py", site / f"{name}.pyi"):
        if single.is_file():
            found.append((single, name, False))
    return found


def _library_stamp(files: Sequence[tuple[Path, str, bool]]) -> str:
    """Where a library's files are and when they changed."""
    stats = ((path, path.stat()) for path, _, _ in files)
    return digest(*(f"{path}\x00{info.st_mtime_ns}\x00{info.st_size}" for path, info in stats))


def _read_library(files: Sequence[tuple[Path, str, bool]]) -> list[ModuleFacts]:
    facts = []
    for path, module, package in files:
        if path.stat().st_size <= MAX_BYTES:
            facts.append(module_facts(path.read_text(encoding="utf-8", errors="replace"), module, package))
    return facts


def _to_json(facts: Sequence[ModuleFacts]) -> object:
    """Facts as a cache value."""
    return [
        [list(f.functions), [[c[0], list(c[1]), list(c[2]), list(c[3])] for c in f.classes], f.aliases, f.returns]
        for f in facts
    ]


def _from_json(data: object) -> list[ModuleFacts] | None:
    """Cached facts, or None when missing or not in this shape."""
    if not isinstance(data, list):
        return None
    try:
        return [
            ModuleFacts(
                tuple(functions),
                tuple((c[0], tuple(c[1]), tuple(c[2]), tuple(c[3])) for c in classes),
                tuple((a, b) for a, b in aliases),
                tuple((a, b) for a, b in returns),
            )
            for functions, classes, aliases, returns in data
        ]
    except (ValueError, TypeError, IndexError):
        return None


def installed_async(python: str, names: Iterable[str], cache: Cache = NO_CACHE) -> InstalledAsync:
    """The index of the installed libraries among the top-level module ``names`` the project imports."""
    return index_sites(site_folders(python), names, cache)


def index_sites(sites: Sequence[Path], names: Iterable[str], cache: Cache = NO_CACHE) -> InstalledAsync:
    """The index of the top-level modules ``names`` found in these site-packages folders (the first one wins)."""
    facts: list[ModuleFacts] = []
    stamps: list[str] = []
    for name in sorted(set(names)):
        files = next((found for site in sites if (found := _library_files(site, name))), [])
        if not files:
            continue
        stamp = digest(FACTS_FORMAT, _library_stamp(files))
        read = _from_json(cache.get("installed-async", stamp))
        if read is None:
            read = _read_library(files)
            cache.put("installed-async", stamp, _to_json(read))
        facts.extend(read)
        stamps.append(f"{name}:{stamp}")
    return build_index(facts, digest(*stamps)) if facts else NOTHING_INSTALLED
