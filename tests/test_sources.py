"""Unit tests of source reading (symbols, awkward files) and the facts derived from it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from riskaudit.collectors.mypy import parse_json_output
from riskaudit.finding_facts import facts_for, is_hasattr_guarded, is_third_party, missing_attribute, owner_class
from riskaudit.mapping import project_modules
from riskaudit.models import ExcerptLine, RawFinding
from riskaudit.sources import SourceFile, build_index, read_source

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample"


def _read(tmp_path: Path, source: str | bytes, name: str = "module.py") -> SourceFile:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        path.write_bytes(source)
    else:
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return read_source(tmp_path, name)


# --- symbols ----------------------------------------------------------------------------------

SYMBOLS = """\
import os


class Repo:
    \"\"\"A repository.\"\"\"

    def method(self):
        def inner():
            return 1

        return inner()

    @property
    def name(self):
        return "repo"

    async def fetch(self):
        class Row:
            pass

        return Row


def function():
    return os.getcwd()
"""


@pytest.mark.parametrize(
    ("line", "qualname", "kind"),
    [
        (1, None, None),
        (4, "Repo", "class"),
        (5, "Repo", "class"),
        (6, "Repo", "class"),
        (7, "Repo.method", "method"),
        (8, "Repo.method.inner", "function"),
        (9, "Repo.method.inner", "function"),
        (10, "Repo.method", "method"),
        (11, "Repo.method", "method"),
        (13, "Repo", "class"),
        (14, "Repo.name", "method"),
        (15, "Repo.name", "method"),
        (17, "Repo.fetch", "method"),
        (18, "Repo.fetch.Row", "class"),
        (19, "Repo.fetch.Row", "class"),
        (21, "Repo.fetch", "method"),
        (22, None, None),
        (24, "function", "function"),
        (25, "function", "function"),
        (99, None, None),
    ],
)
def test_enclosing_symbol(tmp_path: Path, line: int, qualname: str | None, kind: str | None) -> None:
    parsed = _read(tmp_path, SYMBOLS)
    symbol = parsed.enclosing(line)
    assert (symbol.qualname if symbol else None, symbol.kind if symbol else None) == (qualname, kind)


def test_symbols_and_classes(tmp_path: Path) -> None:
    parsed = _read(tmp_path, SYMBOLS)
    assert [(s.qualname, s.start, s.end) for s in parsed.symbols] == [
        ("Repo", 4, 21),
        ("Repo.method", 7, 11),
        ("Repo.method.inner", 8, 9),
        ("Repo.name", 14, 15),
        ("Repo.fetch", 17, 21),
        ("Repo.fetch.Row", 18, 19),
        ("function", 24, 25),
    ]
    assert parsed.classes == frozenset({"Repo", "Row"})
    assert parsed.text == SYMBOLS.rstrip("\n")


@pytest.mark.parametrize(
    ("line", "context", "expected"),
    [
        (1, 1, [(1, True)]),  # line 2 is blank: an excerpt does not end in blank lines
        (2, 1, [(1, False), (2, True)]),
        (8, 1, [(7, False), (8, True), (9, False)]),
        (25, 3, [(22, False), (23, False), (24, False), (25, True)]),
        (0, 3, []),
        (26, 3, []),
    ],
)
def test_excerpt(tmp_path: Path, line: int, context: int, expected: list[tuple[int, bool]]) -> None:
    parsed = _read(tmp_path, SYMBOLS)
    excerpt = parsed.excerpt(line, context)
    assert [(e.number, e.highlight) for e in excerpt] == expected
    assert all(e.text == parsed.lines[e.number - 1] for e in excerpt)


def test_excerpt_text(tmp_path: Path) -> None:
    parsed = _read(tmp_path, SYMBOLS)
    assert parsed.excerpt(9, 0) == (ExcerptLine(9, "            return 1", True),)


# --- awkward files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "lines", "parses"),
    [
        (b"def f(:\n    pass\n", ("def f(:", "    pass"), False),
        (b"x = (\n", ("x = (",), False),
        (b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n", ("# -*- coding: latin-1 -*-", "name = '\u00e9t\u00e9'"),
         True),
        (b"# vim: set fileencoding=cp1252 :\nq = '\x93x\x94'\n",
         ("# vim: set fileencoding=cp1252 :", "q = '\u201cx\u201d'"), True),
        (b"\xef\xbb\xbfx = 1\n", ("x = 1",), True),
        (b"\xef\xbb\xbf# coding: utf-8\nx = '\xc3\xa9'\n", ("# coding: utf-8", "x = '\u00e9'"), True),
        (b"def f():\r\n    return 1\r\n", ("def f():", "    return 1"), True),
        (b"def f():\r    return 1\r", ("def f():", "    return 1"), True),
        (b"x = '\xff\xfe'\n", ("x = '\ufffd\ufffd'",), True),
        (b"name = '\xe9t\xe9'\n", ("name = '\ufffdt\ufffd'",), True),
        (b"# coding: no-such-codec\nx = 1\n", ("# coding: no-such-codec", "x = 1"), True),
        (b"x = 1\x00\n", ("x = 1\x00",), True),
        (b"", (), True),
        (b"\n\n", ("", ""), True),
    ],
)
def test_awkward_files_are_read(tmp_path: Path, content: bytes, lines: tuple[str, ...], parses: bool) -> None:
    parsed = _read(tmp_path, content)
    assert parsed.lines == lines
    if parses:
        assert parsed.parse_error == ""
    else:
        assert parsed.parse_error.startswith("does not parse: ")
        assert (parsed.symbols, parsed.classes) == ((), frozenset())


def test_file_with_syntax_error_keeps_its_lines_for_excerpts(tmp_path: Path) -> None:
    parsed = _read(tmp_path, b"import os\n\ndef f(:\n    pass\n")
    assert "line 3" in parsed.parse_error
    assert parsed.excerpt(3, 1) == (
        ExcerptLine(2, "", False),
        ExcerptLine(3, "def f(:", True),
        ExcerptLine(4, "    pass", False),
    )
    assert parsed.enclosing(3) is None


def test_crlf_file_has_symbols(tmp_path: Path) -> None:
    parsed = _read(tmp_path, b"class A:\r\n    def m(self):\r\n        return 1\r\n")
    assert [(s.qualname, s.start, s.end) for s in parsed.symbols] == [("A", 1, 3), ("A.m", 2, 3)]


def test_missing_file_is_kept_with_the_reason(tmp_path: Path) -> None:
    parsed = read_source(tmp_path, "gone.py")
    assert parsed.parse_error.startswith("cannot read: ")
    assert parsed.lines == ()


def test_directory_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "pkg.py").mkdir()
    parsed = read_source(tmp_path, "pkg.py")
    assert parsed.parse_error.startswith("cannot read: ")


@pytest.mark.parametrize("separator", ["\x0c", "\u2028", "\x1c", "\x85"])
def test_line_numbers_follow_python_line_ends(tmp_path: Path, separator: str) -> None:
    source = f"import os\n# page {separator} break\n\ndef f(obj):\n    if hasattr(obj, 'a'):\n        return obj.a\n"
    parsed = _read(tmp_path, source.encode("utf-8"))
    assert len(parsed.lines) == 6
    assert parsed.excerpt(6, 0)[0].text == "        return obj.a"
    finding = RawFinding("mypy", "attr-defined", '"object" has no attribute "a"', "module.py", 6, 16)
    assert is_hasattr_guarded(finding, parsed)


def test_build_index(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("class A:\n    pass\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("class B:\n    pass\nclass A:\n    pass\n", encoding="utf-8")
    (tmp_path / "broken.py").write_text("class (:\n", encoding="utf-8")
    index = build_index(tmp_path, ["pkg/a.py", "b.py", "broken.py"])
    assert sorted(index.files) == ["b.py", "broken.py", "pkg/a.py"]
    assert index.project_classes == frozenset({"A", "B"})
    assert index.get(None) is None
    assert index.get("nope.py") is None
    source = index.get("pkg/a.py")
    assert source is not None and source.classes == frozenset({"A"})


# --- facts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('"type[T]" has no attribute "deleted_at"', ('"type[T]"', "deleted_at")),
        ('Module "json" has no attribute "dumps_pretty"', ('Module "json"', "dumps_pretty")),
        ('"User" has no attribute "nickname" (Did you mean "name"?)', ('"User"', "nickname")),
        ('Module has no attribute "dumps_compact"', None),
        ('Item "None" of "User | None" has no attribute "email"', None),
        ("Incompatible types in assignment", None),
    ],
)
def test_missing_attribute(message: str, expected: tuple[str, str] | None) -> None:
    assert missing_attribute(message) == expected


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        ('"type[T]"', "T"),
        ('"sqlalchemy.pool.base.Pool"', "Pool"),
        ('"type[type[Repository[T]]]"', "Repository"),
        ('"type[app.models.User]"', "User"),
        ('"app.models.User"', "User"),
        ('"User"', "User"),
        ('"list[int]"', "list"),
        ('"Coroutine[Any, Any, None]"', "Coroutine"),
        ('"dict[str, sqlalchemy.orm.Session]"', "dict"),
    ],
)
def test_owner_class(owner: str, expected: str) -> None:
    assert owner_class(owner) == expected


def _attr_error(message: str) -> RawFinding:
    return RawFinding("mypy", "attr-defined", message, "app/x.py", 3, 5)


@pytest.mark.parametrize(
    ("message", "classes", "modules", "expected"),
    [
        ('"sqlalchemy.pool.base.Pool" has no attribute "size"', {"User"}, {"app"}, True),
        ('"AsyncSession" has no attribute "query"', {"User"}, {"app"}, True),
        ('"User" has no attribute "nickname"', {"User"}, {"app"}, False),
        ('"app.models.User" has no attribute "nickname"', {"User"}, {"app"}, False),
        ('"type[User]" has no attribute "deleted_at"', {"User"}, {"app"}, False),
        ('"type[T]" has no attribute "deleted_at"', {"User"}, {"app"}, False),
        ('"str" has no attribute "decode"', set(), {"app"}, False),
        ('"object" has no attribute "x"', set(), {"app"}, False),
        ('"Coroutine[Any, Any, None]" has no attribute "result"', set(), {"app"}, False),
        ('Module "sqlalchemy" has no attribute "nope"', {"User"}, {"app"}, True),
        ('Module "sqlalchemy.orm" has no attribute "nope"', {"User"}, {"app"}, True),
        ('Module "app.models" has no attribute "nope"', {"User"}, {"app"}, False),
        ('Module "sqlalchemy" has no attribute "nope"', set(), {"sqlalchemy", "tests"}, False),
        ('Item "None" of "Pool | None" has no attribute "size"', set(), {"app"}, False),
        ("Name 'x' is not defined", set(), {"app"}, False),
    ],
)
def test_is_third_party(message: str, classes: set[str], modules: set[str], expected: bool) -> None:
    assert is_third_party(_attr_error(message), classes, modules) is expected


def test_project_modules_include_src_layout() -> None:
    assert project_modules(["app/x.py", "src/lib/y.py", "setup.py", "tests/test_x.py"]) == frozenset(
        {"app", "src", "lib", "setup", "tests"}
    )


def _guarded(tmp_path: Path, source: str, line: int, column: int | None, message: str) -> bool:
    parsed = _read(tmp_path, source)
    return is_hasattr_guarded(RawFinding("mypy", "attr-defined", message, "module.py", line, column), parsed)


GUARDED_SOURCE = """\
def f(self, other):
    if hasattr(self.model, "deleted_at"):
        total = other + self.model.deleted_at
        return self.model . deleted_at
    return self.model.deleted_at
"""
DELETED_AT = '"type[T]" has no attribute "deleted_at"'


@pytest.mark.parametrize(
    ("line", "column", "message", "expected"),
    [
        (3, 25, DELETED_AT, True),
        (3, None, DELETED_AT, True),
        (4, 16, DELETED_AT, True),
        (3, 17, DELETED_AT, False),
        (5, 12, DELETED_AT, False),
        (3, 25, '"type[T]" has no attribute "created_at"', False),
        (3, 25, 'Item "None" of "X | None" has no attribute "deleted_at"', False),
        (0, 1, DELETED_AT, False),
        (99, 1, DELETED_AT, False),
    ],
)
def test_is_hasattr_guarded(
    tmp_path: Path, line: int, column: int | None, message: str, expected: bool
) -> None:
    assert _guarded(tmp_path, GUARDED_SOURCE, line, column, message) is expected


@pytest.mark.parametrize(
    ("source", "line", "column", "attr", "expected"),
    [
        # the guards the hasattr-narrowing detector reads: here the right side of `and`
        ("def f(obj: A) -> bool:\n    return hasattr(obj, 'read') and callable(obj.read)\n", 2, 46, "read", True),
        ("def f(items: list[A]) -> list[int]:\n    return [i.size for i in items if hasattr(i, 'size')]\n", 2, 13,
         "size", True),
        ("def f(obj: A) -> int:\n    assert hasattr(obj, 'size')\n    return obj.size\n", 3, 12, "size", True),
        # mypy's errors on dunders and on objects that are no dotted name keep the fact
        ("def f(func: A) -> str:\n    if hasattr(func, '__qualname__'):\n        return func.__qualname__\n",
         3, 16, "__qualname__", True),
        ("def f(seq: A) -> A:\n    if hasattr(type(seq), '_make'):\n        return type(seq)._make([])\n",
         3, 16, "_make", True),
        # rebound inside the guard: the guard no longer vouches for the new value
        ("def f(value: A) -> None:\n    if hasattr(value, 'items'):\n        value = convert(value)\n"
         "        use(value.items())\n", 4, 13, "items", False),
    ],
)
def test_is_hasattr_guarded_by_every_guard_form(
    tmp_path: Path, source: str, line: int, column: int, attr: str, expected: bool
) -> None:
    assert _guarded(tmp_path, source, line, column, f'"A" has no attribute "{attr}"') is expected


def test_is_hasattr_guarded_needs_the_same_object(tmp_path: Path) -> None:
    source = 'if hasattr(a, "x"):\n    use(b.x)\n    use(a.x)\n'
    assert not _guarded(tmp_path, source, 2, 9, '"B" has no attribute "x"')
    assert _guarded(tmp_path, source, 3, 9, '"A" has no attribute "x"')


def test_is_hasattr_guarded_without_source_or_line() -> None:
    finding = RawFinding("mypy", "attr-defined", DELETED_AT, "module.py", None, None)
    assert not is_hasattr_guarded(finding, None)
    parsed = SourceFile("module.py", ("x.deleted_at",), "", (), frozenset())
    assert not is_hasattr_guarded(finding, parsed)


def _captured_mypy() -> dict[int, RawFinding]:
    findings = parse_json_output((DATA / "mypy.jsonl").read_text(encoding="utf-8"), Path("/tmp/riskaudit-sample"))
    return {f.line: f for f in findings if f.code == "attr-defined" and f.line is not None}


@pytest.mark.parametrize(
    ("line", "facts"),
    [
        (112, {"hasattr-guard"}),
        (19, set()),
        (118, {"third-party-type"}),
        (120, set()),
    ],
)
def test_facts_for_captured_mypy_findings(line: int, facts: set[str]) -> None:
    index = build_index(SAMPLE, ["app/__init__.py", "app/models.py", "app/service.py", "app/repositories/users.py"])
    finding = _captured_mypy()[line]
    assert finding.path == "app/service.py"
    got = facts_for(finding, index.get(finding.path), index.project_classes, project_modules(index.files))
    assert got == frozenset(facts)


def test_facts_only_for_mypy(tmp_path: Path) -> None:
    parsed = _read(tmp_path, GUARDED_SOURCE)
    finding = RawFinding("flake8", "attr-defined", DELETED_AT, "module.py", 3, 25)
    assert facts_for(finding, parsed, set(), set()) == frozenset()
    mypy_finding = RawFinding("mypy", "attr-defined", '"Pool" has no attribute "deleted_at"', "module.py", 3, 25)
    assert facts_for(mypy_finding, parsed, set(), set()) == frozenset({"hasattr-guard", "third-party-type"})
