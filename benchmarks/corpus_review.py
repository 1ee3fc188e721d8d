"""Review records of the corpus: verdicts on riskaudit's top-ranked findings, and precision@20 from them.

A record (``benchmarks/corpus/reviews/<project>.toml``) holds, per reviewed finding, riskaudit's own
line-independent fingerprint (``riskaudit.fingerprint.fingerprint_base``: rule, path, enclosing
symbol and the flagged source line, whitespace collapsed), a verdict (``real``, ``minor``, ``wrong``;
empty while unreviewed) and a one-line reason; rule, path, line, symbol, message and a few source
lines are kept for humans and refreshed whenever the template is regenerated. ``[[missed]]`` entries
list real risks a reviewer found that riskaudit did not report.

Everything here is pure: parsing and validating a record (``parse_review``), the current top
findings of a result (``top_findings``), scoring them against a record (``assess``: precision@20,
and the findings no record covers, *new since the last review*), and writing the template a
reviewer fills in (``render_template``), which keeps every verdict already given.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from riskaudit.fingerprint import fingerprint_base
from riskaudit.models import Finding
from riskaudit.report.view import build_view
from riskaudit.results import ScanResult

from corpus_spec import CorpusError

TOP = 20
"""How many top-ranked findings are reviewed and scored."""
VERDICTS = ("real", "minor", "wrong")
"""real: a risk a reviewer would act on; minor: true but of low value; wrong: a false positive."""
CONTEXT_RADIUS = 2
"""Source lines shown above and below a finding's line in the template."""
_FINDING_KEYS = frozenset({"fingerprint", "verdict", "reason", "rule", "path", "line", "symbol", "message", "context"})
_MISSED_KEYS = frozenset({"path", "line", "rule", "reason"})
_TOP_KEYS = frozenset({"project", "version", "mode", "finding", "missed"})


@dataclass(frozen=True)
class ReviewedFinding:
    """The verdict on one finding, identified by its fingerprint."""

    fingerprint: str
    """``riskaudit.fingerprint.fingerprint_base`` of the finding (what is matched)."""
    verdict: str = ""
    """``real``, ``minor`` or ``wrong``; empty while not reviewed."""
    reason: str = ""
    """One line saying why (required with a verdict)."""
    rule: str = ""
    """Rule id, for humans."""
    path: str = ""
    """Target-relative path ('' for a project-level finding), for humans."""
    line: int = 0
    """Line when the record was written (0: none), for humans; line moves do not matter."""
    symbol: str = ""
    """Enclosing function or class, for humans."""
    message: str = ""
    """The finding's message, for humans."""
    context: tuple[str, ...] = ()
    """A few source lines around the finding, the flagged one marked with ``>``."""


@dataclass(frozen=True)
class Missed:
    """A real risk a reviewer noticed that riskaudit did not report."""

    path: str
    """Target-relative path."""
    line: int
    """Line in the reviewed release."""
    reason: str
    """What the risk is."""
    rule: str = ""
    """The rule that should have reported it, when one exists."""


@dataclass(frozen=True)
class Review:
    """One project's review record."""

    project: str
    """Its corpus name."""
    version: str
    """The version whose findings were reviewed."""
    mode: str = ""
    """The scan (``bare`` or ``deps``) the template was generated from."""
    findings: tuple[ReviewedFinding, ...] = ()
    """The reviewed (or still to review) findings."""
    missed: tuple[Missed, ...] = ()
    """Real risks riskaudit did not report."""

    def by_fingerprint(self) -> dict[str, ReviewedFinding]:
        """The records keyed by fingerprint."""
        return {f.fingerprint: f for f in self.findings}


def _string(table: Mapping[str, Any], key: str, where: str) -> str:
    """An optional string field ('' when absent)."""
    value = table.get(key, "")
    if not isinstance(value, str):
        raise CorpusError(f"{where}: {key} must be a string")
    return value


def _line(table: Mapping[str, Any], where: str) -> int:
    """An optional non-negative line number (0 when absent)."""
    value = table.get("line", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CorpusError(f"{where}: line must be a non-negative integer")
    return value


def _reviewed(table: Any, number: int) -> ReviewedFinding:
    """One ``[[finding]]`` table, validated."""
    where = f"finding #{number}"
    if not isinstance(table, dict):
        raise CorpusError(f"{where} must be a table")
    unknown = sorted(set(table) - _FINDING_KEYS)
    if unknown:
        raise CorpusError(f"{where}: unknown key {unknown[0]!r}")
    fingerprint = _string(table, "fingerprint", where)
    if not fingerprint:
        raise CorpusError(f"{where}: fingerprint is required")
    verdict, reason = _string(table, "verdict", where), _string(table, "reason", where).strip()
    if verdict and verdict not in VERDICTS:
        raise CorpusError(f"{where}: verdict must be one of {', '.join(VERDICTS)} (or empty while unreviewed)")
    if verdict and not reason:
        raise CorpusError(f"{where}: a verdict needs a one-line reason")
    if "\n" in reason:
        raise CorpusError(f"{where}: the reason must be one line")
    context = table.get("context", [])
    if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
        raise CorpusError(f"{where}: context must be a list of strings")
    return ReviewedFinding(
        fingerprint, verdict, reason, _string(table, "rule", where), _string(table, "path", where),
        _line(table, where), _string(table, "symbol", where), _string(table, "message", where), tuple(context),
    )


def _missed(table: Any, number: int) -> Missed:
    """One ``[[missed]]`` table, validated."""
    where = f"missed #{number}"
    if not isinstance(table, dict):
        raise CorpusError(f"{where} must be a table")
    unknown = sorted(set(table) - _MISSED_KEYS)
    if unknown:
        raise CorpusError(f"{where}: unknown key {unknown[0]!r}")
    path, reason = _string(table, "path", where), _string(table, "reason", where).strip()
    if not path or not reason:
        raise CorpusError(f"{where}: path and reason are required")
    return Missed(path, _line(table, where), reason, _string(table, "rule", where))


def parse_review(text: str) -> Review:
    """A review record from its TOML text; CorpusError says what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"not TOML: {exc}") from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise CorpusError(f"unknown key {unknown[0]!r}")
    project, version = _string(data, "project", "the record"), _string(data, "version", "the record")
    if not project or not version:
        raise CorpusError("project and version are required")
    rows, missed = data.get("finding", []), data.get("missed", [])
    if not isinstance(rows, list) or not isinstance(missed, list):
        raise CorpusError("finding and missed must be arrays of tables ([[finding]], [[missed]])")
    findings = tuple(_reviewed(row, i + 1) for i, row in enumerate(rows))
    seen: set[str] = set()
    for item in findings:
        if item.fingerprint in seen:
            raise CorpusError(f"fingerprint {item.fingerprint} is recorded twice")
        seen.add(item.fingerprint)
    return Review(project, version, _string(data, "mode", "the record"), findings,
                  tuple(_missed(row, i + 1) for i, row in enumerate(missed)))


def top_findings(result: ScanResult, count: int = TOP) -> tuple[Finding, ...]:
    """What a reviewer reads first: the report's ranked distinct risks, production code's then test code's.

    Each is the lead finding of one cause (findings of one rule and message pattern are one item of the
    report); at most ``count``, fewer when the report ranks fewer (low and info findings are only counted).
    """
    view = build_view(result)
    return tuple(group.lead for group in (*view.ranked, *view.test_ranked))[:count]


@dataclass(frozen=True)
class Assessment:
    """The current top findings scored against a review record."""

    considered: int
    """How many top findings were scored (``TOP``, or fewer when the scan found fewer)."""
    verdicts: Mapping[str, int] = field(default_factory=dict)
    """Count per verdict (``real``, ``minor``, ``wrong``) among them."""
    unreviewed: int = 0
    """Top findings with no verdict: recorded but not filled in, or new."""
    new: tuple[Finding, ...] = ()
    """Top findings no record covers: new since the last review."""

    @property
    def real(self) -> int:
        """Top findings judged ``real``."""
        return self.verdicts.get("real", 0)

    @property
    def precision(self) -> float | None:
        """Real findings / considered: an unreviewed finding counts as not real; None when there is nothing to score."""
        return self.real / self.considered if self.considered else None


def assess(top: Sequence[Finding], review: Review | None) -> Assessment:
    """Precision of the top findings from the record's verdicts, and which of them are new since it."""
    records = review.by_fingerprint() if review else {}
    verdicts: dict[str, int] = {}
    unreviewed = 0
    new: list[Finding] = []
    for finding in top:
        record = records.get(fingerprint_base(finding))
        if record is None:
            new.append(finding)
            unreviewed += 1
        elif not record.verdict:
            unreviewed += 1
        else:
            verdicts[record.verdict] = verdicts.get(record.verdict, 0) + 1
    return Assessment(len(top), verdicts, unreviewed, tuple(new))


def context_of(finding: Finding, source: Sequence[str] | None, radius: int = CONTEXT_RADIUS) -> tuple[str, ...]:
    """A few numbered source lines around the finding (``>`` marks its line); the excerpt when riskaudit kept one."""
    if finding.excerpt:
        return tuple(f"{'>' if x.highlight else ' '} {x.number:>5} | {x.text.rstrip()}" for x in finding.excerpt)
    if source is None or not finding.line:
        return ()
    start, end = max(1, finding.line - radius), min(len(source), finding.line + radius)
    return tuple(
        f"{'>' if n == finding.line else ' '} {n:>5} | {source[n - 1].rstrip()}" for n in range(start, end + 1)
    )


def record_of(finding: Finding, source: Sequence[str] | None, previous: ReviewedFinding | None) -> ReviewedFinding:
    """The record of a current top finding: its verdict kept from the previous record, the rest refreshed."""
    return ReviewedFinding(
        fingerprint=fingerprint_base(finding),
        verdict=previous.verdict if previous else "",
        reason=previous.reason if previous else "",
        rule=finding.rule_id,
        path=finding.path or "",
        line=finding.line or 0,
        symbol=finding.symbol,
        message=" ".join(finding.message.split()),
        context=context_of(finding, source),
    )


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _finding_table(record: ReviewedFinding) -> list[str]:
    """The TOML lines of one ``[[finding]]``."""
    lines = [
        "[[finding]]",
        f"fingerprint = {toml_string(record.fingerprint)}",
        f"verdict = {toml_string(record.verdict)}  # real | minor | wrong",
        f"reason = {toml_string(record.reason)}",
        f"rule = {toml_string(record.rule)}",
        f"path = {toml_string(record.path)}",
        f"line = {record.line}",
        f"symbol = {toml_string(record.symbol)}",
        f"message = {toml_string(record.message)}",
    ]
    if record.context:
        lines.append("context = [")
        lines.extend(f"  {toml_string(c)}," for c in record.context)
        lines.append("]")
    return [*lines, ""]


def _missed_table(missed: Missed) -> list[str]:
    """The TOML lines of one ``[[missed]]``."""
    lines = ["[[missed]]", f"path = {toml_string(missed.path)}", f"line = {missed.line}"]
    if missed.rule:
        lines.append(f"rule = {toml_string(missed.rule)}")
    return [*lines, f"reason = {toml_string(missed.reason)}", ""]


def render_template(
    project: str,
    version: str,
    mode: str,
    top: Sequence[Finding],
    previous: Review | None,
    source_of: Callable[[str], Sequence[str] | None],
) -> str:
    """The record text for the current top findings: verdicts given before are kept, new findings get empty ones.

    Records of findings that are no longer in the top stay (below the current ones), so a finding that
    comes back keeps its verdict; the ``[[missed]]`` entries stay as they were. ``source_of`` gives the
    lines of a target-relative file (None when it cannot be read), for the context of findings riskaudit
    kept no excerpt for.
    """
    records = previous.by_fingerprint() if previous else {}
    current: dict[str, ReviewedFinding] = {}
    for finding in top:
        key = fingerprint_base(finding)
        if key not in current:
            current[key] = record_of(finding, source_of(finding.path) if finding.path else None, records.get(key))
    older = [r for r in (previous.findings if previous else ()) if r.fingerprint not in current]
    lines = [
        f"# riskaudit review record: {project} {version}, top {TOP} of the {mode} scan.",
        "# Fill in verdict (real: a risk a reviewer would act on; minor: true but low value; wrong: false",
        "# positive) and a one-line reason. Regenerate with `benchmarks/corpus.py review --project NAME`:",
        "# verdicts are kept, matched by fingerprint. See benchmarks/README.md.",
        f"project = {toml_string(project)}",
        f"version = {toml_string(version)}",
        f"mode = {toml_string(mode)}",
        "",
    ]
    for record in current.values():
        lines.extend(_finding_table(record))
    if older:
        lines.append(f"# Reviewed before, not in the current top {TOP}.")
        lines.append("")
        for record in older:
            lines.extend(_finding_table(record))
    missed = previous.missed if previous else ()
    if missed:
        lines.append("# Real risks riskaudit did not report.")
        lines.append("")
        for item in missed:
            lines.extend(_missed_table(item))
    return "\n".join(lines).rstrip("\n") + "\n"
