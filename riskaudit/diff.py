"""``--diff REF``: restrict the findings to the lines changed since a git ref.

The changed lines come from ``git diff --unified=0 REF -- .`` run in the target's root: every added
or changed line of the new version of each Python file (a pure deletion changes no line). ``A...B``
(the merge-base form of semgrep and diff-cover: what the branch changed since it left A) compares with
``git merge-base A B``; as the scan reads the working tree, B must be HEAD (or left out). Python files
git does not track (and does not ignore) count as changed throughout; other files do not count. A
finding is kept when it is on a changed line, or on the ``def`` line of a function whose body has a
changed line (a complexity or CRAP finding of a function that grew); a file-level finding (no line)
when its file changed; project-level findings (no file: total coverage, a red test suite, ...) are
left out, since no change is theirs. A failed tool still makes the run incomplete whatever the diff.
"""

from __future__ import annotations

import ast
import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from riskaudit.errors import RiskauditError
from riskaudit.models import CoverageData, Finding
from riskaudit.results import DiffScope, ScanResult
from riskaudit.running.git import git_available, run_git

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_MAX_COUNTED_BYTES = 8_000_000
"""Untracked files larger than this are in scope but their lines are not counted."""


class DiffError(RiskauditError):
    """The diff cannot be computed: no git, not a repository, or a bad ref."""


@dataclass(frozen=True)
class Changes:
    """Changed lines per target-relative path; None for a file changed throughout (untracked)."""

    ref: str
    """The git ref compared with."""
    files: Mapping[str, frozenset[int] | None]
    """Path to its changed lines, or None when every line counts as changed."""
    untracked_lines: int = 0
    """Lines of the untracked files (counted as changed)."""
    grown: Mapping[str, frozenset[int]] = field(default_factory=dict)
    """``def`` lines of the functions whose span holds a changed line, by path."""

    def touches(self, finding: Finding) -> bool:
        """Whether the finding is on a changed line, on the ``def`` of a changed function, or file-level."""
        if finding.path is None or finding.path not in self.files:
            return False
        lines = self.files[finding.path]
        if lines is None or finding.line is None or finding.line in lines:
            return True
        return finding.line in self.grown.get(finding.path, frozenset())

    @property
    def line_count(self) -> int:
        """Changed lines in all files, untracked ones counted whole."""
        return self.untracked_lines + sum(len(lines) for lines in self.files.values() if lines is not None)


def parse_diff(text: str) -> dict[str, frozenset[int]]:
    """Added or changed line numbers of each new file in ``git diff --unified=0`` output."""
    changed: dict[str, set[int]] = {}
    current: str | None = None
    in_header = False
    for line in text.splitlines():
        if line.startswith("diff --git "):
            in_header, current = True, None
        elif in_header and line.startswith("+++ "):
            current = _diff_path(line[4:])
            if current is not None:
                changed.setdefault(current, set())
        elif line.startswith("@@"):
            in_header = False
            match = _HUNK.match(line)
            if match is None or current is None:
                continue
            start, count = int(match.group(1)), int(match.group(2) if match.group(2) is not None else 1)
            changed[current].update(range(start, start + count))
    return {path: frozenset(lines) for path, lines in changed.items()}


def _diff_path(text: str) -> str | None:
    """The path of a ``+++`` header (``b/`` prefix dropped, C quoting undone), None for /dev/null."""
    text = text.rstrip("\t")
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        raw = codecs.escape_decode(text[1:-1].encode("utf-8"))[0]
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    if text == "/dev/null":
        return None
    return text[2:] if text.startswith("b/") else text


def changed_lines(root: Path, ref: str) -> Changes:
    """The lines changed since ref in the target's tree; raises DiffError with a one-line reason."""
    if not ref or ref.startswith("-"):
        raise DiffError(f"--diff {ref!r}: not a git ref")
    if not git_available():
        raise DiffError(f"--diff {ref}: git is not installed")
    inside = run_git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise DiffError(f"--diff {ref}: {root} is not inside a git work tree")
    base = _base_commit(root, ref)
    diff = _git(
        root, ref,
        "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--unified=0",
        "--relative", "--src-prefix=a/", "--dst-prefix=b/", base, "--", ".",
    )
    untracked = _git(root, ref, "ls-files", "--others", "--exclude-standard", "-z", "--", ".")
    files: dict[str, frozenset[int] | None] = {p: lines for p, lines in parse_diff(diff).items() if is_python(p)}
    extra = 0
    for name in sorted(filter(None, untracked.split("\0"))):
        if is_python(name):
            files[name] = None
            extra += _line_count(root / name)
    grown = {path: grown_functions(root / path, lines) for path, lines in files.items() if lines}
    return Changes(ref, dict(sorted(files.items())), extra, {p: found for p, found in grown.items() if found})


def is_python(path: str) -> bool:
    """Whether a changed path is Python source the scan analyses (its changes count)."""
    return path.endswith((".py", ".pyi"))


def _commit(root: Path, ref: str, given: str) -> str:
    """The commit a ref names; raises DiffError when there is none."""
    verify = run_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if verify.returncode != 0:
        raise DiffError(f"--diff {given}: no such commit {ref!r} in the repository of {root}")
    return verify.stdout.strip()


def _base_commit(root: Path, ref: str) -> str:
    """The commit to compare the working tree with: ref, or for ``A...B`` the merge base of A and B (B: HEAD)."""
    if "..." not in ref:
        return _commit(root, ref, ref)
    left, _, right = ref.partition("...")
    head = _commit(root, "HEAD", ref)
    if right and _commit(root, right, ref) != head:
        raise DiffError(f"--diff {ref}: {right} is not HEAD; the scan reads the working tree, so compare with HEAD")
    return _git(root, ref, "merge-base", _commit(root, left or "HEAD", ref), head).strip()


def grown_functions(path: Path, lines: frozenset[int]) -> frozenset[int]:
    """The ``def`` lines of the functions of a file whose span holds one of the lines (empty if it does not parse)."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    return frozenset(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(node.lineno <= line <= (node.end_lineno or node.lineno) for line in lines)
    )


def _git(root: Path, ref: str, *args: str) -> str:
    """A git command's output; raises DiffError when it fails."""
    proc = run_git(root, *args)
    if proc.returncode != 0:
        detail = proc.error or (proc.stderr.strip().splitlines() or ["failed"])[-1]
        raise DiffError(f"--diff {ref}: git {args[0]}: {detail}")
    return proc.stdout


def _line_count(path: Path) -> int:
    """Lines of a file (0 when unreadable or very large)."""
    try:
        if not path.is_file() or path.stat().st_size > _MAX_COUNTED_BYTES:
            return 0
        data = path.read_bytes()
    except OSError:
        return 0
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def changed_coverage(coverage: CoverageData | None, changes: Changes) -> tuple[int | None, int | None]:
    """Measured and executed lines among the changed lines; (None, None) when coverage is unknown."""
    if coverage is None:
        return None, None
    measured = executed = 0
    for entry in coverage.files:
        if entry.path not in changes.files:
            continue
        lines = changes.files[entry.path]
        ran = set(entry.executed)
        statements = ran | set(entry.missing)
        if lines is not None:
            statements &= lines
        measured += len(statements)
        executed += len(statements & ran)
    return measured, executed


def apply_diff(result: ScanResult, changes: Changes) -> ScanResult:
    """The result with only the findings (and suppressions) on changed lines, and the diff's scope."""
    kept = tuple(f for f in result.findings if changes.touches(f))
    suppressed = tuple(s for s in result.suppressed if changes.touches(s.finding))
    used = {f.rule_id for f in _all(kept, (s.finding for s in suppressed))}
    statements, executed = changed_coverage(result.coverage, changes)
    scope = DiffScope(
        ref=changes.ref,
        files=tuple(changes.files),
        lines=changes.line_count,
        dropped=len(result.findings) - len(kept),
        statements=statements,
        executed=executed,
    )
    rules = {rule_id: doc for rule_id, doc in result.rules.items() if rule_id in used}
    return replace(result, findings=kept, suppressed=suppressed, rules=rules, diff=scope)


def _all(*groups: Iterable[Finding]) -> Iterable[Finding]:
    """The findings of several groups in turn."""
    for group in groups:
        yield from group
