"""Unit tests of the risk ranking: exposure, risk score and a deterministic order."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import pytest

from riskaudit.models import Confidence, Finding, Severity
from riskaudit.ranking import exposure, rank, risk_score, score

COVERAGES: list[float | None] = [None, -10.0, 0.0, 0.5, 1.0, 25.0, 50.0, 72.2, 99.0, 99.9, 100.0, 150.0]
COMPLEXITIES: list[int | None] = [None, -1, 0, 1, 5, 6, 10, 12, 20, 25, 26, 40, 1000]
GRID = list(itertools.product(COVERAGES, COMPLEXITIES, [False, True]))
"""Every kind of exposure input, in range and out of it."""


def _finding(
    rule_id: str = "RA104",
    severity: Severity = Severity.HIGH,
    path: str | None = "app/x.py",
    line: int | None = 10,
    coverage: float | None = None,
    complexity: int | None = None,
    critical_layer: bool = False,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity=severity,
        path=path,
        line=line,
        message="m",
        sources=("mypy:attr-defined",),
        coverage=coverage,
        complexity=complexity,
        critical_layer=critical_layer,
    )


@pytest.mark.parametrize(
    ("coverage", "complexity", "critical_layer", "expected"),
    [
        (None, None, False, 1.0),
        (0.0, None, False, 1.5),
        (100.0, None, False, 0.5),
        (50.0, None, False, 1.0),
        (-10.0, None, False, 1.5),
        (150.0, None, False, 0.5),
        (None, 5, False, 1.0),
        (None, 1, False, 1.0),
        (None, 15, False, 1.5),
        (None, 25, False, 2.0),
        (None, 100, False, 2.0),
        (None, None, True, 1.25),
        (0.0, 25, True, 3.75),
        (100.0, 1, False, 0.5),
        (80.0, 12, True, 0.7 * 1.35 * 1.25),
    ],
)
def test_exposure_factors(
    coverage: float | None, complexity: int | None, critical_layer: bool, expected: float
) -> None:
    assert exposure(coverage, complexity, critical_layer) == pytest.approx(expected)


def test_exposure_bounds_over_the_grid() -> None:
    values = [exposure(*inputs) for inputs in GRID]
    assert min(values) == pytest.approx(0.5)
    assert max(values) == pytest.approx(3.75)


@pytest.mark.parametrize("complexity", [None, 3, 12, 30])
@pytest.mark.parametrize("critical_layer", [False, True])
def test_untested_code_ranks_above_tested_code(complexity: int | None, critical_layer: bool) -> None:
    untested = score(_finding(path="a.py", coverage=0.0, complexity=complexity, critical_layer=critical_layer),
                     Confidence.MEDIUM)
    unknown = score(_finding(path="b.py", coverage=None, complexity=complexity, critical_layer=critical_layer),
                    Confidence.MEDIUM)
    tested = score(_finding(path="c.py", coverage=100.0, complexity=complexity, critical_layer=critical_layer),
                   Confidence.MEDIUM)
    assert untested.risk > unknown.risk > tested.risk
    assert rank([tested, untested, unknown]) == (untested, unknown, tested)


@pytest.mark.parametrize("coverage", [None, 0.0, 60.0, 100.0])
def test_coverage_lowers_exposure_monotonically(coverage: float | None) -> None:
    levels = [exposure(c, 10, False) for c in (0.0, 10.0, 50.0, 90.0, 100.0)]
    assert levels == sorted(levels, reverse=True)
    assert exposure(coverage, 10, False) <= exposure(0.0, 10, False)


@pytest.mark.parametrize("coverage", [None, 0.0, 50.0, 100.0])
@pytest.mark.parametrize("critical_layer", [False, True])
def test_higher_complexity_raises_the_score(coverage: float | None, critical_layer: bool) -> None:
    scores = [
        score(_finding(coverage=coverage, complexity=cc, critical_layer=critical_layer), Confidence.HIGH).risk
        for cc in (5, 6, 10, 15, 25)
    ]
    assert scores == sorted(scores)
    assert len(set(scores)) == len(scores)
    plain = score(_finding(coverage=coverage, complexity=None, critical_layer=critical_layer), Confidence.HIGH)
    assert plain.risk == scores[0]


@pytest.mark.parametrize("coverage", [None, 0.0, 50.0, 100.0])
@pytest.mark.parametrize("complexity", [None, 5, 12, 25])
def test_critical_layer_raises_the_score(coverage: float | None, complexity: int | None) -> None:
    inside = score(_finding(coverage=coverage, complexity=complexity, critical_layer=True), Confidence.MEDIUM)
    outside = score(_finding(coverage=coverage, complexity=complexity, critical_layer=False), Confidence.MEDIUM)
    assert inside.risk > outside.risk
    assert exposure(coverage, complexity, True) == pytest.approx(exposure(coverage, complexity, False) * 1.25)
    assert inside.exposure == round(exposure(coverage, complexity, True), 4)


@pytest.mark.parametrize(
    ("severity", "confidence", "factor", "expected"),
    [
        (Severity.CRITICAL, Confidence.HIGH, 1.0, 100.0),
        (Severity.HIGH, Confidence.MEDIUM, 1.0, 30.0),
        (Severity.MEDIUM, Confidence.LOW, 2.0, 15.0),
        (Severity.LOW, Confidence.HIGH, 3.75, 15.0),
        (Severity.INFO, Confidence.LOW, 0.5, 0.25),
        (Severity.HIGH, Confidence.HIGH, 1 / 3, 13.33),
    ],
)
def test_risk_score(severity: Severity, confidence: Confidence, factor: float, expected: float) -> None:
    assert risk_score(severity, confidence, factor) == expected


def test_severity_and_confidence_order_the_score() -> None:
    for factor in (0.5, 1.0, 3.75):
        by_severity = [risk_score(s, Confidence.MEDIUM, factor) for s in Severity]
        assert by_severity == sorted(by_severity, reverse=True)
        by_confidence = [risk_score(Severity.HIGH, c, factor) for c in Confidence]
        assert by_confidence == sorted(by_confidence, reverse=True)


def test_critical_low_confidence_outranks_low_high_confidence_at_any_exposure() -> None:
    weakest_critical = min(risk_score(Severity.CRITICAL, Confidence.LOW, exposure(*inputs)) for inputs in GRID)
    strongest_low = max(risk_score(Severity.LOW, Confidence.HIGH, exposure(*inputs)) for inputs in GRID)
    assert weakest_critical > strongest_low
    criticals = [score(_finding("RA199", Severity.CRITICAL, "z.py", 99, *inputs), Confidence.LOW) for inputs in GRID]
    lows = [score(_finding("RA101", Severity.LOW, "a.py", 1, *inputs), Confidence.HIGH) for inputs in GRID]
    for critical, low in itertools.product(criticals, lows):
        assert rank([low, critical])[0] is critical


def test_score_fills_in_exposure_and_risk() -> None:
    finding = score(_finding(coverage=0.0, complexity=25, critical_layer=True), Confidence.HIGH)
    assert finding.exposure == 3.75
    assert finding.risk == 150.0
    assert (finding.rule_id, finding.path, finding.line) == ("RA104", "app/x.py", 10)


def test_equal_inputs_give_equal_scores() -> None:
    a = score(_finding(path="a.py", coverage=33.3, complexity=7), Confidence.MEDIUM)
    b = score(_finding(path="b.py", coverage=33.3, complexity=7), Confidence.MEDIUM)
    assert a.risk == b.risk


def _tied() -> list[Finding]:
    """Findings with equal risk, so that only the tie-breakers order them."""
    critical_low = score(_finding("RA199", Severity.CRITICAL, "z.py", 1), Confidence.LOW)
    high_high = score(_finding("RA104", Severity.HIGH, "z.py", 1, critical_layer=True), Confidence.HIGH)
    assert critical_low.risk == high_high.risk == 50.0
    base = replace(high_high, severity=Severity.HIGH)
    return [
        critical_low,
        replace(base, path="b.py", line=20, rule_id="RA104"),
        replace(base, path="b.py", line=3, rule_id="RA108"),
        replace(base, path="b.py", line=3, rule_id="RA104"),
        replace(base, path="a.py", line=None, rule_id="RA301"),
        replace(base, path="a.py", line=1, rule_id="RA101"),
        replace(base, path=None, line=None, rule_id="RA302"),
        replace(base, path="b.py", line=100, rule_id="RA101"),
    ]


def test_ties_are_broken_by_severity_path_line_and_rule() -> None:
    ranked = rank(_tied())
    assert [(f.severity, f.path, f.line, f.rule_id) for f in ranked] == [
        (Severity.CRITICAL, "z.py", 1, "RA199"),
        (Severity.HIGH, None, None, "RA302"),
        (Severity.HIGH, "a.py", None, "RA301"),
        (Severity.HIGH, "a.py", 1, "RA101"),
        (Severity.HIGH, "b.py", 3, "RA104"),
        (Severity.HIGH, "b.py", 3, "RA108"),
        (Severity.HIGH, "b.py", 20, "RA104"),
        (Severity.HIGH, "b.py", 100, "RA101"),
    ]


def test_higher_risk_comes_first_whatever_the_tie_breakers() -> None:
    low_risk = score(_finding("RA101", Severity.CRITICAL, "a.py", 1, coverage=100.0), Confidence.LOW)
    high_risk = score(_finding("RA104", Severity.HIGH, "z.py", 99, coverage=0.0), Confidence.HIGH)
    assert low_risk.risk < high_risk.risk
    assert rank([low_risk, high_risk]) == (high_risk, low_risk)


@pytest.mark.parametrize("seed", range(25))
def test_rank_does_not_depend_on_input_order(seed: int) -> None:
    generator = random.Random(seed)
    findings = _tied() + [
        score(_finding(f"RA1{n % 3}{n % 7}", severity, f"m{n % 4}.py", n % 5 or None, cov, cc, layer), conf)
        for n, (severity, conf, cov, cc, layer) in enumerate(
            itertools.product(Severity, Confidence, [None, 0.0, 100.0], [None, 12], [False, True])
        )
    ]
    expected = rank(findings)
    shuffled = findings[:]
    generator.shuffle(shuffled)
    assert rank(shuffled) == expected
    assert rank(reversed(shuffled)) == expected
    risks = [f.risk for f in expected]
    assert risks == sorted(risks, reverse=True)


def test_rank_of_nothing() -> None:
    assert rank([]) == ()


def test_a_finding_about_coverage_and_complexity_is_not_weighted_by_them_again() -> None:
    untested = _finding("RA305", Severity.MEDIUM, coverage=0.0, complexity=25, critical_layer=True)
    plain = score(untested, Confidence.MEDIUM)
    measured = score(untested, Confidence.MEDIUM, {"coverage", "complexity"})
    assert plain.exposure == pytest.approx(1.5 * 2.0 * 1.25)
    assert measured.exposure == pytest.approx(1.25)
    assert measured.coverage == 0.0 and measured.complexity == 25
    only_coverage = score(untested, Confidence.MEDIUM, {"coverage"})
    assert only_coverage.exposure == pytest.approx(2.0 * 1.25)
