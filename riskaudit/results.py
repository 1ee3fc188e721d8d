"""The result of a scan: everything the renderers need, serialisable to and from JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from riskaudit.layers import DEFAULT_LAYERS, Layer
from riskaudit.models import (
    CoverageData,
    EnvironmentIssue,
    Finding,
    FunctionComplexity,
    FunctionCoverage,
    LayerCoverage,
    RawFinding,
    RuleDoc,
    SuppressedFinding,
    ToolRun,
    ToolStatus,
)

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ScanMeta:
    """Where and when the scan ran, and with what."""

    target: str
    """The target folder's name."""
    root: str
    """The target's path as given on the command line."""
    commit: str
    """Short git commit of the target, or empty outside git."""
    date: str
    """ISO 8601 UTC time of the scan (``SOURCE_DATE_EPOCH`` pins it)."""
    riskaudit_version: str
    """riskaudit's version."""
    python: str
    """The target's interpreter."""
    python_origin: str
    """How that interpreter was chosen."""
    files: int
    """Python files analysed."""
    test_files: int
    """Of which test files."""
    lines: int
    """Source lines read."""
    fail_on: str
    """The gate threshold: a severity or ``none``."""
    nested_projects: tuple[str, ...] = ()
    """Folders below the target that are projects of their own and were not scanned."""
    untrusted: bool = False
    """Scanned with ``--untrusted``: the target's tool configs, plugins, tests and interpreter were not used."""
    not_analysed: tuple[str, ...] = ()
    """``*.py`` entries left out, each ``path (why)``: not regular files, broken links, unsafe names."""
    config: str = ""
    """The config file whose ``[tool.riskaudit]`` table was read, relative to the target; empty: none."""
    linter: str = ""
    """The linter that ran, ``flake8`` or ``ruff`` (empty in results written before riskaudit recorded it)."""
    linter_reason: str = ""
    """Why that linter: the project's config or the linter option."""


@dataclass(frozen=True)
class BaselineSummary:
    """How the findings compare with a ``--baseline`` file."""

    path: str
    """The baseline file as given on the command line."""
    entries: int
    """Findings recorded in it."""
    known: int
    """Findings of this scan that it holds (they do not gate)."""
    new: int
    """Findings of this scan that it does not hold (only these gate)."""
    written: bool = False
    """Whether this scan wrote the file (``--write-baseline``)."""


@dataclass(frozen=True)
class DiffScope:
    """The ``--diff REF`` restriction: only findings on lines changed since a git ref."""

    ref: str
    """The git ref as given."""
    files: tuple[str, ...]
    """Changed or untracked files below the target, target-relative, sorted."""
    lines: int
    """Added or changed lines in those files."""
    dropped: int
    """Findings left out: on unchanged lines, in unchanged files, or project-level."""
    statements: int | None = None
    """Changed lines coverage measured (executable statements); None when coverage was not measured."""
    executed: int | None = None
    """Of those, lines the tests executed; None when coverage was not measured."""

    @property
    def coverage_display(self) -> str:
        """Coverage of the changed lines as ``83% (10 of 12 lines)``; empty when unknown or none measured."""
        if not self.statements or self.executed is None:
            return ""
        return f"{100 * self.executed / self.statements:.0f}% ({self.executed} of {self.statements} lines)"


@dataclass(frozen=True)
class ScanResult:
    """One complete scan."""

    meta: ScanMeta
    """Provenance."""
    runs: tuple[ToolRun, ...]
    """Every collector's run, in a fixed order."""
    findings: tuple[Finding, ...]
    """Ranked findings."""
    rules: Mapping[str, RuleDoc]
    """Docs of the rules that have findings, by id."""
    complex_functions: tuple[FunctionComplexity, ...] = ()
    """Functions radon ranks C or worse, most complex first."""
    functions_measured: int = 0
    """How many functions radon measured."""
    coverage: CoverageData | None = None
    """The coverage measurement, or None when not measured."""
    function_coverage: tuple[FunctionCoverage, ...] = ()
    """Coverage, complexity and CRAP score of every measured function."""
    layer_coverage: tuple[LayerCoverage, ...] = ()
    """Untested share of each critical layer."""
    layers: tuple[Layer, ...] = DEFAULT_LAYERS
    """The critical layers the scan used."""
    file_layers: Mapping[str, str] = field(default_factory=dict)
    """The critical layer of each analysed file that is in one (decided by its content, names and globs)."""
    mocked_data_layer: bool = False
    """The data layer's only tests mock the database: its coverage counted as none for exposure."""
    unmapped: tuple[RawFinding, ...] = ()
    """Tool findings no rule covers."""
    deselected: int = 0
    """Findings dropped by --select/--ignore."""
    suppressed: tuple[SuppressedFinding, ...] = ()
    """Findings silenced by inline ``# riskaudit: ignore[...] -- reason`` comments (not in ``findings``)."""
    baseline: BaselineSummary | None = None
    """The ``--baseline`` comparison, or None without one."""
    diff: DiffScope | None = None
    """The ``--diff`` restriction, or None for a whole-project scan."""
    environment: tuple[EnvironmentIssue, ...] = ()
    """What the environment (not the code) limited: missing packages, stubs or plugins, shadowing, Python version."""
    schema_version: int = field(default=SCHEMA_VERSION)
    """Version of this structure in JSON."""

    @property
    def incomplete(self) -> tuple[ToolRun, ...]:
        """Runs that failed: the analysis did not complete."""
        return tuple(run for run in self.runs if run.status is ToolStatus.FAILED)

    @property
    def environment_gaps(self) -> tuple[EnvironmentIssue, ...]:
        """Environment issues that kept part of the code from being analysed (files of a newer Python)."""
        return tuple(issue for issue in self.environment if issue.incomplete)

    @property
    def is_incomplete(self) -> bool:
        """Whether a tool failed or the environment kept files from being analysed: the gate exits 2."""
        return bool(self.incomplete or self.environment_gaps)

    def run(self, name: str) -> ToolRun | None:
        """The run of one collector, if it took part."""
        return next((run for run in self.runs if run.name == name), None)
