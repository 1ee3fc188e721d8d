"""Which indented blocks enclose the node a detector visits: a path-insensitive notion of "on the same path"."""

from __future__ import annotations

import libcst as cst


class TracksBlocks(cst.BatchableCSTVisitor):
    """A mixin for detectors: ``enclosing_blocks`` holds the ids of the indented blocks around the visited node.

    Something recorded in a block is on the path of a later node when that block still encloses it: the
    ``if`` body of an earlier assignment does not enclose the ``else`` body of a later ``return``.
    """

    def __init__(self) -> None:  # a mixin: the detector's own __init__ sets up the visitor, then calls this
        self.enclosing_blocks: list[int] = []
        """ids of the enclosing blocks, innermost last."""

    @property
    def current_block(self) -> int:
        """The innermost enclosing block (0 outside any: a one-line ``def``)."""
        return self.enclosing_blocks[-1] if self.enclosing_blocks else 0

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        """Enter a block."""
        self.enclosing_blocks.append(id(node))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        """Leave a block."""
        self.enclosing_blocks.pop()
