"""Cache-aware helpers shared by the collectors: tool versions and per-file results."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from riskaudit.caching.store import Cache, digest, file_digest, findings_from_json, findings_to_json
from riskaudit.running.process import tool_version
from riskaudit.models import RawFinding


def environment_stamp(python: str) -> str | None:
    """Modification times of an interpreter and its site-packages: they change when packages do.

    None when the site-packages folder cannot be found next to the interpreter (then nothing that
    depends on the environment is cached).
    """
    executable = Path(python)
    sites = sorted(executable.parent.parent.glob("lib/python*/site-packages"))
    if not sites:
        return None
    try:
        stamps = [str(executable.stat().st_mtime_ns)] + [f"{s}:{s.stat().st_mtime_ns}" for s in sites]
    except OSError:
        return None
    return "|".join(stamps)


def cached_tool_version(
    python: str, module: str, cwd: Path, cache: Cache, options: Sequence[str] = ()
) -> tuple[str, str]:
    """``tool_version``, remembered per interpreter environment (``options`` must not change the version)."""
    stamp = environment_stamp(python)
    key = digest("version", python, module, stamp) if stamp else ""
    if key:
        known = cache.get("versions", key)
        if isinstance(known, str) and known:
            return known, ""
    version, problem = tool_version(python, module, cwd, options)
    if key and version:
        cache.put("versions", key, version)
    return version, problem


def per_file(
    cache: Cache,
    namespace: str,
    base_key: str,
    root: Path,
    files: Sequence[str],
    analyse: Callable[[Sequence[str]], Mapping[str, Sequence[RawFinding]] | None],
) -> tuple[RawFinding, ...] | None:
    """Findings of every file: cached ones reused, the rest analysed in one call and stored.

    ``analyse`` returns findings by path for the files it is given, or None when it failed (then
    nothing is stored and None is returned). A file whose bytes changed while the tool ran is not
    stored: the tool may have read either version, and the key names the one before.
    """
    keys = {path: digest(base_key, path, file_digest(root / path)) for path in files}
    known = {path: findings_from_json(cache.get(namespace, key)) for path, key in keys.items()}
    todo = [path for path, found in known.items() if found is None]
    fresh: Mapping[str, Sequence[RawFinding]] = {}
    if todo:
        result = analyse(todo)
        if result is None:
            return None
        fresh = result
        for path in todo:
            if digest(base_key, path, file_digest(root / path)) == keys[path]:
                cache.put(namespace, keys[path], findings_to_json(fresh.get(path, ())))
    return tuple(f for path in files for f in (known[path] or fresh.get(path, ())))
