"""mypy: run it with the target's config and interpreter, parse its JSON (or text) output."""

from __future__ import annotations

import ast
import os
import json
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from riskaudit.collectors.tool_launch import tool_launch
from riskaudit.collectors.paths import relative_posix
from riskaudit.caching.store import (
    NO_CACHE, Cache, config_digest, digest, file_digest, findings_from_json, findings_to_json,
)
from riskaudit.running import isolation
from riskaudit.caching.tool_results import environment_stamp
from riskaudit.running.workers import worker_count
from riskaudit.running.launch import module_command, safe_code
from riskaudit.collectors.mypy_config import CONFIG_FILES, MypyConfig, find_config, without_plugins
from riskaudit.collectors.mypy_layout import MypyLayout, plan_layout, write_stubs
from riskaudit.collectors.mypy_inputs import read_inputs, search_folders
from riskaudit.running.process import ProcessResult, display_command, failure, run_process, tail, tool_output
from riskaudit.discovery import Target
from riskaudit.environment import FIX_DEPENDENCIES
from riskaudit.environment.python import interpreter_version, version_text
from riskaudit.collectors.interface import CollectContext, Collected
from riskaudit.models import EnvironmentIssue, RawFinding, ToolRun, ToolStatus

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
            text = parse_text_output(line, root, strict=False)
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


_TEXT_SUMMARY = re.compile(
    r"^(Success: no issues found in \d+ source files?|Found \d+ errors? in \d+ files? \(checked \d+ source files?\))$"
)
"""mypy's closing summary line, when the target's config turns it back on."""


def parse_text_output(stdout: str, root: Path, strict: bool = True) -> tuple[RawFinding, ...]:
    """Parse mypy's classic ``path:line:col: error: message  [code]`` output (mypy < 1.11).

    Besides messages, only mypy's summary, its plain notes and its file-level errors (``x.py: error:
    ...``, which stop the run and are read by ``blocking_errors``) may appear: any other line means the
    output is not mypy's (MypyOutputError), so that garbage never reads as "no errors". ``strict=False``
    skips such lines (for one line of text in JSON output).
    """
    findings: list[RawFinding] = []
    for number, line in enumerate(stdout.splitlines(), start=1):
        match = _TEXT_LINE.match(line)
        if match is None:
            if strict and line.strip() and not _is_other_mypy_line(line):
                raise MypyOutputError(f"line {number} of mypy's output is not a mypy message: {line[:120]!r}")
            continue
        if match["severity"] == "note":
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


def _is_other_mypy_line(line: str) -> bool:
    """Whether a line that is not a message is still one of mypy's: a summary, a plain note, a file error."""
    return bool(_TEXT_SUMMARY.match(line) or _PLAIN_NOTE.match(line) or _ERROR_LINE.match(line))


_ERROR_LINE = re.compile(
    r"^(?P<path>[^\n]+?):(?:(?P<line>\d+):)?(?:\d+:)? ?error: (?P<message>.*?)(?:  \[[a-z0-9-]+\])?$"
)


DUPLICATE_MODULE = "duplicate-module"
"""Code of a file mypy refused because another file of the run has its module name (left out, then run on)."""


def blocking_errors(output: str, root: Path, files: set[str]) -> dict[str, RawFinding]:
    """The scanned files a failed (exit 2) mypy run names in errors, each with its first error.

    Syntax errors, null bytes and undecodable files stop mypy before it checks anything; these
    become findings (code ``syntax``) so that the rest of the files can be checked without them. So
    does a second file with a module name already taken (loose ``jupyterhub_config.py`` scripts in
    several example folders): code ``duplicate-module``, an environment issue of the layout.
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
            if message.startswith("Duplicate module named"):
                found[relative] = RawFinding("mypy", DUPLICATE_MODULE, message, relative, number)
                continue
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
    command: list[str], cwd: Path, timeout: float, root: Path, files: set[str], env: Mapping[str, str] | None = None
) -> tuple[ProcessResult, dict[str, RawFinding]]:
    """Run mypy, again without the files that stop it (blocking errors, crashes on too deep code).

    Returns the last run and a finding per file left out.
    """
    result = run_process(command, cwd=cwd, timeout=timeout, env=env)
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
        result = run_process(command, cwd=cwd, timeout=timeout, env=env)
    return result, stopped


def supports_json(version: str) -> bool:
    """Whether this mypy has ``--output json`` (added in mypy 1.11)."""
    match = _VERSION.search(version)
    if match is None:
        return False
    return (int(match[1]), int(match[2])) >= (1, 11)


def config_declares_files(root: Path) -> bool:
    """Whether the mypy config in effect names what to check (``files``, ``packages``, ``modules``).

    Then mypy is run without paths. Follows mypy's own search order (see ``mypy_config.find_config``).
    """
    config = find_config(root)
    return config is not None and config.selects_files


def build_command(
    python: str, target: Target, use_json: bool, files: Iterable[str], extra: Iterable[str] = ()
) -> list[str]:
    """The mypy command line for this target, with ``extra`` options before the files."""
    if target.untrusted:  # riskaudit's own config: none of the target's plugins or python_executable
        command = [*module_command(python, "mypy"), "--config-file", str(isolation.mypy_config()), "--no-error-summary"]
    else:
        command = [*module_command(python, "mypy"), "--python-executable", target.python, "--no-error-summary"]
    if use_json:
        command += ["--output", "json"]
    else:
        command += ["--show-column-numbers", "--show-error-codes", "--no-pretty", "--hide-error-context"]
    command.append("--show-traceback")  # a crash (a plugin's exception) then ends in its cause, not a hint to rerun
    command += extra
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
    return crash_cause(stdout, stderr) or tail(stderr or stdout) or "no output"


def crash_cause(stdout: str, stderr: str) -> str:
    """The cause of a mypy crash (``INTERNAL ERROR``): what mypy was doing and the exception's last line.

    With ``--show-traceback`` mypy prints the traceback on stdout and a generic request to report a bug on
    stderr; the cause (a plugin's exception, say) is the traceback's last line. Empty for any other output.
    """
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if "INTERNAL ERROR" not in stderr or "Traceback (most recent call last):" not in lines:
        return ""
    start = lines.index("Traceback (most recent call last):")
    context = lines[start - 1] if start else ""
    return f"mypy crashed (INTERNAL ERROR): {context + ': ' if context else ''}{lines[-1]}"


CACHED_NOTE = ", unchanged since the cached run"
"""Appended to the executable when the whole result came from the cache."""
_PLUGIN_ERROR = re.compile(r"Error importing plugin|Can't find plugin")
"""How mypy says it cannot load a plugin (in text, or JSON-escaped in its JSON output)."""
_PLUGIN_PROBE = r"""
import importlib, json, os, sys
failed = {}
for plugin, module, path in json.loads(sys.argv[1]):
    if path:
        if not os.path.isfile(path):
            failed[plugin] = "no such file"
        continue
    try:
        importlib.import_module(module)
    except Exception as exc:
        failed[plugin] = f"{type(exc).__name__}: {exc}"
print(json.dumps(failed))
"""
"""Imports each plugin as mypy would, in the interpreter that runs mypy; prints the ones that fail."""


def checked_files(target: Target) -> list[str]:
    """The files mypy is given: a module's stub (``x.pyi`` beside ``x.py``) instead of its source.

    mypy prefers the stub when it finds both while walking a folder, as a project's own ``mypy src`` does;
    given the ``.py`` file by name it would check the source instead, and report every name a generated
    module (protobuf's ``*_pb2.py``) creates at run time as missing.
    """
    checked = []
    for source in target.files:
        stub = Path(source.path).with_suffix(".pyi").as_posix()
        checked.append(stub if (target.root / stub).is_file() else source.path)
    return checked


def result_key(
    target: Target, python: str, version: str, command: Iterable[str], config: MypyConfig | None = None
) -> str | None:
    """Cache key of a whole mypy run: version, command, config, every file mypy reads and the target environment.

    The files are the analysed modules and what ``mypy_inputs`` finds mypy may read besides (stubs in
    the target, the ``mypy_path`` and ``MYPYPATH`` folders). None when the target environment cannot be
    fingerprinted (then mypy always runs).
    """
    stamp = environment_stamp(target.python)
    if stamp is None:
        return None
    paths = sorted({f.path for f in target.files} | set(checked_files(target)))
    files = [part for path in paths for part in (path, file_digest(target.root / path))]
    folders = search_folders(target.root, config, os.environ.get("MYPYPATH"))
    inputs = read_inputs(target.root, target.stubs, folders)
    files += [part for path in inputs for part in (str(path), file_digest(path))]
    config_text = config_digest(target.root, CONFIG_FILES)
    return digest("mypy", version, python, target.python, stamp, config_text, *command, "--", *files)


def missing_plugins(python: str, config: MypyConfig, cwd: Path) -> dict[str, str]:
    """The config's plugins the interpreter running mypy cannot load, each with the error."""
    folder = config.path.parent
    entries = []
    for plugin in config.plugins:
        name = plugin.rsplit(":", 1)[0] if ":" in Path(plugin).name else plugin
        path = str(folder / name) if name.endswith(".py") else ""
        entries.append([plugin, name, path])
    probe = run_process([python, "-c", safe_code(_PLUGIN_PROBE), json.dumps(entries)], cwd=cwd, timeout=120)
    try:
        found = json.loads(probe.stdout) if probe.returncode == 0 else {}
    except json.JSONDecodeError:
        found = {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _plugin_issue(plugin: str, error: str, python: str) -> EnvironmentIssue:
    """The report's line about a plugin mypy could not load."""
    return EnvironmentIssue(
        "missing-plugin",
        plugin,
        "mypy",
        f"{python} cannot import the mypy plugin {plugin} ({error}); mypy ran with the project's config "
        "without it, so what the plugin adds to type checking is missing",
        FIX_DEPENDENCIES,
    )


def _version_options(config: MypyConfig | None, target: Target, python: str) -> list[str]:
    """``--python-version`` for a project that needs a newer Python than the one running mypy.

    mypy checks for its own interpreter's version unless the config says otherwise; code written for the
    project's declared minimum (stdlib names such as ``itertools.batched``, its syntax) needs that version.
    """
    declared = target.declared_python
    if declared is None or (config is not None and config.python_version is not None and not target.untrusted):
        return []
    running = interpreter_version(python)
    if running is not None and running >= declared.version:
        return []
    return ["--python-version", version_text(declared.version)]


def _environment(layout: MypyLayout, stub_folder: str) -> dict[str, str] | None:
    """The environment mypy runs in: ``MYPYPATH`` with the layout's folders first."""
    value = layout.mypypath(stub_folder)
    if not value:
        return None
    inherited = os.environ.get("MYPYPATH")
    return {**os.environ, "MYPYPATH": f"{value}:{inherited}" if inherited else value}


def _without_missing_plugins(
    command: list[str], result: ProcessResult, python: str, config: MypyConfig | None, cwd: Path, folder: Path
) -> tuple[list[str], dict[str, str]]:
    """After mypy failed loading a plugin: the command with a config copy minus the plugins it cannot import.

    Returns the command and those plugins with their errors (the command unchanged when there are none).
    """
    if config is None or result.returncode != 2 or not _PLUGIN_ERROR.search(f"{result.stdout}\n{result.stderr}"):
        return command, {}
    missing = missing_plugins(python, config, cwd)
    if not missing:
        return command, {}
    copy = without_plugins(config, missing, folder / "config")
    return [*command[:3], "--config-file", str(copy), *command[3:]], missing


PARALLEL_SINCE = (2, 0)
"""The first mypy release with parallel checking (``-n``, ``--num-workers``)."""
MAX_PARALLEL = 4
"""mypy's workers at most: its docs advise 2 to 4, more rarely pays."""


def parallel_workers(version: str, cores: int, config: MypyConfig | None) -> int:
    """The number for mypy's ``-n``: the cores riskaudit's own pool and the linter leave, 2 to 4; 0: serial.

    Only mypy 2.0 and later have it. A project that sets ``num_workers`` (config or ``MYPY_NUM_WORKERS``)
    keeps its own choice. The findings are the same either way; only the time differs.
    """
    match = _VERSION.search(version)
    if match is None or (int(match[1]), int(match[2])) < PARALLEL_SINCE:
        return 0
    if "MYPY_NUM_WORKERS" in os.environ or (config is not None and "num_workers" in config.options):
        return 0
    left = cores - worker_count() - 1
    return min(MAX_PARALLEL, left) if left >= 2 else 0


def _command(
    target: Target, python: str, version: str, files: list[str], config: MypyConfig | None, layout: MypyLayout,
    cache: Cache, cores: int,
) -> list[str]:
    """The full mypy command: the target's options, its Python version and layout, the incremental cache.

    mypy checks in parallel (``parallel_workers``) only with an incremental cache, which parallel mode needs.
    """
    extra = [*_version_options(config, target, python), *layout.arguments]
    command = build_command(python, target, supports_json(version), files, extra)
    if "MYPY_CACHE_DIR" in os.environ:
        cached = os.environ["MYPY_CACHE_DIR"] != os.devnull
    else:
        # without riskaudit's cache (--no-cache, a read-only target) mypy writes none either: the
        # null device is mypy's documented way to switch its cache off, so no .mypy_cache is left behind
        incremental = cache.subfolder("mypy")
        cached = incremental is not None
        command[3:3] = ["--cache-dir", str(incremental) if incremental is not None else os.devnull]
    workers = parallel_workers(version, cores, None if target.untrusted else config) if cached else 0
    if workers:
        command[3:3] = ["--num-workers", str(workers)]
    return command


def _execute(
    command: list[str], target: Target, python: str, config: MypyConfig | None, layout: MypyLayout, timeout: float
) -> tuple[ProcessResult, dict[str, RawFinding], dict[str, str]]:
    """Run mypy with the layout's stubs and ``MYPYPATH``, again without plugins it cannot load.

    Returns the last run, the files left out (see ``run_without_unreadable``) and the plugins dropped.
    """
    cwd = isolation.work_dir() if target.untrusted else target.root
    scanned = set(target.source_paths)
    with tempfile.TemporaryDirectory(prefix="riskaudit-mypy-") as temp:
        folder = Path(temp)
        write_stubs(folder / "stubs", layout.stubs)
        env = _environment(layout, str(folder / "stubs"))
        result, stopped = run_without_unreadable(command, cwd, timeout, target.root, scanned, env)
        command, missing = _without_missing_plugins(command, result, python, config, cwd, folder)
        if missing:
            result, stopped = run_without_unreadable(command, cwd, timeout, target.root, scanned, env)
    return result, stopped, missing


def only_notes(stdout: str) -> bool:
    """Whether mypy's JSON output holds notes and nothing else.

    mypy's JSON formatter counts notes as messages, so a run with notes only (``annotation-unchecked``)
    exits 1 although the text formatter says "Success" and exits 0 for the same run.
    """
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return False
    for line in lines:
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            return False
        if not isinstance(item, dict) or item.get("severity") != "note":
            return False
    return True


def _outcome(run: ToolRun, result: ProcessResult, use_json: bool, root: Path) -> ToolRun:
    """The run with mypy's findings, or FAILED with why mypy's exit or output cannot be trusted."""
    if result.returncode not in (0, 1):
        reason = result.error or _explain_failure(result.stdout, result.stderr, use_json, root)
        return replace(run, status=ToolStatus.FAILED, reason=failure(result, reason), output=tool_output(result))
    parse = parse_json_output if use_json else parse_text_output
    try:
        findings = parse(result.stdout, root)
    except MypyOutputError as exc:
        return replace(run, status=ToolStatus.FAILED, reason=str(exc))
    if result.returncode == 1 and not findings and use_json and only_notes(result.stdout):
        return replace(run, findings=findings)
    if result.returncode == 1 and not findings:
        reason = tail(result.stderr or result.stdout) or "exit code 1 without any finding"
        failed = f"mypy reported an error: {reason}"
        return replace(run, status=ToolStatus.FAILED, reason=failed, output=tool_output(result))
    return replace(run, findings=findings)


def collect(target: Target, timeout: float, cache: Cache = NO_CACHE, cores: int | None = None) -> ToolRun:
    """Run mypy on the target and return its findings, or why it could not run.

    mypy gets the project's module layout (see ``mypy_layout``) and, for a project that needs a newer
    Python than the one running mypy, that version. A plugin of the project's config that cannot be
    imported is dropped from a copy of the config, and mypy runs again; the run says so.

    With a cache, an unchanged tree reuses the last result, and mypy's own incremental cache lives
    in ``.riskaudit_cache/mypy`` (unless ``MYPY_CACHE_DIR`` says otherwise); mypy 2 then checks in parallel
    on the ``cores`` (default: this machine's) the rest of the scan leaves free.
    """
    launch = tool_launch(target, "mypy", cache)
    python, executable, version, problem = launch.python, launch.executable, launch.version, launch.problem
    if problem:
        return ToolRun("mypy", ToolStatus.FAILED, executable=executable, reason=problem)
    files = [str(target.root / path) if target.untrusted else path for path in checked_files(target)]
    config = None if target.untrusted else find_config(target.root)
    if not files and not (config is not None and config.selects_files):
        return ToolRun("mypy", ToolStatus.SKIPPED, version, executable, reason="no Python files")
    layout = plan_layout(target.root, target.source_paths, config, target.python)
    command = _command(target, python, version, files, config, layout, cache, cores or os.cpu_count() or 1)
    shown_path = layout.shown(target.root)
    shown = ((shown_path,) if shown_path else ()) + display_command(command, files)
    run = ToolRun("mypy", ToolStatus.OK, version=version, executable=executable, command=shown)
    key = result_key(target, python, version, shown, config)
    known = _from_cache(cache.get("mypy-results", key), python) if key else None
    if known is not None:
        findings, dropped = known
        issues = (*layout.issues, *dropped)
        return replace(run, findings=findings, executable=f"{executable}{CACHED_NOTE}", environment=issues)
    result, stopped, missing = _execute(command, target, python, config, layout, timeout)
    plugins = tuple(_plugin_issue(plugin, error, python) for plugin, error in sorted(missing.items()))
    run = replace(run, environment=(*layout.issues, *plugins), duration=result.duration)
    if stopped:
        run = replace(run, reason=f"not type-checked (mypy cannot parse them): {', '.join(sorted(stopped))}")
    run = _outcome(run, result, supports_json(version), target.root)
    if run.status is not ToolStatus.OK:
        return run
    findings = (*stopped.values(), *run.findings)
    if key:
        cache.put("mypy-results", key, {"findings": findings_to_json(findings), "plugins": missing})
    return replace(run, findings=findings)


def _from_cache(value: object, python: str) -> tuple[tuple[RawFinding, ...], tuple[EnvironmentIssue, ...]] | None:
    """A cached run's findings and the plugin issues it had, or None when the entry is not such a run."""
    if not isinstance(value, dict):
        return None
    findings = findings_from_json(value.get("findings"))
    plugins = value.get("plugins")
    if findings is None or not isinstance(plugins, dict):
        return None
    issues = tuple(_plugin_issue(str(plugin), str(error), python) for plugin, error in sorted(plugins.items()))
    return findings, issues


class Mypy:
    """mypy behind the collector interface."""

    def collect(self, context: CollectContext) -> Collected:
        """The run of mypy on the target."""
        return Collected((collect(context.target, context.options.timeout, context.cache),))


COLLECTOR = Mypy()
"""The mypy collector (see ``riskaudit.collectors.registry``)."""
