"""``--run-tests``: run the target's pytest suite under coverage, with its interpreter and config."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from riskaudit.running.launch import module_command, safe_code
from riskaudit.running.process import can_import, run_process, tail, tool_output
from riskaudit.discovery import Target
from riskaudit.models import RawFinding, ToolRun, ToolStatus

TOOL = "pytest"
_COUNT = re.compile(r"(\d+) (failed|passed|errors?|skipped|xfailed|xpassed)")
_FAILED_TEST = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
_VERSION_PROBE = "import coverage, pytest; print('pytest', pytest.__version__, '/ coverage', coverage.__version__)"
_EXIT_MEANING = {
    2: "the run was interrupted or a collection error stopped it",
    3: "pytest hit an internal error",
    4: "pytest was called wrongly (usage error)",
    5: "pytest collected no tests",
}


def summary_counts(output: str) -> dict[str, int]:
    """Counts from pytest's closing summary line (``3 failed, 10 passed, 1 error in 2.1s``)."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    counts: dict[str, int] = {}
    for line in reversed(lines):
        found = _COUNT.findall(line)
        if found:
            for number, word in found:
                counts["errors" if word.startswith("error") else word] = int(number)
            break
    return counts


def failing_suite_finding(output: str) -> RawFinding:
    """The project-level finding for a red suite, naming the failed count and the first failures."""
    counts = summary_counts(output)
    failed, errors = counts.get("failed", 0), counts.get("errors", 0)
    names = _FAILED_TEST.findall(output)[:5]
    listed = f": {', '.join(names)}" if names else ""
    return RawFinding(
        tool=TOOL,
        code="failing-tests",
        message=f"the test suite is red: {failed} failed, {errors} error(s), {counts.get('passed', 0)} passed{listed}",
        path=None,
    )


def run_suite(target: Target, data_file: Path, timeout: float) -> ToolRun:
    """Run ``coverage run -m pytest`` in the target root; the data lands in ``data_file``."""
    python = target.python
    missing = [module for module in ("coverage", "pytest") if not can_import(python, module)]
    if missing:
        needed = " and ".join(missing)
        reason = f"cannot start: {python} cannot import {needed}; install it in the target environment"
        return ToolRun(TOOL, ToolStatus.FAILED, executable=python, reason=reason)
    # plain ``python -m``: the suite runs as the project's own ``python -m pytest`` does, its root on sys.path
    command = [python, "-m", "coverage", "run", f"--data-file={data_file}", "-m", "pytest", "-q"]
    command += ["-p", "no:cacheprovider"]
    result = run_process(command, cwd=target.root, timeout=timeout)
    run = ToolRun(
        TOOL,
        ToolStatus.OK,
        version=_version(python, target.root),
        executable=f"{python} -m coverage run -m pytest (target environment)",
        command=tuple(command),
        duration=result.duration,
    )
    output = f"{result.stdout}\n{result.stderr}"
    if result.returncode is None:
        return replace(run, status=ToolStatus.FAILED, reason=f"the test suite {result.error}")
    if result.returncode in (0, 1):
        combine_parallel(python, data_file, target.root, timeout)
        if not data_file.is_file():
            return replace(run, status=ToolStatus.FAILED, reason="the suite ran but wrote no coverage data")
        if result.returncode == 1:
            return replace(run, findings=(failing_suite_finding(output),), reason="the test suite is red")
        return run
    meaning = _EXIT_MEANING.get(result.returncode, f"exit code {result.returncode}")
    reason = f"the test suite could not run: {meaning}: {tail(output, 4)}"
    return replace(run, status=ToolStatus.FAILED, reason=reason, output=tool_output(result))


def combine_parallel(python: str, data_file: Path, cwd: Path, timeout: float) -> None:
    """With ``parallel = true`` coverage writes ``.coverage.*`` pieces: combine them into data_file."""
    pieces = list(data_file.parent.glob(f"{data_file.name}.*"))
    if pieces and not data_file.is_file():
        command = [*module_command(python, "coverage"), "combine", f"--data-file={data_file}", str(data_file.parent)]
        run_process(command, cwd=cwd, timeout=timeout)


def _version(python: str, cwd: Path) -> str:
    """``pytest X, coverage Y`` as the target environment has them."""
    probe = run_process(
        [python, "-c", safe_code(_VERSION_PROBE)],
        cwd=cwd,
        timeout=60,
    )
    return probe.stdout.strip() if probe.returncode == 0 else ""
