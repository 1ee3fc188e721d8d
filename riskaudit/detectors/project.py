"""Project-wide facts for the detectors, derived from the source index (no extra parsing)."""

from __future__ import annotations

from pathlib import PurePosixPath

from riskaudit.detectors.base import FileContext, ProjectFacts
from riskaudit.roles import is_test_path
from riskaudit.mapping import project_modules
from riskaudit.sources import SourceIndex


def module_name(path: str) -> str:
    """Dotted module name of a file path (``src/`` dropped, ``__init__`` folded into its package)."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_migration_path(path: str) -> bool:
    """Whether a path is an Alembic revision: a ``.py`` file below a ``versions/`` (or ``*_versions/``) folder.

    Nested trees count too (``versions/postgresql/0001.py``, ``main_versions/0001.py``).
    """
    pure = PurePosixPath(path)
    folders = pure.parts[:-1]
    return pure.name != "__init__.py" and any(f == "versions" or f.endswith("_versions") for f in folders)


def project_facts(index: SourceIndex) -> ProjectFacts:
    """Module names, async functions and async methods (with project base classes' ones) of a project."""
    module_of = {path: module_name(path) for path in index.files}
    async_functions = {module_of[path]: source.async_functions for path, source in index.files.items()}
    own: dict[str, set[str]] = {}
    bases: dict[str, set[str]] = {}
    for source in index.files.values():
        for name, methods in source.async_methods:
            own.setdefault(name, set()).update(methods)
        for name, parents in source.class_bases:
            bases.setdefault(name, set()).update(parents)
    inherited = {name: frozenset(_with_bases(name, own, bases)) for name in own}
    return ProjectFacts(
        module_of=module_of,
        async_functions=async_functions,
        async_methods=inherited,
        classes=index.project_classes,
        modules=project_modules(index.files),
        private_names=frozenset().union(*(source.private_names for source in index.files.values())),
    )


def _with_bases(name: str, own: dict[str, set[str]], bases: dict[str, set[str]]) -> set[str]:
    """Async methods of a class and of its project base classes, transitively (cycles tolerated)."""
    seen: set[str] = set()
    pending = [name]
    methods: set[str] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        methods |= own.get(current, set())
        pending.extend(bases.get(current, ()))
    return methods


def file_context(path: str, project: ProjectFacts) -> FileContext:
    """The context of one file."""
    return FileContext(
        path=path,
        module=project.module_of.get(path, module_name(path)),
        is_test=is_test_path(path),
        is_migration=is_migration_path(path),
        project=project,
    )
