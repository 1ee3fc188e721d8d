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
from typing import cast

from riskaudit import __version__
from riskaudit.cache import NO_CACHE, Cache, digest
from riskaudit.sources import (
    ErrorPath,
    HasattrGuard,
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
    known = facts_from_json(path, raw.lines, raw.encoding_error, cache.get(NAMESPACE, key))
    if known is not None:
        return known
    source = analyse_source(path, raw)
    cache.put(NAMESPACE, key, facts_to_json(source))
    return source


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """What the facts depend on besides the file: the code deriving them and Python's parser."""
    return digest(__version__, sys.version, Path(inspect.getfile(analyse_source)).read_bytes())


def facts_to_json(source: SourceFile) -> dict[str, object]:
    """The derived facts of a file (not its text or encoding verdict, which are cheap to recompute)."""
    return {
        "parse_error": source.parse_error,
        "symbols": [[s.qualname, s.kind, s.start, s.end] for s in source.symbols],
        "guards": [[g.obj, g.attr, g.start, g.end] for g in source.guards],
        "classes": sorted(source.classes),
        "async_functions": sorted(source.async_functions),
        "async_methods": [[name, sorted(methods)] for name, methods in source.async_methods],
        "class_bases": [[name, list(bases)] for name, bases in source.class_bases],
        "error_paths": [[e.kind, e.line, e.start, e.end] for e in source.error_paths],
        "sql_regions": [list(region) for region in source.sql_regions],
        "private_names": sorted(source.private_names),
    }


def facts_from_json(path: str, lines: tuple[str, ...], encoding_error: str, value: object) -> SourceFile | None:
    """The file rebuilt from its cached facts, or None when the value is not such facts."""
    if not isinstance(value, dict):
        return None
    parse_error = value.get("parse_error")
    symbols = _rows(value.get("symbols"), (str, str, int, int))
    guards = _rows(value.get("guards"), (str, str, int, int))
    error_paths = _rows(value.get("error_paths"), (str, int, int, int))
    regions = _rows(value.get("sql_regions"), (int, int))
    classes, async_functions = _names(value.get("classes")), _names(value.get("async_functions"))
    private_names = _names(value.get("private_names"))
    async_methods, class_bases = _named_lists(value.get("async_methods")), _named_lists(value.get("class_bases"))
    if not isinstance(parse_error, str) or symbols is None or guards is None or error_paths is None:
        return None
    if regions is None or classes is None or async_functions is None or private_names is None:
        return None
    if async_methods is None or class_bases is None:
        return None
    return SourceFile(
        path,
        lines,
        parse_error,
        tuple(Symbol(*cast("tuple[str, str, int, int]", row)) for row in symbols),
        tuple(HasattrGuard(*cast("tuple[str, str, int, int]", row)) for row in guards),
        frozenset(classes),
        frozenset(async_functions),
        tuple((name, frozenset(methods)) for name, methods in async_methods),
        tuple((name, tuple(bases)) for name, bases in class_bases),
        tuple(ErrorPath(*cast("tuple[str, int, int, int]", row)) for row in error_paths),
        encoding_error=encoding_error,
        sql_regions=tuple(cast("tuple[int, int]", tuple(row)) for row in regions),
        private_names=frozenset(private_names),
    )


def _is(item: object, kind: type) -> bool:
    """isinstance, except that a bool is not an int."""
    return isinstance(item, kind) and not (kind is int and isinstance(item, bool))


def _rows(value: object, kinds: tuple[type, ...]) -> list[list[object]] | None:
    """A list of rows, each a list of exactly ``kinds``; None when the value is anything else."""
    if not isinstance(value, list):
        return None
    for row in value:
        if not (isinstance(row, list) and len(row) == len(kinds) and all(map(_is, row, kinds))):
            return None
    return value


def _names(value: object) -> list[str] | None:
    """A list of strings, or None."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def _named_lists(value: object) -> list[tuple[str, list[str]]] | None:
    """``[name, [strings]]`` rows, or None."""
    if not isinstance(value, list):
        return None
    rows: list[tuple[str, list[str]]] = []
    for row in value:
        if not (isinstance(row, list) and len(row) == 2 and isinstance(row[0], str)):
            return None
        names = _names(row[1])
        if names is None:
            return None
        rows.append((row[0], names))
    return rows
