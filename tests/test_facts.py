"""Source facts that refine how tool findings map: the SQLAlchemy comparison idiom."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskaudit.catalogue import default_catalogue
from riskaudit.finding_facts import facts_for
from riskaudit.models import RawFinding
from riskaudit.sources import read_source

CASES = [
    ("stmt = select(User).where(User.deleted_at == None)\n", 1, True),
    ("q = session.query(User).filter(\n    User.active == False,\n)\n", 2, True),
    ("cond = and_(User.a == None, User.b == True)\n", 1, True),
    ("stmt = select(A).join(B, B.x == None)\n", 1, True),
    ("if flag == False:\n    pass\n", 1, False),
    ("ok = value == None\n", 1, False),
    ("stmt = select(User)\nbad = stmt == None\n", 2, False),
    ("title = ', '.join(x for x in names if x == None)\n", 1, False),
    ("import os\np = os.path.join(root, 'a' if x == None else 'b')\n", 2, False),
    ("q = session.query(A).join(B, B.a_id == None)\n", 1, True),
]


@pytest.mark.parametrize(("code", "line", "in_sql"), CASES)
def test_comparison_inside_a_sqlalchemy_expression(tmp_path: Path, code: str, line: int, in_sql: bool) -> None:
    (tmp_path / "m.py").write_text(code)
    source = read_source(tmp_path, "m.py")
    finding = RawFinding("flake8", "E711", "comparison to None should be 'if cond is None:'", "m.py", line, 1)
    facts = facts_for(finding, source, frozenset(), frozenset())
    assert ("sqlalchemy-expression" in facts) is in_sql
    rule = default_catalogue().match("flake8", "E711", finding.message, facts)
    assert rule is not None and rule.id == ("RA214" if in_sql else "RA207")


def test_the_fact_is_about_the_line_and_only_rules_that_require_it_change(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("stmt = select(User).where(User.deleted_at == None)\nother = 1\n")
    source = read_source(tmp_path, "m.py")
    long_line = RawFinding("flake8", "E501", "line too long", "m.py", 1, 1)
    facts = facts_for(long_line, source, frozenset(), frozenset())
    assert facts == frozenset({"sqlalchemy-expression"})
    rule = default_catalogue().match("flake8", "E501", long_line.message, facts)
    assert rule is not None and rule.id == "RA299"
    elsewhere = RawFinding("flake8", "E501", "line too long", "m.py", 2, 1)
    assert facts_for(elsewhere, source, frozenset(), frozenset()) == frozenset()


@pytest.mark.parametrize(("line", "rule_id"), [(3, "RA102"), (5, "RA117")])
def test_hasattr_guard_feeding_a_query_is_ra102_else_duck_typing(tmp_path: Path, line: int, rule_id: str) -> None:
    code = (
        "def rows(model, query, obj):\n    if hasattr(model, 'is_deleted'):\n"
        "        query = query.where(model.is_deleted.is_(False))\n    if hasattr(obj, 'name'):\n"
        "        return obj.name\n"
    )
    (tmp_path / "m.py").write_text(code)
    source = read_source(tmp_path, "m.py")
    finding = RawFinding("riskaudit", "hasattr-narrowing", "guarded", "m.py", line, 1)
    facts = facts_for(finding, source, frozenset(), frozenset())
    rule = default_catalogue().match("riskaudit", finding.code, finding.message, facts)
    assert rule is not None and rule.id == rule_id


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('Value of type "object" is not indexable', True),
        ('Argument 1 to "f" has incompatible type "object"; expected "int"', True),
        ('"object" has no attribute "items"', True),
        ('Item "builtins.object" of "int | object" has no attribute "x"', False),
        ('"MyObject" has no attribute "x"', False),
    ],
)
def test_object_type_fact_names_the_inferred_object_type(message: str, expected: bool) -> None:
    finding = RawFinding("mypy", "index", message, "m.py", 1, 1)
    assert ("object-type" in facts_for(finding, None, frozenset(), frozenset())) is expected


FRAMEWORK_CODE = (
    "import typer\nfrom fastapi import Depends, Query as Q\nfrom fastapi import params\nfrom deps import get_repo\n\n"
    "def route(db=Depends(get_db), q=Q(None), r=Depends(get_repo(int)), p=params.Header(None), when=now()):\n"
    "    ...\n\n"
    "def cli(name: str = typer.Option('x'), other=Depends2()):\n"
    "    ...\n"
)


@pytest.mark.parametrize(
    ("line", "column", "rule_id"),
    # the columns are those flake8-bugbear reports for this code
    [
        (6, 14, "RA215"),  # Depends imported from fastapi
        (6, 33, "RA215"),  # Query under an alias
        (6, 52, "RA215"),  # a dependency factory called inside Depends(...)
        (6, 70, "RA215"),  # fastapi.params.Header through its module
        (6, 96, "RA205"),  # a plain call in a default: bugbear's real B008
        (9, 21, "RA215"),  # typer.Option
        (9, 46, "RA205"),  # a name that only looks like a framework's
    ],
)
def test_framework_parameter_functions_in_defaults_are_the_idiom(
    tmp_path: Path, line: int, column: int, rule_id: str
) -> None:
    (tmp_path / "m.py").write_text(FRAMEWORK_CODE)
    source = read_source(tmp_path, "m.py")
    assert any((c.line, c.column) == (line, column) for c in source.default_calls), source.default_calls
    finding = RawFinding("flake8", "B008", "Do not perform function calls in argument defaults.", "m.py", line, column)
    facts = facts_for(finding, source, frozenset(), frozenset())
    rule = default_catalogue().match("flake8", "B008", finding.message, facts)
    assert rule is not None and rule.id == rule_id


@pytest.mark.parametrize(
    ("code", "rule_id"),
    [
        ("try:\n    work()\nexcept:\n    rollback()\n    raise\n", "RA216"),
        ("try:\n    work()\nexcept:\n    rollback()\n", "RA208"),
        ("try:\n    work()\nexcept:\n    if fatal():\n        raise\n    log()\n", "RA208"),
    ],
)
def test_a_bare_except_that_re_raises_swallows_nothing(tmp_path: Path, code: str, rule_id: str) -> None:
    (tmp_path / "m.py").write_text(code)
    source = read_source(tmp_path, "m.py")
    for tool_code in ("E722", "B001"):
        finding = RawFinding("flake8", tool_code, "do not use bare 'except'", "m.py", 3, 1)
        rule = default_catalogue().match("flake8", tool_code, finding.message, facts_for(finding, source, (), ()))
        assert rule is not None and rule.id == rule_id
