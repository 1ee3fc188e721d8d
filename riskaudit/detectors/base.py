"""The detector framework: one libcst visitor per detector, its metadata and examples on the class.

In the spirit of Fixit: a detector is a ``BatchableCSTVisitor`` subclass whose class attributes say
which rule it feeds (``RULE``: the id of a rule of ``rules/``, whose file maps the detector's code), the
code and message of its findings, the libcst metadata it needs, and ``VALID``/``INVALID`` code examples
that the test suite runs automatically. All detectors run in one traversal per file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import ClassVar, TypeVar, cast

import libcst as cst
from libcst.metadata import CodeRange, ProviderT

from riskaudit.installed_async import NOTHING_INSTALLED, InstalledAsync
from riskaudit.models import RawFinding

_PRIVATE_WORD = re.compile(r"\b_\w+")
"""A word starting with one or more underscores (a superset of the private names a text may use)."""

TOOL = "riskaudit"
"""The tool name of detector findings."""
_A = TypeVar("_A", bound=cst.BatchableCSTVisitor)


@dataclass(frozen=True)
class Example:
    """A code example for a detector: the test suite checks the detector against it."""

    code: str
    """Python source of one module."""
    path: str = "app/module.py"
    """Where the example pretends to live (tests and migrations are told apart by path)."""
    line: int | None = None
    """For an INVALID example: the line the finding must be on (None: anywhere)."""


@dataclass(frozen=True)
class ProjectSymbols:
    """What every detector may know about the whole project, gathered before the libcst pass."""

    module_of: Mapping[str, str] = field(default_factory=dict)
    """Dotted module name of each file path."""
    async_functions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Module-level ``async def`` names, by dotted module name."""
    async_methods: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """``async def`` method names by qualified class name (``app.db.Repository``), inherited ones included."""
    classes: frozenset[str] = frozenset()
    """Every class name defined in the project."""
    modules: frozenset[str] = frozenset()
    """Top-level importable names of the project."""
    private_names: frozenset[str] = frozenset()
    """One-underscore names the project defines somewhere (see ``SourceFile.private_names``)."""
    bases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Project base classes of each project class, by qualified name."""
    coroutine_wrappers: frozenset[str] = frozenset()
    """Qualified plain functions and methods that return a project coroutine (they are in ``async_functions``
    and ``async_methods`` too): ``app.users.get`` for ``def get(id): return fetch(id)``."""
    unique_classes: Mapping[str, str] = field(default_factory=dict)
    """Qualified name of each class name that only one module-level project class has."""
    types: Mapping[str, str] = field(default_factory=dict)
    """Declared types by qualified name (``app.db.Repo.session``, ``app.deps.get_repo``, ``app.db.factory``):
    a project class's qualified name, a library's qualified type, or ``()`` and the callee whose result it
    is (see ``riskaudit.declared_types``)."""
    installed: InstalledAsync = NOTHING_INSTALLED
    """The coroutine functions and methods of the installed libraries the project imports."""

    def private_names_in(self, text: str) -> tuple[str, ...]:
        """The project's private names that a file's text mentions, sorted.

        That is all of ``private_names`` a file's results may depend on, so a name added elsewhere does
        not invalidate every file's cached results.
        """
        return tuple(sorted(self.private_names.intersection(_PRIVATE_WORD.findall(text))))


@dataclass(frozen=True)
class FileContext:
    """The file a detector is looking at."""

    path: str
    """Target-relative POSIX path."""
    module: str
    """Its dotted module name."""
    is_test: bool
    """Whether it is test code."""
    is_migration: bool
    """Whether it is an Alembic migration (a file in a ``versions/`` folder of a migrations tree)."""
    project: ProjectSymbols
    """Project-wide symbols."""
    shared: dict[str, cst.BatchableCSTVisitor] = field(default_factory=dict, compare=False, repr=False)
    """The analyses of this file that several detectors read, one instance each (see ``shared_analysis``)."""

    def shared_analysis(self, key: str, build: Callable[[], _A]) -> _A:
        """The file's one instance of an analysis: built on the first request, the same one afterwards.

        Detectors that read the same analysis (the file's coroutine calls, its async scopes) then share
        one traversal of it; the runner visits each instance once.
        """
        found = self.shared.get(key)
        if found is None:
            found = self.shared[key] = build()
        return cast(_A, found)  # one key is only ever built by one factory


@lru_cache(maxsize=None)
def visitor_method_names(cls: type[cst.BatchableCSTVisitor]) -> tuple[str, ...]:
    """The ``visit_*``/``leave_*`` methods a visitor class defines, libcst's no-op stubs left out.

    libcst asks every visitor instance for them (``get_visitors``, through ``inspect.getmembers`` over its
    hundreds of stubs) at the start of each file's traversal: a quarter of the detectors' time on a
    project of small files. The names depend on the class only, so they are gathered once per class.
    """
    return tuple(
        name
        for name in dir(cls)
        if name.startswith(("visit_", "leave_"))
        and callable(member := getattr(cls, name))
        and not getattr(member, "_is_no_op", False)
    )


class Visitor(cst.BatchableCSTVisitor):
    """A batchable visitor whose visitor methods are looked up once per class, not per file."""

    def get_visitors(self) -> Mapping[str, Callable[[cst.CSTNode], None]]:
        """The mapping libcst asks for: this visitor's ``visit_*``/``leave_*`` methods, by per-class names."""
        return {name: getattr(self, name) for name in visitor_method_names(type(self))}


class Detector(Visitor):
    """Base class of riskaudit's own detectors."""

    RULE: ClassVar[str]
    """The id of the catalogue rule this detector feeds (its rule file maps ``CODE``)."""
    CODE: ClassVar[str]
    """The code of its raw findings (``riskaudit:<CODE>``)."""
    MESSAGE: ClassVar[str]
    """Default message of a finding."""
    SCOPE: ClassVar[str] = "source"
    """Which files it looks at: ``source`` (non-test), ``tests``, ``migrations`` or ``all``."""
    VALID: ClassVar[Sequence[Example | str]] = ()
    """Code it must stay silent on."""
    INVALID: ClassVar[Sequence[Example | str]] = ()
    """Code it must report."""
    TRIGGERS: ClassVar[tuple[str, ...]] = ()
    """Substrings of which at least one must occur in a file's text for this detector to report anything
    there (or keep records for its project-level summary); empty: the detector looks at every file it
    applies to. The runner skips the detector (and the libcst parse, when no detector is left) for files
    without any."""
    METADATA_DEPENDENCIES: ClassVar[tuple[ProviderT, ...]] = ()
    """libcst metadata computed before the visit. Positions are not among them: ``position`` computes
    them on first use, so files where nothing is reported never pay for them."""

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context
        self.findings: list[RawFinding] = []
        self.records: list[str] = []
        self._positions: Callable[[cst.CSTNode], CodeRange] | None = None

    def analyses(self) -> Sequence[cst.BatchableCSTVisitor]:
        """The shared analyses this detector reads while it visits a file (see ``riskaudit.detectors.analysis``).

        The runner visits them in the same traversal, each node just before the detector; none by default.
        """
        return ()

    def bind_positions(self, positions: Callable[[cst.CSTNode], CodeRange]) -> None:
        """Give the detector the (lazy) source positions of the module it is about to visit."""
        self._positions = positions

    def position(self, node: cst.CSTNode) -> CodeRange:
        """Where node is in the file (1-based lines, 0-based columns)."""
        if self._positions is None:
            raise RuntimeError(f"{type(self).__name__} visited without positions: run it through the runner")
        return self._positions(node)

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        """Whether this detector looks at the file at all."""
        if cls.SCOPE == "all":
            return True
        if cls.SCOPE == "tests":
            return context.is_test
        if cls.SCOPE == "migrations":
            return context.is_migration
        return not context.is_test and not context.is_migration

    @classmethod
    def triggered_by(cls, text: str) -> bool:
        """Whether the file's text contains one of the ``TRIGGERS`` (always, when there are none)."""
        return not cls.TRIGGERS or any(trigger in text for trigger in cls.TRIGGERS)

    @classmethod
    def summarize(cls, records: Mapping[str, Sequence[str]], project: ProjectSymbols) -> list[RawFinding]:
        """Project-level findings from the records every file kept (``self.records``); none by default."""
        return []

    @classmethod
    def revise(cls, findings: Sequence[RawFinding], records: Mapping[str, Sequence[str]]) -> list[RawFinding]:
        """This detector's file findings again, in the light of what every file recorded; unchanged by default.

        One finding for each given, in order: recoded or reworded, never dropped. ``records`` holds every
        detector's records, by its ``CODE``: a detector may judge its findings by another's facts about the
        whole project.
        """
        return list(findings)

    def report(self, node: cst.CSTNode, message: str | None = None) -> None:
        """Record a finding at the start of node; a second one on the same line joins the first.

        One line holds one defect of a detector (a column whose type and default are both naive is one
        naive column), so the findings of a line become one, with both messages.
        """
        start = self.position(node).start
        text = message or self.MESSAGE
        for index, earlier in enumerate(self.findings):
            if earlier.line == start.line and earlier.code == self.CODE:
                if text not in earlier.message.split("; "):
                    self.findings[index] = replace(earlier, message=f"{earlier.message}; {text}")
                return
        self.findings.append(RawFinding(TOOL, self.CODE, text, self.context.path, start.line, start.column + 1))


def dotted_name(node: cst.BaseExpression) -> str:
    """``a.b.c`` for a Name/Attribute chain; empty for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


def call_name(node: cst.Call) -> str:
    """The dotted name of a call's callee (``session.execute`` for ``session.execute(...)``)."""
    return dotted_name(node.func)


def keyword(node: cst.Call, name: str) -> cst.Arg | None:
    """The keyword argument ``name=`` of a call, if present."""
    return next((arg for arg in node.args if arg.keyword is not None and arg.keyword.value == name), None)


def assignment_targets(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """Assignment targets, tuple, list and starred targets unpacked."""
    if isinstance(node, cst.Tuple | cst.List):
        return [t for element in node.elements for t in assignment_targets(element.value)]
    if isinstance(node, cst.StarredElement):
        return assignment_targets(node.value)
    return [node]
