"""Tool findings that the environment caused, not the code, folded into one environment issue each.

Missing third-party packages and stubs (with the errors that only say their names are ``Any``),
attributes the project itself sets on modules at run time, and files written for a newer Python than
riskaudit runs on: the tools report hundreds of findings for each
of these, but there is one cause and one fix. The findings stay in the tool runs (and the JSON); the
mapping onto rules leaves them out and the report shows the issue instead.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import libcst as cst

from riskaudit.environment import FIX_DEPENDENCIES
from riskaudit.environment.any_types import MissingOrigins
from riskaudit.environment.packages import MISSING, Package
from riskaudit.environment.python import DeclaredPython, Version, version_text
from riskaudit.models import EnvironmentIssue, RawFinding, ToolRun, ToolStatus
from riskaudit.sources import SourceIndex

EXAMPLES = 3
"""Locations kept per issue."""
_NOT_FOUND = re.compile(r'^Cannot find implementation or library stub for module named "(?P<module>[^"]+)"')
_NO_STUBS = re.compile(r'^Library stubs not installed for "(?P<module>[^"]+)"')
_STUB_HINT = re.compile(r"pip install (?P<package>[A-Za-z0-9_.\-]+)")
_MODULE_ATTRIBUTE = re.compile(r'^Module(?: "(?P<module>[^"]+)")? has no attribute "(?P<attr>[^"]+)"')
_SYNTAX_CODES = {("flake8", "E999"), ("ruff", "invalid-syntax"), ("ruff", "E999"), ("mypy", "syntax")}
_MYPY_MAJOR = re.compile(r"mypy (\d+)\.")


@dataclass(frozen=True)
class Folded:
    """The runs as the mapping should see them, and the environment issues their removed findings make up."""

    runs: tuple[ToolRun, ...]
    """The runs without the findings the issues explain."""
    issues: tuple[EnvironmentIssue, ...]
    """One issue per cause, with the count and a few locations of the findings folded into it."""


@dataclass(frozen=True)
class _Cause:
    """What one folded finding is put down to."""

    kind: str
    subject: str
    detail: str
    fix: str


def _location(finding: RawFinding) -> str:
    """``path:line`` of a finding."""
    return f"{finding.path}:{finding.line}" if finding.line else str(finding.path)


def stub_hints(findings: Iterable[RawFinding]) -> dict[str, str]:
    """The stub package mypy's hint names for each module (it gives the hint at the first import only)."""
    hints: dict[str, str] = {}
    for finding in findings:
        match = _NO_STUBS.match(finding.message) if finding.tool == "mypy" else None
        hint = _STUB_HINT.search(finding.message) if match else None
        if match and hint:
            hints.setdefault(match["module"].split(".", 1)[0], hint["package"])
    return hints


def missing_package(top: str, python: str) -> _Cause:
    """The cause of every finding a package not installed in the target's interpreter explains."""
    return _Cause(
        "missing-package", top,
        f"{top} is not installed in {python}: mypy cannot follow its imports, so their names are Any",
        FIX_DEPENDENCIES,
    )


def import_cause(
    finding: RawFinding,
    project: Collection[str],
    installed: Mapping[str, Package],
    python: str,
    hints: Mapping[str, str] | None = None,
) -> _Cause | None:
    """Why mypy could not follow an import, when the environment is why: the package, or its stubs, missing.

    The project's own modules never are (mypy not finding one is a layout problem or a real broken import),
    nor are packages that are installed without type information (a genuine untyped import). ``hints`` are
    the stub packages mypy named for each module (see ``stub_hints``).
    """
    if finding.tool != "mypy" or finding.code not in ("import-not-found", "import-untyped", "import"):
        return None
    match = _NOT_FOUND.match(finding.message) or _NO_STUBS.match(finding.message)
    if match is None:
        return None
    top = match["module"].split(".", 1)[0]
    package = installed.get(top)
    if top in project or package is None:
        return None
    if package.state == MISSING:
        return missing_package(top, python)
    hint = _STUB_HINT.search(finding.message)
    stubs = hint["package"] if hint else (hints or {}).get(top, "")
    if _NO_STUBS.match(finding.message) and stubs:
        return _Cause(
            "missing-stubs", stubs,
            f"{top} is installed, its type stubs ({stubs}) are not: mypy treats its names as Any",
            f"install {stubs} in the interpreter you pass with --python (a development dependency)",
        )
    return None


def attribute_cause(finding: RawFinding, index: SourceIndex, assigned: Collection[str]) -> _Cause | None:
    """An "undefined" module attribute the project itself sets at run time (``pytest.x = ...`` in a conftest)."""
    if finding.tool != "mypy" or finding.code != "attr-defined":
        return None
    match = _MODULE_ATTRIBUTE.match(finding.message)
    if match is None:
        return None
    attr, module = match["attr"], match["module"]
    source = index.get(finding.path)
    if module is None and source is not None and finding.line and 1 <= finding.line <= len(source.lines):
        text = source.lines[finding.line - 1][(finding.column or 1) - 1 :]
        used = re.match(rf"([A-Za-z_][\w.]*?)\s*\.\s*{re.escape(attr)}\b", text)
        module = used[1] if used else None
    if module is None or f"{module}.{attr}" not in assigned:
        return None
    return _Cause(
        "runtime-attribute", module,
        f"the project sets attributes on the module {module} at run time, where mypy cannot see them",
        f"declare them where mypy looks (a typed module or object of the project's own instead of {module}'s "
        "namespace), so that their uses are checked",
    )


_DUPLICATE = re.compile(r'^Duplicate module named "(?P<module>[^"]+)"')


def duplicate_cause(finding: RawFinding) -> _Cause | None:
    """A file mypy left out because another file of the run has the same module name."""
    match = _DUPLICATE.match(finding.message) if finding.tool == "mypy" else None
    if match is None:
        return None
    return _Cause(
        "duplicate-module", match["module"],
        f"several files are the module {match['module']} (scripts in folders without __init__.py): mypy "
        "checks a module name once, so the files named here were not type-checked",
        "make the folders packages (an __init__.py each), or leave them out of the type check "
        "(mypy's exclude) and check them on their own",
    )


def parser_config(version: Version) -> cst.PartialParserConfig:
    """The libcst parser configuration for a Python version (or the newest below it that libcst knows)."""
    for minor in range(version[1], -1, -1):
        try:
            return cst.PartialParserConfig(python_version=f"{version[0]}.{minor}")
        except ValueError:
            continue
    return cst.PartialParserConfig()


def newer_syntax(index: SourceIndex, declared: DeclaredPython | None, running: Version) -> tuple[str, ...]:
    """Files this interpreter cannot parse that are Python of the project's declared, newer version.

    libcst, parsing for that version, tells new-but-valid syntax (``type X = ...``, ``def f[T]()``,
    ``except A, B:``) from a real syntax error.
    """
    if declared is None or declared.version <= running:
        return ()
    config = parser_config(declared.version)
    found = []
    for path, source in sorted(index.files.items()):
        if not source.parse_error.startswith("does not parse"):
            continue
        try:
            cst.parse_module(source.text, config=config)
        except Exception:  # noqa: BLE001 - libcst raises more than ParserSyntaxError on broken code
            continue
        found.append(path)
    return tuple(found)


def judges_syntax(run: ToolRun | None) -> bool:
    """Whether mypy's own syntax errors hold for the declared version.

    mypy 2's native parser reads every version's grammar whatever interpreter runs it, and checks for the
    declared version (the collector passes ``--python-version`` when its interpreter is older).
    """
    if run is None or run.status is not ToolStatus.OK:
        return False
    major = _MYPY_MAJOR.search(run.version)
    return major is not None and int(major[1]) >= 2


def version_issue(
    files: Sequence[str], declared: DeclaredPython, running: Version, blind: Iterable[str]
) -> EnvironmentIssue:
    """The issue listing files of newer syntax that the analysis could not read."""
    needed = declared.text
    tools = ", ".join(sorted(set(blind)))
    return EnvironmentIssue(
        "python-version",
        needed,
        "riskaudit",
        f"the project needs Python {needed} ({declared.source}) and riskaudit runs on "
        f"{version_text(running)}: {len(files)} file(s) use syntax of a newer Python, so {tools} did not analyse them",
        f"run riskaudit on Python {needed} or newer (installed in the project's environment), or pass "
        f"--python with such an interpreter that has the tools",
        files=tuple(files),
        incomplete=True,
    )


def _unfollowed_imports(runs: Sequence[ToolRun]) -> set[str]:
    """Top-level names of the modules mypy could not follow."""
    names = set()
    for run in runs:
        for finding in run.findings:
            match = _NOT_FOUND.match(finding.message) or _NO_STUBS.match(finding.message)
            if finding.tool == "mypy" and match:
                names.add(match["module"].split(".", 1)[0])
    return names


def _newer_files(
    runs: Sequence[ToolRun], index: SourceIndex, declared: DeclaredPython | None, running: Version
) -> set[str]:
    """Files of newer syntax, less those that mypy, parsing for the declared version, calls broken."""
    newer = set(newer_syntax(index, declared, running))
    mypy_run = next((run for run in runs if run.name == "mypy"), None)
    if newer and mypy_run is not None and judges_syntax(mypy_run):
        newer -= {f.path for f in mypy_run.findings if f.code == "syntax" and f.path is not None}
    return newer


class _Sorter:
    """Puts each finding down to its cause, or keeps it."""

    def __init__(
        self,
        index: SourceIndex,
        project: Collection[str],
        packages: Mapping[str, Package],
        python: str,
        hints: Mapping[str, str],
        newer: set[str],
    ) -> None:
        self.index, self.project, self.packages, self.python, self.hints = index, project, packages, python, hints
        self.newer = newer
        self.assigned = frozenset().union(*(source.module_attributes for source in index.files.values()))
        self.causes: dict[tuple[str, str], tuple[_Cause, list[RawFinding]]] = {}
        missing = {top for top, package in packages.items() if package.state == MISSING and top not in project}
        self.origins = MissingOrigins(index, missing)
        self.blind: set[str] = set()

    def keeps(self, finding: RawFinding) -> bool:
        """Whether the finding is the code's; otherwise it is recorded under its cause."""
        if finding.path in self.newer and (finding.tool, finding.code) in _SYNTAX_CODES:
            self.blind.add(finding.tool)
            return False
        cause = import_cause(finding, self.project, self.packages, self.python, self.hints)
        cause = cause or attribute_cause(finding, self.index, self.assigned) or duplicate_cause(finding)
        if cause is None and self.origins.missing:
            package = self.origins.package_of(finding)
            cause = missing_package(package, self.python) if package else None
        if cause is None:
            return True
        self.causes.setdefault((cause.kind, cause.subject), (cause, []))[1].append(finding)
        return False

    def issues(self) -> list[EnvironmentIssue]:
        """One issue per cause, in (kind, subject) order."""
        return [
            EnvironmentIssue(
                cause.kind, cause.subject, folded[0].tool, cause.detail, cause.fix, len(folded),
                tuple(sorted({_location(f) for f in folded})[:EXAMPLES]),
            )
            for cause, folded in (self.causes[key] for key in sorted(self.causes))
        ]


def fold(
    runs: Sequence[ToolRun],
    index: SourceIndex,
    declared: DeclaredPython | None,
    project: Collection[str],
    installed: Callable[[Iterable[str]], Mapping[str, Package]],
    python: str,
    running: Version = (sys.version_info[0], sys.version_info[1]),
) -> Folded:
    """Take the findings the environment explains out of the runs and make one issue per cause."""
    imported = _unfollowed_imports(runs)
    hints = stub_hints(f for run in runs for f in run.findings)
    newer = _newer_files(runs, index, declared, running)
    sorter = _Sorter(index, project, installed(imported) if imported else {}, python, hints, newer)
    kept_runs = []
    for run in runs:
        kept = tuple(finding for finding in run.findings if sorter.keeps(finding))
        kept_runs.append(replace(run, findings=kept) if len(kept) != len(run.findings) else run)
    issues = sorter.issues()
    if declared is not None and newer:
        in_process = {"radon", "riskaudit detectors"}
        issues.insert(0, version_issue(sorted(newer), declared, running, in_process | sorter.blind))
    return Folded(tuple(kept_runs), tuple(issues))
