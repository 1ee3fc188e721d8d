"""The linear raw metrics and maintainability index against radon's own ``raw.analyze`` and ``mi_visit``.

Every expected value comes from radon itself; the only exception is the few-thousand-line dict, on
which radon's quadratic ``analyze`` would take minutes: its counts are extrapolated from radon's
results on short versions of the same dict, whose counts grow linearly with the number of entries.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
import radon.metrics
import radon.raw

from riskaudit.collectors.raw_metrics import RawMetrics, analyze, maintainability_index

REPO = Path(__file__).parent.parent

Outcome = tuple[object, ...]


def _outcome(function: Callable[[str], object], source: str) -> Outcome:
    """What a call returns (as a plain tuple) or raises (type and message)."""
    try:
        result = function(source)
    except Exception as exc:  # the exception itself is what gets compared
        return ("raised", type(exc).__name__, str(exc))
    return ("returned", tuple(result) if isinstance(result, tuple) else result)


def _radon_only(source: str) -> object:
    raise AssertionError("radon.raw.analyze was called: the fast path was not taken")


def _medium_dict(entries: int) -> str:
    lines = ["CODES = {"]
    for i in range(entries):
        lines += [f'    "name_{i}": "\\U0001f{i % 1000:03d}",  # entry {i}']
        if i % 7 == 0:
            lines += ["", f"    # section {i}"]
    return "\n".join([*lines, "}", ""])


SNIPPETS: dict[str, str] = {
    "empty": "",
    "only_newlines": "\n\n\n",
    "only_whitespace": "   \n\t\n  ",
    "only_comments": "# one\n#two\n\n   # indented\n# last, no newline",
    "module_docstring_multiline": '"""Title.\n\nBody line.\n"""\n\nimport os\n',
    "docstrings_everywhere": (
        '"""One-line module docstring."""\n'
        "\n"
        "class A:\n"
        "    '''Class docstring\n"
        "\n"
        "    spanning lines with a blank one.\n"
        "    '''\n"
        "\n"
        "    def f(self):\n"
        '        """Single-line method docstring."""\n'
        "        return 1\n"
        "\n"
        "    def g(self):\n"
        "        r'''Raw docstring \\d+\n"
        "        ends here'''  # trailing comment\n"
        "        x = '''not a docstring\n"
        "        but a multi-line string'''\n"
        "        return x\n"
    ),
    "string_closing_before_code": 'x = """a\nb""" + y\nz = """c\n\n"""\n',
    "docstring_closing_on_comment_like_line": '"""doc\n# looks like a comment"""\nx = 1\n',
    "comments_inside_brackets": (
        "result = call(  # why\n"
        "    first,  # the first\n"
        "    # a whole comment line\n"
        "    second,\n"
        ")  # done\n"
        "items = [\n"
        "    1,\n"
        "    # only comments\n"
        "    # in here\n"
        "]\n"
    ),
    "blank_lines_inside_brackets": "x = (\n\n    1,\n\n\n    2,\n\n)\ny = {\n\n}\n",
    "backslash_continuations": (
        "total = 1 + \\\n"
        "    2 + \\\n"
        "    3\n"
        "assert total, \\\n"
        "    'message'\n"
        "if total and \\\n"
        "        total: pass\n"
    ),
    "backslash_inside_string": "s = 'abc\\\ndef'\nt = \"x\\\n\\\ny\"\n",
    "backslash_then_comment_line": "x = 1 + \\\n# comment\ny = 2\n",
    "lone_backslash_lines": "\\\n# a comment after a lone backslash\n\\\n'text'\nx = 1\n",
    "semicolons": "a = 1; b = 2; c = 3\nif a: b = 1; c = 2\nx = {1: 2}; y = lambda: 0\nd = 4;\n",
    "inline_suites": (
        "def f(x):\n"
        "    if x: return 1\n"
        "    elif x is None: return 2  # comment\n"
        "    else: return 3\n"
        "    for i in x: pass\n"
        "    try: 1 / 0\n"
        "    except ZeroDivisionError: pass\n"
        "    while x: x -= 1\n"
        "    with open(x) as fh: fh.read()\n"
        "    if x:  # only a comment after the colon\n"
        "        return {'a': 1}[x]\n"
        "    return x[1:2]\n"
    ),
    "fstrings": (
        "name, width, precision, d = 'n', 10, 2, {'k': 1}\n"
        "a = f'{name!r:>{width}}'\n"
        "b = f\"{d['k']} and {d.get('k') if False else 0}\"\n"
        "c = f'''{name + \"x\" + 'y'}\n"
        "{width:{precision}} {{literal}}\n"
        "'''\n"
        "e = rf'\\d{{2}}{name}' F\"{1:.{precision}f}\"\n"
        "g = (f'{name}'\n"
        "     f\"{width}\")\n"
    ),
    "crlf": (
        "import os\r\n\r\n\r\ndef f():\r\n    '''Doc\r\n    string.'''\r\n"
        "    return (1,\r\n            2)  # c\r\n"
    ),
    "mixed_line_endings": "a = 1\rb = [\r\n1,\n2]\r# c\n",
    "no_trailing_newline": "def f():\n    return 1",
    "no_trailing_newline_after_comment": "x = 1\n# final comment",
    "no_trailing_newline_in_docstring": 'x = 1\n"""doc\nstring"""',
    "form_feed_and_other_line_breaks": "x = 1\x0cy = 2\n\x0c\ndef f():\x0b    pass\n",
    "form_feed_page_break": "import os\n\x0c\n\ndef f():\n    \x0c# page two\n    return os\n",
    "fstrings_nested_same_quotes": (  # Python 3.12 syntax; 3.11 tokenizes it differently, radon alike
        "d = {'k': 1}\n"
        "b = f\"{d[\"k\"]} {f'{d['k']}'}\"\n"
        "c = f\"{'\\n'.join([])}\"\n"
    ),
    "implicit_concatenation": 'message = (\n    "first "\n    "second"\n)\n"lone"\n"two" "parts"\n',
    "decorators_async_match": (
        "@decorator(\n"
        "    arg=1,\n"
        ")\n"
        "async def run(value):\n"
        "    async with lock:\n"
        "        await go()\n"
        "    match value:\n"
        "        case {'a': [1, *rest]}: return rest\n"
        "        case _:\n"
        "            return None\n"
    ),
    "nested_brackets": "x = [(\n  {1: [2,\n  3]}, (4,)),\n  ]  # end\nprint(x[0][0][1][0])\n",
    "unicode": "café = 'naïve'  # ünïcode\nπ = 3.14\ns = '''😀\n😀'''\n",
    "tabs_and_trailing_space": "if x:\t\n\ty = 1   \n\t# c \t\n",
    "medium_dict_literal": _medium_dict(120),
}
"""Sources on which the fast path must agree with radon (and be taken, see the test below)."""

FALLBACK_SNIPPETS: dict[str, str] = {
    "blank_line_after_backslash": "x = 1 + \\\n\ny = 2\n",
    "unterminated_single_quote": "x = 'abc\ny = 1\n",  # an ERRORTOKEN up to 3.11, a TokenError after
    "unterminated_bracket": "x = (\n1,\n",
    "unterminated_string": "x = '''abc\n",
    "extra_closing_bracket": "x = 1)\ny = (2\n",
    "line_separator_inside_string": "s = 'a\u2028b'\nt = 1\n",
}
"""Sources the fast path cannot vouch for: ``analyze`` hands them to radon, errors included."""


@pytest.mark.parametrize("source", list(SNIPPETS.values()), ids=list(SNIPPETS))
def test_snippet_raw_metrics_equal_radon(source: str) -> None:
    expected = radon.raw.analyze(source)
    result = analyze(source)
    assert tuple(result) == tuple(expected)
    assert result._asdict() == dict(expected._asdict())


@pytest.mark.parametrize("source", list(SNIPPETS.values()), ids=list(SNIPPETS))
def test_snippet_is_handled_by_the_fast_path(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = tuple(radon.raw.analyze(source))
    monkeypatch.setattr(radon.raw, "analyze", _radon_only)
    assert tuple(analyze(source)) == expected


@pytest.mark.parametrize("source", list(SNIPPETS.values()), ids=list(SNIPPETS))
def test_snippet_maintainability_index_equals_radon(source: str) -> None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        pytest.skip("not Python that ast can parse")
    expected = radon.metrics.mi_visit(source, True)
    assert maintainability_index(source) == expected
    assert maintainability_index(source, tree) == expected


@pytest.mark.parametrize("source", list(FALLBACK_SNIPPETS.values()), ids=list(FALLBACK_SNIPPETS))
def test_unprovable_sources_fall_back_to_radon(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _outcome(radon.raw.analyze, source)
    assert _outcome(analyze, source) == expected
    calls: list[str] = []
    real = radon.raw.analyze

    def spy(text: str) -> object:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(radon.raw, "analyze", spy)
    assert _outcome(analyze, source) == expected
    assert calls == [source]


def test_result_is_a_drop_in_for_radons_module() -> None:
    source = SNIPPETS["docstrings_everywhere"]
    result = analyze(source)
    assert isinstance(result, RawMetrics)
    assert result == radon.raw.analyze(source)
    assert RawMetrics._fields == radon.raw.Module._fields


def test_other_radon_versions_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    source = SNIPPETS["comments_inside_brackets"]
    expected = tuple(radon.raw.analyze(source))
    monkeypatch.setattr(radon, "__version__", "7.0.0")
    monkeypatch.setattr(radon.raw, "analyze", lambda text: radon.raw.Module(*range(7)))
    assert tuple(analyze(source)) == tuple(range(7))
    monkeypatch.undo()
    monkeypatch.delattr(radon.raw, "_logical")
    monkeypatch.setattr(radon.raw, "analyze", lambda text: radon.raw.Module(*range(7)))
    assert tuple(analyze(source)) == tuple(range(7))
    monkeypatch.undo()
    assert tuple(analyze(source)) == expected


# --- a dict literal of a few thousand lines --------------------------------------------------------

LONG_DICT_ENTRIES = 600
"""Six lines an entry: 3,602 lines, the size of rich's ``_emoji_codes.py``."""


def _long_dict(entries: int) -> str:
    lines = ['"""Codes."""', "", "CODES = {"]
    for i in range(entries):
        lines += [
            f"    # group {i}",
            f'    "key_{i}": ("value {i}", [{i},',
            f"                             {i} + 1]),",
            "",
            f'    "doc_{i}": """first line {i}',
            '    second line""",',
        ]
    return "\n".join([*lines, "}", ""])


def _radon_counts_for_long_dict() -> tuple[int, ...]:
    """The counts radon gives the long dict, extrapolated from radon on 3, 6 and 9 entries."""
    small = [tuple(radon.raw.analyze(_long_dict(n))) for n in (3, 6, 9)]
    per_entry = tuple((b - a) // 3 for a, b in zip(small[0], small[1], strict=True))
    assert tuple(a + 3 * p for a, p in zip(small[1], per_entry, strict=True)) == small[2]  # linear in entries
    return tuple(a + (LONG_DICT_ENTRIES - 3) * p for a, p in zip(small[0], per_entry, strict=True))


def test_long_dict_literal_is_handled_by_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    source = _long_dict(LONG_DICT_ENTRIES)
    assert len(source.splitlines()) == 3 + 6 * LONG_DICT_ENTRIES + 1
    expected = _radon_counts_for_long_dict()
    assert expected[0] == len(source.splitlines())
    monkeypatch.setattr(radon.raw, "analyze", _radon_only)
    assert tuple(analyze(source)) == expected


def test_long_dict_literal_maintainability_index(monkeypatch: pytest.MonkeyPatch) -> None:
    source = _long_dict(LONG_DICT_ENTRIES)
    expected_raw = radon.raw.Module(*_radon_counts_for_long_dict())
    # radon's own mi_visit, fed radon's (extrapolated) raw counts instead of running its slow analyze
    monkeypatch.setattr(radon.metrics, "analyze", lambda text: expected_raw)
    expected = radon.metrics.mi_visit(source, True)
    monkeypatch.setattr(radon.raw, "analyze", _radon_only)
    assert maintainability_index(source) == expected
    assert maintainability_index(source, ast.parse(source)) == expected


# --- every Python file of this repository's package and fixtures -----------------------------------


def _repository_sources() -> list[Path]:
    files = sorted([*(REPO / "riskaudit").rglob("*.py"), *(REPO / "tests" / "fixtures").rglob("*.py")])
    return [path for path in files if _parses(path.read_text(encoding="utf-8"))]


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


REPOSITORY_SOURCES = _repository_sources()


def test_repository_sources_are_found() -> None:
    assert len(REPOSITORY_SOURCES) > 20
    assert REPO / "riskaudit" / "collectors" / "raw_metrics.py" in REPOSITORY_SOURCES


@pytest.mark.parametrize(
    "path", REPOSITORY_SOURCES, ids=[path.relative_to(REPO).as_posix() for path in REPOSITORY_SOURCES]
)
def test_repository_file_equals_radon(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert tuple(analyze(source)) == tuple(radon.raw.analyze(source))
    assert maintainability_index(source, ast.parse(source)) == radon.metrics.mi_visit(source, True)
