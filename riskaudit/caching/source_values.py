"""What the syntax-tree walk derived from a file, as a cache value and back.

A warm scan of an unchanged tree then reads each file without parsing it again. A value that does
not have exactly the expected shape is refused (None), so a corrupt entry is re-analysed, not trusted.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from riskaudit import __version__
from riskaudit.caching.store import NO_CACHE, Cache, digest
from riskaudit import ast_names, declared_types
from riskaudit.declared_types import DeclaredType
from riskaudit.module_imports import file_imports
from riskaudit.roles import marks_generated
from riskaudit.runtime_guards import RuntimeGuard
from riskaudit.sources import (
    DefaultCall,
    ErrorPath,
    SourceFile,
    SourceIndex,
    Symbol,
    analyse_source,
    read_raw,
)

NAMESPACE = "sources"


def index_sources(root: Path, paths: Iterable[str], cache: Cache = NO_CACHE) -> SourceIndex:
    """Read every path once; the facts of a file unchanged since a cached run are not derived again."""
    return SourceIndex({path: cached_source(root, path, cache) for path in paths})


def cached_source(root: Path, path: str, cache: Cache = NO_CACHE) -> SourceFile:
    """One file read and analysed, its facts from the cache when its bytes are known."""
    raw = read_raw(root, path)
    if isinstance(raw, SourceFile):
        return raw
    key = digest(NAMESPACE, _code_digest(), path, raw.data)
    known = source_from_json(path, raw.lines, raw.encoding_error, cache.get(NAMESPACE, key))
    if known is not None:
        return known
    source = analyse_source(path, raw)
    cache.put(NAMESPACE, key, source_to_json(source))
    return source


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """What the facts depend on besides the file: the code deriving them and Python's parser."""
    modules = (analyse_source, declared_types, ast_names, file_imports, marks_generated)
    code = b"".join(Path(inspect.getfile(item)).read_bytes() for item in modules)
    return digest(__version__, sys.version, code)


def source_to_json(source: SourceFile) -> dict[str, object]:
    """The derived facts of a file (not its text or encoding verdict, which are cheap to recompute)."""
    return {
        "parse_error": source.parse_error,
        "symbols": [[s.qualname, s.kind, s.start, s.end] for s in source.symbols],
        "classes": sorted(source.classes),
        "async_functions": sorted(source.async_functions),
        "async_methods": [[name, sorted(methods)] for name, methods in source.async_methods],
        "class_bases": [[name, list(bases)] for name, bases in source.class_bases],
        "error_paths": [[e.kind, e.line, e.start, e.end, e.reraises] for e in source.error_paths],
        "sql_regions": [list(region) for region in source.sql_regions],
        "private_names": sorted(source.private_names),
        "imports": [list(pair) for pair in source.imports],
        "default_calls": [[c.line, c.column, c.callee, c.outer] for c in source.default_calls],
        "module_attributes": sorted(source.module_attributes),
        "runtime_guards": [[g.start, g.end, g.condition, g.holds] for g in source.runtime_guards],
        "declared_types": [[d.kind, d.name, d.type] for d in source.declared_types],
        "module_imports": list(source.module_imports),
        "generated": source.generated,
    }


class _Malformed(ValueError):
    """A cached value that is not the facts of a file."""


def source_from_json(path: str, lines: tuple[str, ...], encoding_error: str, value: object) -> SourceFile | None:
    """The file rebuilt from its cached facts, or None when the value is not such facts."""
    try:
        return _rebuilt(path, lines, encoding_error, value)
    except _Malformed:
        return None


def _rebuilt(path: str, lines: tuple[str, ...], encoding_error: str, value: object) -> SourceFile:
    """The file rebuilt from its cached facts; raises _Malformed at the first thing out of shape."""
    if not isinstance(value, dict) or not isinstance(value.get("parse_error"), str):
        raise _Malformed
    return SourceFile(
        path,
        lines,
        value["parse_error"],
        tuple(Symbol(*row) for row in _rows(value, "symbols", (str, str, int, int))),
        frozenset(_names(value.get("classes"))),
        frozenset(_names(value.get("async_functions"))),
        tuple((name, frozenset(methods)) for name, methods in _named_lists(value, "async_methods")),
        tuple((name, tuple(bases)) for name, bases in _named_lists(value, "class_bases")),
        tuple(ErrorPath(*row) for row in _rows(value, "error_paths", (str, int, int, int, bool))),
        encoding_error=encoding_error,
        sql_regions=tuple((start, end) for start, end in _rows(value, "sql_regions", (int, int))),
        private_names=frozenset(_names(value.get("private_names"))),
        imports=tuple((local, target) for local, target in _rows(value, "imports", (str, str))),
        default_calls=tuple(DefaultCall(*row) for row in _rows(value, "default_calls", (int, int, str, str))),
        module_attributes=frozenset(_names(value.get("module_attributes"))),
        runtime_guards=tuple(RuntimeGuard(*row) for row in _rows(value, "runtime_guards", (int, int, str, bool))),
        declared_types=tuple(DeclaredType(*row) for row in _rows(value, "declared_types", (str, str, str))),
        module_imports=tuple(_names(value.get("module_imports"))),
        generated=_flag(value.get("generated")),
    )


def _is(item: object, kind: type) -> bool:
    """isinstance, except that a bool is not an int."""
    return isinstance(item, kind) and not (kind is int and isinstance(item, bool))


def _rows(value: dict[str, object], key: str, kinds: tuple[type, ...]) -> list[tuple[Any, ...]]:
    """``value[key]`` as rows, each exactly of ``kinds``; raises _Malformed otherwise."""
    found = value.get(key)
    if not isinstance(found, list):
        raise _Malformed
    for row in found:
        if not (isinstance(row, list) and len(row) == len(kinds) and all(map(_is, row, kinds))):
            raise _Malformed
    return [tuple(row) for row in found]


def _flag(value: object) -> bool:
    """A boolean; raises _Malformed otherwise."""
    if not isinstance(value, bool):
        raise _Malformed
    return value


def _names(value: object) -> list[str]:
    """A list of strings; raises _Malformed otherwise."""
    if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        raise _Malformed
    return value


def _named_lists(value: dict[str, object], key: str) -> list[tuple[str, list[str]]]:
    """``value[key]`` as ``[name, [strings]]`` rows; raises _Malformed otherwise."""
    found = value.get(key)
    if not isinstance(found, list):
        raise _Malformed
    rows: list[tuple[str, list[str]]] = []
    for row in found:
        if not (isinstance(row, list) and len(row) == 2 and isinstance(row[0], str)):
            raise _Malformed
        rows.append((row[0], _names(row[1])))
    return rows
