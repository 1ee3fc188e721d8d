"""The rules reference ``docs/rules.md``, generated from the rule files and the detectors.

One section per rule: its documentation from ``rules/*.toml``, every mapping that feeds it, and for a
rule a detector feeds, the detector's description and its ``VALID``/``INVALID`` examples (the code the
test suite runs it on). Refresh it after changing a rule or a detector::

    .venv/bin/python -m riskaudit.docs

``tests/test_docs.py`` fails while the file is not current.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from riskaudit.catalogue import Catalogue, Rule, RuleMapping, default_catalogue
from riskaudit.detectors.base import TOOL, Detector, Example
from riskaudit.detectors.links import OTHER_CODES
from riskaudit.detectors.registry import ALL_DETECTORS

REFRESH = ".venv/bin/python -m riskaudit.docs"
"""The command that rewrites the reference."""
DEFAULT_PATH = Example("").path
"""Where an example pretends to live unless it says otherwise."""


def reference_path() -> Path:
    """Where the reference lives in a checkout: ``docs/rules.md`` next to ``rules/``."""
    return Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def rules_reference(catalogue: Catalogue, detectors: Sequence[type[Detector]]) -> str:
    """The whole reference as Markdown."""
    parts = [
        "# Rules reference",
        "",
        "Generated from `rules/*.toml` and riskaudit's detectors by "
        f"`{REFRESH}`; do not edit it by hand.",
        "A rule's file holds its documentation and the tool findings that map onto it (the longest code "
        "prefix wins; a message pattern or a required source fact makes a mapping more specific). "
        "`riskaudit explain RULE` shows the same in a terminal.",
        "",
        "| id | slug | title | category | severity | fed by |",
        "|---|---|---|---|---|---|",
    ]
    for rule in catalogue.rules.values():
        doc = rule.doc
        fed = ", ".join(sorted({m.tool for m in rule.mappings}))
        parts.append(
            f"| [{doc.id}](#{_anchor(rule)}) | `{doc.slug}` | {_cell(doc.title)} | {doc.category} | "
            f"{doc.severity.value} | {fed} |"
        )
    for rule in catalogue.rules.values():
        parts += ["", *_section(rule, catalogue, detectors)]
    return "\n".join(parts) + "\n"


def _section(rule: Rule, catalogue: Catalogue, detectors: Sequence[type[Detector]]) -> list[str]:
    """One rule's section."""
    doc = rule.doc
    test_severity = doc.test_severity.value if doc.test_severity is not None else "the same"
    lines = [
        f"## {doc.id} {doc.slug}: {doc.title}",
        "",
        "| | |",
        "|---|---|",
        f"| id | {doc.id} |",
        f"| slug | `{doc.slug}` |",
        f"| category | {doc.category} |",
        f"| severity | {doc.severity.value} |",
        f"| test severity | {test_severity} |",
        f"| confidence | {doc.confidence.value} |",
    ]
    if rule.measures:
        lines.append(f"| measures (not weighted by again) | {', '.join(sorted(rule.measures))} |")
    if rule.path is not None:
        lines.append(f"| rule file | `rules/{rule.path.name}` |")
    lines += ["", "**Problem.** " + _prose(doc.problem), "", "**Risk.** " + _prose(doc.risk), ""]
    lines += ["**Recommendation.** " + _prose(doc.recommendation), "", "**Example.**", "", *_code(doc.example)]
    lines += ["", "**Fed by**", ""]
    lines += [f"- {_mapping(mapping, rule, catalogue, detectors)}" for mapping in rule.mappings]
    for detector in detectors:
        if detector.RULE == doc.id:
            lines += ["", *_detector(detector)]
    return lines


def _mapping(mapping: RuleMapping, rule: Rule, catalogue: Catalogue, detectors: Sequence[type[Detector]]) -> str:
    """One mapping as a list item: the tool and code, its conditions, and who makes such findings."""
    text = f"{mapping.tool} `{mapping.code}`" if mapping.code else f"{mapping.tool}, any other code"
    conditions = []
    if mapping.message is not None:
        conditions.append(f"message matching `{mapping.message.pattern}`")
    if mapping.requires:
        conditions.append("when " + " and ".join(f"`{fact}`" for fact in sorted(mapping.requires)))
    if conditions:
        text += f" ({'; '.join(conditions)})"
    if mapping.tool != TOOL:
        return text
    maker = next((d for d in detectors if d.CODE == mapping.code), None)
    if maker is not None:
        home = catalogue.rules.get(maker.RULE)
        if maker.RULE == rule.id or home is None:
            where = ", below"
        else:
            where = f", documented under [{maker.RULE}](#{_anchor(home)})"
        return f"{text}: the detector `{maker.__name__}` (`{_module_path(maker)}`){where}"
    if mapping.code in OTHER_CODES:
        return f"{text}: reported by `{OTHER_CODES[mapping.code]}`"
    return text


def _detector(detector: type[Detector]) -> list[str]:
    """A detector's description and examples."""
    lines = [
        f"### Detector `{detector.__name__}`",
        "",
        f"`{_module_path(detector)}`, code `{detector.CODE}`, looks at {_scope(detector.SCOPE)}.",
        "",
        _prose(inspect.getdoc(detector) or ""),
        "",
        "Stays silent on (VALID):",
    ]
    for example in detector.VALID:
        lines += ["", *_example(example)]
    lines += ["", "Reports (INVALID):"]
    for example in detector.INVALID:
        lines += ["", *_example(example)]
    return lines


def _example(item: Example | str) -> list[str]:
    """One example: where it pretends to live and which line is reported, then its code."""
    example = item if isinstance(item, Example) else Example(item)
    notes = []
    if example.path != DEFAULT_PATH:
        notes.append(f"in `{example.path}`")
    if example.line is not None:
        notes.append(f"reported on line {example.line}")
    head = [f"*{', '.join(notes)}:*", ""] if notes else []
    return [*head, *_code(example.code.rstrip("\n"))]


def _scope(scope: str) -> str:
    """What a detector's ``SCOPE`` covers, in words."""
    return {
        "source": "production code",
        "tests": "test code",
        "migrations": "Alembic migrations",
        "all": "every file",
    }.get(scope, scope)


def _module_path(detector: type[Detector]) -> str:
    """A detector module's path in the repository."""
    return PurePosixPath(*detector.__module__.split(".")).with_suffix(".py").as_posix()


def _anchor(rule: Rule) -> str:
    """The GitHub anchor of a rule's heading."""
    return rule.doc.anchor


def _prose(text: str) -> str:
    """Rule text as written (its line breaks are wrapping, not paragraphs)."""
    return text.strip()


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(code: str) -> list[str]:
    """A fenced Python block longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}python", *code.splitlines(), fence]


def main(argv: Sequence[str] = ()) -> int:
    """Write the reference (to the given path, else ``docs/rules.md``)."""
    target = Path(argv[0]) if argv else reference_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(rules_reference(default_catalogue(), ALL_DETECTORS), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
