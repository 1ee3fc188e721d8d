"""Core data types shared by every layer: tool findings, tool runs, ranked findings."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field


class Severity(enum.Enum):
    """How much damage a finding can do in production, most severe first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Order index: 0 for critical, growing as severity falls."""
        return list(Severity).index(self)

    def at_least(self, other: Severity) -> bool:
        """Whether this severity is at or above ``other``."""
        return self.rank <= other.rank


class Confidence(enum.Enum):
    """How sure the catalogue is that a hit of a rule is a real production risk."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ToolStatus(enum.Enum):
    """Outcome of one collector run."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class RawFinding:
    """One finding as a tool reported it, before it is mapped onto the catalogue."""

    tool: str
    """The collector that produced it: mypy, flake8, radon or coverage."""
    code: str
    """The tool's own code (``attr-defined``, ``E712``, ``cc-C``, ``critical-layer-low``)."""
    message: str
    """The tool's message, unchanged."""
    path: str | None
    """Target-relative POSIX path, or None for a project-level finding."""
    line: int | None = None
    """1-based line, or None for a file-level finding."""
    column: int | None = None
    """1-based column when the tool gives one."""


ENVIRONMENT_KINDS = (
    "missing-package",
    "missing-stubs",
    "missing-plugin",
    "shadowed-package",
    "python-version",
    "interpreter",
    "runtime-attribute",
    "tool-version",
    "unreadable-file",
)
"""What an environment issue is about: the target's environment, not its code, limited the analysis."""


@dataclass(frozen=True)
class EnvironmentIssue:
    """Something about the environment the tools ran in (not the code) that limited or distorted the analysis.

    Tool findings it explains are folded into it instead of being reported one by one.
    """

    kind: str
    """One of ``ENVIRONMENT_KINDS``."""
    subject: str
    """What it concerns: a package or module name, a plugin, a Python version."""
    tool: str
    """The tool whose analysis it affected (``mypy``, ``flake8``, ... or ``riskaudit``)."""
    detail: str
    """One line: what happened."""
    fix: str
    """One line: how to give the tools the environment they need."""
    findings: int = 0
    """Tool findings folded into this issue (not reported one by one)."""
    examples: tuple[str, ...] = ()
    """A few ``path:line`` locations where it showed."""
    files: tuple[str, ...] = ()
    """Files the analysis left out because of it (target-relative POSIX paths)."""
    incomplete: bool = False
    """Whether it leaves the analysis incomplete: the verdict is INCOMPLETE and the gate exits 2."""


@dataclass(frozen=True)
class ToolRun:
    """What one collector did: its status, provenance and raw findings."""

    name: str
    """Collector name."""
    status: ToolStatus
    """ok, failed or skipped."""
    version: str = ""
    """Version string the tool reported (with plugins for flake8)."""
    executable: str = ""
    """The interpreter or program that ran the tool."""
    command: tuple[str, ...] = ()
    """The command line, for reproduction."""
    duration: float = 0.0
    """Wall-clock seconds."""
    reason: str = ""
    """Why it failed or was skipped; empty when ok."""
    findings: tuple[RawFinding, ...] = ()
    """Raw findings in tool order."""
    environment: tuple[EnvironmentIssue, ...] = ()
    """What the environment kept the tool from doing as the project's own run would (a missing plugin)."""
    output: str = ""
    """A failed tool's own output (stdout, then stderr; its end when long) for ``--verbose``; else empty."""


@dataclass(frozen=True)
class ExcerptLine:
    """One source line of a code excerpt."""

    number: int
    """1-based line number."""
    text: str
    """The line without its line ending."""
    highlight: bool
    """Whether this is the line the finding points at."""


@dataclass(frozen=True)
class Finding:
    """A finding mapped onto a catalogue rule and scored."""

    rule_id: str
    """Catalogue rule id, e.g. ``RA101``."""
    severity: Severity
    """Severity of the rule (after any per-finding adjustment)."""
    path: str | None
    """Target-relative POSIX path, or None for a project-level finding."""
    line: int | None
    """1-based line, or None."""
    message: str
    """The first source's message."""
    sources: tuple[str, ...]
    """Every tool/code that reported it, like ``mypy:unused-coroutine``."""
    symbol: str = ""
    """Qualified name of the enclosing function or class, when known."""
    risk: float = 0.0
    """Ranking score; higher is more urgent."""
    exposure: float = 1.0
    """The exposure factor used in the score."""
    coverage: float | None = None
    """Line coverage (0-100) of the file, when measured."""
    complexity: int | None = None
    """Cyclomatic complexity of the enclosing function, when known."""
    critical_layer: bool = False
    """Whether the file is in a critical layer (data access, auth, ...)."""
    excerpt: tuple[ExcerptLine, ...] = field(default=())
    """A few lines of code around the finding."""
    new: bool | None = None
    """With ``--baseline``: True when the baseline does not hold it (only those gate); None without one."""
    role: str = "source"
    """What its file is for: ``source`` (production), ``test`` or ``support`` (examples, docs, benchmarks, tooling)."""
    column: int | None = None
    """1-based column on the line, from the first source that gives one; None when no tool gives one."""

    @property
    def location(self) -> str:
        """``path:line``, ``path`` or ``(project)``."""
        if self.path is None:
            return "(project)"
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def position(self) -> str:
        """``path:line:column`` (as compilers and ruff print it), else the ``location``."""
        if self.path is not None and self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        return self.location


@dataclass(frozen=True)
class FunctionComplexity:
    """Cyclomatic complexity of one function or method, as radon measured it."""

    path: str
    """Target-relative POSIX path."""
    qualname: str
    """``Class.method`` or ``function``."""
    start: int
    """The ``def`` line."""
    end: int
    """The last line."""
    complexity: int
    """Cyclomatic complexity."""
    rank: str
    """radon's rank, A (simple) to F (unmaintainable)."""


@dataclass(frozen=True)
class FileCoverage:
    """Line coverage of one file, as coverage.py reported it."""

    path: str
    """Target-relative POSIX path."""
    statements: int
    """Executable statements."""
    missing: tuple[int, ...]
    """Lines never executed."""
    percent: float
    """Covered percentage, unrounded."""
    display: str
    """The percentage exactly as ``coverage report`` prints it."""
    executed: tuple[int, ...] = ()
    """Lines executed at least once."""
    branches: int = 0
    """Branch destinations measured (0 without branch coverage)."""
    missing_branches: int = 0
    """Branch destinations never taken."""


@dataclass(frozen=True)
class FunctionCoverage:
    """Coverage and complexity of one function or method: its exposure."""

    path: str
    """Target-relative POSIX path."""
    qualname: str
    """``Class.method`` or ``function``."""
    kind: str
    """``function`` or ``method``."""
    start: int
    """The ``def`` line."""
    end: int
    """The last line."""
    statements: int
    """Measured statements attributed to it (nested functions excluded)."""
    missing: tuple[int, ...]
    """Its lines never executed."""
    percent: float
    """Covered percentage (100 when it has no measured statements)."""
    complexity: int
    """Cyclomatic complexity (1 when radon did not measure it)."""
    crap: float
    """CRAP score: cc^2 x (1 - coverage)^3 + cc."""
    layer: str
    """Critical layer, or empty."""


@dataclass(frozen=True)
class NotRun:
    """A test module the coverage run did not include, and what shows it (see ``riskaudit.coverage_reach``)."""

    test: str
    """The test module (target-relative path)."""
    evidence: str
    """``not executed`` for a test module the data measures, else a module it imports that executed nothing."""


@dataclass(frozen=True)
class CoverageData:
    """The coverage measurement the scan used."""

    source: str
    """The data file read."""
    files: tuple[FileCoverage, ...]
    """Per-file coverage, sorted by path."""
    percent: float
    """Total covered percentage."""
    display: str
    """Total as coverage.py prints it."""
    unmatched: tuple[str, ...] = ()
    """Files in the data that are not in the scanned tree."""
    tests_judged: int = 0
    """Test modules the data can say were run or not (``riskaudit.coverage_reach``)."""
    not_run: tuple[NotRun, ...] = ()
    """Test modules the run behind the data left out: it was a partial run of the tests."""
    unverified: tuple[str, ...] = ()
    """Production files imported by a test module that did not run: their coverage lacks it, so no
    "untested" finding is made for them and they count as not measured."""


@dataclass(frozen=True)
class RuleDoc:
    """The documentation of a catalogue rule, as carried in results and reports."""

    id: str
    """Stable id such as ``RA101``."""
    slug: str
    """Readable kebab-case name."""
    title: str
    """One-line title."""
    category: str
    """Rule family: runtime, typing, test-gap, data-integrity, concurrency, security, maintainability."""
    severity: Severity
    """Default severity."""
    confidence: Confidence
    """How sure a hit is a real risk."""
    problem: str
    """What is wrong."""
    risk: str
    """Why it hurts in production."""
    recommendation: str
    """What to do about it."""
    example: str
    """A short code example of the fix."""
    test_severity: Severity | None = None
    """Severity in test and support code, when lower than ``severity`` (complexity of a test is no
    production risk); None: the same as in production code."""

    @property
    def anchor(self) -> str:
        """The GitHub anchor of the rule's heading in the rule reference (``docs/rules.md``)."""
        heading = f"{self.id} {self.slug}: {self.title}".lower()
        return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


@dataclass(frozen=True)
class LayerCoverage:
    """How much of one critical layer the tests execute."""

    name: str
    """Layer name."""
    files: int
    """Files of the layer with measured statements."""
    statements: int
    """Measured statements."""
    missing: int
    """Statements never executed."""

    @property
    def untested_percent(self) -> int:
        """Share of statements never executed, rounded."""
        return round(100 * self.missing / self.statements) if self.statements else 0


@dataclass(frozen=True)
class SuppressedFinding:
    """A finding silenced by an inline ``# riskaudit: ignore[RULE] -- reason`` comment on its line."""

    finding: Finding
    """The finding as it would have been reported."""
    reason: str
    """The reason written after ``--`` in the comment."""
