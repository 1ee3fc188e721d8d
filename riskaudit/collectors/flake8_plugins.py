"""flake8 plugins a project's config asks for that the interpreter running flake8 cannot load.

A ``[flake8:local-plugins]`` entry whose module needs a package that is not installed (OpenStack's
``hacking``), or a ``require-plugins`` name that is not installed, makes flake8 refuse to run at
all. riskaudit finds these before flake8 runs (in flake8's interpreter, importing each local plugin
module as flake8 would) and overrides just those settings in the config file it appends after the
project's: flake8 still discovers and reads the project's config itself, so every other setting
applies, with paths (``exclude``, local plugin ``paths``) resolved against the project's config
file as always. What was left out becomes an environment issue of the run.
"""

from __future__ import annotations

import configparser
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from riskaudit.running.launch import safe_code
from riskaudit.running.process import run_process, tail
from riskaudit.models import EnvironmentIssue

CONFIG_NAMES = ("setup.cfg", "tox.ini", ".flake8")
"""The files flake8 (5 and later) looks for, in this order, in each folder from its working directory up."""
LOCAL = "flake8:local-plugins"
"""The config section of local plugins."""
GROUPS = ("extension", "report")
"""The kinds of local plugins: checkers (named by code prefix) and formatters."""
FIX = "install the project's dependencies in the interpreter you pass with --python"
"""How to give flake8 the plugins the project uses."""
_LIST_SEPARATORS = re.compile(r"[,\t\n\r\f\v]")
"""What separates local plugin entries (flake8's own rule: commas and line breaks, not spaces)."""
_SEPARATORS = re.compile(r"[,\s]")
"""What separates the names in ``require-plugins``."""


@dataclass(frozen=True)
class LocalPlugin:
    """One entry of ``[flake8:local-plugins]``."""

    group: str
    """``extension`` (a checker) or ``report`` (a formatter)."""
    name: str
    """The entry's name: the code prefix of a checker, the format name of a formatter."""
    entry: str
    """``module:attribute``, as written."""

    @property
    def module(self) -> str:
        """The module flake8 imports to load it."""
        return self.entry.partition(":")[0].strip()

    @property
    def line(self) -> str:
        """The entry as a config line."""
        return f"{self.name} = {self.entry}"


@dataclass(frozen=True)
class PluginConfig:
    """What the config file flake8 uses asks for in plugins."""

    path: Path | None
    """The config file flake8 reads (None when there is none)."""
    local: tuple[LocalPlugin, ...] = ()
    """Its local plugins."""
    paths: tuple[str, ...] = ()
    """Its local plugin ``paths``, absolute (flake8 resolves them against the config file's folder)."""
    required: tuple[str, ...] = ()
    """Its ``require-plugins`` names."""


@dataclass(frozen=True)
class Unavailable:
    """What keeps flake8 from loading plugins of the project's config here."""

    missing: Mapping[str, str]
    """Local plugin module -> the module that cannot be found when importing it."""
    installed: frozenset[str]
    """Normalised names of the installed plugin distributions (filled only when plugins are required)."""


@dataclass(frozen=True)
class Omission:
    """Plugin settings riskaudit left out so that flake8 runs, and why."""

    local: tuple[LocalPlugin, ...] = ()
    """Local plugins left out."""
    required: tuple[str, ...] = ()
    """``require-plugins`` names left out."""
    config: PluginConfig = PluginConfig(None)
    """The project's plugin settings."""
    issues: tuple[EnvironmentIssue, ...] = ()
    """One issue per missing package or plugin."""

    def __bool__(self) -> bool:
        """Whether anything was left out."""
        return bool(self.local or self.required)


def folder_config(folder: Path) -> Path | None:
    """The config file of one folder that flake8 reads: the first of ``CONFIG_NAMES`` with a flake8 section."""
    for name in CONFIG_NAMES:
        candidate = folder / name
        parser = configparser.RawConfigParser()
        try:
            parser.read(candidate, encoding="utf-8")
        except (OSError, UnicodeDecodeError, configparser.Error):
            continue
        if parser.has_section("flake8") or parser.has_section(LOCAL):
            return candidate
    return None


def find_config(start: Path) -> Path | None:
    """The config file flake8 run in ``start`` reads: the first with a flake8 section, from there up.

    Follows flake8's own search: ``setup.cfg``, ``tox.ini``, ``.flake8`` in each folder, stopping
    at the home folder or the file system root; unparseable files are skipped as flake8 skips them.
    """
    home = Path.home().resolve()
    folder = start.resolve()
    while True:
        found = folder_config(folder)
        if found is not None:
            return found
        parent = folder.parent
        if parent == folder or parent == home:
            return None
        folder = parent


def read_plugin_config(path: Path | None) -> PluginConfig:
    """The local plugins, their paths and the required plugins of a flake8 config file."""
    if path is None:
        return PluginConfig(None)
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError, configparser.Error):
        return PluginConfig(path)
    local = tuple(
        LocalPlugin(group, name.strip(), entry.strip())
        for group in GROUPS
        for item in _LIST_SEPARATORS.split(parser.get(LOCAL, group, fallback="").strip())
        if item.strip()
        for name, _, entry in [item.partition("=")]
    )
    paths = tuple(
        os.path.normpath(path.parent / item.strip())
        for item in _LIST_SEPARATORS.split(parser.get(LOCAL, "paths", fallback=""))
        if item.strip()
    )
    # flake8 reads the underscore spelling first
    raw = parser.get("flake8", "require_plugins", fallback=None)
    if raw is None:
        raw = parser.get("flake8", "require-plugins", fallback="")
    required = tuple(name for name in _SEPARATORS.split(raw) if name)
    return PluginConfig(path, local, paths, required)


PROBE = """
import importlib, json
request = json.loads(sys.argv[1])
sys.path.extend(request["paths"])
out, sys.stdout = sys.stdout, sys.stderr
missing = {}
for module in request["modules"]:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing[module] = exc.name or module
    except Exception:
        pass
installed = []
if request["required"]:
    try:
        from importlib import metadata
    except ImportError:
        import importlib_metadata as metadata
    for dist in metadata.distributions():
        if any(ep.group in ("flake8.extension", "flake8.report") for ep in dist.entry_points):
            installed.append(dist.metadata["name"])
            if dist.metadata["name"] == "flake8":
                installed += ["pyflakes", "pycodestyle"]
out.write(json.dumps({"missing": missing, "installed": installed}))
"""
"""Run in flake8's interpreter: which local plugin modules cannot be imported, which plugins are installed.

Like flake8: local plugin ``paths`` go at the end of ``sys.path``, a module is imported whole. Only a
missing module counts; any other error is flake8's to report. What a plugin prints goes to stderr.
"""


def probe(python: str, cwd: Path, config: PluginConfig, timeout: float) -> Unavailable | str:
    """Ask flake8's interpreter what of the config it cannot load; a reason string when the probe fails."""
    request = {
        "modules": sorted({plugin.module for plugin in config.local}),
        "paths": list(config.paths),
        "required": bool(config.required),
    }
    result = run_process([python, "-c", safe_code(PROBE), json.dumps(request)], cwd=cwd, timeout=timeout)
    try:
        answer = json.loads(result.stdout) if result.returncode == 0 else None
    except json.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict):
        reason = result.error or tail(result.stderr or result.stdout) or f"exit code {result.returncode}"
        return f"cannot check the plugins of {config.path}: {reason}"
    missing = {str(module): str(name) for module, name in dict(answer.get("missing", {})).items()}
    installed = frozenset(normalise(str(name)) for name in answer.get("installed", ()))
    return Unavailable(missing, installed)


def normalise(name: str) -> str:
    """A distribution name as flake8 compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def omission(config: PluginConfig, unavailable: Unavailable, own_flake8: bool) -> Omission:
    """What to leave out of the config so that flake8 runs, with one environment issue per missing package.

    ``own_flake8``: flake8 came from riskaudit's environment, not the target's.
    """
    fix = FIX.replace("dependencies", "dependencies and flake8") if own_flake8 else FIX
    left_out = tuple(plugin for plugin in config.local if plugin.module in unavailable.missing)
    by_package: dict[str, list[LocalPlugin]] = {}
    for plugin in left_out:
        by_package.setdefault(unavailable.missing[plugin.module].split(".")[0], []).append(plugin)
    issues = [_local_issue(package, plugins, unavailable.missing, fix) for package, plugins in by_package.items()]
    present = unavailable.installed | ({"local"} if config.local else set())
    required = tuple(name for name in config.required if normalise(name) not in present)
    issues += [_required_issue(name, fix) for name in required]
    return Omission(left_out, required, config, tuple(issues))


def _local_issue(
    package: str, plugins: Sequence[LocalPlugin], missing: Mapping[str, str], fix: str
) -> EnvironmentIssue:
    """The issue of the local plugins that need a package that is not installed."""
    checks = [plugin.name for plugin in plugins if plugin.group == "extension"]
    formats = [plugin.name for plugin in plugins if plugin.group == "report"]
    modules = ", ".join(sorted({f"{plugin.module} (No module named {missing[plugin.module]!r})" for plugin in plugins}))
    unchecked = f"codes not checked: {', '.join(checks)}" if checks else ""
    unused = f"formatters not loaded: {', '.join(formats)}" if formats else ""
    detail = (
        f"flake8 ran without {len(plugins)} local plugin(s) of the project's config that cannot be imported "
        f"here: {modules}; " + "; ".join(part for part in (unchecked, unused) if part)
    )
    return EnvironmentIssue("missing-plugin", package, "flake8", detail, fix)


def _required_issue(name: str, fix: str) -> EnvironmentIssue:
    """The issue of a ``require-plugins`` name that is not installed."""
    detail = f"the project's config requires the flake8 plugin {name}, not installed here: its codes were not checked"
    return EnvironmentIssue("missing-plugin", name, "flake8", detail, fix)


def override_config(left_out: Omission) -> str:
    """Config text, appended after the project's, that drops what was left out (empty when nothing was)."""
    if not left_out:
        return ""
    config = left_out.config
    sections: list[str] = []
    if left_out.required:
        kept = ", ".join(name for name in config.required if name not in left_out.required)
        sections.append(f"[flake8]\nrequire-plugins = {kept}\nrequire_plugins = {kept}\n")
    if left_out.local:
        lines = [f"[{LOCAL}]"]
        for group in GROUPS:
            kept_entries = [p.line for p in config.local if p.group == group and p not in left_out.local]
            lines.append(f"{group} =" + "".join(f"\n    {entry}" for entry in kept_entries))
        sections.append("\n".join(lines) + "\n")
    return "\n".join(sections)


def summary(issues: Iterable[EnvironmentIssue]) -> str:
    """The run's one-line note of the plugins it ran without."""
    subjects = ", ".join(issue.subject for issue in issues)
    return f"ran without plugins this environment lacks ({subjects}); install them for the project's full checks"
