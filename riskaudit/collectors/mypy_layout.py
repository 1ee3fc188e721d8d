"""Module names as the project imports them: source roots, package bases and local folders that shadow packages.

mypy names a file it is given by crawling up through folders with ``__init__.py`` (``mypy/find_sources.py``):
a loose ``src/app/core/time.py`` without package markers becomes the module ``time``, which shadows the
standard library, and a local ``alembic/`` folder of migration scripts, lacking ``__init__.py``, is taken
for the ``alembic`` namespace package (``mypy/modulefinder.py`` prefers it to nothing when the real one is
not installed). The project runs such files with other names: pytest puts a test's folder on ``sys.path``,
a ``src/`` layout is installed, alembic loads migrations by path. Here the source roots are read off the
project's own imports, mypy is given them as explicit package bases, and a shadowing folder is checked as
loose scripts while the package it shadows resolves to the installed one, or to an ``Any`` stub.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from riskaudit.collectors.mypy_config import MypyConfig
from riskaudit.environment import FIX_DEPENDENCIES
from riskaudit.environment.packages import MISSING, STDLIB, TYPED, Package, package_states
from riskaudit.models import EnvironmentIssue

_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<source>[A-Za-z_][\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^#\n;]*)"
    r"|import[ \t]+(?P<modules>[^#\n;]+))",
    re.MULTILINE,
)
STUB = "from typing import Any\n\n\ndef __getattr__(name: str) -> Any: ...\n"
"""The stub a shadowed package that is not installed gets: every name it is asked for is ``Any``."""


@dataclass(frozen=True)
class ImportSite:
    """One absolute import of a module, with the names a ``from`` import takes from it."""

    module: str
    """``a.b`` in ``import a.b`` or ``from a.b import c``."""
    names: tuple[str, ...]
    """``c`` in ``from a.b import c``; empty for ``import a.b``."""
    location: str
    """``path:line``."""


@dataclass(frozen=True)
class Shadow:
    """A local folder named like a package the project imports from elsewhere."""

    folder: str
    """Target-relative POSIX path of the folder."""
    package: str
    """The package name."""
    example: ImportSite
    """An import that cannot mean the folder (it takes a name the folder does not have)."""


@dataclass(frozen=True)
class MypyLayout:
    """What mypy is given so that it names and resolves modules as the project's own runs do."""

    arguments: tuple[str, ...] = ()
    """Extra command-line options (``--explicit-package-bases``)."""
    search_path: tuple[str, ...] = ()
    """Absolute folders for ``MYPYPATH``, in order (the stub folder, when any, goes first)."""
    stubs: tuple[str, ...] = ()
    """Shadowed packages the environment lacks: they get an ``Any`` stub."""
    issues: tuple[EnvironmentIssue, ...] = field(default=())
    """What was found (``shadowed-package``)."""

    def mypypath(self, stub_folder: str) -> str:
        """The ``MYPYPATH`` value, with the stub folder first when there are stubs."""
        return ":".join((stub_folder, *self.search_path) if self.stubs else self.search_path)

    def shown(self, root: Path) -> str:
        """``MYPYPATH=...`` as reports show it: target-relative folders, the stub folder by what it holds."""
        parts = [f"<Any stubs: {', '.join(self.stubs)}>"] if self.stubs else []
        for folder in self.search_path:
            relative = Path(folder).relative_to(root).as_posix() if Path(folder).is_relative_to(root) else folder
            parts.append(relative)
        return f"MYPYPATH={':'.join(parts)}" if parts else ""


def _names(text: str) -> tuple[str, ...]:
    """Imported names of ``a, b as c`` or a parenthesised list: the first word of each comma-separated part."""
    parts = text.strip().strip("()").replace("\\\n", " ").split(",")
    return tuple(word for part in parts if (word := part.split()[0] if part.split() else "") and word != "*")


def scan_imports(root: Path, files: Iterable[str]) -> tuple[ImportSite, ...]:
    """Absolute imports of the files, read off the text (a line-level look: no parse, so no file is refused)."""
    sites: list[ImportSite] = []
    for path in files:
        try:
            text = (root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _IMPORT.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            where = f"{path}:{line}"
            if match["source"]:
                sites.append(ImportSite(match["source"], _names(match["names"]), where))
            else:
                sites.extend(ImportSite(name, (), where) for name in _names(match["modules"]))
    return tuple(sites)


def _folders(files: Iterable[str]) -> set[str]:
    """Every folder that holds a project file, directly or below (``""`` is the root)."""
    found: set[str] = set()
    for path in files:
        for parent in PurePosixPath(path).parents:
            found.add("" if str(parent) == "." else parent.as_posix())
    return found


def _is_package(root: Path, folder: str) -> bool:
    """Whether a folder has an ``__init__.py``/``.pyi``."""
    return any((root / folder / f"__init__{suffix}").is_file() for suffix in (".py", ".pyi"))


def _join(folder: str, name: str) -> str:
    """A target-relative child path."""
    return f"{folder}/{name}" if folder else name


def _provides(root: Path, folder: str, name: str, folders: set[str]) -> bool:
    """Whether ``folder/name`` is a module of the project: ``name.py`` or a folder of project files."""
    child = _join(folder, name)
    return (root / f"{child}.py").is_file() or (root / f"{child}.pyi").is_file() or child in folders


def find_shadows(root: Path, files: Sequence[str], sites: Sequence[ImportSite]) -> tuple[Shadow, ...]:
    """Folders without ``__init__.py`` named like an imported package that they cannot be.

    The folder must sit where a package base can be (not inside a package), and every name the project
    takes from that package must be missing in it.
    """
    folders = _folders(files)
    wanted: dict[str, list[tuple[str, ImportSite]]] = {}
    for site in sites:
        top, _, rest = site.module.partition(".")
        taken = [rest.split(".", 1)[0]] if rest else list(site.names)
        wanted.setdefault(top, []).extend((child, site) for child in taken)
    shadows: list[Shadow] = []
    for folder in sorted(folders):
        name = PurePosixPath(folder).name
        parent = "" if "/" not in folder else PurePosixPath(folder).parent.as_posix()
        if not folder or name not in wanted or name in STDLIB or _is_package(root, folder):
            continue
        if parent and _is_package(root, parent):
            continue
        children = wanted[name]
        if children and not any(_provides(root, folder, child, folders) for child, _ in children):
            shadows.append(Shadow(folder, name, children[0][1]))
    return tuple(shadows)


def source_roots(
    root: Path, files: Sequence[str], sites: Sequence[ImportSite], installed: Mapping[str, Package],
    shadows: Sequence[Shadow],
) -> tuple[str, ...]:
    """Folders below the root that the project imports modules from as top-level names.

    ``src`` for ``import app`` with ``src/app/``, ``tests`` for ``import helpers`` with ``tests/helpers.py``.

    A name counts when it is no standard-library module, is not what the root itself provides, is not a
    package installed from outside the project, and exactly one such folder provides it.
    """
    folders = _folders(files)
    shadowed = {shadow.package for shadow in shadows}
    roots: set[str] = set()
    for name in sorted({site.module.split(".", 1)[0] for site in sites}):
        package = installed.get(name)
        if name in STDLIB or name in shadowed or _provides(root, "", name, folders):
            continue
        if package is not None and package.state != MISSING and not package.inside(root):
            continue
        places = [
            folder for folder in folders
            if folder and not _is_package(root, folder) and _provides(root, folder, name, folders)
        ]
        if len(places) == 1:
            roots.add(places[0])
    return tuple(sorted(roots))


def _shadow_issue(shadow: Shadow, package: Package | None, python: str) -> EnvironmentIssue:
    """The report's line about a shadowing folder."""
    what = (
        f"local folder {shadow.folder}/ (no __init__.py) has the name of the package {shadow.package} "
        f"the project imports ({shadow.example.location} takes "
        f"{', '.join(shadow.example.names) or shadow.example.module} from it)"
    )
    if package is not None and package.state == TYPED:
        detail = f"{what}; mypy checked the folder's files as scripts, so {shadow.package} is the installed package"
        fix = "nothing for the analysis; naming the folder unlike the package (e.g. migrations/) avoids the clash"
    else:
        state = "installed without type information" if package is not None and package.state != MISSING else (
            "not installed"
        )
        detail = (
            f"{what}; {shadow.package} is {state} in {python}, so mypy would have taken the folder for it: "
            f"its names were treated as Any and the folder's files checked as scripts"
        )
        fix = FIX_DEPENDENCIES
    examples = (shadow.example.location,)
    return EnvironmentIssue("shadowed-package", shadow.package, "mypy", detail, fix, examples=examples)


def plan_layout(root: Path, files: Sequence[str], config: MypyConfig | None, python: str) -> MypyLayout:
    """The package bases, ``MYPYPATH`` and stubs that make mypy see the project's modules as the project does.

    Explicit package bases are added only when riskaudit picks the files (the config names no ``files``,
    ``packages`` or ``modules``) and the config does not settle the question itself
    (``explicit_package_bases``, or ``namespace_packages = False``, which mypy cannot combine with it).
    """
    sites = scan_imports(root, files)
    shadows = find_shadows(root, files, sites)
    tops = {site.module.split(".", 1)[0] for site in sites} | {shadow.package for shadow in shadows}
    installed = package_states(python, tops)
    stubs = tuple(
        shadow.package for shadow in shadows
        if (package := installed.get(shadow.package)) is None or package.state != TYPED
    )
    issues = tuple(_shadow_issue(shadow, installed.get(shadow.package), python) for shadow in shadows)
    own_choice = config is not None and (
        config.selects_files or config.flag("explicit_package_bases") is not None
        or config.flag("namespace_packages") is False
    )
    if own_choice:
        return MypyLayout(stubs=stubs, issues=issues)
    roots = source_roots(root, files, sites, installed, shadows)
    bases = (*roots, *(shadow.folder for shadow in shadows))
    search = tuple(str(root / folder) for folder in bases) + (str(root),)
    return MypyLayout(("--explicit-package-bases",), search, stubs, issues)


def write_stubs(folder: Path, packages: Iterable[str]) -> None:
    """An ``Any`` stub package per name in ``folder`` (put first on ``MYPYPATH``)."""
    for name in packages:
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "__init__.pyi").write_text(STUB, encoding="utf-8")
