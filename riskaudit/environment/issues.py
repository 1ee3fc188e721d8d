"""Tool findings that the environment caused, not the code, folded into one environment issue each.

Missing third-party packages and stubs, attributes the project itself sets on modules at run time, and
files written for a newer Python than riskaudit runs on: the tools report hundreds of findings for each
of these, but there is one cause and one fix. The findings stay in the tool runs (and the JSON); the
mapping onto rules leaves them out and the report shows the issue instead.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import libcst as cst
from libcst._parser.types.config import KNOWN_PYTHON_VERSION_STRINGS

from riskaudit.environment import FIX_DEPENDENCIES
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
_SYNTAX_CODES = {("flake8", "E999"), ("mypy", "syntax")}
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


def import_cause(
    finding: RawFinding, project: Collection[str], installed: Mapping[str, Package], python: str
) -> _Cause | None:
    """Why mypy could not follow an import, when the environment is why: the package, or its stubs, missing.

    The project's own modules never are (mypy not finding one is a layout problem or a real broken import),
    nor are packages that are installed without type information (a genuine untyped import).
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
        return _Cause(
            "missing-package", top,
            f"{top} is not installed in {python}: mypy cannot follow its imports, so their names are Any",
            FIX_DEPENDENCIES,
        )
    hint = _STUB_HINT.search(finding.message)
    if _NO_STUBS.match(finding.message) and hint:
        stubs = hint["package"]
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


def newer_syntax(index: SourceIndex, declared: DeclaredPython | None, running: Version) -> tuple[str, ...]:
    """Files this interpreter cannot parse that are Python of the project's declared, newer version.

    libcst, parsing for that version, tells new-but-valid syntax (``type X = ...``, ``def f[T]()``,
    ``except A, B:``) from a real syntax error.
    """
    if declared is None or declared.version <= running:
        return ()
    grammar = version_text(declared.version)
    if grammar not in KNOWN_PYTHON_VERSION_STRINGS:
        grammar = KNOWN_PYTHON_VERSION_STRINGS[-1]
    config = cst.PartialParserConfig(python_version=grammar)
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
    assigned = frozenset().union(*(source.module_attributes for source in index.files.values()))
    imported = {
        match["module"].split(".", 1)[0]
        for run in runs for f in run.findings
        if f.tool == "mypy" and (match := _NOT_FOUND.match(f.message) or _NO_STUBS.match(f.message))
    }
    packages = installed(imported) if imported else {}
    newer = set(newer_syntax(index, declared, running))
    mypy_run = next((run for run in runs if run.name == "mypy"), None)
    if newer and judges_syntax(mypy_run):
        mypy_rejects = {f.path for f in mypy_run.findings if f.code == "syntax"} if mypy_run else set()
        newer -= {path for path in mypy_rejects if path is not None}
    causes: dict[tuple[str, str], tuple[_Cause, list[RawFinding]]] = {}
    blind: set[str] = set()
    kept_runs: list[ToolRun] = []
    for run in runs:
        kept: list[RawFinding] = []
        for finding in run.findings:
            if finding.path in newer and (finding.tool, finding.code) in _SYNTAX_CODES:
                blind.add(finding.tool)
                continue
            cause = import_cause(finding, project, packages, python) or attribute_cause(finding, index, assigned)
            if cause is None:
                kept.append(finding)
                continue
            causes.setdefault((cause.kind, cause.subject), (cause, []))[1].append(finding)
        kept_runs.append(replace(run, findings=tuple(kept)) if len(kept) != len(run.findings) else run)
    issues = [
        EnvironmentIssue(
            cause.kind, cause.subject, folded[0].tool, cause.detail, cause.fix, len(folded),
            tuple(sorted({_location(f) for f in folded})[:EXAMPLES]),
        )
        for cause, folded in (causes[key] for key in sorted(causes))
    ]
    if declared is not None and newer:
        in_process = {"radon", "riskaudit detectors"}
        issues.insert(0, version_issue(sorted(newer), declared, running, in_process | blind))
    return Folded(tuple(kept_runs), tuple(issues))
