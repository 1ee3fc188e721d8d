"""Drive the sample code so that coverage has something partial to record."""

import app.almost  # noqa: F401
import app.bulk  # noqa: F401
from app.models import User
from app.repositories.users import UserRepository

repo = UserRepository()
repo.add(User("ada"))
assert repo.get("ada") is not None
assert repo.delete("bob") is False
