"""User repository: a critical-layer file that is only partly tested."""

from __future__ import annotations

from app.models import User


class UserRepository:
    """Keeps users in memory."""

    def __init__(self) -> None:
        self._users: dict[str, User] = {}

    def add(self, user: User) -> None:
        """Store a user."""
        self._users[user.name] = user

    def get(self, name: str) -> User | None:
        """Fetch a user by name."""
        return self._users.get(name)

    def delete(self, name: str) -> bool:
        """Remove a user; report whether it existed."""
        if name not in self._users:
            return False
        del self._users[name]
        return True

    def rename(self, old: str, new: str) -> None:
        """Rename a user."""
        user = self._users.pop(old)
        user.name = new
        self._users[new] = user
