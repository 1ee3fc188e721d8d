"""Tests that check nothing: a check whose result is thrown away, and tests with no assertion at all.

A test passes when it does not raise. ``result == expected`` written without ``assert``, a mock's
``assert_called_once`` named but not called, or ``assert (x == 1, "message")`` (a non-empty tuple,
always true) all pass whatever the code under test does: the suite is green and proves nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst

from riskaudit.detectors.base import Detector, Example, FileContext, call_name, dotted_name

PREDICATE_FUNCTIONS = frozenset({"isinstance", "issubclass", "callable", "hasattr", "bool", "all", "any"})
"""Builtins whose only effect is the truth value they return."""
PREDICATE_METHODS = frozenset(
    {
        "startswith", "endswith", "isdigit", "isalpha", "isalnum", "isnumeric", "isdecimal", "islower",
        "isupper", "isspace", "istitle", "isidentifier", "issubset", "issuperset", "isdisjoint", "exists",
        "is_file", "is_dir", "isclose", "allclose", "array_equal", "equals", "approx",
    }
)
"""Methods and module functions (``math.isclose``, ``pytest.approx``) that only compute a truth value."""
REGEX_PREDICATES = frozenset({"re.match", "re.fullmatch", "re.search"})
"""Regular-expression tests whose result is the match."""
MOCK_CHECK_ATTRIBUTES = frozenset({"called", "call_count", "call_args", "call_args_list", "await_count", "awaited"})
"""Mock attributes that only record: reading them as a statement checks nothing."""
MISSPELT_MOCK_CHECKS = frozenset(
    {"called_once_with", "called_with", "called_once", "not_called", "has_calls", "any_call", "awaited_once_with"}
)
"""Calls that read like mock assertions but, on a mock, create a child mock and check nothing."""
EXPECTS_FAILURE = re.compile(r"raises|warns|deprecated_call|assertRaises|assertWarns|assertLogs|assertNoLogs")
"""Context managers inside which an expression is evaluated to see it fail (``pytest.raises``)."""
CHECKING_CALL = re.compile(
    r"assert|check|verify|expect|ensure|validate|fail|raise|warn|should|must|compare|match|snapshot|approve|"
    r"skip|xfail|^test|_test",
    re.IGNORECASE,
)
"""Names of calls that may assert on the test's behalf (``check_result``, ``self.assertEqual``, ``pytest.fail``)."""
ASSERTING_FIXTURES = frozenset(
    {
        "snapshot", "benchmark", "data_regression", "file_regression", "num_regression", "image_regression",
        "ndarrays_regression", "dataframe_regression", "approvals", "verify", "snapshot_json",
    }
)
"""pytest fixtures that check or measure on the test's behalf."""
NO_RAISE = re.compile(
    r"(does_?n[o']?t|do_?n[o']?t|not|no|never|without|nothing)[_ ](raise|raising|error|errors|fail|failing|crash|"
    r"crashing|exception|exceptions|throw|throwing|blow)",
    re.IGNORECASE,
)
"""A test name or docstring saying the test checks that nothing raises (``test_parse_does_not_raise``)."""
FOR_TYPE_CHECKER = re.compile(r"type[- ]?check|types? hints?|static(ally)? typ|mypy|pyright", re.IGNORECASE)
"""A docstring or comment saying the test is there for the type checker (nothing to check at run time)."""
PRAGMAS = ("type:", "pyright:", "mypy:", "noqa", "pragma", "fmt:", "isort:", "pylint:")
"""How the comments that instruct a tool begin."""
_TEST_CLASS = re.compile(r"^Test|Test$|TestCase$|Tests$")
"""Names of classes that hold tests (pytest's ``Test*``, unittest's ``*TestCase``)."""


def _is_test_function(node: cst.FunctionDef, classes: Sequence[str]) -> bool:
    """Whether a function is a test: ``test*`` at module level or in a test class, and not a fixture."""
    if not node.name.value.startswith("test"):
        return False
    if any("fixture" in dotted_name(_decorator(d)) for d in node.decorators):
        return False
    return not classes or bool(_TEST_CLASS.search(classes[-1]))


def _checks_nothing_on_purpose(node: cst.FunctionDef) -> bool:
    """Whether the test says it checks nothing at run time on purpose.

    Its name or docstring says it only checks that nothing raises (as RA308 advises), or its docstring
    that it is there for the type checker.
    """
    docstring = (node.get_docstring() or "").replace("-", " ")
    return bool(NO_RAISE.search(node.name.value) or NO_RAISE.search(docstring) or FOR_TYPE_CHECKER.search(docstring))


def _decorator(decorator: cst.Decorator) -> cst.BaseExpression:
    """The decorator's callee (``pytest.fixture`` for ``@pytest.fixture(scope=...)``)."""
    expression = decorator.decorator
    return expression.func if isinstance(expression, cst.Call) else expression


def _always_true(test: cst.BaseExpression) -> bool:
    """Whether an ``assert`` condition is a constant that is always true (never ``assert False``)."""
    if isinstance(test, cst.Tuple | cst.List | cst.Set | cst.Dict):
        return bool(test.elements)
    if isinstance(test, cst.Lambda):
        return True
    if isinstance(test, cst.SimpleString | cst.ConcatenatedString):
        value = test.evaluated_value
        return bool(value)
    if isinstance(test, cst.FormattedString):
        return any(isinstance(part, cst.FormattedStringText) and part.value for part in test.parts)
    if isinstance(test, cst.Integer | cst.Float):
        return test.evaluated_value != 0
    return isinstance(test, cst.Name) and test.value == "True"


def discarded_check(expression: cst.BaseExpression) -> str:
    """What a statement-level expression checks and throws away, or empty when it is not a check."""
    if isinstance(expression, cst.Comparison):
        return "a comparison"
    if isinstance(expression, cst.Attribute):
        attr = expression.attr.value
        if attr.startswith("assert"):
            return f"the mock assertion `{attr}`, named but never called"
        if attr in MOCK_CHECK_ATTRIBUTES:
            return f"the mock attribute `{attr}`"
        return ""
    if not isinstance(expression, cst.Call):
        return ""
    name = call_name(expression)
    last = name.rsplit(".", 1)[-1]
    if name in PREDICATE_FUNCTIONS or name in REGEX_PREDICATES:
        return f"the result of `{name}()`"
    if "." in name and last in PREDICATE_METHODS:
        return f"the result of `{last}()`"
    if "." in name and last in MISSPELT_MOCK_CHECKS:
        return f"`{last}()`, which on a mock checks nothing (the assertion is `assert_{last}`)"
    return ""


class DiscardedCheck(Detector):
    """Finds checks in test code whose result is thrown away, so the test passes whatever happens.

    A comparison, a predicate (``isinstance()``, ``str.startswith()``, ``math.isclose()``,
    ``pytest.approx()``), a mock's ``assert_called_once`` named without the call, a misspelt mock
    assertion (``m.called_once_with(...)``) written as a statement in a function body, and an ``assert`` on a constant
    that is always true (``assert (x == 1, "msg")``, ``assert "todo"``). Expressions evaluated inside
    ``pytest.raises``/``assertRaises`` blocks or a ``try`` with handlers are there to fail and stay
    silent.
    """

    RULE = "RA307"
    CODE = "discarded-check"
    MESSAGE = "this checks nothing: {what} is computed and thrown away, so the test passes whatever the code does"
    SCOPE = "tests"
    # sound: every check of this detector sits in a function body or an assert statement
    TRIGGERS = ("def", "assert")
    VALID = (
        "def test_total():\n    assert total([1, 2]) == 3\n",
        "import pytest\n\ndef test_order():\n    with pytest.raises(TypeError):\n        object() < object()\n",
        "def test_mock(m):\n    m.assert_called_once_with(1)\n",
        "def test_raises():\n    try:\n        1 < 'a'\n    except TypeError:\n        pass\n",
        "def test_unreachable():\n    assert False, 'never here'\n",
        "def test_append(items):\n    items.append(1)\n    assert items\n",
    )
    INVALID = (
        Example("def test_total():\n    total([1, 2]) == 3\n", path="tests/test_total.py", line=2),
        Example("def test_mock(m):\n    m.assert_called_once\n", path="tests/test_mock.py", line=2),
        Example("def test_tuple(x):\n    assert (x == 1, 'x is one')\n", path="tests/test_t.py", line=2),
        Example("def test_kind(x):\n    isinstance(x, int)\n", path="tests/test_kind.py", line=2),
        Example("def test_spelt(m):\n    m.called_once_with(1)\n", path="tests/test_spelt.py", line=2),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._expected_failures = 0
        self._functions = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function: statements are checked in function bodies only."""
        self._functions += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._functions -= 1

    def visit_With(self, node: cst.With) -> None:
        """Count blocks in which failure is expected."""
        if any(EXPECTS_FAILURE.search(_context_name(item.item)) for item in node.items):
            self._expected_failures += 1

    def leave_With(self, original_node: cst.With) -> None:
        """Leave a block in which failure is expected."""
        if any(EXPECTS_FAILURE.search(_context_name(item.item)) for item in original_node.items):
            self._expected_failures -= 1

    def visit_Try(self, node: cst.Try) -> None:
        """A ``try`` body with handlers expects its expressions may fail."""
        if node.handlers:
            self._expected_failures += 1

    def leave_Try(self, original_node: cst.Try) -> None:
        """Leave such a ``try`` body (its handlers are visited after it, still counted: harmless)."""
        if original_node.handlers:
            self._expected_failures -= 1

    def visit_Expr(self, node: cst.Expr) -> None:
        """A statement-level expression in a function body that only computes a check."""
        if self._expected_failures or not self._functions:
            return
        what = discarded_check(node.value)
        if what:
            self.report(node, self.MESSAGE.format(what=what))

    def visit_Assert(self, node: cst.Assert) -> None:
        """An ``assert`` whose condition is always true."""
        if _always_true(node.test):
            self.report(node, self.MESSAGE.format(what="an assert on a constant that is always true"))


def _context_name(expression: cst.BaseExpression) -> str:
    """The dotted name of a ``with`` item's context manager (``pytest.raises`` for ``pytest.raises(E)``)."""
    return call_name(expression) if isinstance(expression, cst.Call) else dotted_name(expression)


def _checks_itself(node: cst.Call) -> bool:
    """Whether a call is told to fail on a bad result (``subprocess.run(..., check=True)``)."""
    return any(
        arg.keyword is not None and arg.keyword.value == "check"
        and isinstance(arg.value, cst.Name) and arg.value.value == "True"
        for arg in node.args
    )


class _Body:
    """What one test function's body does that can check something (state of the visit)."""

    def __init__(self, node: cst.FunctionDef) -> None:
        self.node = node
        self.checks = False
        self.calls: set[str] = set()


class AssertionFreeTest(Detector):
    """Finds test functions that assert nothing at all: no ``assert``, no expected exception, no check call.

    Tests are the ``test*`` functions pytest collects: at module level or methods of a test class, never
    functions nested in another (a route defined inside a fixture). A test checks something when its
    body (nested functions included) has an ``assert`` or a ``raise``, a ``with`` block expecting failure
    (``pytest.raises``, ``assertRaises``, ...), a call whose name may assert for it (``assertEqual``,
    ``check_*``, ``verify``, ``pytest.fail``, ``pytest.skip``, a ``*_test`` helper) or that is told to
    (``check=True``), a call of a helper defined in the same file or imported from test code, a ``self.``
    method call (unittest helpers), or a fixture that checks for it (``snapshot``, ``benchmark``,
    ``data_regression``), or a name or docstring that says it only checks that nothing raises
    (``test_load_does_not_raise``, "must not raise"), or a docstring or comment that it is there for the type
    checker. A test whose check is thrown away (``result == 3`` without ``assert``) is
    ``DiscardedCheck``'s finding, not reported here again.
    What is left only shows that the code ran without raising.
    """

    RULE = "RA308"
    CODE = "test-without-assertion"
    MESSAGE = "test `{name}` asserts nothing: it passes whenever the code runs without raising"
    SCOPE = "tests"
    # sound: a test function's name starts with "test"
    TRIGGERS = ("test",)
    VALID = (
        "def test_total():\n    assert total([1, 2]) == 3\n",
        "import pytest\n\ndef test_bad():\n    with pytest.raises(ValueError):\n        parse('x')\n",
        "def test_via_helper():\n    look(1)\n\ndef look(x):\n    assert x\n",
        "import unittest\n\nclass TestX(unittest.TestCase):\n    def test_x(self):\n        self.assertEqual(1, 1)\n",
        "def test_snap(snapshot):\n    snapshot.match(render())\n",
        "from .helpers import verify_output\n\ndef test_out():\n    verify_output(run())\n",
        "import pytest\n\n@pytest.fixture\ndef test_data():\n    return {}\n",
        "import subprocess\n\ndef test_docs_current():\n    subprocess.run(['git', 'diff'], check=True)\n",
        "import pytest\n\n@pytest.fixture\ndef client(app):\n    @app.get('/me')\n    def test_me():\n"
        "        return {}\n    return app\n",
        "class TestApi:\n    def test_route(self, app):\n        def test_inner():\n            pass\n"
        "        assert app\n",
        Example("def test_total():\n    total([1, 2]) == 3\n", path="tests/test_total.py"),
        "def test_bad_utf8_body_does_not_raise():\n    log_request(b'\\xff')\n",
        'def test_nullable_json():\n    """Constructing with None must not raise."""\n    Thing(data=None)\n',
        'def test_variance():\n    """Checked by the static type checker only."""\n    send: Stream[float] = make()\n',
        "def test_lifespan_subclass():\n    # makes sure subclasses fit the type hints of Lifespan\n"
        "    App(lifespan=span)\n",
    )
    INVALID = (
        Example("def test_runs():\n    run_job()\n", path="tests/test_jobs.py", line=1),
        # a pragma is no statement of purpose, whatever tool it names
        Example(
            "def test_cast():\n    value = load()  # type: ignore[no-untyped-call]  # mypy cannot see load\n",
            path="tests/test_x.py", line=1,
        ),
        Example("def test_empty():\n    pass\n", path="tests/test_jobs.py", line=1),
        Example("class TestApi:\n    async def test_get(self, client):\n        await client.get('/')\n",
                path="tests/test_api.py", line=2),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._classes: list[str] = []
        self._tests: list[_Body] = []
        self._unchecked: list[_Body] = []
        self._local_helpers: set[str] = set()
        self._test_imports: set[str] = set()
        self._functions = 0

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """Names imported from test code (relative imports, ``tests.*``, ``conftest``) may assert."""
        module = dotted_name(node.module) if node.module is not None else ""
        from_tests = bool(node.relative) or any(
            part in {"tests", "test", "testing", "conftest"} or part.startswith("test_") for part in module.split(".")
        )
        if from_tests and not isinstance(node.names, cst.ImportStar):
            self._test_imports.update(
                (alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name)
                 else dotted_name(alias.name))
                for alias in node.names
            )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Enter a class."""
        self._classes.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Leave a class."""
        self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Start a test, or note a helper function of the file."""
        if not self._tests and not self._classes and not node.name.value.startswith("test"):
            self._local_helpers.add(node.name.value)
        self._functions += 1
        if not self._tests and self._functions == 1 and _is_test_function(node, self._classes):
            body = _Body(node)
            params = [p.name.value for p in (*node.params.params, *node.params.kwonly_params)]
            body.checks = (
                any(name in ASSERTING_FIXTURES for name in params)
                or any(re.search(r"skip|xfail", dotted_name(_decorator(d))) for d in node.decorators)
                or _checks_nothing_on_purpose(node)
            )
            self._tests.append(body)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Keep a test that checked nothing until the file's helpers are all known."""
        self._functions -= 1
        if self._tests and self._tests[-1].node is original_node:
            body = self._tests.pop()
            if not body.checks:
                self._unchecked.append(body)

    def _checks(self) -> None:
        if self._tests:
            self._tests[-1].checks = True

    def visit_Assert(self, node: cst.Assert) -> None:
        """An assertion."""
        self._checks()

    def visit_Raise(self, node: cst.Raise) -> None:
        """A raise fails the test on purpose."""
        self._checks()

    def visit_Expr(self, node: cst.Expr) -> None:
        """A check thrown away is the discarded-check finding (RA307), the one cause: not reported twice."""
        if discarded_check(node.value):
            self._checks()

    def visit_Comment(self, node: cst.Comment) -> None:
        """A comment in the test saying it is there for the type checker (``# checks the type hints``).

        Pragmas (``# type: ignore``, ``# pyright: ...``, ``# noqa``) are instructions, not such a statement.
        """
        text = node.value.lstrip("#").strip()
        if not text.startswith(PRAGMAS) and FOR_TYPE_CHECKER.search(text):
            self._checks()

    def visit_With(self, node: cst.With) -> None:
        """A block that expects failure."""
        if any(EXPECTS_FAILURE.search(_context_name(item.item)) for item in node.items):
            self._checks()

    def visit_Call(self, node: cst.Call) -> None:
        """A call that may check on the test's behalf."""
        if not self._tests:
            return
        name = call_name(node)
        last = name.rsplit(".", 1)[-1]
        head = name.split(".", 1)[0]
        self._tests[-1].calls.add(name)
        if CHECKING_CALL.search(last) or head == "self" or head in self._test_imports or _checks_itself(node):
            self._checks()

    def leave_Module(self, original_node: cst.Module) -> None:
        """Report the tests that check nothing and call none of the file's helpers (which may assert)."""
        for body in self._unchecked:
            if not body.calls & self._local_helpers:
                self.report(body.node.name, self.MESSAGE.format(name=body.node.name.value))
