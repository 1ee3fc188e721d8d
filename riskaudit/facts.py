"""Facts about a tool finding that only the source can tell (a hasattr guard, a third-party type)."""

from __future__ import annotations

import re
from collections.abc import Collection

from riskaudit.models import RawFinding
from riskaudit.sources import SourceFile

_MISSING_ATTR = re.compile(r'^(?P<owner>"[^"]+"|Module "[^"]+") has no attribute "(?P<attr>[^"]+)"')
_BUILTIN_TYPES = frozenset(
    {"str", "int", "float", "complex", "bool", "bytes", "bytearray", "dict", "list", "set",
     "frozenset", "tuple", "object", "None", "type", "function", "Callable", "Coroutine"}
)


SQL_COMPARISON_CODES = frozenset({"E711", "E712"})
"""pycodestyle's comparisons to None/True/False: the correct idiom inside SQLAlchemy expressions."""


def missing_attribute(message: str) -> tuple[str, str] | None:
    """``(owner, attribute)`` from a mypy "X has no attribute" message, or None."""
    match = _MISSING_ATTR.match(message)
    if match is None:
        return None
    return match["owner"], match["attr"]


def owner_class(owner: str) -> str:
    """The class name inside a mypy type: ``"type[T]"`` -> ``T``, ``"sqlalchemy.pool.Pool"`` -> ``Pool``."""
    name = owner.strip('"')
    while name.startswith("type[") and name.endswith("]"):
        name = name[5:-1]
    name = name.split("[", 1)[0]
    return name.rsplit(".", 1)[-1]


def is_hasattr_guarded(finding: RawFinding, source: SourceFile | None) -> bool:
    """Whether a ``hasattr(obj, "attr")`` guard on the same object encloses the flagged access."""
    parsed = missing_attribute(finding.message)
    if parsed is None or source is None or finding.line is None:
        return False
    _, attr = parsed
    if not 1 <= finding.line <= len(source.lines):
        return False
    text = source.lines[finding.line - 1]
    at_column = text[finding.column - 1 :] if finding.column else text
    for guard in source.guards:
        if guard.attr != attr or not guard.start <= finding.line <= guard.end:
            continue
        if re.match(rf"{re.escape(guard.obj)}\s*\.\s*{re.escape(attr)}\b", at_column) or (
            finding.column is None and f"{guard.obj}.{attr}" in text
        ):
            return True
    return False


def is_third_party(finding: RawFinding, project_classes: Collection[str], project_modules: Collection[str]) -> bool:
    """Whether the type or module a mypy attribute error names comes from outside the project."""
    parsed = missing_attribute(finding.message)
    if parsed is None:
        return False
    owner, _ = parsed
    if owner.startswith("Module "):
        module = owner.removeprefix("Module ").strip('"')
        return module.split(".", 1)[0] not in project_modules
    name = owner_class(owner)
    if not name or name in _BUILTIN_TYPES or len(name) == 1:
        return False
    return name not in project_classes


def facts_for(
    finding: RawFinding,
    source: SourceFile | None,
    project_classes: Collection[str],
    project_modules: Collection[str],
) -> frozenset[str]:
    """The source facts a catalogue mapping may require (see ``catalogue.FACTS``)."""
    facts = set()
    if finding.tool == "flake8" and finding.code in SQL_COMPARISON_CODES and source and finding.line:
        if source.in_sql_expression(finding.line):
            facts.add("sqlalchemy-expression")
    if finding.tool == "mypy":
        if is_hasattr_guarded(finding, source):
            facts.add("hasattr-guard")
        if is_third_party(finding, project_classes, project_modules):
            facts.add("third-party-type")
    return frozenset(facts)
