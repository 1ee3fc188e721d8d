"""Project-wide symbols for the detectors, derived from the source index (no extra parsing)."""

from __future__ import annotations

from pathlib import PurePosixPath

from riskaudit.declared_types import CALL, DeclaredType
from riskaudit.detectors.base import FileContext, ProjectSymbols
from riskaudit.roles import is_test_path
from riskaudit.mapping import project_modules
from riskaudit.module_imports import module_name
from riskaudit.sources import SourceIndex


def is_migration_path(path: str) -> bool:
    """Whether a path is an Alembic revision: a ``.py`` file below a ``versions/`` (or ``*_versions/``) folder.

    Nested trees count too (``versions/postgresql/0001.py``, ``main_versions/0001.py``).
    """
    pure = PurePosixPath(path)
    folders = pure.parts[:-1]
    return pure.name != "__init__.py" and any(f == "versions" or f.endswith("_versions") for f in folders)


TYPE_KINDS = frozenset({"attr", "returns", "var"})
"""The kinds of declaration (``riskaudit.declared_types``) that name a type."""


def project_symbols(index: SourceIndex) -> ProjectSymbols:
    """Module names, async functions and async methods (with project base classes' ones) of a project.

    Classes are known by their qualified name (``app.db.Repository``): two modules may each define a
    ``TestRunner``, one with an ``async def run`` and one with a plain ``def run``.
    """
    module_of = {path: module_name(path) for path in index.files}
    async_functions = {module_of[path]: set(source.async_functions) for path, source in index.files.items()}
    own, by_name = _own_async_methods(index, module_of)
    bases = _project_bases(index, module_of, own, by_name)
    defined = _defined_methods(index, module_of)
    declared = [(module_of[path], item) for path, source in index.files.items() for item in source.declared_types]
    wraps = [(module, item) for module, item in declared if item.kind == "wraps"]
    wrappers = _coroutine_wrappers(wraps, async_functions, own, bases, defined)
    abstract = {f"{module}.{item.name}" for module, item in declared if item.kind == "abstract"}
    _async_by_overrides(abstract, own, bases, defined)
    resolved: dict[str, set[str]] = {}
    inherited = {name: frozenset(_with_bases(name, own, bases, defined, resolved)) for name in own}
    return ProjectSymbols(
        module_of=module_of,
        async_functions={module: frozenset(found) for module, found in async_functions.items()},
        async_methods=inherited,
        coroutine_wrappers=frozenset(wrappers),
        classes=index.project_classes,
        modules=project_modules(index.files),
        private_names=frozenset().union(*(source.private_names for source in index.files.values())),
        bases={name: tuple(sorted(found)) for name, found in bases.items() if found},
        unique_classes={name: found[0] for name, found in by_name.items() if len(found) == 1},
        types=_types([(module, item) for module, item in declared if item.kind in TYPE_KINDS], own, by_name),
    )


def _async_by_overrides(
    abstract: set[str], own: dict[str, set[str]], bases: dict[str, set[str]], defined: dict[str, set[str]]
) -> None:
    """Placeholder methods whose every project override is an ``async def`` join ``own``.

    ``def fetch(self): raise NotImplementedError`` overridden by ``async def fetch`` in each subclass:
    a call through the base class makes a coroutine too.
    """
    children: dict[str, set[str]] = {}
    for child, parents in bases.items():
        for parent in parents:
            children.setdefault(parent, set()).add(child)
    for qualified in sorted(abstract):
        owner, _, method = qualified.rpartition(".")
        overrides = [c for c in _descendants(owner, children) if method in defined.get(c, set())]
        if overrides and all(method in own.get(c, set()) for c in overrides):
            own.setdefault(owner, set()).add(method)


def _descendants(cls: str, children: dict[str, set[str]]) -> list[str]:
    """Every project subclass of a class, transitively (cycles tolerated)."""
    seen: list[str] = []
    pending = sorted(children.get(cls, ()))
    while pending:
        current = pending.pop()
        if current not in seen and current != cls:
            seen.append(current)
            pending.extend(sorted(children.get(current, ())))
    return seen


def _own_async_methods(
    index: SourceIndex, module_of: dict[str, str]
) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """Each module-level class's own async methods by qualified name, and the qualified classes of each name."""
    own: dict[str, set[str]] = {}
    by_name: dict[str, list[str]] = {}
    for path, source in index.files.items():
        for name, methods in source.async_methods:
            qualified = f"{module_of[path]}.{name}"
            own.setdefault(qualified, set()).update(methods)
            by_name.setdefault(name, []).append(qualified)
    return own, by_name


def _project_bases(
    index: SourceIndex, module_of: dict[str, str], own: dict[str, set[str]], by_name: dict[str, list[str]]
) -> dict[str, set[str]]:
    """The project base classes of each project class (see ``_base_class``)."""
    bases: dict[str, set[str]] = {}
    for path, source in index.files.items():
        module = module_of[path]
        imported = {local: target for local, target in source.imports}
        for name, parents in source.class_bases:
            qualified = f"{module}.{name}"
            found = (_base_class(parent, qualified, module, imported, own, by_name) for parent in parents)
            bases.setdefault(qualified, set()).update(base for base in found if base)
    return bases


def _defined_methods(index: SourceIndex, module_of: dict[str, str]) -> dict[str, set[str]]:
    """Every method name (async or not) each module-level class defines itself."""
    defined: dict[str, set[str]] = {}
    for path, source in index.files.items():
        for symbol in source.symbols:
            owner, _, method = symbol.qualname.partition(".")
            if symbol.kind == "method" and "." not in method:
                defined.setdefault(f"{module_of[path]}.{owner}", set()).add(method)
    return defined


def _types(
    declared: list[tuple[str, DeclaredType]], own: dict[str, set[str]], by_name: dict[str, list[str]]
) -> dict[str, str]:
    """Declared types by qualified name, their project names qualified (see ``_resolved_type``)."""
    names = {f"{module}.{item.name}" for module, item in declared} | set(own)
    return {f"{module}.{item.name}": _resolved_type(item.type, module, names, by_name) for module, item in declared}


def _coroutine_wrappers(
    wraps: list[tuple[str, DeclaredType]],
    functions: dict[str, set[str]],
    own: dict[str, set[str]],
    bases: dict[str, set[str]],
    defined: dict[str, set[str]],
) -> set[str]:
    """Plain functions and methods that return a coroutine (``def get(id): return fetch(id)``), by name.

    They are added to the project's coroutine functions (``functions``) and methods (``own``). A wrapper
    of a wrapper counts too (a few rounds, until nothing changes).
    """
    found: set[str] = set()
    for _ in range(4):
        added = False
        for module, item in wraps:
            owner, _, name = item.name.rpartition(".")
            qualified = f"{module}.{item.name}"
            if qualified in found or not _calls_coroutine(item.type, module, owner, functions, own, bases, defined):
                continue
            found.add(qualified)
            added = True
            if owner:
                own.setdefault(f"{module}.{owner}", set()).add(name)
            else:
                functions.setdefault(module, set()).add(name)
        if not added:
            break
    return found


def _calls_coroutine(
    callee: str,
    module: str,
    owner: str,
    functions: dict[str, set[str]],
    own: dict[str, set[str]],
    bases: dict[str, set[str]],
    defined: dict[str, set[str]],
) -> bool:
    """Whether a wrapper's callee (``fetch``, ``app.db.fetch``, ``self.fetch``) is a project coroutine function."""
    head, _, rest = callee.partition(".")
    if head in ("self", "cls"):
        return bool(owner) and "." not in rest and rest in _with_bases(f"{module}.{owner}", own, bases, defined)
    if "." not in callee:
        return callee in functions.get(module, set())
    target, _, name = callee.rpartition(".")
    return name in functions.get(target, set())


def _resolved_type(declared: str, module: str, known: set[str], by_name: dict[str, list[str]]) -> str:
    """A declared type with project names qualified.

    A class or declared function of the same module, then one the import names, then the only project
    class of that name (a relative import); a call keeps its prefix.

    A name that is none of these stays as it is: a library type, or a function whose result the
    detectors look up when they need it.
    """
    called = declared.startswith(CALL)
    name = declared.removeprefix(CALL)
    local = f"{module}.{name}"
    if local in known:
        name = local
    elif name not in known:
        candidates = by_name.get(name.rpartition(".")[2], [])
        if len(candidates) == 1 and (name.partition(".")[0] == module.partition(".")[0] or "." not in name):
            name = candidates[0]
    return CALL + name if called else name


def _base_class(
    base: str,
    subclass: str,
    module: str,
    imported: dict[str, str],
    known: dict[str, set[str]],
    by_name: dict[str, list[str]],
) -> str:
    """The qualified project class a base name refers to, or empty when it cannot be told.

    A class of the same module (not the subclass itself), then the class an import names, then the
    only project class of that name; with several candidates and nothing to choose by, none.
    """
    local = f"{module}.{base}"
    if local != subclass and local in known:
        return local
    if imported.get(base) in known:
        return imported[base]
    candidates = [name for name in by_name.get(base, ()) if name != subclass]
    return candidates[0] if len(candidates) == 1 else ""


def _with_bases(
    name: str,
    own: dict[str, set[str]],
    bases: dict[str, set[str]],
    defined: dict[str, set[str]],
    resolved: dict[str, set[str]] | None = None,
) -> set[str]:
    """Async methods of a class: its own, and those of its project bases (transitively) it does not define.

    A plain ``def start`` overriding a base's ``async def start`` is not a coroutine. Walked with a stack,
    not recursion (a generated chain of thousands of classes), tolerating cycles; ``resolved`` keeps the
    classes already done across calls.
    """
    done = {} if resolved is None else resolved
    stack: list[tuple[str, bool]] = [(name, False)]
    active: set[str] = set()
    while stack:
        current, expanded = stack.pop()
        if current in done:
            continue
        if not expanded:
            active.add(current)
            stack.append((current, True))
            stack.extend((base, False) for base in sorted(bases.get(current, ())) if base not in active)
            continue
        inherited = set().union(*(done.get(base, set()) for base in bases.get(current, ())))
        done[current] = own.get(current, set()) | (inherited - defined.get(current, set()))
        active.discard(current)
    return done[name]


def file_context(path: str, project: ProjectSymbols) -> FileContext:
    """The context of one file."""
    return FileContext(
        path=path,
        module=project.module_of.get(path, module_name(path)),
        is_test=is_test_path(path),
        is_migration=is_migration_path(path),
        project=project,
    )
