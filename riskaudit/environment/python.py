"""The Python version a project declares, and the interpreters on this machine that can run it."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from riskaudit.running.process import can_import, pick_interpreter, run_process

Version = tuple[int, int]
"""A ``(major, minor)`` Python version."""

_CLAUSE = re.compile(r"^\s*(?P<op>>=|<=|==|!=|~=|>|<|\^|~)?\s*(?P<major>\d+)(?:\.(?P<minor>\d+|\*))?")
_SETUP_PY = re.compile(r"""python_requires\s*=\s*(?P<quote>["'])(?P<spec>[^"']+)(?P=quote)""")
LATEST_MINOR = 20
"""The highest ``3.N`` looked for as ``python3.N`` on PATH."""


@dataclass(frozen=True)
class DeclaredPython:
    """The lowest Python version a project says it supports, and where it says so."""

    version: Version
    """``(major, minor)``."""
    source: str
    """Where it was read, e.g. ``requires-python ">=3.12" in pyproject.toml``."""

    @property
    def text(self) -> str:
        """``3.12``."""
        return version_text(self.version)


@dataclass(frozen=True)
class Interpreter:
    """A Python interpreter found on this machine."""

    path: str
    """Its executable."""
    version: Version
    """Its ``(major, minor)``."""
    origin: str
    """Where it was found: the project's ``.venv``, ``PATH``, ``pyenv``, ``uv``."""


def version_text(version: Version) -> str:
    """``(3, 12)`` as ``3.12``."""
    return f"{version[0]}.{version[1]}"


def minimum_version(specifier: str) -> Version | None:
    """The lowest ``major.minor`` a version specifier admits (``>=3.12,<4`` -> 3.12); None if it sets none.

    Understands PEP 440 clauses (``>=``, ``>``, ``~=``, ``==``, ``==3.12.*``) and Poetry's ``^3.12``,
    ``~3.12`` and ``||`` alternatives (the lowest alternative wins).
    """
    lows: list[Version] = []
    for alternative in specifier.split("||"):
        bounds: list[Version] = []
        for clause in alternative.split(","):
            match = _CLAUSE.match(clause)
            if match is None or match["op"] in ("<", "<=", "!="):
                continue
            minor = match["minor"]
            bounds.append((int(match["major"]), int(minor) if minor and minor != "*" else 0))
        if bounds:
            lows.append(max(bounds))
    return min(lows) if lows else None


def _pyproject_requires(root: Path) -> tuple[str, str] | None:
    """``(specifier, where)`` from pyproject.toml: ``[project] requires-python`` or Poetry's python dependency."""
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    project = data.get("project")
    if isinstance(project, dict) and isinstance(project.get("requires-python"), str):
        return project["requires-python"], "requires-python in pyproject.toml"
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(dependencies, dict) and isinstance(dependencies.get("python"), str):
        return dependencies["python"], "[tool.poetry.dependencies] python in pyproject.toml"
    return None


def _setup_requires(root: Path) -> tuple[str, str] | None:
    """``(specifier, where)`` from setup.cfg's ``[options] python_requires`` or a literal in setup.py."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(root / "setup.cfg", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        parser = configparser.ConfigParser(interpolation=None)
    for section in ("options", "metadata"):
        if parser.has_option(section, "python_requires"):
            return parser.get(section, "python_requires"), f"[{section}] python_requires in setup.cfg"
    try:
        match = _SETUP_PY.search((root / "setup.py").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return (match["spec"], "python_requires in setup.py") if match else None


def declared_python(root: Path) -> DeclaredPython | None:
    """The lowest Python version the project supports by its packaging metadata; None when it declares none."""
    for found in (_pyproject_requires(root), _setup_requires(root)):
        if found is None:
            continue
        specifier, where = found
        version = minimum_version(specifier)
        if version is not None:
            return DeclaredPython(version, f'{where}: "{specifier.strip()}"')
    return None


@dataclass(frozen=True)
class InterpreterAnswer:
    """What an interpreter said when asked its version."""

    version: Version | None
    """Its ``(major, minor)``; None when it did not say (it failed, or printed something else)."""
    problem: str = ""
    """Why it cannot be used at all: it could not start or did not end in time; empty when it ran."""


@lru_cache(maxsize=None)
def ask_interpreter(python: str) -> InterpreterAnswer:
    """Run the interpreter once to learn its version (bounded by ``--timeout`` within a scan)."""
    if python == sys.executable:
        return InterpreterAnswer((sys.version_info[0], sys.version_info[1]))
    probe = run_process(
        [python, "-c", "import sys; print('%d %d' % sys.version_info[:2])"], cwd=Path(os.sep), timeout=60
    )
    if probe.returncode is None:
        return InterpreterAnswer(None, probe.error or "it did not run")
    parts = probe.stdout.split()
    if probe.returncode != 0 or len(parts) != 2 or not all(part.isdigit() for part in parts):
        return InterpreterAnswer(None)
    return InterpreterAnswer((int(parts[0]), int(parts[1])))


def interpreter_version(python: str) -> Version | None:
    """The ``(major, minor)`` of an interpreter, or None when it does not run (a pyenv shim without that version)."""
    return ask_interpreter(python).version


def _installed_pythons(root: Path, minimum: Version) -> list[tuple[Path, str]]:
    """Candidate executables and where each was found, most project-specific first."""
    found: list[tuple[Path, str]] = [(root / folder / "bin" / "python", folder) for folder in (".venv", "venv")]
    for minor in range(minimum[1], LATEST_MINOR):
        located = shutil.which(f"python{minimum[0]}.{minor}")
        if located:
            found.append((Path(located), "PATH"))
    home = Path.home()
    pyenv = Path(os.environ.get("PYENV_ROOT") or home / ".pyenv") / "versions"
    found += [(folder / "bin" / "python3", "pyenv") for folder in sorted(pyenv.glob("*"))]
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    uv = Path(os.environ.get("UV_PYTHON_INSTALL_DIR") or data / "uv" / "python")
    found += [(folder / "bin" / "python3", "uv") for folder in sorted(uv.glob("cpython-*"))]
    return found


def matching_interpreters(root: Path, minimum: Version) -> tuple[Interpreter, ...]:
    """Interpreters of at least ``minimum``: the project's virtualenv, ``pythonX.Y`` on PATH, pyenv's, uv's.

    Closest version first (the project's own environment first among equals); each found once.
    """
    seen: set[str] = set()
    kept: list[tuple[Version, int, Interpreter]] = []
    for order, (path, origin) in enumerate(_installed_pythons(root, minimum)):
        if not path.is_file():
            continue
        try:
            real = str(path.resolve())
        except OSError:
            continue
        if real in seen:
            continue
        seen.add(real)
        version = interpreter_version(str(path))
        if version is not None and version >= minimum:
            kept.append((version, order, Interpreter(str(path), version, origin)))
    return tuple(interpreter for _, _, interpreter in sorted(kept, key=lambda item: (item[0], item[1])))


def tool_interpreter(
    python: str, module: str, root: Path, needed: Version | None, search: bool = True
) -> tuple[str, str]:
    """The interpreter to run a tool with: as ``pick_interpreter`` chooses, unless that one is older than needed.

    Then the first matching interpreter (see ``matching_interpreters``) that has the tool installed is used;
    when none has, the usual choice stands (the tool then parses with an older grammar than the project's).
    """
    chosen, origin = pick_interpreter(python, module)
    if needed is None or not search:
        return chosen, origin
    version = interpreter_version(chosen)
    if version is None or version >= needed:
        return chosen, origin
    for candidate in matching_interpreters(root, needed):
        if candidate.path != sys.executable and can_import(candidate.path, module):
            return candidate.path, f"Python {version_text(candidate.version)} from {candidate.origin}"
    return chosen, origin
