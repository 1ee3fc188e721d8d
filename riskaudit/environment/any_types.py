"""mypy errors that only say a missing package made a name ``Any``: which package each one comes from.

When a package is not installed, mypy types every name imported from it as ``Any`` and then reports,
besides the import itself, what ``Any`` cannot do: be subclassed (``Class cannot subclass "Base" (has
type "Any")``), be a type or a base (``Variable "app.types.Secret" is not valid as a type`` for
``Secret = str | SecretStr``, ``Invalid base class "BASE"`` for ``BASE = declarative_base()``), keep a
decorated function typed (``Untyped decorator makes function "f" untyped``). Each is put down to the
package when the name it is about resolves, through the file's imports (and one re-export by a project
module), to a package that is missing. Names the project defines itself never are: then the error is
the code's.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from riskaudit.models import RawFinding
from riskaudit.sources import SourceFile, SourceIndex

_SUBCLASS_ANY = re.compile(r'^Class cannot subclass "[^"]+" \(has type "Any"\)')
_SUBCLASS_ANY_VALUE = re.compile(r'^Class cannot subclass value of type "Any"')
_CLASS_BASES = re.compile(r"^\s*class\s+\w+\s*\((?P<bases>.*)")
_NOT_A_TYPE = re.compile(r'^(?:Variable "(?P<name>[^"]+)" is not valid as a type|Invalid base class "(?P<base>[^"]+)")')
_UNTYPED_DECORATOR = re.compile(r'^Untyped decorator makes function "[^"]+" untyped')
_DECORATOR = re.compile(r"^\s*@\s*(?P<root>[A-Za-z_]\w*)")
_IDENTIFIER = re.compile(r"(?<![\w.])([A-Za-z_]\w*)")
_ASSIGNMENT = r"^\s*{name}\s*(?::[^=]*)?=(?!=)\s*(?P<value>.+)$"
_DECORATOR_REACH = 30
"""Lines above a reported line searched for its decorators."""
_REEXPORT_DEPTH = 2
"""How many project modules an import is followed through to the package it comes from."""


def module_file(index: SourceIndex, module: str) -> SourceFile | None:
    """The analysed file of a dotted module name (``pkg/mod.py``, ``pkg/mod/__init__.py``, under ``src/`` too)."""
    base = module.replace(".", "/")
    for candidate in (f"{base}.py", f"{base}/__init__.py", f"src/{base}.py", f"src/{base}/__init__.py"):
        found = index.get(candidate)
        if found is not None:
            return found
    return None


class MissingOrigins:
    """Resolves names in a file to the missing package they were imported from."""

    def __init__(self, index: SourceIndex, missing: Collection[str]) -> None:
        self.index = index
        self.missing = frozenset(missing)

    def origin(self, source: SourceFile, name: str, depth: int = _REEXPORT_DEPTH) -> str | None:
        """The missing top-level package a local name of the file comes from, or None."""
        qualified = dict(source.imports).get(name)
        if qualified is None:
            return None
        top = qualified.split(".", 1)[0]
        if top in self.missing:
            return top
        module, _, attribute = qualified.rpartition(".")
        provider = module_file(self.index, module) if module and depth > 0 else None
        if provider is None or provider is source:
            return None
        return self.origin(provider, attribute, depth - 1)

    def in_text(self, source: SourceFile, text: str) -> str | None:
        """The first missing package any identifier of a piece of code comes from."""
        for match in _IDENTIFIER.finditer(text):
            found = self.origin(source, match[1])
            if found:
                return found
        return None

    def package_of(self, finding: RawFinding) -> str | None:
        """The missing package a mypy finding is a consequence of, or None when it is the code's own."""
        if finding.tool != "mypy" or not finding.line:
            return None
        source = self.index.get(finding.path)
        if source is None or not 1 <= finding.line <= len(source.lines):
            return None
        if _SUBCLASS_ANY.match(finding.message) or _SUBCLASS_ANY_VALUE.match(finding.message):
            text = source.lines[finding.line - 1]
            bases = _CLASS_BASES.match(text)
            return self.in_text(source, bases["bases"] if bases else text)
        match = _NOT_A_TYPE.match(finding.message)
        if match:
            return self._variable_origin(source, match["name"] or match["base"])
        if _UNTYPED_DECORATOR.match(finding.message):
            return self._decorator_origin(source, finding.line)
        return None

    def _variable_origin(self, source: SourceFile, qualified: str) -> str | None:
        """The package of the value a module-level alias is assigned (``Secret = str | SecretStr``)."""
        module, _, name = qualified.rpartition(".")
        home = (module_file(self.index, module) if module else None) or source
        direct = self.origin(home, name)
        if direct:
            return direct
        pattern = re.compile(_ASSIGNMENT.format(name=re.escape(name)))
        for line in home.lines:
            assigned = pattern.match(line)
            if assigned:
                found = self.in_text(home, assigned["value"])
                if found:
                    return found
        return None

    def _decorator_origin(self, source: SourceFile, line: int) -> str | None:
        """The package of the decorators on or just above a line (an imported name, or an object of its type)."""
        defined = {symbol.qualname.split(".", 1)[0] for symbol in source.symbols} | set(source.classes)
        for number in range(line, max(0, line - _DECORATOR_REACH), -1):
            text = source.lines[number - 1]
            decorator = _DECORATOR.match(text)
            if decorator is None:
                if number != line and not text.strip().startswith(("#", ")")) and text.strip():
                    break
                continue
            root = decorator["root"]
            found = self.origin(source, root)
            if found:
                return found
            if root not in defined and root not in dict(source.imports):
                return self._local_origin(source, root, number)
        return None

    def _local_origin(self, source: SourceFile, name: str, line: int) -> str | None:
        """The package of the value or annotation of a binding of a local name before a line, nearest first.

        ``router = APIRouter()`` or a parameter ``app: Flask``: the decorator ``@router.get`` or
        ``@app.route`` is untyped because ``APIRouter`` or ``Flask`` is ``Any``.
        """
        assigned = re.compile(rf"^\s*{re.escape(name)}\s*=(?!=)\s*(?P<value>.+)$")
        annotated = re.compile(rf"(?<![\w.]){re.escape(name)}\s*:\s*(?P<annotation>[^=,)]+)")
        for number in range(line - 1, 0, -1):
            text = source.lines[number - 1]
            match = assigned.match(text) or annotated.search(text)
            found = self.in_text(source, match[match.lastgroup or 0]) if match else None
            if found:
                return found
        return None
