"""Scan options: everything the pipeline needs to know besides the target itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from riskaudit.layers import DEFAULT_LAYERS, Layer


@dataclass(frozen=True)
class ScanOptions:
    """Settings of one scan, from the command line (and later the target's config)."""

    python: str | None = None
    """``--python``: the target's interpreter, or None to detect it."""
    coverage_file: Path | None = None
    """``--coverage-file``: existing coverage data, or None to look in the target."""
    select: tuple[str, ...] = ()
    """Rule id prefixes to keep (empty keeps all)."""
    ignore: tuple[str, ...] = ()
    """Rule id prefixes to drop."""
    timeout: float = 900.0
    """Seconds each tool may run before it is killed."""
    layers: tuple[Layer, ...] = field(default=DEFAULT_LAYERS)
    """Critical layers and their coverage thresholds."""
    exclude: tuple[str, ...] = ()
    """Path globs of files not to analyse (``*`` crosses folders)."""
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``(path glob, rule id prefixes)`` dropped for matching files."""
    severities: tuple[tuple[str, str], ...] = ()
    """``(rule id, severity)`` overrides of the catalogue's default severities."""
    total_coverage_threshold: float = 60.0
    """Total line coverage below this is a finding."""
    use_cache: bool = True
    """Reuse results of unchanged files from ``.riskaudit_cache/`` (``--no-cache`` turns it off)."""
    run_tests: bool = False
    """``--run-tests``: run the target's pytest suite under coverage first."""
    fail_on: str = "critical"
    """Gate threshold: a severity, or ``none`` to never fail on findings."""
    untrusted: bool = False
    """``--untrusted``: execute nothing from the target (no config plugins, no tests, not its interpreter)."""
