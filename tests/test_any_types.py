"""mypy errors that only say a missing package's names are Any are put down to that package, and only those."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskaudit.environment.any_types import MissingOrigins
from riskaudit.models import RawFinding
from riskaudit.sources import build_index

FILES = {
    "app/__init__.py": "",
    "app/compat.py": "import click\nfrom pydantic import SecretStr\n",
    "app/types.py": (
        "from typing import Union\n"
        "from pydantic import SecretStr\n"
        "try:\n"
        "    from msgspec import UnsetType as _Real\n"
        "    UnsetType = _Real\n"
        "except ImportError:\n"
        "    UnsetType = None\n"
        "Secret = Union[str, SecretStr]\n"
        "Local = int\n"
        "from sqlalchemy import orm\n"
        "BASE = orm.declarative_base()\n"
    ),
    "app/models.py": (
        "from sqlalchemy.orm import DeclarativeBase\n"
        "from sqlalchemy.types import TypeDecorator\n"
        "from app.compat import click\n"
        "from app.base import Mine\n"
        "\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "\n"
        "class Flag(TypeDecorator[bool]):\n"
        "    pass\n"
        "\n"
        "class Group(click.Group):\n"
        "    pass\n"
        "\n"
        "class Other(Mine):\n"
        "    pass\n"
        "\n"
        "class Multi(\n"
        "    Mine,\n"
        "    DeclarativeBase,\n"
        "): ...\n"
    ),
    "app/web.py": (
        "from fastapi import APIRouter\n"
        "from flask import Flask\n"
        "router = APIRouter()\n"
        "\n"
        "def untyped(fn):\n"
        "    return fn\n"
        "\n"
        "@router.get('/')\n"
        "async def index() -> None: ...\n"
        "\n"
        "def register(app: Flask) -> None:\n"
        "    @app.teardown_appcontext\n"
        "    def close(exc: object) -> None: ...\n"
        "\n"
        "@untyped\n"
        "def mine() -> None: ...\n"
    ),
}
MISSING = {"sqlalchemy", "click", "pydantic", "msgspec", "fastapi", "flask"}


@pytest.fixture(scope="module")
def origins(tmp_path_factory: pytest.TempPathFactory) -> MissingOrigins:
    root = tmp_path_factory.mktemp("project")
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return MissingOrigins(build_index(root, FILES), MISSING)


def _mypy(path: str, line: int, message: str, code: str = "misc") -> RawFinding:
    return RawFinding("mypy", code, message, path, line, 1)


@pytest.mark.parametrize(
    ("finding", "package"),
    [
        (_mypy("app/models.py", 6, 'Class cannot subclass "DeclarativeBase" (has type "Any")'), "sqlalchemy"),
        (_mypy("app/models.py", 9, 'Class cannot subclass value of type "Any"'), "sqlalchemy"),
        (_mypy("app/models.py", 12, 'Class cannot subclass "Group" (has type "Any")'), "click"),
        (_mypy("app/models.py", 20, 'Class cannot subclass "DeclarativeBase" (has type "Any")'), "sqlalchemy"),
        (_mypy("app/types.py", 8, 'Variable "app.types.Secret" is not valid as a type', "valid-type"), "pydantic"),
        (_mypy("app/types.py", 8, 'Variable "app.types.UnsetType" is not valid as a type', "valid-type"), "msgspec"),
        (_mypy("app/types.py", 8, 'Invalid base class "BASE"'), "sqlalchemy"),
        (_mypy("app/web.py", 8, 'Untyped decorator makes function "index" untyped'), "fastapi"),
        (_mypy("app/web.py", 12, 'Untyped decorator makes function "close" untyped'), "flask"),
    ],
)
def test_errors_about_a_missing_packages_names(origins: MissingOrigins, finding: RawFinding, package: str) -> None:
    assert origins.package_of(finding) == package


@pytest.mark.parametrize(
    "finding",
    [
        _mypy("app/models.py", 15, 'Class cannot subclass "Mine" (has type "Any")'),
        _mypy("app/types.py", 9, 'Variable "app.types.Local" is not valid as a type', "valid-type"),
        _mypy("app/types.py", 9, 'Invalid base class "Local"'),
        _mypy("app/web.py", 15, 'Untyped decorator makes function "mine" untyped'),
        _mypy("app/models.py", 6, 'Incompatible types in assignment (expression has type "int")', "assignment"),
        RawFinding("flake8", "F401", 'Class cannot subclass "DeclarativeBase" (has type "Any")', "app/models.py", 6),
    ],
)
def test_errors_that_are_the_codes_own(origins: MissingOrigins, finding: RawFinding) -> None:
    assert origins.package_of(finding) is None


def test_nothing_is_put_down_to_an_installed_package(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("from sqlalchemy.orm import DeclarativeBase\n\nclass B(DeclarativeBase): ...\n")
    origins = MissingOrigins(build_index(tmp_path, ["m.py"]), {"click"})
    assert origins.package_of(_mypy("m.py", 3, 'Class cannot subclass "DeclarativeBase" (has type "Any")')) is None
