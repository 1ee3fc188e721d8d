"""The rule catalogue: one TOML file per rule, loaded, validated and matched against findings.

Pure data: every rule lives in ``rules/*.toml``, those that riskaudit's own detectors feed included (their
files map the detector codes under ``tool = "riskaudit"``). Which detector feeds which rule is checked
where both are known, by ``riskaudit.detectors.links``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping as MappingType
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from riskaudit.collectors.registry import TOOLS as REGISTERED_TOOLS
from riskaudit.errors import CatalogueError
from riskaudit.models import Confidence, RuleDoc, Severity

CATEGORIES = (
    "runtime",
    "typing",
    "test-gap",
    "data-integrity",
    "concurrency",
    "security",
    "maintainability",
)
TOOLS = REGISTERED_TOOLS
"""The tools a mapping may name: every run a scan can have (see ``riskaudit.collectors.registry``)."""
FACTS = (
    "hasattr-guard",
    "third-party-type",
    "sqlalchemy-expression",
    "framework-default",
    "reraises",
    "test-code",
    "object-type",
    "optional-hook",
)
"""Source facts a mapping may require (see ``riskaudit.finding_facts``)."""

_RULE_KEYS = {
    "id",
    "slug",
    "title",
    "category",
    "severity",
    "confidence",
    "problem",
    "risk",
    "recommendation",
    "example",
    "mappings",
}
_OPTIONAL_RULE_KEYS = {"test-severity", "measures"}
MEASURES = ("coverage", "complexity")
"""What a rule's ``measures`` may name: the exposure factors ranking would otherwise apply twice."""
"""Rule keys that may be left out."""
_MAPPING_KEYS = {"tool", "code", "message", "requires"}
_E = TypeVar("_E", Severity, Confidence)
_ID_RE = re.compile(r"^RA\d{3}$")
_SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class RuleMapping:
    """How a tool finding maps onto a rule."""

    tool: str
    """Collector name."""
    code: str
    """Code prefix; empty matches every code of the tool."""
    message: re.Pattern[str] | None
    """Optional pattern searched in the tool's message."""
    requires: frozenset[str]
    """Source facts that must hold (see ``FACTS``)."""

    @property
    def specificity(self) -> tuple[int, int]:
        """Longer code prefix first, then more conditions."""
        return (len(self.code), len(self.requires) + (self.message is not None))

    def matches(self, tool: str, code: str, message: str, facts: frozenset[str]) -> bool:
        """Whether a finding with these properties is covered by this mapping."""
        if tool != self.tool or not code.startswith(self.code):
            return False
        if self.message is not None and not self.message.search(message):
            return False
        return self.requires <= facts


@dataclass(frozen=True)
class Rule:
    """A catalogue rule: its documentation and the tool findings that map onto it."""

    doc: RuleDoc
    """What the rule is about (carried into results and reports)."""
    mappings: tuple[RuleMapping, ...]
    """Tool findings that map onto this rule."""
    path: Path | None = None
    """The rule file it was read from; None for a rule built in code."""
    measures: frozenset[str] = frozenset()
    """Exposure factors the rule's findings are themselves a measure of (``coverage``, ``complexity``):
    ranking does not apply those factors to them again."""

    @property
    def id(self) -> str:
        """The rule id."""
        return self.doc.id


@dataclass(frozen=True)
class Catalogue:
    """All rules, indexed by id."""

    rules: MappingType[str, Rule]
    """Rules by id, in id order."""

    @cached_property
    def _mappings_by_tool(self) -> dict[str, tuple[tuple[str, RuleMapping], ...]]:
        """``(rule id, mapping)`` pairs per tool (a scan matches thousands of findings)."""
        pairs: dict[str, list[tuple[str, RuleMapping]]] = {}
        for rule in self.rules.values():
            for mapping in rule.mappings:
                pairs.setdefault(mapping.tool, []).append((rule.id, mapping))
        return {tool: tuple(found) for tool, found in pairs.items()}

    def match(self, tool: str, code: str, message: str, facts: frozenset[str]) -> Rule | None:
        """The rule whose most specific mapping covers the finding, or None."""
        candidates = [
            (mapping.specificity, rule_id)
            for rule_id, mapping in self._mappings_by_tool.get(tool, ())
            if mapping.matches(tool, code, message, facts)
        ]
        if not candidates:
            return None
        top = max(specificity for specificity, _ in candidates)
        return self.rules[min(rule_id for specificity, rule_id in candidates if specificity == top)]

    def get(self, rule_id: str) -> Rule:
        """The rule with this id; raises KeyError naming it when unknown."""
        try:
            return self.rules[rule_id]
        except KeyError:
            raise KeyError(f"unknown rule {rule_id!r}") from None


def default_rules_dir() -> Path:
    """Where the packaged rules live (inside the wheel, or the repository root in a checkout)."""
    packaged = Path(__file__).parent / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """Load and validate every ``*.toml`` rule file; raises CatalogueError naming a bad file."""
    folder = directory or default_rules_dir()
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise CatalogueError(f"{folder}: no rule files (*.toml) found; the installation is broken")
    rules: dict[str, Rule] = {}
    slugs: dict[str, Path] = {}
    for path in files:
        rule = load_rule(path)
        if rule.id in rules:
            raise CatalogueError(f"{path}: duplicate rule id {rule.id}")
        if rule.doc.slug in slugs:
            raise CatalogueError(f"{path}: slug {rule.doc.slug!r} already used by {slugs[rule.doc.slug].name}")
        rules[rule.id] = rule
        slugs[rule.doc.slug] = path
    return Catalogue(rules=dict(sorted(rules.items())))


def default_catalogue() -> Catalogue:
    """The packaged rule files."""
    return load_catalogue()


def load_rule(path: Path) -> Rule:
    """Parse and validate one rule file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot read rule file: {exc}") from None
    try:
        rule = parse_rule(data, expected_stem=path.stem)
    except ValueError as exc:
        raise CatalogueError(f"{path}: {exc}") from None
    return replace(rule, path=path)


def parse_rule(data: MappingType[str, object], expected_stem: str | None = None) -> Rule:
    """Build a Rule from parsed TOML; raises ValueError describing the first problem."""
    unknown = sorted(set(data) - _RULE_KEYS - _OPTIONAL_RULE_KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}")
    missing = sorted(_RULE_KEYS - set(data))
    if missing:
        raise ValueError(f"missing key {missing[0]!r}")
    text = {key: _string(data, key) for key in _RULE_KEYS - {"mappings"}}
    if not _ID_RE.match(text["id"]):
        raise ValueError(f"id {text['id']!r} must look like RA123")
    if not _SLUG_RE.match(text["slug"]):
        raise ValueError(f"slug {text['slug']!r} must be kebab-case")
    if expected_stem is not None and expected_stem != f"{text['id']}-{text['slug']}":
        raise ValueError(f"file name must be {text['id']}-{text['slug']}.toml")
    if text["category"] not in CATEGORIES:
        raise ValueError(f"category {text['category']!r} is not one of {', '.join(CATEGORIES)}")
    severity = _enum(Severity, text["severity"], "severity")
    confidence = _enum(Confidence, text["confidence"], "confidence")
    test_severity = _test_severity(data, severity)
    raw_mappings = data["mappings"]
    if not isinstance(raw_mappings, list) or not raw_mappings:
        raise ValueError("'mappings' must be a non-empty array of tables")
    doc = RuleDoc(
        id=text["id"],
        slug=text["slug"],
        title=text["title"],
        category=text["category"],
        severity=severity,
        confidence=confidence,
        problem=text["problem"].strip(),
        risk=text["risk"].strip(),
        recommendation=text["recommendation"].strip(),
        example=text["example"].strip("\n"),
        test_severity=test_severity,
    )
    mappings = tuple(_parse_mapping(item, index) for index, item in enumerate(raw_mappings))
    return Rule(doc=doc, mappings=mappings, measures=_measures(data))


def _measures(data: MappingType[str, object]) -> frozenset[str]:
    """The optional ``measures``: a list of exposure factors from ``MEASURES``."""
    value = data.get("measures", [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("'measures' must be a list of strings")
    unknown = [item for item in value if item not in MEASURES]
    if unknown:
        raise ValueError(f"measures {unknown[0]!r} is not one of {', '.join(MEASURES)}")
    return frozenset(value)


def _test_severity(data: MappingType[str, object], severity: Severity) -> Severity | None:
    """The optional ``test-severity``: lower than the rule's severity, or absent."""
    value = data.get("test-severity")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("'test-severity' must be a string")
    lowered = _enum(Severity, value, "test-severity")
    if lowered.rank <= severity.rank:
        raise ValueError(f"test-severity {value!r} must be lower than severity {severity.value!r}")
    return lowered


def _parse_mapping(item: object, index: int) -> RuleMapping:
    """Validate one ``[[mappings]]`` table."""
    where = f"mappings[{index}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be a table")
    unknown = sorted(set(item) - _MAPPING_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}")
    tool = item.get("tool")
    if tool not in TOOLS:
        raise ValueError(f"{where}: tool {tool!r} is not one of {', '.join(TOOLS)}")
    code = item.get("code")
    if not isinstance(code, str):
        raise ValueError(f"{where}: 'code' must be a string")
    message = item.get("message")
    pattern: re.Pattern[str] | None = None
    if message is not None:
        if not isinstance(message, str):
            raise ValueError(f"{where}: 'message' must be a string")
        try:
            pattern = re.compile(message)
        except re.error as exc:
            raise ValueError(f"{where}: bad 'message' pattern: {exc}") from None
    requires = item.get("requires", [])
    if not isinstance(requires, list) or not all(fact in FACTS for fact in requires):
        raise ValueError(f"{where}: 'requires' must be a list drawn from {', '.join(FACTS)}")
    return RuleMapping(tool=tool, code=code, message=pattern, requires=frozenset(requires))


def _string(data: MappingType[str, object], key: str) -> str:
    """A required non-empty string value."""
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key!r} must be a non-empty string")
    return value


def _enum(kind: type[_E], value: str, key: str) -> _E:
    """Parse an enum value, naming the allowed ones on error."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ValueError(f"{key} {value!r} is not one of {allowed}") from None


def select_rules(rule_ids: Iterable[str], select: Iterable[str], ignore: Iterable[str]) -> set[str]:
    """Rule ids kept by ``--select``/``--ignore`` prefixes (longest matching prefix wins)."""
    selects = [s for s in select if s]
    ignores = [s for s in ignore if s]
    kept: set[str] = set()
    for rule_id in rule_ids:
        best_select = max((len(s) for s in selects if rule_id.startswith(s)), default=-1)
        if selects and best_select < 0:
            continue
        best_ignore = max((len(s) for s in ignores if rule_id.startswith(s)), default=-1)
        if best_ignore > best_select:
            continue
        kept.add(rule_id)
    return kept


def with_severities(catalogue: Catalogue, overrides: Iterable[tuple[str, str]]) -> Catalogue:
    """The catalogue with the configured severities; raises CatalogueError naming an unknown rule."""
    rules = dict(catalogue.rules)
    for rule_id, severity in overrides:
        if rule_id not in rules:
            raise CatalogueError(f"[tool.riskaudit] severity.{rule_id}: no such rule; see `riskaudit rules`")
        rule = rules[rule_id]
        rules[rule_id] = replace(rule, doc=replace(rule.doc, severity=Severity(severity)))
    return Catalogue(rules=rules)
