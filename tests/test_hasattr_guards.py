"""The one hasattr-guard analysis: which uses of ``obj.attr`` only a ``hasattr(obj, "attr")`` guard vouches for.

The detector (RA117/RA102) and the ``hasattr-guard`` fact of mypy's findings both read it; the detector's own
policy (modules, dunders, declared attributes, writes) is tested with its examples.
"""

from __future__ import annotations

import textwrap

import pytest

from riskaudit.detectors.analysis.hasattr_guards import GuardedUse, guarded_uses


def _uses(source: str) -> set[tuple[str, str, int]]:
    return {(use.obj, use.attr, use.line) for use in guarded_uses(textwrap.dedent(source))}


GUARD_CASES = {
    "if-body": (
        """\
        def f(obj):
            if hasattr(obj, "name"):
                value = obj.name
                return value
            return None
        """,
        {("obj", "name", 3)},
    ),
    "and-conjunction": (
        """\
        def live(self, flag):
            if flag and hasattr(self.model, "deleted_at") and self.ready:
                return self.model.deleted_at
            return None
        """,
        {("self.model", "deleted_at", 3)},
    ),
    "not-hasattr-return-guards-rest": (
        """\
        def close(obj):
            prepare()
            if not hasattr(obj, "close"):
                return
            obj.flush()

            obj.close()
        """,
        {("obj", "close", 7)},
    ),
    "not-hasattr-raise": (
        """\
        if not hasattr(config, "url"):
            raise RuntimeError("no url")
        connect(config.url)
        """,
        {("config", "url", 3)},
    ),
    "not-hasattr-continue-in-loop": (
        """\
        for item in items:
            if not hasattr(item, "size"):
                continue
            total += item.size
        print(total)
        """,
        {("item", "size", 4)},
    ),
    "not-hasattr-or-else-branch": (
        """\
        def f(obj):
            if not hasattr(obj, "a") or obj.a is None:
                return 0
            else:
                return obj.a
        """,
        {("obj", "a", 2), ("obj", "a", 5)},
    ),
    "not-hasattr-or-early-return": (
        """\
        def f(obj):
            if not hasattr(obj, "a") or not hasattr(obj, "b"):
                return 0
            return obj.a + obj.b
        """,
        {("obj", "a", 4), ("obj", "b", 4)},
    ),
    "not-and-early-return": (
        """\
        def f(obj):
            if not (hasattr(obj, "a") and hasattr(obj, "b")):
                return 0
            x = obj.a
            return x + obj.b
        """,
        {("obj", "a", 4), ("obj", "b", 5)},
    ),
    "not-hasattr-with-else": (
        """\
        if not hasattr(obj, "a"):
            pass
        else:
            use(obj.a)
        """,
        {("obj", "a", 4)},
    ),
    "elif": (
        """\
        if flag:
            pass
        elif hasattr(obj, "a"):
            use(obj.a)
        """,
        {("obj", "a", 4)},
    ),
    "nested": (
        """\
        if hasattr(obj, "a"):
            if hasattr(obj.a, "b"):
                use(obj.a.b)
        """,
        {("obj", "a", 2), ("obj", "a", 3), ("obj.a", "b", 3)},
    ),
    "ternary": (
        """\
        value = obj.a if hasattr(obj, "a") else None
        """,
        {("obj", "a", 1)},
    ),
    "ternary-multiline": (
        """\
        value = (
            obj.a
            if hasattr(obj, "a")
            else None
        )
        """,
        {("obj", "a", 2)},
    ),
    "ternary-negated": (
        """\
        value = None if not hasattr(obj, "a") else obj.a
        """,
        {("obj", "a", 1)},
    ),
    "hasattr-early-return-guards-only-its-body": (
        """\
        def f(obj):
            if hasattr(obj, "a"):
                return obj.a
            use(obj.a)
        """,
        {("obj", "a", 3)},
    ),
    "class-attribute-object": (
        """\
        class Repo:
            def delete(self, row):
                if hasattr(self.model, "deleted_at"):
                    row.deleted_at = self.model.deleted_at
        """,
        {("self.model", "deleted_at", 4)},
    ),
}

NO_GUARD_CASES = {
    "plain-if": """\
        if x:
            use(x.a)
        """,
    "hasattr-or": """\
        if hasattr(obj, "a") or hasattr(obj, "b"):
            use(obj.a)
        """,
    "attribute-name-not-constant": """\
        if hasattr(obj, name):
            use(getattr(obj, name))
        """,
    "method-called-hasattr": """\
        if checks.hasattr(obj, "a"):
            use(obj.a)
        """,
    "hasattr-one-argument": """\
        if hasattr(obj):
            use(obj.a)
        """,
    "getattr": """\
        if getattr(obj, "a", None):
            use(obj.a)
        """,
    "not-hasattr-without-exit": """\
        if not hasattr(obj, "a"):
            log("missing")
        use(obj.a)
        """,
    "early-exit-is-last-statement": """\
        def f(obj):
            if not hasattr(obj, "a"):
                return
        """,
    "exit-not-last-in-body": """\
        def f(obj):
            if not hasattr(obj, "a"):
                return
                cleanup()
            use(obj.a)
        """,
}


RICHER_CASES = {
    "and-right-side": (
        """\
        ok = hasattr(obj, "read") and callable(obj.read)
        """,
        {("obj", "read", 1)},
    ),
    "or-right-side": (
        """\
        value = not hasattr(obj, "name") or obj.name
        """,
        {("obj", "name", 1)},
    ),
    "while-body": (
        """\
        while hasattr(node, "parent"):
            node = node.parent
        """,
        {("node", "parent", 2)},
    ),
    "assert-rest-of-block": (
        """\
        def f(obj):
            use(obj.name)
            assert hasattr(obj, "name")
            return obj.name
        """,
        {("obj", "name", 4)},
    ),
    "comprehension-filter": (
        """\
        names = [o.name for o in objs if hasattr(o, "name")]
        mapping = {o: o.size for o in objs if o and hasattr(o, "size")}
        """,
        {("o", "name", 1), ("o", "size", 2)},
    ),
    "early-exit-with-else": (
        """\
        def f(obj):
            if not hasattr(obj, "a"):
                return 1
            else:
                pass
            return obj.a
        """,
        {("obj", "a", 6)},
    ),
    "dunder-attributes-are-guarded-too": (
        """\
        name = func.__qualname__ if hasattr(func, "__qualname__") else repr(func)
        """,
        {("func", "__qualname__", 1)},
    ),
    "object-that-is-no-dotted-name": (
        """\
        if hasattr(type(seq), "_make"):
            result = type(seq)._make(items)
        if hasattr(rows[0], "keys"):
            columns = rows[0].keys()
            other = rows[1].keys()
        """,
        {("type(seq)", "_make", 2), ("rows[0]", "keys", 4)},
    ),
}

NOT_VOUCHED_FOR = {
    "rebound-inside-the-guard": """\
        if hasattr(value, "items"):
            value = cast(Mapping, value)
            pairs = list(value.items())
        """,
    "rebound-by-a-loop": """\
        if hasattr(row, "id"):
            for row in rows:
                use(row.id)
        """,
    "annotated-rebinding": """\
        if hasattr(model, "table"):
            model: Model = build(model)
            use(model.table)
        """,
    "while-else-is-no-guard": """\
        while not hasattr(node, "parent"):
            node = step(node)
        """,
    "no-hasattr-at-all": """\
        use(obj.name)
        """,
    "libcst-cannot-parse": """\
        if hasattr(obj, "a"):
            print obj.a
        """,
}


@pytest.mark.parametrize(("source", "expected"), list(GUARD_CASES.values()), ids=list(GUARD_CASES))
def test_guarded_uses(source: str, expected: set[tuple[str, str, int]]) -> None:
    assert _uses(source) == expected


@pytest.mark.parametrize(("source", "expected"), list(RICHER_CASES.values()), ids=list(RICHER_CASES))
def test_guard_forms_beyond_if(source: str, expected: set[tuple[str, str, int]]) -> None:
    assert _uses(source) == expected


@pytest.mark.parametrize("source", [*NO_GUARD_CASES.values(), *NOT_VOUCHED_FOR.values()],
                         ids=[*NO_GUARD_CASES, *NOT_VOUCHED_FOR])
def test_no_guarded_use(source: str) -> None:
    assert _uses(source) == set()


def test_a_use_is_placed_at_the_start_of_its_object() -> None:
    source = "def f(self):\n    if hasattr(self.model, 'x'):\n        return g(1, self.model . x)\n"
    assert guarded_uses(source) == (GuardedUse("self.model", "x", 3, 20),)
