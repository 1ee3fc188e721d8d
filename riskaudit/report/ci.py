"""What the CI formats (SARIF and GitHub annotations) share: severity levels and repository paths."""

from __future__ import annotations

from pathlib import PurePosixPath

from riskaudit.models import Severity

SARIF_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
"""SARIF ``level`` of each severity."""
GITHUB_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}
"""GitHub Actions workflow command of each severity."""


def repo_path(root: str, path: str) -> str:
    """A finding's path as CI sees it: relative to the folder riskaudit ran in.

    Findings carry paths relative to the scanned target. When the target was given as a relative
    path below the working folder (``riskaudit scan backend`` from the repository root), the CI
    formats prefix it, so that GitHub finds ``backend/app/db.py``. An absolute target, ``.`` or a
    path leaving the working folder leaves the path as it is.
    """
    base = PurePosixPath(root)
    if base.is_absolute() or ".." in base.parts or not base.parts or str(base) == ".":
        return path
    return (base / path).as_posix()
