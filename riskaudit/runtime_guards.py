"""Code that runs only on some Python versions or platforms, or never (``if TYPE_CHECKING:``).

``if sys.version_info >= (3, 11):``, ``if sys.platform == "win32":``, ``if os.name == "nt":`` and
``if TYPE_CHECKING:`` select code by where it runs. A test run on Python 3.11 under Linux cannot
execute the branches for 3.10 or Windows, so coverage calling them "never executed by the tests"
says nothing about the tests. The guards are recorded per file (``guards_of``) and evaluated for the
interpreter and platform that ran the tests (``unreachable_lines``).
"""

from __future__ import annotations

import ast
import operator
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from riskaudit.ast_names import dotted

_VersionCompare = Callable[[tuple[int, ...], tuple[int, ...]], bool]
_COMPARE: dict[type[ast.cmpop], tuple[str, _VersionCompare]] = {
    ast.GtE: (">=", operator.ge),
    ast.Gt: (">", operator.gt),
    ast.LtE: ("<=", operator.le),
    ast.Lt: ("<", operator.lt),
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
}
_BY_SYMBOL = {symbol: compare for symbol, compare in _COMPARE.values()}


@dataclass(frozen=True)
class RuntimeGuard:
    """Lines that run only when a condition about the running interpreter has a given value."""

    start: int
    """First line of the guarded block."""
    end: int
    """Last line of the guarded block."""
    condition: str
    """The condition, normalised: ``version >= 3.11``, ``platform == win32``, ``os.name == nt``,
    ``platform startswith win``, ``typing``."""
    holds: bool
    """Whether the block runs when the condition is true (its ``if`` body) or false (its ``else``)."""


def _version(node: ast.expr) -> str:
    """``3.11`` for the tuple ``(3, 11)`` or ``(3, 11, 0)``; empty for anything else."""
    if not isinstance(node, ast.Tuple) or not 1 <= len(node.elts) <= 3:
        return ""
    numbers = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, int)]
    if len(numbers) != len(node.elts):
        return ""
    return ".".join(str(n) for n in numbers[:2])


def _subject(node: ast.expr) -> str:
    """``version`` for ``sys.version_info`` (sliced too), ``platform`` or ``os.name``; empty otherwise."""
    if isinstance(node, ast.Subscript):
        node = node.value
    name = dotted(node)
    return {"sys.version_info": "version", "sys.platform": "platform", "os.name": "os.name"}.get(name, "")


def _comparison(test: ast.Compare) -> tuple[str, bool] | None:
    """``sys.version_info >= (3, 11)``, ``sys.platform == "win32"``, ``os.name != "nt"``, normalised."""
    if len(test.ops) != 1 or type(test.ops[0]) not in _COMPARE:
        return None
    subject, symbol = _subject(test.left), _COMPARE[type(test.ops[0])][0]
    right = test.comparators[0]
    if subject == "version" and _version(right):
        return f"version {symbol} {_version(right)}", True
    text = right.value if isinstance(right, ast.Constant) and isinstance(right.value, str) else None
    if subject in ("platform", "os.name") and symbol in ("==", "!=") and text is not None:
        return f"{subject} == {text}", symbol == "=="
    return None


def _startswith(test: ast.Call) -> tuple[str, bool] | None:
    """``sys.platform.startswith("win")``, normalised."""
    func, args = test.func, test.args
    if not (isinstance(func, ast.Attribute) and func.attr == "startswith" and _subject(func.value) == "platform"):
        return None
    if len(args) == 1 and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
        return f"platform startswith {args[0].value}", True
    return None


def guard_condition(test: ast.expr) -> tuple[str, bool] | None:
    """The normalised condition of an ``if`` test about the interpreter, and whether the body needs it true."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = guard_condition(test.operand)
        return (inner[0], not inner[1]) if inner else None
    if dotted(test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
        return "typing", True
    if isinstance(test, ast.Compare):
        return _comparison(test)
    if isinstance(test, ast.Call):
        return _startswith(test)
    return None


def guards_of(node: ast.If) -> list[RuntimeGuard]:
    """The guarded blocks of an ``if`` statement: its body, and its ``else`` (not an ``elif`` chain)."""
    found = guard_condition(node.test)
    if found is None:
        return []
    condition, holds = found
    blocks = [RuntimeGuard(node.body[0].lineno, _end(node.body), condition, holds)]
    if node.orelse and not (len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)):
        blocks.append(RuntimeGuard(node.orelse[0].lineno, _end(node.orelse), condition, not holds))
    return blocks


def _end(body: list[ast.stmt]) -> int:
    """The last line of a block."""
    last = body[-1]
    return last.end_lineno or last.lineno


def condition_value(condition: str, version: tuple[int, int], platform: str, os_name: str) -> bool | None:
    """What a normalised condition is on an interpreter; None when it is not one this module writes."""
    if condition == "typing":
        return False
    subject, _, rest = condition.partition(" ")
    symbol, _, value = rest.partition(" ")
    if subject == "version" and symbol in _BY_SYMBOL:
        wanted = tuple(int(part) for part in value.split("."))
        return _BY_SYMBOL[symbol](version[: len(wanted)], wanted)
    tests: dict[tuple[str, str], Callable[[], bool]] = {
        ("platform", "=="): lambda: platform == value,
        ("platform", "startswith"): lambda: platform.startswith(value),
        ("os.name", "=="): lambda: os_name == value,
    }
    found = tests.get((subject, symbol))
    return found() if found else None


def unreachable_lines(
    guards: Iterable[RuntimeGuard],
    version: tuple[int, int] | None,
    platform: str = sys.platform,
    os_name: str = os.name,
) -> frozenset[int]:
    """Lines that cannot run on the interpreter (version unknown: only ``TYPE_CHECKING`` blocks)."""
    lines: set[int] = set()
    for guard in guards:
        if version is None and guard.condition.startswith("version"):
            continue
        value = condition_value(guard.condition, version or (0, 0), platform, os_name)
        if value is not None and value != guard.holds:
            lines.update(range(guard.start, guard.end + 1))
    return frozenset(lines)
