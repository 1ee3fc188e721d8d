"""ruff: the linter of projects that configure it, run with their config, its JSON report in a private file.

The target's own ruff runs when its environment has one, else riskaudit's. ruff finds the project's
config itself (the nearest ``pyproject.toml`` with ``[tool.ruff]``, ``ruff.toml`` or ``.ruff.toml``
from each file up), honours its excludes (``--force-exclude``, as a direct run of ``ruff check .``
would skip them), fixes nothing and writes no ``.ruff_cache`` into the target (riskaudit caches per
file). Under ``--untrusted`` it runs with ``--isolated``: no config, ruff's default rules. A ruff other
than the release the project pins is an environment issue of the run (``ruff_version``).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from riskaudit.collectors.tool_launch import tool_launch
from riskaudit.caching.store import NO_CACHE, Cache, digest, file_digest
from riskaudit.caching.tool_results import per_file
from riskaudit.collectors.interface import CollectContext, Collected
from riskaudit.collectors.linter_choice import RUFF_FILES
from riskaudit.collectors.report_file import read_report
from riskaudit.collectors.ruff_output import parse_output
from riskaudit.collectors.ruff_version import project_pin, version_issue
from riskaudit.discovery import Target
from riskaudit.models import RawFinding, ToolRun, ToolStatus
from riskaudit.running.launch import module_command
from riskaudit.running.process import display_command, failure, run_process, tail, tool_output

OPTIONS = ("check", "--output-format=json", "--exit-zero", "--no-fix", "--no-cache", "--force-exclude")
"""riskaudit's options: JSON, findings exit 0 (any other status is ruff failing), nothing written to the target."""
REPORT_SHOWN = "--output-file=<private report file>"
"""How the report file (a temporary file, gone after the run) appears in the command shown."""
CONFIG_NAMES = ("pyproject.toml", *RUFF_FILES)
"""The files ruff may read its config from, in each folder from a file up to the root."""


def _operands(paths: Sequence[str]) -> list[str]:
    """File operands for ruff, a relative path starting with ``-`` as ``./path``."""
    return [f"./{path}" if path.startswith("-") else path for path in paths]


def config_key(root: Path, files: Sequence[str]) -> str:
    """Digest of every config file ruff may read for these files: those in their folders and the root's."""
    folders = {Path(path).parent for path in files} | {Path(".")}
    for folder in list(folders):
        folders.update(folder.parents)
    parts: list[str] = []
    for folder in sorted(folders):
        for name in CONFIG_NAMES:
            path = root / folder / name
            if path.is_file():
                parts += [(folder / name).as_posix(), file_digest(path)]
    return digest(*parts)


def ruff_errors(stderr: str) -> list[str]:
    """The ``error:`` lines ruff printed: a file it could not read or lint, a panic (its warnings are not errors)."""
    return [line.strip() for line in stderr.splitlines() if line.strip().lower().startswith("error")]


def collect(target: Target, timeout: float, cache: Cache = NO_CACHE) -> ToolRun:
    """Run ruff on the target's files (changed ones only, with a cache) and return its findings."""
    launch = tool_launch(target, "ruff", cache)
    python, executable, version, problem, cwd = (
        launch.python, launch.executable, launch.version, launch.problem, launch.cwd
    )
    if problem:
        reason = f"ruff cannot run ({problem}); install it or choose flake8 with --linter flake8"
        return ToolRun("ruff", ToolStatus.FAILED, executable=executable, reason=reason)
    files = [f.path for f in target.files]
    if not files:
        return ToolRun("ruff", ToolStatus.SKIPPED, version, executable, reason="no Python files")
    base = [*module_command(python, "ruff"), *OPTIONS]
    if target.untrusted:
        base.append("--isolated")
    operands = _operands(files)
    run = ToolRun(
        "ruff", ToolStatus.OK, version=version, executable=executable,
        command=display_command([*base, REPORT_SHOWN, *operands], operands),
    )
    key = digest("ruff", version, python, "untrusted" if target.untrusted else config_key(target.root, files))
    start = time.monotonic()
    outcome: list[ToolRun] = []
    with tempfile.TemporaryDirectory(prefix="riskaudit-ruff-") as private:
        report = Path(private) / "report.json"

        def analyse(todo: Sequence[str]) -> dict[str, list[RawFinding]] | None:
            given = [str(target.root / path) for path in todo] if target.untrusted else _operands(todo)
            result = run_process([*base, f"--output-file={report}", *given], cwd=cwd, timeout=timeout)
            errors = ruff_errors(result.stderr)
            if result.returncode != 0 or errors:
                reason = result.error or tail("\n".join(errors) or result.stderr or result.stdout)
                reason = failure(result, reason or "no output")
                outcome.append(replace(run, status=ToolStatus.FAILED, reason=reason, output=tool_output(result)))
                return None
            parsed = read_report(report, parse_output, target.root, "ruff")
            if isinstance(parsed, str):
                outcome.append(replace(run, status=ToolStatus.FAILED, reason=parsed))
                return None
            grouped: dict[str, list[RawFinding]] = {path: [] for path in todo}
            for finding in parsed:
                path = finding.path or ""
                if path not in grouped:  # never dropped: its findings would be lost unseen
                    problem = f"ruff reported a file riskaudit did not give it: {path}"
                    outcome.append(replace(run, status=ToolStatus.FAILED, reason=problem))
                    return None
                grouped[path].append(finding)
            return grouped

        findings = per_file(cache, "ruff", key, target.root, files, analyse)
    if findings is None:
        return replace(outcome[0], duration=time.monotonic() - start)
    issue = None if target.untrusted else version_issue(version, project_pin(target.root))
    return replace(run, findings=findings, duration=time.monotonic() - start, environment=(issue,) if issue else ())


class Ruff:
    """ruff behind the collector interface (it runs when the scan's linter is ruff)."""

    def collect(self, context: CollectContext) -> Collected:
        """Return ruff's run on the target's files."""
        return Collected((collect(context.target, context.options.timeout, context.cache),))


COLLECTOR = Ruff()
"""The ruff collector (see ``riskaudit.collectors.registry``)."""
