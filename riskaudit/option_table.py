"""The options table: every option of a scan described once, and how its values are read and merged.

Each ``Option`` names its ``ScanOptions`` field (which holds the default), its command-line flags,
its ``[tool.riskaudit]`` key, the kind of its value and its help. The command line's parameters, the
config file's keys and their validation, and the merge (command line over config file over default)
all come from this table.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from riskaudit.collectors.linter_choice import LINTER_CHOICES
from riskaudit.errors import UsageError
from riskaudit.gate import FAIL_ON_CHOICES, NEVER
from riskaudit.models import Severity
from riskaudit.option_kinds import (
    RULE_IDS,
    Choice,
    FilePath,
    GlobTable,
    Invalid,
    Kind,
    Layers,
    Number,
    RuleTable,
    Strings,
    Switch,
    Text,
)
from riskaudit.options import ScanOptions
from riskaudit.report.formats import FORMATS

_DEFAULTS = {f.name: f.default for f in fields(ScanOptions)}


@dataclass(frozen=True)
class Option:
    """One option: where it is set, the kind of its value and what it does."""

    field: str
    """The ``ScanOptions`` field it sets (which also holds its default)."""
    kind: Kind[Any]
    """How its value is read and checked."""
    help: str
    """What it does, for ``--help``; ``{default}`` stands for the default."""
    flags: tuple[str, ...] = ()
    """Its command-line flags, the long one first; none when only the config file sets it."""
    key: str | None = None
    """Its ``[tool.riskaudit]`` key, or None when only the command line sets it."""
    metavar: str = ""
    """What its command-line value is, for ``--help`` (``FILE``, ``SECONDS``)."""

    @property
    def default(self) -> object:
        """The value when neither the command line nor the config file sets it."""
        return _DEFAULTS[self.field]

    @property
    def flag(self) -> str:
        """The long flag, as messages name the option."""
        return self.flags[0]

    @property
    def help_text(self) -> str:
        """The help with its default filled in."""
        return self.help.format(default=self.default)

    @property
    def value_name(self) -> str:
        """The command-line value as ``--help`` and the README show it: ``{a,b,c}`` for choices."""
        choices = self.kind.choices
        return "{" + ",".join(choices) + "}" if choices else self.metavar


OPTIONS: tuple[Option, ...] = (
    Option("format", Choice(FORMATS), "Report format.", ("--format", "-f")),
    Option(
        "output", Text(), "Report file (default riskaudit-report.<ext> here); '-' for stdout.", ("--output", "-o"),
        metavar="FILE",
    ),
    Option(
        "fail_on", Choice(FAIL_ON_CHOICES),
        "Exit 1 when a finding is at or above this severity ('none': never). "
        "Default: fail-on in pyproject.toml's tool.riskaudit table, else {default}.",
        ("--fail-on",), key="fail-on",
    ),
    Option(
        "exit_zero", Switch(),
        "Exit 0 whatever the findings, as --fail-on none does (an incomplete analysis still exits 2).",
        ("--exit-zero",),
    ),
    Option(
        "python", Text(), "The target's interpreter (default: active venv, PATH/.venv, then riskaudit's own).",
        ("--python",), metavar="PATH",
    ),
    Option(
        "coverage_file", FilePath(), "Existing coverage data: .coverage, coverage.xml or coverage.json.",
        ("--coverage-file",), metavar="PATH",
    ),
    Option(
        "pyright_report", FilePath(),
        "A pyright (or basedpyright) --outputjson report of the target: its findings join the analysis.",
        ("--pyright-report",), key="pyright-report", metavar="FILE",
    ),
    Option(
        "run_tests", Switch(),
        "Run the target's pytest suite under coverage first (target interpreter and config, --timeout).",
        ("--run-tests",),
    ),
    Option(
        "use_cache", Switch(inverted=True),
        "Ignore and do not write .riskaudit_cache/ (results are otherwise reused for unchanged files).",
        ("--no-cache",),
    ),
    Option(
        "select", RULE_IDS, "Only rules with these ids or prefixes (repeat or comma-separate).",
        ("--select",), key="select", metavar="RULES",
    ),
    Option(
        "ignore", RULE_IDS, "Leave out rules with these ids or prefixes (repeat or comma-separate).",
        ("--ignore",), key="ignore", metavar="RULES",
    ),
    Option(
        "timeout", Number(positive=True, unit="seconds"),
        "Seconds each tool may run before it is killed (the run is then incomplete). Default {default:g}.",
        ("--timeout",), key="timeout", metavar="SECONDS",
    ),
    Option(
        "baseline", FilePath(),
        "Gate only on findings not recorded in this baseline file (the report still lists all).",
        ("--baseline",), key="baseline", metavar="FILE",
    ),
    Option(
        "write_baseline", FilePath(),
        "Record the current findings in this baseline file (not when the run is incomplete).",
        ("--write-baseline",), metavar="FILE",
    ),
    Option(
        "config", FilePath(),
        "Read [tool.riskaudit] from this TOML file (its paths are relative to its folder). Default: the nearest "
        "pyproject.toml from the target up to its repository root.",
        ("--config",), metavar="FILE",
    ),
    Option(
        "linter", Choice(LINTER_CHOICES),
        "The linter: the project's own by default (ruff when it configures ruff and not flake8, else flake8).",
        ("--linter",), key="linter",
    ),
    Option(
        "diff", Text(),
        "Only findings on lines changed since this git ref (git diff REF; untracked files count).",
        ("--diff",), metavar="REF",
    ),
    Option(
        "untrusted", Switch(),
        "Execute nothing from the target: riskaudit's own interpreter and tool configs, no plugins, "
        "no tests (for pull requests from forks).",
        ("--untrusted",),
    ),
    Option(
        "total_coverage_threshold", Number(maximum=100.0), "Total line coverage below this is a finding.",
        key="total-coverage-threshold",
    ),
    Option("layers", Layers(), "Critical layers, replacing the defaults.", key="critical-layers"),
    Option(
        "exclude", Strings('path globs, like ["migrations/*", "*_pb2.py"]'), "Path globs of files not to analyse.",
        key="exclude",
    ),
    Option(
        "respect_gitignore", Switch(inverted=True),
        "Also analyse the files the target's git repository ignores (.gitignore, .git/info/exclude), "
        "as ruff's respect-gitignore = false does.",
        ("--no-respect-gitignore",), key="respect-gitignore",
    ),
    Option(
        "max_file_size", Number(positive=True, unit="bytes"),
        "Python files larger than this many bytes are not analysed (they are listed, with the reason): "
        "generated modules that size keep every tool busy for minutes. Default {default:,.0f}.",
        ("--max-file-size",), key="max-file-size", metavar="BYTES",
    ),
    Option(
        "per_file_ignores", GlobTable(RULE_IDS, '{"tests/*" = ["RA2", "RA114"]}'),
        "Rule ids or prefixes dropped for matching paths.", key="per-file-ignores",
    ),
    Option(
        "severities", RuleTable(Choice(tuple(s.value for s in Severity)), '{RA203 = "low"}'),
        "Overrides of rules' default severities.", key="severity",
    ),
)
"""Every option, in the order ``riskaudit scan --help`` lists those with flags."""


def option(field: str) -> Option:
    """The option that sets a ``ScanOptions`` field."""
    return next(o for o in OPTIONS if o.field == field)


SCAN_OPTIONS = tuple(o for o in OPTIONS if o.flags)
"""The options of ``riskaudit scan``."""
REPORT_OPTIONS = (option("format"), option("output"))
"""The options of ``riskaudit render``."""
CONFIG_KEYS = {o.key: o for o in OPTIONS if o.key is not None}
"""The ``[tool.riskaudit]`` keys and their options."""


def is_given(value: object) -> bool:
    """Whether the command line gave an option: a value, a flag that is set, at least one repeated value."""
    return value is not None and value is not False and value != [] and value != ()


def command_line_values(options: Iterable[Option], given: Mapping[str, object]) -> dict[str, Any]:
    """The checked values of the options the command line gave, by field; raises UsageError.

    ``given`` holds what the parser read for each option's field: None (or False, or nothing) when
    the option was not given.
    """
    values: dict[str, Any] = {}
    for entry in options:
        raw = given.get(entry.field)
        if not is_given(raw):
            continue
        try:
            values[entry.field] = entry.kind.check(entry.kind.from_command_line(raw))
        except Invalid as exc:
            shown = " ".join(raw) if isinstance(raw, list | tuple) else str(raw)
            raise UsageError(f"{entry.flag} {shown or repr(shown)}: {exc.problem}") from None
    return values


def parse_config(table: object) -> dict[str, Any]:
    """The checked values of a ``[tool.riskaudit]`` table, by field; raises ValueError naming the bad key."""
    if not isinstance(table, dict):
        raise ValueError("must be a table")
    unknown = sorted(set(table) - set(CONFIG_KEYS))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(CONFIG_KEYS))})")
    values: dict[str, Any] = {}
    for key, entry in CONFIG_KEYS.items():
        if key not in table:
            continue
        try:
            values[entry.field] = entry.kind.check(table[key])
        except Invalid as exc:
            raise ValueError(f"{key}{exc.after_key}") from None
    return values


def effective_options(config: Mapping[str, Any], command_line: Mapping[str, Any]) -> ScanOptions:
    """The scan options: command-line values where given, else the config file's, else the defaults.

    ``--exit-zero`` is ``--fail-on none`` (ruff's and bandit's spelling); given with ``--fail-on`` it is
    refused, since the two say different things.
    """
    if command_line.get("exit_zero") and "fail_on" in command_line:
        raise UsageError("--exit-zero and --fail-on exclude each other: --exit-zero means --fail-on none")
    options = replace(ScanOptions(), **{**config, **command_line})
    return replace(options, fail_on=NEVER) if options.exit_zero else options


def check_selection(options: ScanOptions, rule_ids: Collection[str]) -> None:
    """Refuse select/ignore values that match no rule (a typo would silently hide findings)."""
    for value in (*options.select, *options.ignore):
        if not any(rule_id.startswith(value) for rule_id in rule_ids):
            raise UsageError(f"--select/--ignore {value}: no rule id starts with it; see `riskaudit rules`")
