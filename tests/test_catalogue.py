"""Unit tests of the rule catalogue: the real ``rules/`` files, finding-to-rule mapping, validation and selection."""

from __future__ import annotations

import ast
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest

from riskaudit.catalogue import FACTS, Catalogue, RuleMapping, load_catalogue, select_rules
from riskaudit.errors import CatalogueError

RULES = Path(__file__).resolve().parent.parent / "rules"
VALID_RULE = "RA101-missing-await.toml"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The packaged catalogue, loaded once."""
    return load_catalogue()


# --- the real catalogue -----------------------------------------------------------------------


def test_default_catalogue_loads_every_rule_file(catalogue: Catalogue) -> None:
    stems = sorted(path.stem for path in RULES.glob("*.toml"))
    assert len(stems) >= 30
    assert [f"{rule.id}-{rule.doc.slug}" for rule in catalogue.rules.values()] == stems
    assert list(catalogue.rules) == sorted(catalogue.rules)
    assert load_catalogue(RULES).rules.keys() == catalogue.rules.keys()


def _rule_ids() -> list[str]:
    return sorted(path.name.split("-", 1)[0] for path in RULES.glob("*.toml"))


@pytest.mark.parametrize("rule_id", _rule_ids())
def test_rule_documentation_is_complete(catalogue: Catalogue, rule_id: str) -> None:
    doc = catalogue.get(rule_id).doc
    for text in (doc.title, doc.problem, doc.risk, doc.recommendation, doc.example):
        assert text.strip()
    assert doc.problem == doc.problem.strip()
    assert not doc.example.startswith("\n") and not doc.example.endswith("\n")
    ast.parse(doc.example, filename=f"{rule_id} example")


@pytest.mark.parametrize("rule_id", _rule_ids())
def test_rule_has_mappings(catalogue: Catalogue, rule_id: str) -> None:
    rule = catalogue.get(rule_id)
    assert rule.mappings
    assert all(set(mapping.requires) <= set(FACTS) for mapping in rule.mappings)


@pytest.mark.parametrize("tool", ["mypy", "flake8"])
def test_tool_has_a_catch_all_mapping(catalogue: Catalogue, tool: str) -> None:
    catch_all = [
        rule.id
        for rule in catalogue.rules.values()
        for mapping in rule.mappings
        if mapping.tool == tool and mapping.code == "" and mapping.message is None and not mapping.requires
    ]
    assert len(catch_all) == 1


@pytest.mark.parametrize("tool", ["mypy", "flake8"])
@pytest.mark.parametrize(
    "code", ["", "misc", "foo-bar", "E501", "X999", "attr", "C", "B9", "D", "ANN", "unused-coroutine-x", "ε"]
)
@pytest.mark.parametrize("facts", [frozenset(), frozenset(FACTS)])
def test_match_never_returns_none_for_mypy_and_flake8(
    catalogue: Catalogue, tool: str, code: str, facts: frozenset[str]
) -> None:
    for message in ("", "anything at all", "'f' is too complex (x)"):
        assert catalogue.match(tool, code, message, facts) is not None


@pytest.mark.parametrize(
    ("tool", "code"), [("radon", "cc-A"), ("radon", "cc-B"), ("coverage", "something-else"), ("pylint", "E0001")]
)
def test_match_returns_none_for_findings_no_rule_covers(catalogue: Catalogue, tool: str, code: str) -> None:
    assert catalogue.match(tool, code, "", frozenset(FACTS)) is None


SQL_REUSE = 'Incompatible types in assignment (expression has type "Update", variable has type "Delete")'
PLAIN_ASSIGNMENT = 'Incompatible types in assignment (expression has type "str", variable has type "int")'
HAS_NO_ATTR = '"type[T]" has no attribute "deleted_at"'


@pytest.mark.parametrize(
    ("tool", "code", "message", "facts", "rule_id"),
    [
        ("mypy", "unused-coroutine", 'Value of type "Coroutine[Any, Any, None]" must be used', set(), "RA101"),
        ("mypy", "attr-defined", HAS_NO_ATTR, {"hasattr-guard"}, "RA117"),
        ("mypy", "attr-defined", HAS_NO_ATTR, {"hasattr-guard", "sqlalchemy-expression"}, "RA102"),
        ("mypy", "attr-defined", HAS_NO_ATTR, {"third-party-type"}, "RA103"),
        ("mypy", "attr-defined", HAS_NO_ATTR, {"hasattr-guard", "third-party-type"}, "RA117"),
        ("mypy", "attr-defined", HAS_NO_ATTR, set(), "RA104"),
        ("mypy", "union-attr", 'Item "None" of "User | None" has no attribute "email"', set(), "RA105"),
        ("mypy", "union-attr", "x", {"hasattr-guard"}, "RA105"),
        ("mypy", "assignment", SQL_REUSE, set(), "RA106"),
        (
            "mypy",
            "assignment",
            'Incompatible types in assignment (expression has type "Select[tuple[int]]",'
            ' variable has type "Select[tuple[str]]")',
            set(),
            "RA106",
        ),
        ("mypy", "assignment", PLAIN_ASSIGNMENT, set(), "RA107"),
        (
            "mypy",
            "assignment",
            'Incompatible types in assignment (expression has type "Selector", variable has type "Delete")',
            set(),
            "RA107",
        ),
        ("mypy", "assignment", "", set(), "RA107"),
        ("mypy", "arg-type", 'Argument 1 to "f" has incompatible type "str"; expected "int"', set(), "RA108"),
        ("mypy", "call-arg", 'Missing positional argument "x" in call to "f"', set(), "RA109"),
        ("mypy", "call-overload", "No overload variant matches", set(), "RA109"),
        ("mypy", "return-value", "Incompatible return value type", set(), "RA110"),
        ("mypy", "return", "Missing return statement", set(), "RA199"),
        ("mypy", "no-any-return", 'Returning Any from function declared to return "int"', set(), "RA111"),
        ("mypy", "no-any-unimported", "x", set(), "RA111"),
        ("mypy", "import-untyped", 'Library stubs not installed for "yaml"', set(), "RA112"),
        ("mypy", "import-not-found", 'Cannot find implementation or library stub for module named "x"', set(), "RA112"),
        ("mypy", "import", "x", set(), "RA112"),
        ("mypy", "unused-ignore", 'Unused "type: ignore" comment', set(), "RA113"),
        ("mypy", "no-untyped-def", "Function is missing a type annotation", set(), "RA114"),
        ("mypy", "var-annotated", "Need type annotation", set(), "RA114"),
        ("mypy", "override", "Signature incompatible with supertype", set(), "RA115"),
        ("mypy", "operator", "Unsupported operand types", set(), "RA116"),
        ("mypy", "index", "Invalid index type", set(), "RA116"),
        ("mypy", "foo-bar", "Something new", set(), "RA199"),
        ("mypy", "misc", "Revealed type", set(), "RA199"),
        ("mypy", "syntax", "invalid syntax", set(), "RA199"),
        ("flake8", "ANN001", "Missing type annotation for function argument 'x'", set(), "RA201"),
        ("flake8", "ANN201", "Missing return type annotation for public function", set(), "RA201"),
        ("flake8", "C901", "'f' is too complex (10)", set(), "RA401"),
        ("flake8", "C901", "'f' is too complex (12)", set(), "RA401"),
        ("flake8", "C901", "'f' is too complex (30)", set(), "RA401"),
        ("flake8", "C901", "'f' is too complex (31)", set(), "RA402"),
        ("flake8", "C901", "'f' is too complex (35)", set(), "RA402"),
        ("flake8", "C901", "'f' is too complex (120)", set(), "RA402"),
        ("flake8", "C901", "'f' is too complex (7)", set(), "RA401"),
        ("flake8", "D103", "Missing docstring in public function", set(), "RA203"),
        ("flake8", "D100", "Missing docstring in public module", set(), "RA203"),
        ("flake8", "D107", "Missing docstring in __init__", set(), "RA203"),
        ("flake8", "D401", "First line should be in imperative mood", set(), "RA204"),
        ("flake8", "D205", "1 blank line required between summary line and description", set(), "RA204"),
        ("flake8", "B006", "Do not use mutable data structures for argument defaults.", set(), "RA205"),
        ("flake8", "B001", "Do not use bare `except:`", set(), "RA208"),
        ("flake8", "B001", "Do not use bare `except:`", {"reraises"}, "RA216"),
        ("flake8", "E722", "do not use bare 'except'", {"reraises"}, "RA216"),
        ("flake8", "B008", "Do not perform function calls in argument defaults.", set(), "RA205"),
        ("flake8", "B008", "Do not perform function calls in argument defaults.", {"framework-default"}, "RA215"),
        ("flake8", "B015", "Pointless comparison.", set(), "RA205"),
        ("flake8", "B015", "Pointless comparison.", {"test-code"}, "RA307"),
        ("flake8", "B009", "Do not call getattr with a constant attribute value", set(), "RA217"),
        ("flake8", "B042", "Exception class with `__init__` should pass all args", set(), "RA217"),
        ("flake8", "B036", "Don't except `BaseException` unless you plan to re-raise it.", set(), "RA205"),
        ("flake8", "B036", "Don't except `BaseException` unless you plan to re-raise it.", {"reraises"}, "RA216"),
        ("mypy", "index", 'Value of type "object" is not indexable', set(), "RA116"),
        ("mypy", "index", 'Value of type "object" is not indexable', {"object-type"}, "RA118"),
        ("mypy", "arg-type", 'Argument 1 to "f" has incompatible type "object"', {"object-type"}, "RA118"),
        ("flake8", "B950", "line too long", set(), "RA206"),
        ("flake8", "E712", "comparison to True should be 'if cond is True:' or 'if cond:'", set(), "RA207"),
        ("flake8", "E711", "comparison to None should be 'if cond is None:'", set(), "RA207"),
        ("flake8", "E722", "do not use bare 'except'", set(), "RA208"),
        ("flake8", "F841", "local variable 'x' is assigned to but never used", set(), "RA209"),
        ("flake8", "F821", "undefined name 'x'", set(), "RA210"),
        ("flake8", "F822", "undefined name 'x' in __all__", set(), "RA210"),
        ("flake8", "E999", "SyntaxError: invalid syntax", set(), "RA211"),
        ("flake8", "F401", "'os' imported but unused", set(), "RA212"),
        ("flake8", "F811", "redefinition of unused 'x'", set(), "RA213"),
        ("flake8", "W291", "trailing whitespace", set(), "RA299"),
        ("flake8", "E501", "line too long (130 > 120 characters)", set(), "RA299"),
        ("flake8", "E902", "FileNotFoundError", set(), "RA299"),
        ("radon", "cc-C", "'f' has cyclomatic complexity 12 (rank C)", set(), "RA401"),
        ("radon", "cc-D", "'f' has cyclomatic complexity 25 (rank D)", set(), "RA401"),
        ("radon", "cc-E", "'f' has cyclomatic complexity 35 (rank E)", set(), "RA402"),
        ("radon", "cc-F", "'f' has cyclomatic complexity 45 (rank F)", set(), "RA402"),
        ("radon", "mi-C", "maintainability index 3.2 (rank C, below 10)", set(), "RA403"),
        ("coverage", "critical-layer-low", "data access file covered 10%", set(), "RA301"),
        ("coverage", "total-low", "total line coverage 42% is below 80%", set(), "RA302"),
    ],
)
def test_mapping(
    catalogue: Catalogue, tool: str, code: str, message: str, facts: set[str], rule_id: str
) -> None:
    rule = catalogue.match(tool, code, message, frozenset(facts))
    assert rule is not None
    assert rule.id == rule_id


MESSAGE_SAMPLES = {
    ("RA106", "mypy", "assignment"): SQL_REUSE,
    ("RA106", "riskaudit", "variable-reuse"): (
        "`stmt` holds delete() on one path and is rebound here to update() on another: "
        "which one the code below uses depends on the path taken"
    ),
    # captured from pyright 1.1.414 on the sample (tests/data/pyright.json), its detail line joined
    ("RA106", "pyright", "reportAssignmentType"): (
        'Type "Update" is not assignable to declared type "Delete" "Update" is not assignable to "Delete"'
    ),
    # captured from mypy 1.x on `load().id` and `rows()["k"]` with async def load/rows
    ("RA119", "mypy", "attr-defined"): '"Coroutine[Any, Any, User]" has no attribute "id"',
    ("RA119", "mypy", "index"): 'Value of type "Coroutine[Any, Any, dict[str, int]]" is not indexable',
    ("RA401", "flake8", "C901"): "'f' is too complex (15)",
    ("RA402", "flake8", "C901"): "'f' is too complex (45)",
    # captured from ruff 0.17 (C901 with max-complexity = 10)
    ("RA401", "ruff", "C901"): "`f` is too complex (15 > 10)",
    ("RA402", "ruff", "C901"): "`f` is too complex (45 > 10)",
}
"""A message each message-conditioned mapping of the real catalogue accepts."""


def _all_mappings() -> list[tuple[str, int]]:
    return [(rule.id, index) for rule in load_catalogue().rules.values() for index in range(len(rule.mappings))]


@pytest.mark.parametrize(("rule_id", "index"), _all_mappings())
def test_no_mapping_is_shadowed(catalogue: Catalogue, rule_id: str, index: int) -> None:
    mapping: RuleMapping = catalogue.get(rule_id).mappings[index]
    message = MESSAGE_SAMPLES[(rule_id, mapping.tool, mapping.code)] if mapping.message is not None else ""
    assert mapping.matches(mapping.tool, mapping.code, message, mapping.requires)
    rule = catalogue.match(mapping.tool, mapping.code, message, mapping.requires)
    assert rule is not None and rule.id == rule_id


def test_get_unknown_rule_names_it(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError, match="RA999"):
        catalogue.get("RA999")


@pytest.mark.parametrize(
    ("tool", "code", "message", "facts", "expected"),
    [
        ("mypy", "attr-defined", "", frozenset(), True),
        ("mypy", "attr-defined-extra", "", frozenset(), True),
        ("mypy", "attr", "", frozenset(), False),
        ("flake8", "attr-defined", "", frozenset(), False),
        ("mypy", "attr-defined", "", frozenset({"hasattr-guard"}), True),
    ],
)
def test_rule_mapping_matches_code_prefix(
    tool: str, code: str, message: str, facts: frozenset[str], expected: bool
) -> None:
    mapping = RuleMapping(tool="mypy", code="attr-defined", message=None, requires=frozenset())
    assert mapping.matches(tool, code, message, facts) is expected


@pytest.mark.parametrize(
    ("requires", "message", "facts", "expected"),
    [
        (frozenset({"hasattr-guard"}), None, frozenset(), False),
        (frozenset({"hasattr-guard"}), None, frozenset({"hasattr-guard", "third-party-type"}), True),
        (frozenset(), r"\(1\d\)$", frozenset(), True),
        (frozenset(), r"^\(1\d\)", frozenset(), False),
    ],
)
def test_rule_mapping_requires_facts_and_message(
    requires: frozenset[str], message: str | None, facts: frozenset[str], expected: bool
) -> None:
    pattern = re.compile(message) if message is not None else None
    mapping = RuleMapping(tool="flake8", code="C901", message=pattern, requires=requires)
    assert mapping.matches("flake8", "C901", "'f' is too complex (12)", facts) is expected


# --- invalid rule files -----------------------------------------------------------------------


def _value(value: object) -> str:
    """A TOML value (JSON strings are valid TOML basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(value)


def _toml(rule: dict[str, object]) -> str:
    lines = [f"{key} = {_value(value)}" for key, value in rule.items() if key != "mappings"]
    mappings = rule.get("mappings")
    if isinstance(mappings, list) and mappings and all(isinstance(m, dict) for m in mappings):
        for mapping in mappings:
            lines += ["", "[[mappings]]", *(f"{key} = {_value(value)}" for key, value in mapping.items())]
    elif "mappings" in rule:
        lines.append(f"mappings = {_value(mappings)}")
    return "\n".join(lines) + "\n"


def _rule(**changes: object) -> dict[str, object]:
    rule: dict[str, object] = {
        "id": "RA900",
        "slug": "probe",
        "title": "A probe rule",
        "category": "runtime",
        "severity": "high",
        "confidence": "medium",
        "problem": "Something is wrong.",
        "risk": "It breaks in production.",
        "recommendation": "Fix it.",
        "example": "\nvalue = compute()\n",
        "mappings": [{"tool": "mypy", "code": "probe-code"}],
    }
    for key, value in changes.items():
        if value is None:
            del rule[key]
        else:
            rule[key] = value
    return rule


def _mapping(**changes: object) -> list[object]:
    mapping: dict[str, object] = {"tool": "mypy", "code": "probe-code"}
    mapping.update(changes)
    return [mapping]


def _folder(tmp_path: Path, name: str, content: str | bytes) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULES / VALID_RULE, folder / VALID_RULE)
    if isinstance(content, bytes):
        (folder / name).write_bytes(content)
    else:
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def test_valid_probe_rule_loads(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "RA900-probe.toml", _toml(_rule(mappings=_mapping(requires=["hasattr-guard"]))))
    loaded = load_catalogue(folder)
    assert list(loaded.rules) == ["RA101", "RA900"]
    assert loaded.get("RA900").doc.example == "value = compute()"
    rule = loaded.match("mypy", "probe-code", "", frozenset({"hasattr-guard"}))
    assert rule is not None and rule.id == "RA900"


BROKEN_RULES: list[tuple[str, str, str | bytes, str]] = [
    ("toml-syntax", "RA900-probe.toml", 'id = "RA900\nslug = "probe"\n', "cannot read rule file"),
    ("not-utf8", "RA900-probe.toml", b'id = "RA900"\ntitle = "\xff"\n', "cannot read rule file"),
    ("missing-key", "RA900-probe.toml", _toml(_rule(risk=None)), "missing key 'risk'"),
    ("missing-mappings", "RA900-probe.toml", _toml(_rule(mappings=None)), "missing key 'mappings'"),
    ("unknown-key", "RA900-probe.toml", _toml(_rule(owner="me")), "unknown key 'owner'"),
    ("bad-severity", "RA900-probe.toml", _toml(_rule(severity="urgent")), "severity 'urgent' is not one of"),
    ("bad-confidence", "RA900-probe.toml", _toml(_rule(confidence="sure")), "confidence 'sure' is not one of"),
    ("bad-category", "RA900-probe.toml", _toml(_rule(category="style")), "category 'style' is not one of"),
    ("bad-id", "RAX9-probe.toml", _toml(_rule(id="RAX9")), "id 'RAX9' must look like RA123"),
    ("bad-slug", "RA900-Probe_Rule.toml", _toml(_rule(slug="Probe_Rule")), "must be kebab-case"),
    ("empty-problem", "RA900-probe.toml", _toml(_rule(problem="  \n ")), "'problem' must be a non-empty string"),
    ("title-not-string", "RA900-probe.toml", _toml(_rule(title=3)), "'title' must be a non-empty string"),
    ("file-name", "RA900-other-name.toml", _toml(_rule()), "file name must be RA900-probe.toml"),
    ("duplicate-id", "RA101-zz-duplicate.toml", _toml(_rule(id="RA101", slug="zz-duplicate")),
     "duplicate rule id RA101"),
    ("duplicate-slug", "RA900-missing-await.toml", _toml(_rule(slug="missing-await")),
     "slug 'missing-await' already used by RA101-missing-await.toml"),
    ("bad-regex", "RA900-probe.toml", _toml(_rule(mappings=_mapping(message="(unclosed"))),
     "mappings[0]: bad 'message' pattern"),
    ("message-not-string", "RA900-probe.toml", _toml(_rule(mappings=_mapping(message=5))),
     "mappings[0]: 'message' must be a string"),
    ("unknown-fact", "RA900-probe.toml", _toml(_rule(mappings=_mapping(requires=["sunny-day"]))),
     "mappings[0]: 'requires' must be a list drawn from hasattr-guard, third-party-type"),
    ("requires-not-list", "RA900-probe.toml", _toml(_rule(mappings=_mapping(requires="hasattr-guard"))),
     "mappings[0]: 'requires' must be a list"),
    ("empty-mappings", "RA900-probe.toml", _toml(_rule(mappings=[])), "'mappings' must be a non-empty array of tables"),
    ("mappings-not-array", "RA900-probe.toml", _toml(_rule(mappings="mypy")),
     "'mappings' must be a non-empty array of tables"),
    ("mapping-not-table", "RA900-probe.toml", _toml(_rule(mappings=[1, 2])), "mappings[0] must be a table"),
    ("bad-tool", "RA900-probe.toml", _toml(_rule(mappings=_mapping(tool="pylint"))),
     "mappings[0]: tool 'pylint' is not one of"),
    ("code-not-string", "RA900-probe.toml", _toml(_rule(mappings=_mapping(code=3))),
     "mappings[0]: 'code' must be a string"),
    ("missing-code", "RA900-probe.toml", _toml(_rule(mappings=[{"tool": "mypy"}])),
     "mappings[0]: 'code' must be a string"),
    ("unknown-mapping-key", "RA900-probe.toml", _toml(_rule(mappings=_mapping(severity="low"))),
     "mappings[0]: unknown key 'severity'"),
    ("unknown-measure", "RA900-probe.toml", _toml(_rule(measures=["speed"])),
     "measures 'speed' is not one of coverage, complexity"),
    ("measures-not-list", "RA900-probe.toml", _toml(_rule(measures="coverage")), "'measures' must be a list"),
    (
        "second-mapping",
        "RA900-probe.toml",
        _toml(_rule(mappings=[{"tool": "mypy", "code": "a"}, {"tool": "radon", "code": "b", "requires": ["x"]}])),
        "mappings[1]: 'requires' must be a list",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [pytest.param(name, content, message, id=case) for case, name, content, message in BROKEN_RULES],
)
def test_invalid_rule_file_is_named_in_the_error(tmp_path: Path, name: str, content: str | bytes, message: str) -> None:
    folder = _folder(tmp_path, name, content)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    text = str(caught.value)
    assert text.startswith(f"{folder / name}: ")
    assert message in text


@pytest.mark.parametrize("files", [[], ["README.md"], ["rules.toml.bak"]])
def test_folder_without_rule_files(tmp_path: Path, files: list[str]) -> None:
    for name in files:
        (tmp_path / name).write_text("x", encoding="utf-8")
    with pytest.raises(CatalogueError, match=re.escape(f"{tmp_path}: no rule files")):
        load_catalogue(tmp_path)


# --- --select / --ignore ----------------------------------------------------------------------

IDS = ["RA101", "RA102", "RA110", "RA199", "RA201", "RA210", "RA299", "RA301", "RA401"]


@pytest.mark.parametrize(
    ("select", "ignore", "kept"),
    [
        ([], [], IDS),
        (["RA1"], [], ["RA101", "RA102", "RA110", "RA199"]),
        # RA101/RA102 match the longer ignore RA10; RA110 and RA199 only the select RA1
        (["RA1"], ["RA10"], ["RA110", "RA199"]),
        # equal lengths: the select wins
        (["RA1"], ["RA1"], ["RA101", "RA102", "RA110", "RA199"]),
        (["RA101"], ["RA101"], ["RA101"]),
        ([], ["RA1"], ["RA201", "RA210", "RA299", "RA301", "RA401"]),
        ([], ["RA1", "RA2", "RA3", "RA4"], []),
        (["RA101"], ["RA1"], ["RA101"]),
        (["RA1", "RA201"], ["RA2"], ["RA101", "RA102", "RA110", "RA199", "RA201"]),
        (["RA", "RA11"], ["RA1"], ["RA110", "RA201", "RA210", "RA299", "RA301", "RA401"]),
        (["RA"], ["RA1", "RA19"], ["RA201", "RA210", "RA299", "RA301", "RA401"]),
        (["RA2"], ["RA29", "RA299"], ["RA201", "RA210"]),
        (["RA9"], [], []),
        ([], ["RA9"], IDS),
        ([""], [""], IDS),
        ([""], ["RA"], []),
        (["RA301", "RA401"], [], ["RA301", "RA401"]),
    ],
)
def test_select_rules(select: list[str], ignore: list[str], kept: list[str]) -> None:
    assert select_rules(IDS, select, ignore) == set(kept)


@pytest.mark.parametrize(("select", "ignore"), [(["RA1"], ["RA10"]), (["RA", "RA11"], ["RA1"]), ([], ["RA2"])])
def test_select_rules_ignores_order(select: list[str], ignore: list[str]) -> None:
    expected = select_rules(IDS, select, ignore)
    for ids, sel, ign in itertools.product(
        [IDS, IDS[::-1]], itertools.permutations(select), itertools.permutations(ignore)
    ):
        assert select_rules(ids, sel, ign) == expected


def test_select_rules_on_the_real_catalogue(catalogue: Catalogue) -> None:
    kept = select_rules(catalogue.rules, ["RA1"], ["RA19"])
    assert kept == {rule_id for rule_id in catalogue.rules if rule_id.startswith("RA1") and rule_id != "RA199"}


def test_the_coverage_and_complexity_rules_declare_what_they_measure(catalogue: Catalogue) -> None:
    assert catalogue.get("RA305").measures == {"coverage", "complexity"}
    assert catalogue.get("RA303").measures == {"coverage"}
    assert catalogue.get("RA401").measures == {"complexity"}
    assert catalogue.get("RA101").measures == frozenset()
