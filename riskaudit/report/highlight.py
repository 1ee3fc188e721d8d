"""Python syntax highlighting for the HTML report: code as lines of classed runs of text, never as markup.

Pygments' Python lexer splits the code into tokens; each token gets the short CSS class Pygments' own HTML
formatter would give it (``k`` keyword, ``s2`` string, ``c1`` comment, ...), folded onto the few classes
``report.css`` colours, and adjacent tokens of one class are merged. The template writes each run as a
``<span class>`` with its text autoescaped, so code from the target is never marked safe, and the page's
line numbers and highlighted lines stay its own markup. Code the lexer cannot give back unchanged is
shown plain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Pygments ships no type information; its token types are typed ``Any`` here.
from pygments.lexers import PythonLexer  # type: ignore[import-untyped]
from pygments.token import (  # type: ignore[import-untyped]
    STANDARD_TYPES,
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    String,
)

STYLED: frozenset[str] = frozenset(
    str(STANDARD_TYPES[kind])
    for kind in (
        Keyword,
        Keyword.Constant,
        Keyword.Namespace,
        Name.Builtin,
        Name.Builtin.Pseudo,
        Name.Class,
        Name.Decorator,
        Name.Exception,
        Name.Function,
        String,
        String.Doc,
        String.Escape,
        String.Interpol,
        Number,
        Comment,
        Operator.Word,
    )
)
"""The token classes ``report.css`` colours; any other token takes the class of its nearest styled ancestor."""


@dataclass(frozen=True)
class CodeSpan:
    """A run of code text of one token class."""

    css: str
    """Pygments' short CSS class of the run, like ``k``; empty for text that is not coloured."""
    text: str
    """The code, as in the source (the template escapes it)."""


@dataclass(frozen=True)
class CodeLine:
    """One line of highlighted code."""

    gutter: str
    """What precedes the code: the line number and the ``>`` mark, like ``>12 | ``; empty for none."""
    spans: tuple[CodeSpan, ...]
    """The line's code as runs of one class each, in order; empty for a blank line."""


@lru_cache(maxsize=1)
def _lexer() -> Any:
    """The Python lexer, keeping every newline so that the tokens give the code back unchanged."""
    return PythonLexer(stripnl=False, ensurenl=False, tabsize=0)


@lru_cache(maxsize=256)
def css_class(kind: Any) -> str:
    """The CSS class of a token type: its own short class if styled, else its nearest styled ancestor's, else empty."""
    current = kind
    while current is not None:
        css = str(STANDARD_TYPES.get(current, ""))
        if css in STYLED:
            return css
        current = current.parent
    return ""


def _runs(line: list[tuple[str, str]]) -> tuple[CodeSpan, ...]:
    """A line's tokens with adjacent ones of one class merged."""
    spans: list[CodeSpan] = []
    for css, text in line:
        if not text:
            continue
        if spans and spans[-1].css == css:
            spans[-1] = CodeSpan(css, spans[-1].text + text)
        else:
            spans.append(CodeSpan(css, text))
    return tuple(spans)


@lru_cache(maxsize=4096)
def highlighted(lines: tuple[str, ...]) -> tuple[tuple[CodeSpan, ...], ...]:
    """Consecutive lines of Python as runs of classed text, one tuple per line; plain text if lexing changes them.

    The lines are lexed together, so a string or comment spanning several of them is coloured throughout.
    """
    if not lines:
        return ()
    result: list[list[tuple[str, str]]] = [[]]
    for kind, value in _lexer().get_tokens("\n".join(lines)):
        css = css_class(kind)
        first, *rest = str(value).split("\n")
        result[-1].append((css, first))
        for part in rest:
            result.append([(css, part)])
    runs = tuple(_runs(line) for line in result)
    if tuple("".join(span.text for span in line) for line in runs) != lines:
        return tuple((CodeSpan("", line),) if line else () for line in lines)
    return runs


def code_lines(lines: Sequence[str], gutters: Sequence[str] | None = None) -> tuple[CodeLine, ...]:
    """Lines of Python, highlighted, each after its gutter (none without ``gutters``)."""
    spans = highlighted(tuple(lines))
    marks = gutters if gutters is not None else [""] * len(spans)
    return tuple(CodeLine(gutter, line) for gutter, line in zip(marks, spans, strict=True))
