"""The corpus file (``benchmarks/corpus.toml``): its projects, validated, and what to install for each.

Pure functions on parsed TOML data: ``parse_corpus`` turns the document into ``CorpusProject``
records or raises ``CorpusError`` naming the project and the key; ``expand_groups`` resolves PEP 735
dependency groups (with ``include-group``) from a project's own ``pyproject.toml``;
``install_requirements`` lists what pip is given for a project's venv.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TESTS_TIMEOUT = 900.0
"""Seconds a project's test run may take before it is killed."""
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEYS = frozenset({
    "name", "version", "sdist", "sha256", "tags", "deps", "deps-reason", "install-from", "extras", "groups",
    "requirements", "packages", "skip", "tests", "tests-reason", "tests-timeout",
})
_REQUIRED = ("name", "version", "sdist", "sha256")
_SOURCES = ("sdist", "index")


class CorpusError(ValueError):
    """The corpus file, a review record or a project's pyproject.toml is not what it must be."""


@dataclass(frozen=True)
class CorpusProject:
    """One pinned release of the corpus and how to install and test it."""

    name: str
    """Its PyPI name."""
    version: str
    """The pinned version."""
    sdist: str
    """File name of its source distribution on PyPI."""
    sha256: str
    """The sdist's sha256, as PyPI publishes it (lower-case hex)."""
    tags: tuple[str, ...] = ()
    """What it exercises in riskaudit."""
    deps: bool = True
    """Whether it gets a venv of its own with its dependencies."""
    deps_reason: str = ""
    """Why it has none, when ``deps`` is false."""
    install_from: str = "sdist"
    """``sdist``: install the downloaded sdist; ``index``: the same version from the package index."""
    extras: tuple[str, ...] = ()
    """Extras of the project installed with it."""
    groups: tuple[str, ...] = ()
    """PEP 735 dependency groups of its pyproject.toml to install."""
    requirements: tuple[str, ...] = ()
    """Requirement files inside the sdist to install."""
    packages: tuple[str, ...] = ()
    """Further requirement strings to install."""
    skip: tuple[str, ...] = ()
    """Requirement names dropped from groups and requirement files."""
    tests: str = ""
    """Its tests, run as ``python -m coverage run -m TESTS`` in the deps target; empty: not run."""
    tests_reason: str = ""
    """Why there is no tests command."""
    tests_timeout: float = DEFAULT_TESTS_TIMEOUT
    """Seconds before the test run is killed."""

    @property
    def slug(self) -> str:
        """``name-version``, the stem of its folders and result files."""
        return f"{self.name}-{self.version}"

    @property
    def primary_mode(self) -> str:
        """The scan whose ranking is reviewed by default: ``deps`` when it has a venv, else ``bare``."""
        return "deps" if self.deps else "bare"


def normalise_name(name: str) -> str:
    """A distribution name as PEP 503/625 compare it: lower case, runs of ``-_.`` as one ``_``."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _strings(value: object, where: str) -> tuple[str, ...]:
    """A list of non-empty strings, or CorpusError naming where."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CorpusError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _text(value: object, where: str) -> str:
    """A non-empty string, or CorpusError naming where."""
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(f"{where} must be a non-empty string")
    return value


def parse_project(data: Mapping[str, Any], index: int) -> CorpusProject:
    """One ``[[project]]`` table, validated; CorpusError names the project (or its index) and the key."""
    label = f"project {data.get('name')!r}" if isinstance(data.get("name"), str) else f"project #{index + 1}"
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise CorpusError(f"{label}: unknown key {unknown[0]!r}")
    for key in _REQUIRED:
        if key not in data:
            raise CorpusError(f"{label}: missing {key!r}")
    name, version = _text(data["name"], f"{label}: name"), _text(data["version"], f"{label}: version")
    sdist, sha256 = _text(data["sdist"], f"{label}: sdist"), _text(data["sha256"], f"{label}: sha256")
    if not _SHA256.fullmatch(sha256):
        raise CorpusError(f"{label}: sha256 must be 64 lower-case hex digits")
    stem = normalise_name(f"{name}-{version}")
    if not (sdist.lower().endswith((".tar.gz", ".zip")) and normalise_name(sdist).startswith(stem + "_")):
        raise CorpusError(f"{label}: sdist {sdist!r} is not a source distribution of {name} {version}")
    deps = data.get("deps", True)
    if not isinstance(deps, bool):
        raise CorpusError(f"{label}: deps must be true or false")
    deps_reason = _text(data["deps-reason"], f"{label}: deps-reason") if "deps-reason" in data else ""
    if not deps and not deps_reason:
        raise CorpusError(f"{label}: deps = false needs a deps-reason")
    install_from = data.get("install-from", "sdist")
    if install_from not in _SOURCES:
        raise CorpusError(f"{label}: install-from must be one of {', '.join(_SOURCES)}")
    lists = {key: _strings(data.get(key, []), f"{label}: {key}")
             for key in ("tags", "extras", "groups", "requirements", "packages", "skip")}
    tests = _text(data["tests"], f"{label}: tests") if "tests" in data else ""
    if tests and not deps:
        raise CorpusError(f"{label}: tests need deps (they run in the project's own venv)")
    timeout = data.get("tests-timeout", DEFAULT_TESTS_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise CorpusError(f"{label}: tests-timeout must be a positive number of seconds")
    return CorpusProject(
        name=name, version=version, sdist=sdist, sha256=sha256, tags=lists["tags"], deps=deps,
        deps_reason=deps_reason, install_from=install_from, extras=lists["extras"], groups=lists["groups"],
        requirements=lists["requirements"], packages=lists["packages"], skip=lists["skip"], tests=tests,
        tests_reason=_text(data["tests-reason"], f"{label}: tests-reason") if "tests-reason" in data else "",
        tests_timeout=float(timeout),
    )


def parse_corpus(data: Mapping[str, Any]) -> tuple[CorpusProject, ...]:
    """Every project of a parsed corpus file, validated; names must be unique."""
    unknown = sorted(set(data) - {"project"})
    if unknown:
        raise CorpusError(f"unknown top-level key {unknown[0]!r} (projects are [[project]] tables)")
    rows = data.get("project")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise CorpusError("the corpus needs at least one [[project]] table")
    projects = tuple(parse_project(row, i) for i, row in enumerate(rows))
    seen: set[str] = set()
    for project in projects:
        key = normalise_name(project.name)
        if key in seen:
            raise CorpusError(f"project {project.name!r} is listed twice")
        seen.add(key)
    return projects


def load_corpus(path: Path) -> tuple[CorpusProject, ...]:
    """The projects of a corpus file; CorpusError names the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CorpusError(f"{path}: {exc}") from None
    try:
        return parse_corpus(data)
    except CorpusError as exc:
        raise CorpusError(f"{path}: {exc}") from None


def select(projects: Sequence[CorpusProject], names: Sequence[str]) -> tuple[CorpusProject, ...]:
    """The projects named (any spelling PEP 503 treats as equal), in corpus order; all when none is named."""
    if not names:
        return tuple(projects)
    wanted = {normalise_name(n) for n in names}
    known = {normalise_name(p.name) for p in projects}
    missing = sorted(wanted - known)
    if missing:
        raise CorpusError(f"not in the corpus: {', '.join(missing)}")
    return tuple(p for p in projects if normalise_name(p.name) in wanted)


def requirement_name(line: str) -> str:
    """The normalised distribution name a requirement string starts with ('' for options and blanks)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    return normalise_name(match.group(1)) if match and not line.lstrip().startswith("-") else ""


def expand_groups(pyproject: Mapping[str, Any], groups: Sequence[str]) -> tuple[str, ...]:
    """The requirement strings of PEP 735 dependency groups, ``include-group`` entries resolved."""
    table = pyproject.get("dependency-groups")
    if not isinstance(table, dict):
        raise CorpusError("pyproject.toml has no [dependency-groups]")
    by_name = {normalise_name(k): v for k, v in table.items()}
    result: list[str] = []

    def visit(group: str, trail: tuple[str, ...]) -> None:
        """Append one group's requirements, following includes, refusing a cycle."""
        key = normalise_name(group)
        if key in trail:
            raise CorpusError(f"dependency group {group!r} includes itself ({' -> '.join((*trail, key))})")
        entries = by_name.get(key)
        if not isinstance(entries, list):
            raise CorpusError(f"pyproject.toml has no dependency group {group!r}")
        for entry in entries:
            if isinstance(entry, str):
                result.append(entry.strip())
            elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
                visit(entry["include-group"], (*trail, key))
            else:
                raise CorpusError(f"dependency group {group!r} has an entry that is neither a string nor an include")

    for group in groups:
        visit(group, ())
    return tuple(dict.fromkeys(result))


def requirement_lines(text: str) -> tuple[str, ...]:
    """The requirements of a requirements file: comments, blanks and option lines dropped."""
    lines = (line.split(" #")[0].strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith(("#", "-")))


@dataclass(frozen=True)
class InstallPlan:
    """What pip installs into a project's venv."""

    project: str
    """The project itself: a PEP 508 direct reference to the sdist, or ``name[extras]==version``."""
    requirements: tuple[str, ...] = field(default=())
    """Its test requirements (groups, requirement files, packages), skipped names left out."""


def install_plan(
    project: CorpusProject, sdist: Path, pyproject: Mapping[str, Any], files: Mapping[str, str]
) -> InstallPlan:
    """What to install for a project, from its corpus entry, its pyproject data and its requirement files' text."""
    extras = f"[{','.join(project.extras)}]" if project.extras else ""
    if project.install_from == "index":
        itself = f"{project.name}{extras}=={project.version}"
    else:
        itself = f"{project.name}{extras} @ {sdist.resolve().as_uri()}"
    found: list[str] = list(expand_groups(pyproject, project.groups)) if project.groups else []
    for name in project.requirements:
        if name not in files:
            raise CorpusError(f"{project.name}: requirement file {name!r} is not in the sdist")
        found.extend(requirement_lines(files[name]))
    skipped = {normalise_name(s) for s in project.skip}
    kept = [r for r in found if requirement_name(r) not in skipped]
    own = normalise_name(project.name)
    kept = [r for r in kept if requirement_name(r) != own]
    return InstallPlan(itself, tuple(dict.fromkeys([*kept, *project.packages])))
