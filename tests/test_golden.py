"""Golden reports: the Markdown, HTML, JSON and SARIF of two fixture scans, compared byte for byte.

They guard every change to how findings are mapped, ranked and rendered: a change that alters a
report shows here as a diff, and is either a mistake or a deliberate change whose new reports are
committed with it. Volatile parts are scrubbed first: the date is pinned with ``SOURCE_DATE_EPOCH``
(durations are then 0), the scan runs on a relative path, and the tools' versions and the paths of
the interpreters are replaced by placeholders.

Refresh after a deliberate change (then read the diff of ``tests/gold/`` before committing)::

    RISKAUDIT_REFRESH_GOLD=1 .venv/bin/python -m pytest -q tests/test_golden.py
"""

from __future__ import annotations

import html
import json
import os
import sys
from pathlib import Path

import pytest
from support import REPO, copy_fixture, run_cli, run_project_tests

GOLD = Path(__file__).parent / "gold"
FORMATS = {"markdown": "md", "html": "html", "json": "json", "sarif": "sarif"}
PINNED = {"SOURCE_DATE_EPOCH": "1767225600"}
REFRESH = os.environ.get("RISKAUDIT_REFRESH_GOLD") == "1"
CASES = {
    # the async SQLAlchemy app with planted defects and coverage data from its own tests
    "asyncapp": True,
    # Alembic migrations and mocked repository tests, without coverage data
    "migrationapp": False,
}


def _volatile(data: dict[str, object]) -> dict[str, str]:
    """What differs between machines and releases of the tools, with the placeholder each becomes."""
    found: dict[str, str] = {}
    runs = data["runs"]
    assert isinstance(runs, list)
    for run in runs:
        if run["version"]:
            found[run["version"]] = f"<{run['name']} version>"
    found[sys.prefix] = "<riskaudit env>"
    found[str(REPO)] = "<repository>"
    return found


def scrub(text: str, volatile: dict[str, str]) -> str:
    """The report with the volatile strings replaced, the longest first (a path before its prefix)."""
    for value in sorted(volatile, key=len, reverse=True):
        text = text.replace(value, volatile[value])
        # JSON and SARIF escape some characters of a string, HTML others: replace the escaped forms too
        for escaped in (json.dumps(value)[1:-1], html.escape(value).replace("&#x27;", "&#39;")):
            if escaped != value:
                text = text.replace(escaped, volatile[value])
    return text


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Each case's reports in every format, scrubbed."""
    found: dict[str, dict[str, str]] = {}
    for name, with_coverage in CASES.items():
        base = tmp_path_factory.mktemp(f"gold-{name}")
        project = copy_fixture(name, base)
        if with_coverage:
            tests = run_project_tests(project)
            assert tests.returncode == 0, tests.stdout + tests.stderr
        texts = {}
        for fmt, ext in FORMATS.items():
            out = base / f"report.{ext}"
            run = run_cli(
                "scan", name, "--no-cache", "--format", fmt, "--output", str(out), cwd=base, env=PINNED
            )
            assert run.returncode in (0, 1), run.stderr
            texts[fmt] = out.read_text(encoding="utf-8")
        volatile = _volatile(json.loads(texts["json"]))
        found[name] = {fmt: scrub(text, volatile) for fmt, text in texts.items()}
    return found


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("case", list(CASES))
def test_report_equals_its_golden_file(reports: dict[str, dict[str, str]], case: str, fmt: str) -> None:
    golden = GOLD / case / f"report.{FORMATS[fmt]}"
    actual = reports[case][fmt]
    if REFRESH:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.is_file(), f"{golden} is missing: refresh with RISKAUDIT_REFRESH_GOLD=1 (see this module)"
    expected = golden.read_text(encoding="utf-8")
    assert actual == expected, f"{golden} differs: read the diff, refresh with RISKAUDIT_REFRESH_GOLD=1 if meant"


def test_scrubbing_leaves_no_machine_specific_path(reports: dict[str, dict[str, str]]) -> None:
    for case in reports.values():
        for text in case.values():
            assert sys.prefix not in text and str(REPO) not in text
