"""Facts about a tool finding that only the source can tell (a hasattr guard, a third-party type)."""

from __future__ import annotations

import re
from collections.abc import Collection

from riskaudit.collectors.linter_choice import LINTERS
from riskaudit.frameworks import is_parameter_function
from riskaudit.models import RawFinding
from riskaudit.roles import TEST, role_of
from riskaudit.sources import SourceFile

_MISSING_ATTR = re.compile(r'^(?P<owner>"[^"]+"|Module "[^"]+") has no attribute "(?P<attr>[^"]+)"')
_BUILTIN_TYPES = frozenset(
    {"str", "int", "float", "complex", "bool", "bytes", "bytearray", "dict", "list", "set",
     "frozenset", "tuple", "object", "None", "type", "function", "Callable", "Coroutine"}
)


SQL_COMPARISON_CODES = frozenset({"E711", "E712"})
"""pycodestyle's comparisons to None/True/False: the correct idiom inside SQLAlchemy expressions."""
CALL_IN_DEFAULT_CODES = frozenset({"B008"})
"""bugbear's function call in a parameter default: the idiom of FastAPI's ``Depends()`` and kin."""
BARE_EXCEPT_CODES = frozenset({"E722", "B001", "B036"})
"""pycodestyle's and bugbear's bare ``except:``, and bugbear's ``except BaseException:``."""
EMPTY_ABSTRACT_METHOD_CODES = frozenset({"B027"})
"""bugbear's empty method in an abstract base class without ``@abstractmethod``."""
OBJECT_TYPE = re.compile(r'(?<![\w."])"object"(?![\w."])')
"""mypy naming the type ``object``: what it infers for the values of a dict or list literal of mixed types."""


def is_framework_default(finding: RawFinding, source: SourceFile) -> bool:
    """Whether a B008 finding points at a framework's parameter function or a call inside its arguments.

    ``Depends(get_repository(Users))`` builds the dependency once, on purpose: the factory call is part of
    the idiom as much as ``Depends`` itself.
    """
    return any(
        call.line == finding.line and call.column == finding.column and is_parameter_function(call.outer)
        for call in source.default_calls
    )


def reraises(finding: RawFinding, source: SourceFile) -> bool:
    """Whether the ``except`` clause a finding points at ends by raising again (it swallows nothing)."""
    return any(path.kind == "except" and path.line == finding.line and path.reraises for path in source.error_paths)


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
    """Whether only a ``hasattr(obj, "attr")`` guard vouches for the access a mypy attribute error points at.

    The guards are those the ``hasattr-narrowing`` detector reads (``riskaudit.detectors.analysis.hasattr_guards``);
    the access is the use of the named attribute that starts at the finding's line and column (mypy's
    column is the start of ``obj.attr``), or anywhere on the line when the finding has no column.
    """
    parsed = missing_attribute(finding.message)
    if parsed is None or source is None or finding.line is None:
        return False
    # libcst only when a mypy attribute error needs it: the report commands never import it
    from riskaudit.detectors.analysis.hasattr_guards import guarded_uses

    _, attr = parsed
    return any(
        use.attr == attr
        and use.line == finding.line
        and (finding.column is None or use.column == finding.column - 1)
        for use in guarded_uses(source.text)
    )


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


def is_optional_hook(finding: RawFinding, source: SourceFile) -> bool:
    """Whether an empty method of an abstract base class is an optional hook rather than a missing abstract.

    It is when the file calls it on ``self``/``cls`` (a template method: the base class calls the hook
    that subclasses may fill in) or it has a docstring (it documents doing nothing by default).
    """
    symbol = source.enclosing(finding.line or 0)
    if symbol is None or symbol.kind == "class":
        return False
    name = symbol.qualname.rsplit(".", 1)[-1]
    called = re.compile(rf"\b(self|cls)\.{re.escape(name)}\(")
    if any(called.search(line) for line in source.lines):
        return True
    body = source.lines[symbol.start:symbol.end]
    return any(line.lstrip().startswith(('"""', "'''", 'r"""')) for line in body)


def facts_for(
    finding: RawFinding,
    source: SourceFile | None,
    project_classes: Collection[str],
    project_modules: Collection[str],
) -> frozenset[str]:
    """The source facts a catalogue mapping may require (see ``catalogue.FACTS``)."""
    facts = set()
    if role_of(finding.path) == TEST:
        facts.add("test-code")
    if source and finding.line and source.in_sql_expression(finding.line):
        facts.add("sqlalchemy-expression")
    if finding.tool in LINTERS and source and finding.line:
        if finding.code in CALL_IN_DEFAULT_CODES and is_framework_default(finding, source):
            facts.add("framework-default")
        if finding.code in BARE_EXCEPT_CODES and reraises(finding, source):
            facts.add("reraises")
        if finding.code in EMPTY_ABSTRACT_METHOD_CODES and is_optional_hook(finding, source):
            facts.add("optional-hook")
    if finding.tool == "mypy":
        if OBJECT_TYPE.search(finding.message):
            facts.add("object-type")
        if is_hasattr_guarded(finding, source):
            facts.add("hasattr-guard")
        if is_third_party(finding, project_classes, project_modules):
            facts.add("third-party-type")
    return frozenset(facts)
