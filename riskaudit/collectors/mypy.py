"""mypy: run it with the target's config and interpreter, parse its JSON (or text) output."""

from __future__ import annotations

import ast
import configparser
import os
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from riskaudit.collectors.paths import relative_posix
from riskaudit.cache import NO_CACHE, Cache, config_digest, digest, file_digest, findings_from_json, findings_to_json
from riskaudit.collectors import isolation
from riskaudit.collectors.cached import cached_tool_version, environment_stamp
from riskaudit.collectors.launch import module_command
from riskaudit.collectors.process import ProcessResult, display_command, pick_interpreter, run_process, tail
from riskaudit.discovery import Target
from riskaudit.models import RawFinding, ToolRun, ToolStatus

_TEXT_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<severity>error|warning|note): "
    r"(?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_VERSION = re.compile(r"mypy (\d+)\.(\d+)")
_PLAIN_NOTE = re.compile(r"^\S.*?: note: ")
"""A plain-text note mypy prints even in JSON mode (e.g. ``unused section(s)`` from config checks)."""


class MypyOutputError(ValueError):
    """mypy printed something that is not its documented output format."""


def parse_json_output(stdout: str, root: Path) -> tuple[RawFinding, ...]:
    """Parse ``mypy --output json`` (one object per line); notes are folded into their error."""
    findings: list[RawFinding] = []
    for number, line in enumerate(stdout.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            text = parse_text_output(line, root)
            if text:
                findings.extend(text)
                continue
            if _PLAIN_NOTE.match(line):
                continue
            raise MypyOutputError(f"line {number} of mypy's output is not JSON: {line[:120]!r}") from None
        if not isinstance(item, dict) or "file" not in item or "message" not in item:
            raise MypyOutputError(f"line {number} of mypy's output is not a mypy message")
        severity = item.get("severity", "error")
        if severity == "note":
            continue
        message = str(item["message"])
        hint = item.get("hint")
        if hint:
            message = f"{message} ({hint})"
        column = item.get("column")
        findings.append(
            RawFinding(
                tool="mypy",
                code=str(item.get("code") or "misc"),
                message=message,
                path=relative_posix(str(item["file"]), root),
                line=int(item["line"]) if item.get("line") is not None else None,
                column=int(column) + 1 if isinstance(column, int) and column >= 0 else None,
            )
        )
    return tuple(findings)


def parse_text_output(stdout: str, root: Path) -> tuple[RawFinding, ...]:
    """Parse mypy's classic ``path:line:col: error: message  [code]`` output (mypy < 1.11)."""
    findings: list[RawFinding] = []
    for line in stdout.splitlines():
        match = _TEXT_LINE.match(line)
        if match is None or match["severity"] == "note":
            continue
        findings.append(
            RawFinding(
                tool="mypy",
                code=match["code"] or "misc",
                message=match["message"],
                path=relative_posix(match["path"], root),
                line=int(match["line"]),
                column=int(match["col"]) if match["col"] else None,
            )
        )
    return tuple(findings)


_ERROR_LINE = re.compile(
    r"^(?P<path>[^\n]+?):(?:(?P<line>\d+):)?(?:\d+:)? ?error: (?P<message>.*?)(?:  \[[a-z0-9-]+\])?$"
)


def blocking_errors(output: str, root: Path, files: set[str]) -> dict[str, RawFinding]:
    """The scanned files a failed (exit 2) mypy run names in errors, each with its first error.

    Syntax errors, null bytes and undecodable files stop mypy before it checks anything; these
    become findings (code ``syntax``) so that the rest of the files can be checked without them.
    """
    found: dict[str, RawFinding] = {}
    for text in output.splitlines():
        try:
            item = json.loads(text)
        except json.JSONDecodeError:
            item = None
        if isinstance(item, dict) and "file" in item and item.get("severity", "error") == "error":
            path, line, message = str(item["file"]), item.get("line"), str(item.get("message", ""))
        elif (match := _ERROR_LINE.match(text)) is not None:
            path, line, message = match["path"], match["line"], match["message"]
        else:
            continue
        relative = relative_posix(path, root)
        if relative in files and relative not in found:
            number = int(line) if isinstance(line, (int, str)) and str(line).isdigit() and int(line) > 0 else None
            message = f"mypy cannot parse this file: {message}"
            found[relative] = RawFinding("mypy", "syntax", message, relative, number)
    return found


def too_deep(root: Path, paths: Iterable[str]) -> dict[str, RawFinding]:
    """Files Python's own parser gives up on (RecursionError, MemoryError): mypy crashes on those."""
    found: dict[str, RawFinding] = {}
    for path in paths:
        relative = relative_posix(path, root)
        try:
            ast.parse((root / relative).read_bytes())
        except (RecursionError, MemoryError) as exc:
            message = f"mypy crashed, and Python cannot parse this file either ({type(exc).__name__}: {exc})"
            found[relative] = RawFinding("mypy", "syntax", message, relative)
        except (OSError, SyntaxError, ValueError):
            continue
    return found


def run_without_unreadable(
    command: list[str], cwd: Path, timeout: float, root: Path, files: set[str]
) -> tuple[ProcessResult, dict[str, RawFinding]]:
    """Run mypy, again without the files that stop it (blocking errors, crashes on too deep code).

    Returns the last run and a finding per file left out.
    """
    result = run_process(command, cwd=cwd, timeout=timeout)
    stopped: dict[str, RawFinding] = {}
    while "--" in command and result.returncode is not None and (result.returncode == 2 or result.returncode < 0):
        cut = command.index("--") + 1
        if result.returncode == 2:
            blocked = blocking_errors(f"{result.stdout}\n{result.stderr}", root, files)
        else:  # killed by a signal (a segfault): leave out what Python's parser cannot handle either
            blocked = too_deep(root, command[cut:])
        rest = [arg for arg in command[cut:] if relative_posix(arg, root) not in blocked]
        if not blocked or len(rest) == len(command) - cut:
            break
        stopped.update(blocked)
        if not rest:
            return ProcessResult(0, "", "", result.duration), stopped
        command = command[:cut] + rest
        result = run_process(command, cwd=cwd, timeout=timeout)
    return result, stopped


def supports_json(version: str) -> bool:
    """Whether this mypy has ``--output json`` (added in mypy 1.11)."""
    match = _VERSION.search(version)
    if match is None:
        return False
    return (int(match[1]), int(match[2])) >= (1, 11)


def _pyproject_mypy(path: Path) -> dict[str, object] | None:
    """The ``[tool.mypy]`` table of a pyproject.toml, or None when it has none or cannot be read."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    tool = data.get("tool")
    section = tool.get("mypy") if isinstance(tool, dict) else None
    return section if isinstance(section, dict) else None


def _ini_mypy(path: Path, always: bool) -> configparser.ConfigParser | None:
    """The parsed ini file when mypy would use it (``always``, or it has a ``[mypy]`` section)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return parser if always else None
    return parser if always or parser.has_section("mypy") else None


def config_declares_files(root: Path) -> bool:
    """Whether the mypy config in effect names its own ``files`` (then mypy is run without paths).

    Follows mypy's own search order: ``mypy.ini`` and ``.mypy.ini`` (used even without a ``[mypy]``
    section), then ``pyproject.toml`` with ``[tool.mypy]``, then ``setup.cfg`` with ``[mypy]``.
    """
    for name in ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg"):
        path = root / name
        if not path.is_file():
            continue
        if name == "pyproject.toml":
            section = _pyproject_mypy(path)
            if section is not None:
                return "files" in section
            continue
        parser = _ini_mypy(path, always=name != "setup.cfg")
        if parser is not None:
            return parser.has_option("mypy", "files") if parser.has_section("mypy") else False
    return False


def build_command(python: str, target: Target, use_json: bool, files: Iterable[str]) -> list[str]:
    """The mypy command line for this target."""
    if target.untrusted:  # riskaudit's own config: none of the target's plugins or python_executable
        command = [*module_command(python, "mypy"), "--config-file", str(isolation.mypy_config()), "--no-error-summary"]
    else:
        command = [*module_command(python, "mypy"), "--python-executable", target.python, "--no-error-summary"]
    if use_json:
        command += ["--output", "json"]
    else:
        command += ["--show-column-numbers", "--show-error-codes", "--no-pretty", "--hide-error-context"]
    if target.untrusted or not config_declares_files(target.root):
        command += ["--", *files]
    return command


def _explain_failure(stdout: str, stderr: str, use_json: bool, root: Path) -> str:
    """Why mypy stopped: its own messages when it printed any, else the tail of its output."""
    parse = parse_json_output if use_json else parse_text_output
    try:
        messages = parse(f"{stdout}\n{stderr}", root)
    except MypyOutputError:
        messages = ()
    if messages:
        return "; ".join(f"{m.path}:{m.line}: {m.message}" for m in messages[:3])
    return tail(stderr or stdout) or "no output"


CACHED_NOTE = ", unchanged since the cached run"
"""Appended to the executable when the whole result came from the cache."""
CONFIG_FILES = ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg")
"""Where mypy reads its configuration."""


def result_key(target: Target, python: str, version: str) -> str | None:
    """Cache key of a whole mypy run: version, config, every file's content and the target environment.

    None when the target environment cannot be fingerprinted (then mypy always runs).
    """
    stamp = environment_stamp(target.python)
    if stamp is None:
        return None
    files = [part for f in target.files for part in (f.path, file_digest(target.root / f.path))]
    return digest("mypy", version, python, target.python, stamp, config_digest(target.root, CONFIG_FILES), *files)


def collect(target: Target, timeout: float, cache: Cache = NO_CACHE) -> ToolRun:
    """Run mypy on the target and return its findings, or why it could not run.

    With a cache, an unchanged tree reuses the last result, and mypy's own incremental cache lives
    in ``.riskaudit_cache/mypy`` (unless ``MYPY_CACHE_DIR`` says otherwise).
    """
    python, origin = pick_interpreter(target.python, "mypy")
    executable = f"{python} -m mypy ({origin})"
    cwd = isolation.work_dir() if target.untrusted else target.root
    version, problem = cached_tool_version(python, "mypy", cwd, cache)
    if problem:
        return ToolRun("mypy", ToolStatus.FAILED, executable=executable, reason=problem)
    files = [str(target.root / f.path) if target.untrusted else f.path for f in target.files]
    if not files and not config_declares_files(target.root):
        return ToolRun("mypy", ToolStatus.SKIPPED, version, executable, reason="no Python files")
    use_json = supports_json(version)
    command = build_command(python, target, use_json, files)
    incremental = cache.subfolder("mypy") if "MYPY_CACHE_DIR" not in os.environ else None
    if incremental is not None:
        command[3:3] = ["--cache-dir", str(incremental)]
    shown = display_command(command, files)
    run = ToolRun("mypy", ToolStatus.OK, version=version, executable=executable, command=shown)
    key = result_key(target, python, version)
    known = findings_from_json(cache.get("mypy-results", key)) if key else None
    if known is not None:
        return replace(run, findings=known, executable=f"{executable}{CACHED_NOTE}")
    result, stopped = run_without_unreadable(command, cwd, timeout, target.root, set(target.source_paths))
    if stopped:
        names = ", ".join(sorted(stopped))
        run = replace(run, reason=f"not type-checked (mypy cannot parse them): {names}")
    run = replace(run, duration=result.duration)
    if result.returncode not in (0, 1):
        reason = result.error or _explain_failure(result.stdout, result.stderr, use_json, target.root)
        return replace(run, status=ToolStatus.FAILED, reason=f"exit code {result.returncode}: {reason}")
    parse = parse_json_output if use_json else parse_text_output
    try:
        findings = parse(result.stdout, target.root)
    except MypyOutputError as exc:
        return replace(run, status=ToolStatus.FAILED, reason=str(exc))
    if result.returncode == 1 and not findings:
        reason = tail(result.stderr or result.stdout) or "exit code 1 without any finding"
        return replace(run, status=ToolStatus.FAILED, reason=f"mypy reported an error: {reason}")
    findings = (*stopped.values(), *findings)
    if key:
        cache.put("mypy-results", key, findings_to_json(findings))
    return replace(run, findings=findings)
