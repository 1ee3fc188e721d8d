"""Domain classes for the captured sample."""

from __future__ import annotations


class User:
    """A user."""

    def __init__(self, name: str, email: str | None = None) -> None:
        self.name = name
        self.email = email


class Update:
    """Stands in for a SQL UPDATE statement."""


class Delete:
    """Stands in for a SQL DELETE statement."""
