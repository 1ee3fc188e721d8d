"""The detectors' source positions: the shortcut past libcst's extra tree walk gives libcst's own ranges."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider
from support import FIXTURES, REPO

from riskaudit.detectors.runner import LazyPositions, positions

FILES = sorted([*(REPO / "riskaudit").rglob("*.py"), *FIXTURES.rglob("*.py")])


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(REPO).as_posix())
def test_positions_equal_libcsts_resolve(path: Path) -> None:
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    found = positions(MetadataWrapper(module, unsafe_skip_copy=True))
    assert dict(found) == dict(expected)


def test_lazy_positions_answer_for_any_node_of_the_module() -> None:
    wrapper = MetadataWrapper(cst.parse_module("x = 1\n\n\ndef f(a):\n    return a.b\n"), unsafe_skip_copy=True)
    lookup = LazyPositions(wrapper)
    function = wrapper.module.body[1]
    assert isinstance(function, cst.FunctionDef)
    assert (lookup(function).start.line, lookup(function).end.line) == (4, 5)
    assert lookup(function.name).start.column == 4
