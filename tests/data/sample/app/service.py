import asyncio
import json
from typing import Generic, Optional, TypeVar

import notinstalled_pkg

from app.models import Delete, Update, User


async def save(user: User) -> None:
    await asyncio.sleep(0)


async def handler(user: User) -> None:
    save(user)


def nickname(user: User) -> str:
    return user.nickname


def reuse() -> None:
    count: int = "three"
    statement: Delete = Update()
    print(count, statement)


def total(values: list[float]) -> float:
    return sum(values)


def call_total() -> float:
    ints: list[int] = [1, 2]
    return total(ints)


def parse(text: str) -> int:
    return json.loads(text)


def email_domain(user: Optional[User]) -> str:
    return user.email.split("@")[1]


def ignored() -> int:
    value = 1  # type: ignore
    return value


reveal_type(notinstalled_pkg)


def compare(flag, other=[]):
    unused = 1
    if flag == True:
        return None
    if other == None:
        return missing_name
    try:
        return len(other)   
    except:
        return 0


def branchy(a: int, b: int, c: int) -> int:
    """Return something branchy."""
    if a > 100:
        return -1
    if b > 100:
        return -2
    if c > 100:
        return -3
    total = 0
    for i in range(a):
        if i % 2:
            total += 1
        elif i % 3:
            total += 2
        elif i % 5:
            total += 3
        else:
            total += 4
    while b > 0:
        if b > 10 and c:
            b -= 10
        elif b > 5 or c > 2:
            b -= 5
        else:
            b -= 1
    if c and a and b:
        total += 1
    return total


def describe(user: User) -> str:
    """returns a description"""
    return user.name


T = TypeVar("T")


class Repository(Generic[T]):
    """Soft-deletes rows of any model."""

    def __init__(self, model: type[T]) -> None:
        self.model = model

    def live(self) -> object:
        """Rows not soft-deleted."""
        if hasattr(self.model, "deleted_at"):
            return self.model.deleted_at
        return None


def dump() -> str:
    """Use names the json module does not have."""
    from json import dumps_pretty

    return dumps_pretty({}) + json.dumps_compact({})
