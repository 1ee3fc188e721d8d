"""Ranking: risk = severity weight x confidence x exposure. Pure functions, deterministic order."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from riskaudit.models import Confidence, Finding, Severity
from riskaudit.roles import ROLES

SEVERITY_WEIGHT = {
    Severity.CRITICAL: 100.0,
    Severity.HIGH: 40.0,
    Severity.MEDIUM: 15.0,
    Severity.LOW: 4.0,
    Severity.INFO: 1.0,
}
CONFIDENCE_WEIGHT = {Confidence.HIGH: 1.0, Confidence.MEDIUM: 0.75, Confidence.LOW: 0.5}
CRITICAL_LAYER_FACTOR = 1.25
FORMULA = (
    "risk = severity weight (critical 100, high 40, medium 15, low 4, info 1)"
    " x confidence (high 1.0, medium 0.75, low 0.5)"
    " x exposure; exposure = coverage factor (1.5 - coverage/100 of the enclosing function, else of the"
    " file: 0.5 when fully covered, 1.5 when never executed, 1.0 when not measured; data-layer code"
    " whose only database tests are mocked counts as never executed)"
    " x complexity factor (1 + min(max(cc - 5, 0), 20) / 20 for the enclosing function: 1.0 to 2.0)"
    " x layer factor (1.25 in a critical layer, else 1.0);"
    " a rule that itself measures coverage or complexity (untested code, CRAP, complexity) is not"
    " weighted by that factor again"
)
"""The formula in words, shown in the README and in every report."""


def exposure(coverage: float | None, complexity: int | None, critical_layer: bool) -> float:
    """How exposed a finding's code is: untested, complex, critical code is most exposed."""
    coverage_factor = 1.0 if coverage is None else 1.5 - max(0.0, min(coverage, 100.0)) / 100.0
    complexity_factor = 1.0 if complexity is None else 1.0 + min(max(complexity - 5, 0), 20) / 20.0
    layer_factor = CRITICAL_LAYER_FACTOR if critical_layer else 1.0
    return coverage_factor * complexity_factor * layer_factor


def risk_score(severity: Severity, confidence: Confidence, exposure_factor: float) -> float:
    """The risk of one finding, rounded so that equal inputs give equal scores everywhere."""
    return round(SEVERITY_WEIGHT[severity] * CONFIDENCE_WEIGHT[confidence] * exposure_factor, 2)


def score(finding: Finding, confidence: Confidence, measures: Collection[str] = ()) -> Finding:
    """The finding with its exposure and risk filled in from its coverage/complexity/layer.

    ``measures``: the factors the finding's rule is itself about (its rule's ``measures``), left at 1.0
    so that "complex and untested" is not counted once as the finding and again as its exposure.
    """
    coverage = None if "coverage" in measures else finding.coverage
    complexity = None if "complexity" in measures else finding.complexity
    factor = exposure(coverage, complexity, finding.critical_layer)
    return replace(finding, exposure=round(factor, 4), risk=risk_score(finding.severity, confidence, factor))


def sort_key(finding: Finding) -> tuple[int, float, int, str, int, str]:
    """Production code first, then tests, then examples; highest risk first; ties by severity, path, line, rule id."""
    return (
        ROLES.index(finding.role) if finding.role in ROLES else len(ROLES),
        -finding.risk,
        finding.severity.rank,
        finding.path or "",
        finding.line or 0,
        finding.rule_id,
    )


def rank(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in ranked order."""
    return tuple(sorted(findings, key=sort_key))
