"""Inline suppressions: ``# riskaudit: ignore[RA101] -- reason`` on the line a finding points at.

The syntax, decided once and documented in the README:

- the marker lives in a comment on the flagged line (``tokenize`` finds comments, so the marker
  inside a string literal is not a suppression); it may follow another comment on the line
  (``# type: ignore[x]  # riskaudit: ignore[RA113] -- why``);
- the brackets name one or more *full* rule ids, comma-separated (``ignore[RA101, RA203]``);
  prefixes such as ``RA2`` are refused, so a new rule in a family is never silenced unseen;
- the reason after ``--`` is required: a suppression without one does not take effect and is
  itself a finding (RA601);
- a suppression that silences nothing (a malformed comment, an unknown rule id, or a rule with no
  finding on that line) is a finding too (RA602), unless the rule could not have fired in this
  scan (deselected, or a tool that feeds it did not run);
- findings without a line (file- or project-level) cannot be suppressed inline: leave them out with
  ``--ignore`` or ``[tool.riskaudit] ignore``.

Everything here is pure: comments in, findings out.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from riskaudit.catalogue import Catalogue
from riskaudit.mapping import Mapped
from riskaudit.models import Finding, RawFinding, SuppressedFinding, ToolRun, ToolStatus
from riskaudit.sources import SourceFile, SourceIndex
from riskaudit.tool_comments import own_suppression

TOOL = "riskaudit"
"""The tool name of the findings about suppressions."""
WITHOUT_REASON = "suppression-without-reason"
"""Code of a suppression that gives no reason (rule RA601)."""
UNUSED = "unused-suppression"
"""Code of a suppression that silences nothing (rule RA602)."""
SYNTAX = "# riskaudit: ignore[RA101] -- reason"
"""The form a suppression takes, quoted in messages."""

_MARKER = re.compile(r"#\s*riskaudit\s*:\s*ignore\b", re.IGNORECASE)
_BODY = re.compile(r"^\s*(?:\[(?P<ids>[^\]]*)\])?(?P<rest>.*)$", re.DOTALL)
_REASON = re.compile(r"^\s*--(?P<reason>.*)$", re.DOTALL)
_NEXT_COMMENT = re.compile(r"\s#\s")
_RULE_ID = re.compile(r"^RA\d{3}$")


@dataclass(frozen=True)
class Suppression:
    """One ``# riskaudit: ignore[...]`` comment."""

    path: str
    """Target-relative POSIX path of the file."""
    line: int
    """1-based line of the comment: the line whose findings it silences."""
    rule_ids: tuple[str, ...]
    """Rule ids it names, upper-cased, in the order written (empty when malformed)."""
    reason: str
    """The reason after ``--``, whitespace-normalised; empty when missing."""
    problem: str = ""
    """Why the comment is malformed and silences nothing; empty when well-formed."""


@dataclass(frozen=True)
class Outcome:
    """Findings split by the suppressions, and the findings about the suppressions themselves."""

    kept: tuple[Finding, ...]
    """Findings no valid suppression covers, in their original order."""
    suppressed: tuple[SuppressedFinding, ...]
    """Findings silenced, with the reason given."""
    problems: tuple[RawFinding, ...]
    """Raw findings for suppressions without a reason (RA601) or that silence nothing (RA602)."""


def parse_comment(path: str, line: int, comment: str) -> Suppression | None:
    """The suppression in one comment token, or None when it has no ``riskaudit: ignore`` marker."""
    marker = _MARKER.search(comment)
    if marker is None:
        return None
    body = _BODY.match(comment[marker.end():])
    if body is None:  # cannot happen: the pattern matches every string
        return None
    reason = _reason(body["rest"])
    ids = tuple(part.strip().upper() for part in (body["ids"] or "").split(",") if part.strip())
    if not ids:
        return Suppression(path, line, (), reason, f"names no rule id; write {SYNTAX}")
    bad = ", ".join(repr(rule_id) for rule_id in ids if not _RULE_ID.match(rule_id))
    if bad:
        return Suppression(path, line, (), reason, f"{bad}: not a full rule id (like RA101; prefixes are not allowed)")
    return Suppression(path, line, ids, reason)


def _reason(rest: str) -> str:
    """The reason after ``--``, up to a following comment, whitespace-normalised; empty when missing."""
    found = _REASON.match(rest)
    if found is None:
        return ""
    text = found["reason"]
    following = _NEXT_COMMENT.search(text)
    return " ".join((text[: following.start()] if following else text).split())


def _comments(text: str) -> Iterator[tuple[int, str]]:
    """``(line, comment text)`` of every comment token; stops quietly where tokenizing fails."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    try:
        for token in tokens:
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string
    except (tokenize.TokenError, SyntaxError):
        return


def file_suppressions(source: SourceFile) -> tuple[Suppression, ...]:
    """Every suppression comment of one file, in line order."""
    text = source.text
    if not _MARKER.search(text):
        return ()
    found = (parse_comment(source.path, line, comment) for line, comment in _comments(text))
    return tuple(s for s in found if s is not None)


def collect(index: SourceIndex) -> tuple[Suppression, ...]:
    """Every suppression comment of every analysed file, by path and line."""
    return tuple(s for path in sorted(index.files) for s in file_suppressions(index.files[path]))


def apply(
    findings: Iterable[Finding],
    suppressions: Iterable[Suppression],
    known: Collection[str],
    judgeable: Collection[str],
) -> Outcome:
    """Split findings by the suppressions and report the suppressions that are not right.

    ``known`` holds every rule id of the catalogue; ``judgeable`` the rules that could have fired in
    this scan (selected, and every tool that feeds them ran): only for those is a suppression that
    matches no finding reported as unused.
    """
    valid, problems = _triage(suppressions)
    kept: list[Finding] = []
    silenced: list[SuppressedFinding] = []
    for finding in findings:
        cover = valid.get((finding.path, finding.line)) if finding.path and finding.line else None
        if cover is not None and finding.rule_id in cover.rule_ids:
            silenced.append(SuppressedFinding(finding, cover.reason))
        else:
            kept.append(finding)
    used = {(s.finding.path, s.finding.line, s.finding.rule_id) for s in silenced}
    problems.extend(_unused(valid.values(), used, known, judgeable))
    return Outcome(tuple(kept), tuple(silenced), tuple(problems))


def _triage(suppressions: Iterable[Suppression]) -> tuple[dict[tuple[str, int], Suppression], list[RawFinding]]:
    """Well-formed suppressions with a reason, by place; findings for the malformed and reasonless ones."""
    valid: dict[tuple[str, int], Suppression] = {}
    problems: list[RawFinding] = []
    for item in suppressions:
        if item.problem:
            problems.append(RawFinding(TOOL, UNUSED, f"suppression {item.problem}", item.path, item.line))
        elif not item.reason:
            rules = ", ".join(item.rule_ids)
            message = f"suppression of {rules} gives no reason; write # riskaudit: ignore[{rules}] -- reason"
            problems.append(RawFinding(TOOL, WITHOUT_REASON, message, item.path, item.line))
        else:
            valid[(item.path, item.line)] = item
    return valid, problems


def _unused(
    valid: Iterable[Suppression],
    used: Collection[tuple[str | None, int | None, str]],
    known: Collection[str],
    judgeable: Collection[str],
) -> Iterator[RawFinding]:
    """Findings for the rule ids of valid suppressions that silenced nothing and could have."""
    for item in valid:
        for rule_id in item.rule_ids:
            if (item.path, item.line, rule_id) in used:
                continue
            if rule_id not in known:
                message = f"suppression names {rule_id}, which is not a rule; see `riskaudit rules`"
            elif rule_id in judgeable:
                message = f"suppression of {rule_id} silences nothing: no {rule_id} finding on this line"
            else:
                continue
            yield RawFinding(TOOL, UNUSED, message, item.path, item.line)


def judgeable_rules(catalogue: Catalogue, runs: Iterable[ToolRun], kept_rules: Collection[str]) -> frozenset[str]:
    """Selected rules all of whose feeding tools in this scan ran successfully: only they can be judged unused.

    A tool that is not part of the scan at all (the linter not chosen) feeds nothing, so it is not waited for;
    a rule that no tool of the scan feeds cannot be judged.
    """
    runs = tuple(runs)
    ran = {run.name for run in runs if run.status is ToolStatus.OK}
    present = {run.name for run in runs}

    def judgeable(rule_id: str) -> bool:
        feeding = [m.tool for m in catalogue.rules[rule_id].mappings if m.tool in present]
        return bool(feeding) and all(tool in ran for tool in feeding)

    return frozenset(rule_id for rule_id in kept_rules if rule_id in catalogue.rules and judgeable(rule_id))


@dataclass(frozen=True)
class Suppressions:
    """What the target's inline suppressions did to the mapped findings."""

    mapped: Mapped
    """The mapping without the findings that were silenced."""
    suppressed: tuple[SuppressedFinding, ...]
    """The silenced findings, each with its reason."""
    problems: ToolRun | None
    """Findings about the suppressions themselves (RA601, RA602) as a ``riskaudit`` run, to be mapped like
    every other run; None when there are none."""


def suppress(
    mapped: Mapped, index: SourceIndex, catalogue: Catalogue, runs: Iterable[ToolRun], kept_rules: Collection[str]
) -> Suppressions:
    """Apply the target's inline suppressions to mapped findings."""
    outcome = apply(mapped.findings, collect(index), catalogue.rules, judgeable_rules(catalogue, runs, kept_rules))
    problems = ToolRun(TOOL, ToolStatus.OK, findings=outcome.problems) if outcome.problems else None
    kept, by_tools = by_tool_comments(outcome.kept, index, catalogue)
    return Suppressions(replace(mapped, findings=kept), (*outcome.suppressed, *by_tools), problems)


def by_tool_comments(
    findings: Iterable[Finding], index: SourceIndex, catalogue: Catalogue
) -> tuple[tuple[Finding, ...], tuple[SuppressedFinding, ...]]:
    """The findings still kept, and those the line's own mypy or flake8 comment silences (``tool_comments``)."""
    kept: list[Finding] = []
    silenced: list[SuppressedFinding] = []
    for finding in findings:
        source = index.get(finding.path)
        line = source.lines[finding.line - 1] if source and finding.line and finding.line <= len(source.lines) else ""
        reason = own_suppression(finding, line, catalogue.get(finding.rule_id)) if "#" in line else ""
        if reason:
            silenced.append(SuppressedFinding(finding, reason))
        else:
            kept.append(finding)
    return tuple(kept), tuple(silenced)


def suppressed_counts(suppressed: Iterable[SuppressedFinding]) -> Mapping[str, int]:
    """How many findings each rule had silenced, by rule id in id order."""
    counts: dict[str, int] = {}
    for item in suppressed:
        counts[item.finding.rule_id] = counts.get(item.finding.rule_id, 0) + 1
    return dict(sorted(counts.items()))
