"""Which interpreter runs a Python tool on a target, where, and which version of the tool that is.

flake8, mypy and ruff are started the same way: from the target's environment when it has the tool
(else riskaudit's), from an interpreter new enough for the project's declared Python when one is
found, in the target's root (an empty folder under ``--untrusted``), after asking the tool its version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from riskaudit.caching.store import Cache
from riskaudit.caching.tool_results import cached_tool_version
from riskaudit.discovery import Target
from riskaudit.environment.python import tool_interpreter
from riskaudit.running import isolation


@dataclass(frozen=True)
class ToolLaunch:
    """How a tool is started on a target."""

    python: str
    """The interpreter that runs it (``python -m TOOL``)."""
    executable: str
    """The interpreter, the tool and why that interpreter, as the report shows it."""
    cwd: Path
    """Where it runs: the target's root, or an empty folder under ``--untrusted``."""
    version: str
    """The version it reported; empty when it cannot run."""
    problem: str
    """Why it cannot run; empty when it can."""


def tool_launch(target: Target, module: str, cache: Cache, version_options: Sequence[str] = ()) -> ToolLaunch:
    """The launch of ``python -m module`` on the target (``version_options`` go before ``--version``)."""
    needed = target.declared_python.version if target.declared_python else None
    python, origin = tool_interpreter(target.python, module, target.root, needed, search=not target.untrusted)
    cwd = isolation.work_dir() if target.untrusted else target.root
    version, problem = cached_tool_version(python, module, cwd, cache, version_options)
    return ToolLaunch(python, f"{python} -m {module} ({origin})", cwd, version, problem)
