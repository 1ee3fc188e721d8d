"""Mapping raw tool findings onto catalogue rules, merging duplicates and adding exposure data."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from riskaudit.catalogue import Catalogue, Rule
from riskaudit.finding_facts import facts_for
from riskaudit.layers import LayerMap
from riskaudit.models import (
    CoverageData,
    ExcerptLine,
    Finding,
    FunctionComplexity,
    FunctionCoverage,
    RawFinding,
    RuleDoc,
    Severity,
    ToolRun,
    ToolStatus,
)
from riskaudit.ranking import score
from riskaudit.roles import SOURCE, finding_role
from riskaudit.sources import SourceIndex

EXCERPT_MIN_SEVERITY = Severity.MEDIUM
"""Findings at or above this severity carry a code excerpt."""


@dataclass(frozen=True)
class Mapped:
    """The outcome of mapping: ranked findings and what could not be mapped."""

    findings: tuple[Finding, ...]
    """Mapped and scored findings (ranked later, once)."""
    unmapped: tuple[RawFinding, ...]
    """Raw findings no rule covers (kept visible in the report)."""
    deselected: int
    """Findings dropped by ``--select``/``--ignore``."""


def project_modules(paths: Iterable[str]) -> frozenset[str]:
    """Top-level importable names of the project (``src/`` layouts included)."""
    names: set[str] = set()
    for path in paths:
        parts = PurePosixPath(path).with_suffix("").parts
        names.add(parts[0])
        if parts[0] == "src" and len(parts) > 1:
            names.add(parts[1])
    return frozenset(names)


def innermost_function(functions: Sequence[FunctionComplexity], line: int) -> FunctionComplexity | None:
    """The innermost function of one file that spans the line."""
    spanning = [f for f in functions if f.start <= line <= f.end]
    return max(spanning, key=lambda f: f.start, default=None)


def split_repeats(raws: Sequence[RawFinding]) -> list[list[RawFinding]]:
    """Group raw findings of one rule and line into defects: each code at most once per group.

    Different tools agreeing on a line, or different checks of one tool naming the same defect
    (pycodestyle's E722 and bugbear's B001 on one bare ``except:``), make one finding with several
    sources; one check reporting twice on a line (two unannotated arguments) stays two findings.
    """
    groups: list[list[RawFinding]] = []
    for raw in raws:
        home = next(
            (g for g in groups if all((other.tool, other.code) != (raw.tool, raw.code) for other in g)), None
        )
        if home is None:
            groups.append([raw])
        else:
            home.append(raw)
    return groups


@dataclass(frozen=True)
class Placement:
    """Where findings are, as far as their score depends on it: sources, complexity, coverage, layers."""

    index: SourceIndex
    """Every analysed file (symbols and excerpts)."""
    functions: Mapping[str, Sequence[FunctionComplexity]]
    """Each file's function complexities."""
    coverage: Mapping[str, float]
    """Each measured file's coverage percentage."""
    function_coverage: Mapping[str, Sequence[FunctionCoverage]]
    """Each measured file's per-function coverage."""
    untested: frozenset[str]
    """Files whose coverage counts as none (the data layer tested only against mocks)."""
    layers: LayerMap
    """The critical layer of each file."""

    @classmethod
    def of(
        cls,
        index: SourceIndex,
        functions: Iterable[FunctionComplexity],
        coverage: CoverageData | None,
        layers: LayerMap,
        function_coverage: Iterable[FunctionCoverage] = (),
        untested: Iterable[str] = (),
    ) -> Placement:
        """The placement of one scan's findings, indexed by file."""
        by_file: dict[str, list[FunctionComplexity]] = {}
        for function in functions:
            by_file.setdefault(function.path, []).append(function)
        per_file: dict[str, list[FunctionCoverage]] = {}
        for measured in function_coverage:
            per_file.setdefault(measured.path, []).append(measured)
        # a file whose coverage lacks tests that did not run counts as not measured
        unverified = set(coverage.unverified) if coverage else set()
        percent = {f.path: f.percent for f in coverage.files if f.path not in unverified} if coverage else {}
        per_file = {path: found for path, found in per_file.items() if path not in unverified}
        return cls(index, by_file, percent, per_file, frozenset(untested), layers)

    def coverage_at(self, path: str | None, line: int | None) -> float | None:
        """Coverage of the innermost measured function at the line, else of the file; None if unmeasured."""
        if path is None:
            return None
        if path in self.untested:
            return 0.0
        if line is not None:
            spanning = [f for f in self.function_coverage.get(path, ()) if f.start <= line <= f.end and f.statements]
            if spanning:
                return max(spanning, key=lambda f: f.start).percent
        return self.coverage.get(path)


def severity_in(doc: RuleDoc, role: str) -> Severity:
    """A rule's severity for a finding in code of this role: its ``test_severity`` outside production code."""
    if role == SOURCE or doc.test_severity is None:
        return doc.severity
    return max(doc.severity, doc.test_severity, key=lambda severity: severity.rank)


def _finding(rule: Rule, path: str | None, line: int | None, raws: Sequence[RawFinding], where: Placement) -> Finding:
    """One scored finding from the raw findings that agree on it."""
    source = where.index.get(path)
    role = finding_role(path, source is not None and source.generated)
    severity = severity_in(rule.doc, role)
    symbol = function = None
    excerpt: tuple[ExcerptLine, ...] = ()
    if source is not None and line is not None:
        symbol = source.enclosing(line)
        function = innermost_function(where.functions.get(source.path, ()), line)
        if severity.at_least(EXCERPT_MIN_SEVERITY):
            excerpt = source.excerpt(line)
    finding = Finding(
        rule_id=rule.id,
        severity=severity,
        path=path,
        line=line,
        message=raws[0].message,
        sources=tuple(sorted({f"{raw.tool}:{raw.code}" for raw in raws})),
        column=next((raw.column for raw in raws if raw.column), None),
        symbol=symbol.qualname if symbol else "",
        coverage=where.coverage_at(path, line),
        complexity=function.complexity if function else None,
        critical_layer=where.layers.of(path) is not None,
        excerpt=excerpt,
        role=role,
    )
    return score(finding, rule.doc.confidence, rule.measures)


def map_findings(
    runs: Iterable[ToolRun], catalogue: Catalogue, where: Placement, kept_rules: Collection[str]
) -> Mapped:
    """Map every finding of every successful run onto its rule, merge one defect's sources, and score it.

    The findings come out unranked: the scan ranks once, after suppressions and scoping.
    """
    classes = where.index.project_classes
    modules = project_modules(where.index.files)
    merged: dict[tuple[str, str | None, int | None], list[RawFinding]] = {}
    unmapped: list[RawFinding] = []
    deselected = 0
    for run in runs:
        if run.status is not ToolStatus.OK:
            continue
        for raw in run.findings:
            facts = facts_for(raw, where.index.get(raw.path), classes, modules)
            rule = catalogue.match(raw.tool, raw.code, raw.message, facts)
            if rule is None:
                unmapped.append(raw)
            elif rule.id not in kept_rules:
                deselected += 1
            else:
                merged.setdefault((rule.id, raw.path, raw.line), []).append(raw)
    findings = [
        _finding(catalogue.get(rule_id), path, line, raws, where)
        for (rule_id, path, line), group in merged.items()
        for raws in split_repeats(group)
    ]
    return Mapped(tuple(findings), tuple(unmapped), deselected)


def merge(first: Mapped, second: Mapped) -> Mapped:
    """Two mappings as one (findings, unmapped findings and deselected counts added up)."""
    return Mapped(
        (*first.findings, *second.findings), (*first.unmapped, *second.unmapped), first.deselected + second.deselected
    )


def rules_used(findings: Iterable[Finding], catalogue: Catalogue) -> dict[str, RuleDoc]:
    """The docs of every rule that has a finding, by id."""
    return {rule_id: catalogue.get(rule_id).doc for rule_id in sorted({f.rule_id for f in findings})}
