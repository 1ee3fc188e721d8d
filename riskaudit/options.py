"""Scan options: everything the pipeline needs to know besides the target itself, and which exclude each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from riskaudit.collectors.linter_choice import AUTO
from riskaudit.discovery import DEFAULT_MAX_FILE_SIZE
from riskaudit.errors import UsageError
from riskaudit.gate import DEFAULT_FAIL_ON
from riskaudit.layers import DEFAULT_LAYERS, Layer
from riskaudit.report.formats import DEFAULT_FORMAT


@dataclass(frozen=True)
class ScanOptions:
    """Settings of one scan, from the command line and the target's config (``riskaudit.option_table``)."""

    python: str | None = None
    """``--python``: the target's interpreter, or None to detect it."""
    coverage_file: Path | None = None
    """``--coverage-file``: existing coverage data, or None to look in the target."""
    pyright_report: Path | None = None
    """``--pyright-report``: a ``pyright --outputjson`` (or basedpyright) report of the target, or None."""
    select: tuple[str, ...] = ()
    """Rule id prefixes to keep (empty keeps all)."""
    ignore: tuple[str, ...] = ()
    """Rule id prefixes to drop."""
    timeout: float = 900.0
    """Seconds each tool may run before it is killed."""
    layers: tuple[Layer, ...] = field(default=DEFAULT_LAYERS)
    """Critical layers and their coverage thresholds."""
    exclude: tuple[str, ...] = ()
    """Path patterns of files not to analyse (globs with .gitignore's folder rules: ``riskaudit.path_patterns``)."""
    max_file_size: float = DEFAULT_MAX_FILE_SIZE
    """Source files larger than this many bytes are not analysed (listed, with the reason)."""
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``(path glob, rule id prefixes)`` dropped for matching files."""
    severities: tuple[tuple[str, str], ...] = ()
    """``(rule id, severity)`` overrides of the catalogue's default severities."""
    total_coverage_threshold: float = 60.0
    """Total line coverage below this is a finding."""
    use_cache: bool = True
    """Reuse results of unchanged files from ``.riskaudit_cache/`` (``--no-cache`` turns it off)."""
    respect_gitignore: bool = True
    """Leave out the files the target's git repository ignores (``--no-respect-gitignore`` analyses them)."""
    run_tests: bool = False
    """``--run-tests``: run the target's pytest suite under coverage first."""
    fail_on: str = DEFAULT_FAIL_ON
    """Gate threshold: a severity, or ``none`` to never fail on findings."""
    exit_zero: bool = False
    """``--exit-zero``: the same as ``--fail-on none``."""
    untrusted: bool = False
    """``--untrusted``: execute nothing from the target (no config plugins, no tests, not its interpreter)."""
    format: str = DEFAULT_FORMAT
    """``--format``: the report format, one of ``riskaudit.report.formats.FORMATS``."""
    output: str | None = None
    """``--output``: the report file, ``-`` for standard output, None for ``riskaudit-report.<ext>``."""
    baseline: Path | None = None
    """``--baseline``: gate only on findings not recorded in this baseline file."""
    write_baseline: Path | None = None
    """``--write-baseline``: record the findings of a complete run in this baseline file."""
    diff: str | None = None
    """``--diff``: only findings on lines changed since this git ref."""
    linter: str = AUTO
    """``--linter``: ``flake8``, ``ruff``, or ``auto``: the project's own (``riskaudit.collectors.linter_choice``)."""
    config: Path | None = None
    """``--config``: the TOML file whose ``[tool.riskaudit]`` table configures the scan; after
    ``riskaudit.config.scan_options``, the file that was read (found from the target upwards when not given),
    or None when there is none."""


def check_conflicts(options: ScanOptions) -> None:
    """Refuse options that exclude each other; raises UsageError saying why."""
    if options.untrusted and options.run_tests:
        raise UsageError("--run-tests runs the target's code: it cannot be combined with --untrusted")
    if options.untrusted and options.python is not None:
        raise UsageError("--python runs the target's interpreter: it cannot be combined with --untrusted")
    if options.run_tests and options.coverage_file is not None:
        raise UsageError("--run-tests and --coverage-file exclude each other: measure afresh or read existing data")
    if options.write_baseline is not None and options.diff is not None:
        raise UsageError("--write-baseline records every finding: it cannot be combined with --diff")
