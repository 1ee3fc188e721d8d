"""radon's raw metrics and maintainability index, computed in time linear in the file.

``radon.raw.analyze`` strips every line, then takes the shortest run of consecutive stripped lines
that tokenizes without ``TokenError`` or ``ERRORTOKEN`` (a "group"), and counts each group. It finds
that run by re-tokenizing a buffer that grows one line at a time, which is quadratic in the length
of a multi-line statement: a 3,600-line dict literal takes a minute.

Here the stripped source is tokenized once; a group ends exactly where that token stream is back at
statement level (a NEWLINE or NL token outside any bracket). While a line leaves the tokenizer inside
a bracket, a backslash continuation or a multi-line string, the buffer ending at that line cannot
tokenize cleanly either (end of input raises ``TokenError``; with Python 3.11's pure-Python tokenizer
the line's last token, lacking its newline, may instead be an ``ERRORTOKEN``), so no shorter run is
possible. Each group is then tokenized once more on its own, exactly as radon's last attempt does
(which also checks that the run does tokenize cleanly), and counted with radon's per-group helpers.
Total work: two tokenizations of the file.

Whenever that reasoning might not hold, the file goes to ``radon.raw.analyze`` itself, so the result
is always radon's: a radon version other than the 6.0 series (whose algorithm this mirrors), missing
radon helpers, an ``ERRORTOKEN`` or tokenize error anywhere in the stripped source, a closing bracket
with no opening one, or a group that does not tokenize cleanly on its own.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable, Sequence
from typing import NamedTuple, cast

import radon
import radon.raw
from radon.metrics import h_visit_ast, mi_compute
from radon.visitors import ComplexityVisitor

_Tokens = list[tokenize.TokenInfo]

_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
_LINE_ENDS = frozenset((tokenize.NEWLINE, tokenize.NL))


class RawMetrics(NamedTuple):
    """The fields of ``radon.raw.Module``, in its order; equal to radon's tuple for the same counts."""

    loc: int
    lloc: int
    sloc: int
    comments: int
    multi: int
    blank: int
    single_comments: int


class _RadonHelpers(NamedTuple):
    """radon's per-group accounting helpers, looked up when used."""

    logical: Callable[[_Tokens], int]
    is_single_token: Callable[[int, _Tokens], bool]


def _radon_helpers() -> _RadonHelpers | None:
    """The radon helpers, when this radon's ``analyze`` is the one the fast path mirrors; else None."""
    version = str(getattr(radon, "__version__", ""))
    if version.split(".")[:2] != ["6", "0"]:
        return None
    logical = getattr(radon.raw, "_logical", None)
    is_single_token = getattr(radon.raw, "is_single_token", None)
    if not (callable(logical) and callable(is_single_token)):
        return None
    return _RadonHelpers(
        cast(Callable[[_Tokens], int], logical),
        cast(Callable[[int, _Tokens], bool], is_single_token),
    )


def _group_ends(lines: Sequence[str]) -> list[int] | None:
    """Index of the last line of every group, from one tokenization of the stripped lines.

    None when the token stream gives no proof of radon's grouping: an ``ERRORTOKEN``, a tokenize
    error, a bracket closed below depth zero, or a last line that does not end a statement.
    """
    text = "\n".join(lines) + "\n"
    ends: list[int] = []
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.ERRORTOKEN:
                return None
            if token.type == tokenize.OP and token.string in _OPENING:
                depth += 1
            elif token.type == tokenize.OP and token.string in _CLOSING:
                depth -= 1
                if depth < 0:
                    return None
            elif token.type in _LINE_ENDS and depth == 0:
                index = token.start[0] - 1
                if index >= len(lines) or (ends and index < ends[-1]):
                    return None
                if not ends or index > ends[-1]:
                    ends.append(index)
    except (tokenize.TokenError, SyntaxError):
        return None
    if not ends or ends[-1] != len(lines) - 1:
        return None
    return ends


def _clean_tokens(group: Sequence[str]) -> _Tokens | None:
    """Tokens of one group joined as radon joins it, or None unless radon would accept them."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(group)).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    if any(token.type == tokenize.ERRORTOKEN for token in tokens):
        return None
    return tokens


def _group_metrics(group: Sequence[str], tokens: _Tokens, helpers: _RadonHelpers) -> RawMetrics:
    """What one group adds to each count, following radon 6.0's classification of a group."""
    written = sum(1 for line in group if line)
    empty = len(group) - written
    comments = sum(1 for token in tokens if token.type == tokenize.COMMENT)
    lloc = helpers.logical(tokens)
    lone_string = helpers.is_single_token(tokenize.STRING, tokens)
    if helpers.is_single_token(tokenize.COMMENT, tokens) or (
        lone_string and tokens[0].start[0] == tokens[0].end[0]
    ):
        return RawMetrics(1, lloc, 0, comments, 0, 0, 1)
    if lone_string:
        return RawMetrics(written + empty, lloc, 0, comments, written, empty, 0)
    return RawMetrics(written + empty, lloc, written, comments, 0, empty, 0)


def _fast_analyze(lines: Sequence[str], helpers: _RadonHelpers) -> RawMetrics | None:
    """Sum of the groups' metrics, or None when any step cannot prove it matches radon."""
    if not lines:
        return RawMetrics(0, 0, 0, 0, 0, 0, 0)
    ends = _group_ends(lines)
    if ends is None:
        return None
    totals = [0] * len(RawMetrics._fields)
    start = 0
    for end in ends:
        group = lines[start : end + 1]
        tokens = _clean_tokens(group)
        if tokens is None:
            return None
        for position, value in enumerate(_group_metrics(group, tokens, helpers)):
            totals[position] += value
        start = end + 1
    return RawMetrics(*totals)


def analyze(source: str) -> RawMetrics:
    """Exactly what radon's ``raw.analyze`` returns for ``source``, in time linear in its size.

    Falls back to radon itself (quadratic in the longest statement, same result and same
    exceptions, e.g. ``SyntaxError`` for an unterminated statement) whenever the fast path cannot
    prove its grouping is radon's; see the module docstring.
    """
    helpers = _radon_helpers()
    if helpers is not None:
        result = _fast_analyze([line.strip() for line in source.splitlines()], helpers)
        if result is not None:
            return result
    return RawMetrics(*radon.raw.analyze(source))


def maintainability_index(source: str, tree: ast.Module | None = None) -> float:
    """Exactly ``radon.metrics.mi_visit(source, True)``, with the raw metrics from ``analyze``.

    ``tree`` must be ``ast.parse(source)`` when given (it spares parsing the source again); radon's
    visitors only read it. Multi-line strings count as comment lines, as with ``multi=True``.
    """
    if tree is None:
        tree = ast.parse(source)
    raw = analyze(source)
    comment_lines = raw.comments + raw.multi
    comment_percent: float = comment_lines / float(raw.sloc) * 100 if raw.sloc != 0 else 0
    volume = h_visit_ast(tree).total.volume
    complexity = ComplexityVisitor.from_ast(tree).total_complexity
    return float(mi_compute(volume, complexity, raw.lloc, comment_percent))
