"""The generated rules reference ``docs/rules.md``: current, and complete for every rule and detector."""

from __future__ import annotations

from pathlib import Path

from riskaudit.catalogue import default_catalogue
from riskaudit.detectors.base import Example
from riskaudit.detectors.registry import ALL_DETECTORS
from riskaudit.docs import REFRESH, main, reference_path, rules_reference


def test_the_rules_reference_is_current() -> None:
    path = reference_path()
    assert path.is_file(), f"{path} is missing: write it with `{REFRESH}`"
    current = rules_reference(default_catalogue(), ALL_DETECTORS)
    assert path.read_text(encoding="utf-8") == current, f"{path} is not current: refresh it with `{REFRESH}`"


def test_every_rule_has_its_section_with_its_documentation() -> None:
    text = rules_reference(default_catalogue(), ALL_DETECTORS)
    for rule in default_catalogue().rules.values():
        doc = rule.doc
        assert f"\n## {doc.id} {doc.slug}: {doc.title}\n" in text
        section = text.split(f"\n## {doc.id} ", 1)[1].split("\n## ", 1)[0]
        for part in (doc.problem, doc.risk, doc.recommendation, doc.example):
            assert part in section
        assert f"| confidence | {doc.confidence.value} |" in section


def test_every_detector_is_shown_with_its_examples_under_its_rule() -> None:
    text = rules_reference(default_catalogue(), ALL_DETECTORS)
    for detector in ALL_DETECTORS:
        section = text.split(f"\n## {detector.RULE} ", 1)[1].split("\n## ", 1)[0]
        assert f"### Detector `{detector.__name__}`" in section
        assert f"riskaudit `{detector.CODE}`" in section
        for example in (*detector.VALID, *detector.INVALID):
            code = example.code if isinstance(example, Example) else example
            assert code.rstrip("\n") in section


def test_main_writes_the_reference_where_it_is_told(tmp_path: Path) -> None:
    target = tmp_path / "out" / "rules.md"
    assert main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == rules_reference(default_catalogue(), ALL_DETECTORS)
