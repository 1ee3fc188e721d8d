"""Whether saved results are ones a scan could have written, before ``riskaudit render`` trusts them.

The JSON codec checks shapes and types; the shipped results schema what else a field may hold (enums,
bounds, no unknown fields); ``inconsistency`` what neither can say: the gate threshold is one riskaudit
knows, every finding's rule is documented in the results, and every collector's run is there (results
without mypy's run would render as if mypy had found nothing).
"""

from __future__ import annotations

import json

from riskaudit.collectors.registry import REGISTRY, TOOLS
from riskaudit.gate import FAIL_ON_CHOICES
from riskaudit.results import ScanResult
from riskaudit.schema_check import first_error, results_schema


def refusal(text: str, result: ScanResult) -> str:
    """Why results the codec read from ``text`` cannot be rendered as a scan's (schema, then consistency)."""
    problem = first_error(json.loads(text), results_schema())
    if problem:
        return f"does not match riskaudit's results schema: {problem}"
    problem = inconsistency(result)
    return f"inconsistent results: {problem}" if problem else ""


def inconsistency(result: ScanResult) -> str:
    """What makes well-typed results impossible for a scan to have written; empty when nothing does."""
    if result.meta.fail_on not in FAIL_ON_CHOICES:
        return f"meta.fail_on {result.meta.fail_on!r} is not one of {', '.join(FAIL_ON_CHOICES)}"
    for finding in (*result.findings, *(item.finding for item in result.suppressed)):
        if finding.rule_id not in result.rules:
            return f"a finding of rule {finding.rule_id} whose rule is not in 'rules'"
    names = [run.name for run in result.runs]
    unknown = [name for name in names if name not in TOOLS]
    if unknown:
        return f"a run of {unknown[0]!r}, which is not a tool riskaudit runs"
    missing = [
        entry.tools for entry in REGISTRY if not entry.optional and not any(tool in names for tool in entry.tools)
    ]
    if missing:
        return f"no run of {' or '.join(missing[0])} (every scan records each tool's run, whatever its status)"
    return ""
