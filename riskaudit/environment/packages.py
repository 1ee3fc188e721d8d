"""Which top-level modules an interpreter can import, and whether they carry type information."""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from riskaudit.running.process import run_process

MISSING = "missing"
"""Not installed: the interpreter cannot find it."""
TYPED = "typed"
"""Installed with type information (a ``py.typed`` marker or a ``-stubs`` package)."""
UNTYPED = "untyped"
"""Installed without type information."""
STATES = (MISSING, TYPED, UNTYPED)
"""Every state."""
STDLIB = frozenset(sys.stdlib_module_names)
"""The standard library's top-level modules (typeshed types them)."""

_PROBE = r"""
import importlib.util, json, os, sys
paths = [p for p in sys.path if p and os.path.isdir(p)]
found = {}
for name in json.loads(sys.argv[1]):
    stubs = any(os.path.isdir(os.path.join(p, name + "-stubs")) for p in paths)
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        found[name] = ["typed" if stubs else "missing", ""]
        continue
    places = list(spec.submodule_search_locations or ())
    marked = any(os.path.isfile(os.path.join(p, "py.typed")) for p in places)
    state = "typed" if stubs or marked or spec.origin in ("built-in", "frozen") else "untyped"
    where = places[0] if places else spec.origin or ""
    found[name] = [state, os.path.realpath(where) if where and os.path.exists(where) else ""]
print(json.dumps(found))
"""
"""Run in the target interpreter from an empty folder, so that the project's own folders do not count."""


@dataclass(frozen=True)
class Package:
    """What an interpreter has under one top-level module name."""

    state: str
    """``MISSING``, ``TYPED`` or ``UNTYPED``."""
    location: str = ""
    """The real path of the package folder or module file it imports; empty when missing or built in."""

    def inside(self, folder: Path) -> bool:
        """Whether it is imported from below ``folder`` (an editable install of the project itself)."""
        return bool(self.location) and Path(self.location).is_relative_to(folder.resolve())


_known: dict[tuple[str, str], Package] = {}
_lock = threading.Lock()


def probe(python: str, names: Sequence[str]) -> dict[str, Package]:
    """Ask the interpreter about the names; an answer it cannot give leaves names out (nothing is assumed)."""
    with tempfile.TemporaryDirectory(prefix="riskaudit-probe-") as empty:
        result = run_process([python, "-c", _PROBE, json.dumps(list(names))], cwd=Path(empty), timeout=120)
    try:
        answer = json.loads(result.stdout) if result.returncode == 0 else {}
    except json.JSONDecodeError:
        return {}
    found: dict[str, Package] = {}
    for name, row in answer.items() if isinstance(answer, dict) else ():
        if name in names and isinstance(row, list) and len(row) == 2 and row[0] in STATES:
            found[name] = Package(row[0], str(row[1]))
    return found


def package_states(python: str, names: Iterable[str]) -> Mapping[str, Package]:
    """What the interpreter imports under each top-level module name (``MISSING``, ``TYPED``, ``UNTYPED``).

    Standard-library names are ``TYPED`` without asking. Answers are remembered per interpreter. When the
    interpreter cannot be asked, the names are left out of the answer (nothing is assumed about them).
    """
    wanted = sorted({name for name in names if name.isidentifier()})
    with _lock:
        unknown = [name for name in wanted if name not in STDLIB and (python, name) not in _known]
    fresh = probe(python, unknown) if unknown else {}
    with _lock:
        _known.update({(python, name): package for name, package in fresh.items()})
        states = {name: Package(TYPED) for name in wanted if name in STDLIB}
        states.update({name: _known[(python, name)] for name in wanted if (python, name) in _known})
    return states
