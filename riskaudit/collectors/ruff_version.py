"""The ruff release a project pins, and whether the ruff that ran is another one.

ruff's releases differ in more than fixes: the default rule set (what a config without ``select``
checks), rule names, the codes a selector such as ``B`` expands to, and messages change between
minor versions. A project's config is written for the ruff it pins, so a scan with another ruff can
report findings the project's own run never shows (or miss some). The pin is read where projects
keep it: the ``rev`` of the ruff-pre-commit hook in ``.pre-commit-config.yaml``, an exact
(``==``) or compatible (``~=``) requirement in ``pyproject.toml`` or a ``requirements*.txt`` in the root.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from riskaudit.models import EnvironmentIssue

_HOOK_REPO = re.compile(r"^\s*-?\s*repo:\s*['\"]?https?://github\.com/[\w.-]+/ruff-pre-commit", re.MULTILINE)
_REV = re.compile(r"^\s*rev:\s*['\"]?v?(?P<version>\d+\.\d+(?:\.\d+)?)['\"]?\s*(?:#.*)?$")
_REQUIREMENT = re.compile(r"^\s*ruff\s*(?:\[[^\]]*\])?\s*(?:==|~=)\s*(?P<version>\d+\.\d+(?:\.\d+)?)\s*(?:[;#].*)?$")
_RAN = re.compile(r"ruff (?P<major>\d+)\.(?P<minor>\d+)")


@dataclass(frozen=True)
class Pin:
    """A ruff version the project pins, and where."""

    version: str
    """Like ``0.6.9``."""
    where: str
    """The file that pins it, like ``.pre-commit-config.yaml``."""

    @property
    def minor(self) -> tuple[int, int]:
        """Major and minor version."""
        major, minor = self.version.split(".")[:2]
        return int(major), int(minor)


def _read(path: Path) -> str:
    """A small text file, or empty when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    except OSError:
        return ""


def _hook_pin(root: Path) -> Pin | None:
    """The ``rev`` of the ruff-pre-commit repository in the root's ``.pre-commit-config.yaml``."""
    text = _read(root / ".pre-commit-config.yaml")
    match = _HOOK_REPO.search(text)
    if match is None:
        return None
    for line in text[match.end():].splitlines()[1:6]:
        if line.lstrip().startswith("- repo:"):
            return None
        rev = _REV.match(line)
        if rev:
            return Pin(rev["version"], ".pre-commit-config.yaml")
    return None


def _strings(value: object) -> Iterator[str]:
    """Every string anywhere in a TOML value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "ruff" and isinstance(item, str):  # poetry: ruff = "0.6.9" (or "==0.6.9")
                yield f"ruff=={item.lstrip('=')}"
            else:
                yield from _strings(item)


def _requirement_pin(root: Path) -> Pin | None:
    """An exact or compatible ruff requirement in ``pyproject.toml`` or a root ``requirements*.txt``."""
    try:
        data = tomllib.loads(_read(root / "pyproject.toml"))
    except tomllib.TOMLDecodeError:
        data = {}
    sources = [("pyproject.toml", list(_strings(data)))]
    sources += [(path.name, _read(path).splitlines()) for path in sorted(root.glob("requirements*.txt"))]
    for where, lines in sources:
        for line in lines:
            match = _REQUIREMENT.match(line)
            if match:
                return Pin(match["version"], where)
    return None


def project_pin(root: Path) -> Pin | None:
    """The ruff version the project pins: its pre-commit hook first (what its developers run), else a requirement."""
    return _hook_pin(root) or _requirement_pin(root)


def version_issue(ran: str, pin: Pin | None) -> EnvironmentIssue | None:
    """An environment issue when the ruff that ran (``ruff 0.17.6``) is another minor release than the pin."""
    match = _RAN.search(ran)
    if pin is None or match is None or (int(match["major"]), int(match["minor"])) == pin.minor:
        return None
    return EnvironmentIssue(
        kind="tool-version",
        subject="ruff",
        tool="ruff",
        detail=(
            f"{ran} ran, the project pins ruff {pin.version} ({pin.where}): default rules, selectors and "
            "messages differ between ruff releases, so findings may differ from the project's own run"
        ),
        fix=f"install ruff=={pin.version} in the interpreter given with --python; riskaudit then runs that one",
    )
