"""hasattr() guards: where ``X.name`` runs only because ``hasattr(X, "name")`` held.

The one reading of hasattr guards in riskaudit. ``HasattrGuards`` follows a module's traversal and answers,
for an attribute use being visited, whether a guard vouches for it; the ``HasattrNarrowing`` detector (RA117,
RA102) runs it next to itself in the batched traversal, and ``guarded_uses`` runs it alone over a file for
the ``hasattr-guard`` fact of mypy's attribute errors (``riskaudit.finding_facts``).

Guards understood: the body of ``if``/``while`` under the test's hasattr() calls (the ``else`` branch under
their negation), the right side of ``and``/``or``, both arms of a conditional expression, a comprehension's
element under its ``if`` clauses, the rest of the block after ``assert hasattr(...)`` and after
``if not hasattr(...): return/raise/continue/break``. ``and``, ``or`` and ``not`` combine as logic does:
``not hasattr(x, "a") or ...`` guards the ``else`` branch. X is any expression, known by its dotted name
(``obj``, ``self.model``) or else by its source (``type(seq)``); the attribute is a plain identifier. A
guard stops vouching for a name or attribute chain where it is rebound inside the guard (``value =
cast(Mapping, value)`` gives it a type of its own). What to make of a vouched-for use is the reader's
business: the detector leaves dunders and module objects alone, mypy's findings keep all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from riskaudit.detectors.base import Visitor, assignment_targets, dotted_name

Guard = tuple[str, str]
"""``(object expression text, attribute name)`` of one ``hasattr()`` call."""

_EXITS = (cst.Return, cst.Raise, cst.Continue, cst.Break)
"""Statements after which the rest of the block does not run."""
_CODE = cst.Module(body=[])
"""Renders the source of an expression that is no dotted name (``type(seq)`` in ``hasattr(type(seq), "_make")``)."""


@dataclass(frozen=True)
class GuardedUse:
    """A use of ``obj.attr`` that only a ``hasattr(obj, "attr")`` guard vouches for."""

    obj: str
    """The object's source text (``self.model``)."""
    attr: str
    """The attribute name."""
    line: int
    """Line where the use starts (1-based)."""
    column: int
    """Column where the use (its object) starts (0-based, in characters)."""


@dataclass(frozen=True)
class _Region:
    """A span of source that only runs while some ``hasattr()`` calls held."""

    guards: frozenset[Guard]
    start: CodePosition
    end: CodePosition

    def covers(self, position: CodePosition) -> bool:
        """Whether a position lies inside the span."""
        return (self.start.line, self.start.column) <= (position.line, position.column) <= (
            self.end.line,
            self.end.column,
        )


def object_text(expr: cst.BaseExpression) -> str:
    """How a guard names its object: the dotted name of a Name/Attribute chain, else the expression's code."""
    return dotted_name(expr) or _CODE.code_for_node(expr)


def hasattr_call(expr: cst.BaseExpression) -> Guard | None:
    """``(obj, name)`` for ``hasattr(obj, "name")`` with a plain identifier as the name."""
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "hasattr"):
        return None
    if len(expr.args) != 2 or any(arg.keyword is not None or arg.star for arg in expr.args):
        return None
    literal = expr.args[1].value
    if not isinstance(literal, cst.SimpleString):
        return None
    name = literal.evaluated_value
    if not isinstance(name, str) or not name.isidentifier():
        return None
    return object_text(expr.args[0].value), name


def when_true(expr: cst.BaseExpression) -> frozenset[Guard]:
    """hasattr() facts that hold whenever ``expr`` is true."""
    guard = hasattr_call(expr)
    if guard is not None:
        return frozenset({guard})
    if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.And):
        return when_true(expr.left) | when_true(expr.right)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        return when_false(expr.expression)
    return frozenset()


def when_false(expr: cst.BaseExpression) -> frozenset[Guard]:
    """hasattr() facts that hold whenever ``expr`` is false."""
    if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
        return when_false(expr.left) | when_false(expr.right)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        return when_true(expr.expression)
    return frozenset()


def always_exits(body: cst.BaseSuite) -> bool:
    """Whether a block ends in return/raise/continue/break."""
    if isinstance(body, cst.SimpleStatementSuite):
        return bool(body.body) and isinstance(body.body[-1], _EXITS)
    last = body.body[-1] if body.body else None
    return isinstance(last, cst.SimpleStatementLine) and bool(last.body) and isinstance(last.body[-1], _EXITS)


class HasattrGuards(Visitor):
    """The hasattr guards of one module, followed during its traversal.

    Visit the module with it (in a batch, before the visitor that asks), and call ``vouched_for`` on an
    attribute node from that visitor's ``visit_Attribute``: the guards seen so far and the rebindings done
    so far are exactly those that apply there. Positions are asked for only where a guard exists.
    """

    def __init__(self, position: Callable[[cst.CSTNode], CodeRange]) -> None:
        super().__init__()
        self._position = position
        self._regions: list[_Region] = []
        self._guarded: set[Guard] = set()
        self._attrs: set[str] = set()
        """The attribute names of ``_guarded``: most uses are of other names and need no object text."""
        self._blocks: list[cst.CSTNode] = []
        self._rebound: dict[str, cst.CSTNode] = {}
        """The statement that last rebound each name or attribute chain; its position is looked up only for a
        guarded use, so most files never need positions."""

    @property
    def any(self) -> bool:
        """Whether a guard has been seen so far."""
        return bool(self._guarded)

    def vouched_for(self, node: cst.Attribute) -> Guard | None:
        """The guard ``(obj, attr)`` that vouches for this use of ``obj.attr``, or None when no guard does."""
        if not self._guarded:
            return None
        attr = node.attr.value
        if attr not in self._attrs:
            return None
        obj = object_text(node.value)
        if (obj, attr) not in self._guarded:
            return None
        position = self._position(node).start
        statement = self._rebound.get(obj)
        rebound = self._position(statement).start if statement is not None else None
        for region in self._regions:
            if (
                (obj, attr) in region.guards
                and region.covers(position)
                and not (rebound is not None and region.covers(rebound))
            ):
                return obj, attr
        return None

    # -- regions -----------------------------------------------------------------------------

    def _guard(self, guards: frozenset[Guard], start: cst.CSTNode, end: cst.CSTNode | None = None) -> None:
        """Record that the span from ``start`` to the end of ``end`` (or of ``start``) runs under ``guards``."""
        if not guards:
            return
        first = self._position(start)
        last = self._position(end) if end is not None else first
        self._regions.append(_Region(guards, first.start, last.end))
        self._note(guards)

    def _guard_rest_of_block(self, guards: frozenset[Guard], statement: cst.CSTNode) -> None:
        """Record that the statements after ``statement`` in its block run under ``guards``."""
        if not guards or not self._blocks:
            return
        after = self._position(statement).end
        end = self._position(self._blocks[-1]).end
        self._regions.append(_Region(guards, after, end))
        self._note(guards)

    def _note(self, guards: frozenset[Guard]) -> None:
        """Remember which guards exist (a use of anything else is answered without positions)."""
        self._guarded |= guards
        self._attrs.update(attr for _, attr in guards)

    def visit_Module(self, node: cst.Module) -> None:
        """The module is the outermost block."""
        self._blocks.append(node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        """Enter a block (the rest of it may be guarded by an early exit)."""
        self._blocks.append(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        """Leave a block."""
        self._blocks.pop()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        """Enter a one-line block."""
        self._blocks.append(node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        """Leave a one-line block."""
        self._blocks.pop()

    def visit_If(self, node: cst.If) -> None:
        """``if``: the body under the test's facts, the else branch and an exited-from rest under its negation."""
        self._guard(when_true(node.test), node.body)
        negated = when_false(node.test)
        if node.orelse is not None:
            self._guard(negated, node.orelse)
        if always_exits(node.body):
            self._guard_rest_of_block(negated, node)

    def visit_While(self, node: cst.While) -> None:
        """``while hasattr(...)``: the loop body."""
        self._guard(when_true(node.test), node.body)

    def visit_Assert(self, node: cst.Assert) -> None:
        """``assert hasattr(...)``: the rest of the block."""
        self._guard_rest_of_block(when_true(node.test), node)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        """Conditional expression: each arm under its facts."""
        self._guard(when_true(node.test), node.body)
        self._guard(when_false(node.test), node.orelse)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        """``a and b`` runs ``b`` only when ``a`` held; ``a or b`` only when it did not."""
        if isinstance(node.operator, cst.And):
            self._guard(when_true(node.left), node.right)
        else:
            self._guard(when_false(node.left), node.right)

    def _comprehension(self, for_in: cst.CompFor, first: cst.CSTNode, last: cst.CSTNode) -> None:
        """A comprehension's element runs only for items its ``if`` clauses accepted."""
        guards: frozenset[Guard] = frozenset()
        current: cst.CompFor | None = for_in
        while current is not None:
            for clause in current.ifs:
                guards |= when_true(clause.test)
            current = current.inner_for_in
        self._guard(guards, first, last)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        """List comprehension."""
        self._comprehension(node.for_in, node.elt, node.elt)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        """Set comprehension."""
        self._comprehension(node.for_in, node.elt, node.elt)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        """Generator expression."""
        self._comprehension(node.for_in, node.elt, node.elt)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        """Dict comprehension."""
        self._comprehension(node.for_in, node.key, node.value)

    # -- rebinding ---------------------------------------------------------------------------

    def _note_rebinding(self, target: cst.BaseExpression, statement: cst.CSTNode) -> None:
        """Remember where a name or attribute chain got a new value (once the statement is done)."""
        for item in assignment_targets(target):
            name = dotted_name(item)
            if name:
                self._rebound[name] = statement

    def leave_Assign(self, original_node: cst.Assign) -> None:
        """After ``value = cast(Mapping, value)`` the guard no longer is what vouches for ``value``."""
        for target in original_node.targets:
            self._note_rebinding(target.target, original_node)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        """An annotated rebinding gives the name a declared type."""
        if original_node.value is not None:
            self._note_rebinding(original_node.target, original_node)

    def visit_For(self, node: cst.For) -> None:
        """The loop rebinds its target."""
        self._note_rebinding(node.target, node)


class _Uses(Visitor):
    """Collects every attribute use a ``HasattrGuards`` visited before it vouches for."""

    def __init__(self, guards: HasattrGuards, position: Callable[[cst.CSTNode], CodeRange]) -> None:
        super().__init__()
        self._guards = guards
        self._position = position
        self.found: list[GuardedUse] = []

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """Record the use when a guard vouches for it."""
        guard = self._guards.vouched_for(node)
        if guard is not None:
            start = self._position(node).start
            self.found.append(GuardedUse(guard[0], guard[1], start.line, start.column))


@lru_cache(maxsize=16)
def guarded_uses(text: str) -> tuple[GuardedUse, ...]:
    """Every use of ``obj.attr`` in a module's text that a ``hasattr(obj, "attr")`` guard vouches for, in order.

    None when the text calls no ``hasattr`` or libcst cannot read it (the detectors then skip the file too).
    A mypy run reports several attribute errors per file: the last files asked about are kept.
    """
    if "hasattr" not in text:
        return ()
    try:
        module = cst.parse_module(text)
    except Exception:  # noqa: BLE001 - libcst fails on some code Python accepts (the runner skips it too)
        return ()
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    try:
        ranges = wrapper.resolve(PositionProvider)
        guards = HasattrGuards(ranges.__getitem__)
        uses = _Uses(guards, ranges.__getitem__)
        wrapper.visit_batched([guards, uses])
    except RecursionError:  # too deeply nested for a recursive walk, as for the detectors
        return ()
    return tuple(sorted(uses.found, key=lambda use: (use.line, use.column, use.obj, use.attr)))
