"""Unit tests of the tool-output parsers and the radon adapter.

The parsers run on real output of the real tools, captured once in ``tests/data`` (see
``tests/data/README.md`` for the exact commands); nothing here fakes what a tool printed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from coverage.results import display_covered

from riskaudit.collectors.coverage import (
    CoverageDataError,
    coverage_findings,
    display_percent,
    match_paths,
    parse_json_report,
    parse_xml_report,
)
from riskaudit.collectors.flake8_output import Flake8OutputError
from riskaudit.collectors.flake8_output import parse_output as parse_flake8
from riskaudit.collectors.mypy import (
    MypyOutputError,
    config_declares_files,
    crash_cause,
    parse_json_output,
    parse_text_output,
    supports_json,
)
from riskaudit.collectors.radon import analyse_file
from riskaudit.collectors.radon import collect as radon_collect
from riskaudit.layers import Layer, LayerMap

from riskaudit.models import CoverageData, FileCoverage, RawFinding
from riskaudit.sources import build_index

DATA = Path(__file__).parent / "data"
ROOT = Path("/tmp/riskaudit-sample")
NAMED_LAYERS = LayerMap(
    (
        Layer("data access", frozenset({"repositories"}), 80.0),
        Layer("persistence", frozenset({"db", "models"}), 80.0),
        Layer("auth and security", frozenset({"auth"}), 80.0),
    )
)
"""Layers configured by folder and module names, as ``[tool.riskaudit.critical-layers]`` can give them."""
"""The folder the sample project was in when the outputs were captured."""
SERVICE = "app/service.py"

MypyParser = Callable[[str, Path], tuple[RawFinding, ...]]
CoverageParser = Callable[[str, Path], tuple[list[FileCoverage], float, str]]


def _data(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


# --- mypy -------------------------------------------------------------------------------------

MYPY_POSITIONS = [
    (SERVICE, 5, 1, "import-not-found"),
    (SERVICE, 15, 5, "unused-coroutine"),
    (SERVICE, 19, 5, "no-any-return"),
    (SERVICE, 19, 12, "attr-defined"),
    (SERVICE, 23, 18, "assignment"),
    (SERVICE, 24, 25, "assignment"),
    (SERVICE, 34, 18, "arg-type"),
    (SERVICE, 38, 5, "no-any-return"),
    (SERVICE, 42, 12, "union-attr"),
    (SERVICE, 42, 12, "union-attr"),
    (SERVICE, 46, None, "unused-ignore"),
    (SERVICE, 112, 20, "attr-defined"),
    (SERVICE, 118, 5, "attr-defined"),
    (SERVICE, 120, 5, "no-any-return"),
    (SERVICE, 120, 31, "attr-defined"),
]
"""Every error of the capture, with 1-based columns as ``--show-column-numbers`` prints them."""


def _positions(findings: tuple[RawFinding, ...]) -> list[tuple[str | None, int | None, int | None, str]]:
    return [(f.path, f.line, f.column, f.code) for f in findings]


@pytest.mark.parametrize(
    ("parse", "name"),
    [
        (parse_json_output, "mypy.jsonl"),
        (parse_json_output, "mypy-absolute.jsonl"),
        (parse_text_output, "mypy.txt"),
    ],
)
def test_mypy_codes_lines_and_one_based_columns(parse: MypyParser, name: str) -> None:
    findings = parse(_data(name), ROOT)
    assert _positions(findings) == MYPY_POSITIONS
    assert {f.tool for f in findings} == {"mypy"}


@pytest.mark.parametrize(
    ("parse", "name"),
    [(parse_json_output, "mypy.jsonl"), (parse_text_output, "mypy.txt")],
)
def test_mypy_notes_are_dropped(parse: MypyParser, name: str) -> None:
    text = _data(name)
    assert "Revealed type" in text  # the capture does hold a standalone note
    findings = parse(text, ROOT)
    assert all(f.line != 50 for f in findings)
    assert not any(f.message.startswith(("See https", "Are you missing", "Revealed type")) for f in findings)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            5,
            'Cannot find implementation or library stub for module named "notinstalled_pkg"'
            " (See https://mypy.readthedocs.io/en/stable/running_mypy.html#missing-imports)",
        ),
        (15, 'Value of type "Coroutine[Any, Any, None]" must be used (Are you missing an await?)'),
        (
            34,
            'Argument 1 to "total" has incompatible type "list[int]"; expected "list[float]"'
            ' ("list" is invariant -- see https://mypy.readthedocs.io/en/stable/common_issues.html#variance'
            '\nConsider using "Sequence" instead, which is covariant)',
        ),
        (23, 'Incompatible types in assignment (expression has type "str", variable has type "int")'),
        (112, '"type[T]" has no attribute "deleted_at"'),
    ],
)
def test_mypy_json_hint_is_folded_into_the_message(line: int, message: str) -> None:
    by_line = {f.line: f.message for f in parse_json_output(_data("mypy.jsonl"), ROOT)}
    assert by_line[line] == message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (5, 'Cannot find implementation or library stub for module named "notinstalled_pkg"'),
        (15, 'Value of type "Coroutine[Any, Any, None]" must be used'),
        (46, 'Unused "type: ignore" comment'),
    ],
)
def test_mypy_text_message_has_no_code_suffix(line: int, message: str) -> None:
    by_line = {f.line: f.message for f in parse_text_output(_data("mypy.txt"), ROOT)}
    assert by_line[line] == message


def test_mypy_absolute_paths_under_the_root_become_relative() -> None:
    text = _data("mypy-absolute.jsonl")
    assert '"file": "/tmp/riskaudit-sample/app/service.py"' in text
    assert parse_json_output(text, ROOT) == parse_json_output(_data("mypy.jsonl"), ROOT)


def test_mypy_absolute_paths_outside_the_root_stay_absolute() -> None:
    findings = parse_json_output(_data("mypy-absolute.jsonl"), Path("/srv/elsewhere"))
    assert {f.path for f in findings} == {"/tmp/riskaudit-sample/app/service.py"}


@pytest.mark.parametrize(
    "garbage",
    [
        "not json at all",
        "[1, 2, 3]",
        '"a string"',
        '{"line": 3, "message": "no file"}',
        '{"file": "app/x.py", "line": 3}',
        '{"file": "app/x.py", "line": 3, "message": "cut off',
    ],
)
def test_mypy_json_garbage_line_raises(garbage: str) -> None:
    lines = _data("mypy.jsonl").splitlines()
    text = "\n".join([*lines[:3], garbage, *lines[3:]])
    with pytest.raises(MypyOutputError, match=r"^line 4 of mypy's output"):
        parse_json_output(text, ROOT)


def test_mypy_json_mode_keeps_a_plain_text_error_line() -> None:
    lines = _data("mypy.jsonl").splitlines()
    text = "\n".join([*lines[:3], "app/service.py:5:1: error: text output in JSON mode  [misc]", *lines[3:]])
    findings = parse_json_output(text, ROOT)
    assert len(findings) == len(parse_json_output(_data("mypy.jsonl"), ROOT)) + 1
    assert findings[3] == RawFinding("mypy", "misc", "text output in JSON mode", "app/service.py", 5, 1)


def test_mypy_json_blank_lines_are_ignored() -> None:
    text = _data("mypy.jsonl")
    spaced = "\n\n".join(text.splitlines()) + "\n   \n"
    assert parse_json_output(spaced, ROOT) == parse_json_output(text, ROOT)


@pytest.mark.parametrize(
    "garbage",
    ["Segmentation fault (core dumped)", "<html>proxy error</html>", "Traceback (most recent call last):"],
)
def test_mypy_text_output_that_is_not_mypys_is_refused(garbage: str) -> None:
    # an interpreter whose `python -m mypy` prints something else and exits 0 must not read as "no errors"
    with pytest.raises(MypyOutputError, match="line 3 of mypy's output is not a mypy message"):
        parse_text_output("\n".join([*_data("mypy.txt").splitlines()[:2], garbage]), ROOT)


def test_mypy_text_file_level_errors_and_plain_notes_are_mypys() -> None:
    text = "app/a.py: error: Duplicate module named \"a\"\nsetup.cfg: note: unused section(s): [mypy-x]\n"
    assert parse_text_output(text, ROOT) == ()


def test_mypy_text_summary_line_is_not_a_finding() -> None:
    text = _data("mypy.txt") + "Found 15 errors in 1 file (checked 3 source files)\n"
    assert _positions(parse_text_output(text, ROOT)) == MYPY_POSITIONS


def test_mypy_json_plain_text_config_note_is_dropped() -> None:
    text = _data("mypy-unused-section.jsonl")
    assert text.startswith("unused-section.ini: note: unused section(s)")
    assert parse_json_output(text, ROOT) == ()


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("mypy 1.11.0 (compiled: yes)", True),
        ("mypy 1.11.2 (compiled: no)", True),
        ("mypy 1.10.1 (compiled: yes)", False),
        ("mypy 1.9.0", False),
        ("mypy 1.1.1", False),
        ("mypy 0.991 (compiled: yes)", False),
        ("mypy 2.4.1 (compiled: yes)", True),
        ("mypy 2.0.0", True),
        ("mypy 10.0", True),
        ("mypy 1.12.0+dev.0123abcd", True),
        ("mypy 1.110.0", True),
        ("", False),
        ("mypy version unknown", False),
        ("flake8 7.5.0", False),
    ],
)
def test_supports_json(version: str, expected: bool) -> None:
    assert supports_json(version) is expected


def test_supports_json_on_the_installed_mypy() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--version"], capture_output=True, text=True, check=True
    ).stdout
    major, minor = (int(n) for n in re.findall(r"mypy (\d+)\.(\d+)", out)[0])
    assert supports_json(out) is ((major, minor) >= (1, 11))


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, False),
        ({"pyproject.toml": '[tool.mypy]\nfiles = ["app"]\n'}, True),
        ({"pyproject.toml": '[tool.mypy]\nfiles = "app, tests"\n'}, True),
        ({"pyproject.toml": "[tool.mypy]\nstrict = true\n"}, False),
        ({"pyproject.toml": '[tool.pytest.ini_options]\nfiles = ["app"]\n'}, False),
        ({"pyproject.toml": '[project]\nname = "x"\n'}, False),
        ({"pyproject.toml": "this is [ not toml"}, False),
        ({"pyproject.toml": 'tool = "a string"\n'}, False),
        ({"pyproject.toml": b"[tool.mypy]\nfiles = ['\xff']\n"}, False),
        ({"mypy.ini": "[mypy]\nfiles = app\n"}, True),
        ({"mypy.ini": "[mypy]\nstrict = True\n"}, False),
        ({"mypy.ini": "[mypy-app.*]\nfiles = app\n"}, False),
        ({".mypy.ini": "[mypy]\nfiles = app, tests\n"}, True),
        ({"setup.cfg": "[mypy]\nfiles = app\n"}, True),
        ({"setup.cfg": "[flake8]\nfiles = app\n"}, False),
        ({"setup.cfg": "[metadata]\nname = x\n[mypy]\nwarn_unused_ignores = True\n"}, False),
        ({"setup.cfg": "[mypy\nbroken"}, False),
        ({"mypy.ini": "[mypy]\nstrict = True\n", "setup.cfg": "[mypy]\nfiles = app\n"}, False),
        ({"pyproject.toml": '[tool.mypy]\nfiles = ["app"]\n', "setup.cfg": "[mypy]\nstrict = True\n"}, True),
    ],
)
def test_config_declares_files(tmp_path: Path, files: dict[str, str | bytes], expected: bool) -> None:
    for name, content in files.items():
        if isinstance(content, bytes):
            (tmp_path / name).write_bytes(content)
        else:
            (tmp_path / name).write_text(content, encoding="utf-8")
    assert config_declares_files(tmp_path) is expected


@pytest.mark.parametrize(
    "files",
    [
        # mypy reads mypy.ini first, even without a [mypy] section, and then looks no further
        {"mypy.ini": "[mypy]\nstrict = True\n", "pyproject.toml": '[tool.mypy]\nfiles = ["app"]\n'},
        {"mypy.ini": "[other]\nx = 1\n", "setup.cfg": "[mypy]\nfiles = app\n"},
        # pyproject.toml with a [tool.mypy] table wins over setup.cfg
        {"pyproject.toml": "[tool.mypy]\nstrict = true\n", "setup.cfg": "[mypy]\nfiles = app\n"},
    ],
)
def test_config_declares_files_follows_mypy_precedence(tmp_path: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    assert config_declares_files(tmp_path) is False


# --- flake8 -----------------------------------------------------------------------------------


def test_flake8_every_record_is_a_finding() -> None:
    text = _data("flake8.txt")
    findings = parse_flake8(text, ROOT)
    assert len(findings) == len(text.split("\n")) - 1 == text.count("\x1e\n") == 45
    assert {f.tool for f in findings} == {"flake8"}
    assert {f.path for f in findings} == {
        "app/models.py",
        "app/repositories/users.py",
        SERVICE,
        "broken.py",
        "gone.py",
        "odd:dir name/my file.py",
    }


@pytest.mark.parametrize(
    ("path", "line", "column", "code", "message"),
    [
        ("odd:dir name/my file.py", 1, 1, "D100", "Missing docstring in public module"),
        ("odd:dir name/my file.py", 1, 11, "ANN001", "Missing type annotation for function argument 'word'"),
        ("odd:dir name/my file.py", 2, 24, "W291", "trailing whitespace"),
        ("app/models.py", 9, 1, "D107", "Missing docstring in __init__"),
        ("broken.py", 1, 13, "E999", "SyntaxError: invalid syntax"),
        ("gone.py", None, 1, "E902", "FileNotFoundError: [Errno 2] No such file or directory: 'gone.py'"),
        (SERVICE, 65, 1, "C901", "'branchy' is too complex (12)"),
        (SERVICE, 55, 13, "E712", "comparison to True should be 'if cond is True:' or 'if cond:'"),
        (SERVICE, 57, 14, "E711", "comparison to None should be 'if cond is None:'"),
        (SERVICE, 61, 5, "E722", "do not use bare 'except'"),
        (SERVICE, 54, 5, "F841", "local variable 'unused' is assigned to but never used"),
        (SERVICE, 58, 16, "F821", "undefined name 'missing_name'"),
        (SERVICE, 53, 28, "ANN201", "Missing return type annotation for public function"),
        (SERVICE, 96, 1, "D401", "First line should be in imperative mood"),
    ],
)
def test_flake8_finding(path: str, line: int | None, column: int, code: str, message: str) -> None:
    expected = RawFinding("flake8", code, message, path, line, column)
    assert expected in parse_flake8(_data("flake8.txt"), ROOT)


def test_flake8_message_with_double_spaces_and_backticks_is_kept_whole() -> None:
    b006 = [f for f in parse_flake8(_data("flake8.txt"), ROOT) if f.code == "B006"]
    assert len(b006) == 1
    assert b006[0].message.startswith("Do not use mutable data structures for argument defaults.  They are")
    assert b006[0].message.endswith("persisting changes between them.")


def test_flake8_absolute_path_outside_the_root_stays_absolute() -> None:
    paths = {f.path for f in parse_flake8(_data("flake8.txt"), Path("/srv/elsewhere"))}
    assert "/tmp/riskaudit-sample/app/models.py" in paths
    assert "odd:dir name/my file.py" in paths


@pytest.mark.parametrize(
    "garbage",
    [
        "app/service.py:1:1: D100 Missing docstring in public module",
        "app/service.py\x1f1\x1f1\x1fD100\x1e",
        "app/service.py\x1fone\x1f1\x1fD100\x1fmessage\x1e",
        "app/service.py\x1f1\x1f-1\x1fD100\x1fmessage\x1e",
        "app/service.py\x1f1\x1f1\x1fD100\x1fmessage\x1fextra\x1e",
        "There are 3 errors",
    ],
)
def test_flake8_garbage_line_raises(garbage: str) -> None:
    lines = _data("flake8.txt").split("\n")
    text = "\n".join([*lines[:2], garbage, *lines[2:]])
    with pytest.raises(Flake8OutputError, match=r"^line 3 of flake8's output is not a finding"):
        parse_flake8(text, ROOT)


def test_flake8_text_after_the_last_finding_raises() -> None:
    text = _data("flake8.txt") + "3     E711 comparison to None\n"
    with pytest.raises(Flake8OutputError, match=r"^line 46 of flake8's output is not a finding: '3     E711"):
        parse_flake8(text, ROOT)


def test_flake8_blank_output_has_no_findings() -> None:
    assert parse_flake8("", ROOT) == ()
    assert parse_flake8("\n  \n", ROOT) == ()


OPTIONS_ROOT = Path("/tmp/riskaudit-flake8options")
"""The folder the flake8 options fixture was in when its outputs were captured."""


def test_flake8_report_of_a_config_with_every_output_option_holds_just_the_findings() -> None:
    findings = parse_flake8(_data("flake8-options-report.txt"), OPTIONS_ROOT)
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [
        ("optionsapp/state.py", 3, 1, "F401"),
        ("optionsapp/state.py", 10, 5, "RAM100"),
        ("optionsapp/state.py", 17, 18, "E711"),
    ]


def test_flake8_message_over_two_lines_is_one_finding() -> None:
    findings = parse_flake8(_data("flake8-options-report.txt"), OPTIONS_ROOT)
    assert [f.message for f in findings if f.code == "RAM100"] == ["global state\nshared by every caller"]


def test_flake8_plugin_output_went_to_stdout_not_into_the_report() -> None:
    assert _data("flake8-options-stdout.txt") == "multiline plugin: loaded\n"
    assert "multiline plugin" not in _data("flake8-options-report.txt")


@pytest.mark.parametrize("capture", ["flake8-options-unneutralised.txt", "flake8-options-show-source.txt"])
def test_flake8_output_shaped_by_the_project_config_fails_closed_quoting_the_line(capture: str) -> None:
    with pytest.raises(Flake8OutputError) as raised:
        parse_flake8(_data(capture), OPTIONS_ROOT)
    assert str(raised.value) == "line 1 of flake8's output is not a finding: 'multiline plugin: loaded'"


@pytest.mark.parametrize(
    ("capture", "message"),
    [
        ("flake8-options-unneutralised.txt", "line 2 of flake8's output is not a finding: 'optionsapp/state.py'"),
        ("flake8-options-show-source.txt", "line 3 of flake8's output is not a finding: 'import os'"),
    ],
)
def test_flake8_file_names_and_source_lines_are_not_findings(capture: str, message: str) -> None:
    text = _data(capture).split("\n", 1)[1]  # without the plugin's line
    with pytest.raises(Flake8OutputError) as raised:
        parse_flake8("\n" + text, OPTIONS_ROOT)
    assert str(raised.value) == message


# --- coverage ---------------------------------------------------------------------------------


Ranges = tuple[tuple[int, int], ...]


def _coverage_report() -> tuple[dict[str, tuple[int, int, str, Ranges]], str]:
    """Rows of the captured ``coverage report -m``: name -> (statements, missing, cover, missing ranges)."""
    rows: dict[str, tuple[int, int, str, Ranges]] = {}
    total = ""
    for line in _data("coverage-report.txt").splitlines():
        match = re.match(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)%\s*(.*)$", line)
        if match is None:
            continue
        name, statements, miss, cover, missing = match.groups()
        if name == "TOTAL":
            total = cover
            continue
        ranges = []
        for part in filter(None, (p.strip() for p in missing.split(","))):
            first, _, last = part.partition("-")
            ranges.append((int(first), int(last or first)))
        rows[name] = (int(statements), int(miss), cover, tuple(ranges))
    return rows, total


def _fits(missing: tuple[int, ...], ranges: Ranges) -> bool:
    """Whether missing lines are what ``coverage report`` printed as ranges.

    A printed range spans non-statement lines too, so: every missing line lies in a range and
    every range starts and ends on a missing line.
    """
    inside = all(any(first <= n <= last for first, last in ranges) for n in missing)
    ends = {n for pair in ranges for n in pair}
    return inside and ends <= set(missing)


def test_coverage_report_capture_has_the_edge_cases() -> None:
    rows, total = _coverage_report()
    displays = {cover for _, _, cover, _ in rows.values()}
    assert {"0", "1", "99", "100"} <= displays
    assert total == "42"


@pytest.mark.parametrize(
    ("parse", "name"),
    [(parse_json_report, "coverage-report.json"), (parse_xml_report, "coverage-report.xml")],
)
def test_coverage_numbers_equal_coverage_report(parse: CoverageParser, name: str) -> None:
    rows, total = _coverage_report()
    files, percent, display = parse(_data(name), ROOT)
    assert {f.path for f in files} == set(rows)
    for entry in files:
        statements, miss, cover, ranges = rows[entry.path]
        assert (entry.statements, len(entry.missing), entry.display) == (statements, miss, cover), entry.path
        assert list(entry.missing) == sorted(set(entry.missing)), entry.path
        assert _fits(entry.missing, ranges), entry.path
        assert display_covered(entry.percent, 0) == cover
    assert display == total
    assert percent == pytest.approx(100.0 * 172 / 405)


@pytest.mark.parametrize(
    ("parse", "name"),
    [(parse_json_report, "coverage-report.json"), (parse_xml_report, "coverage-report.xml")],
)
@pytest.mark.parametrize(
    ("path", "missing"),
    [
        ("app/repositories/users.py", (26, 27, 31, 32, 33)),
        ("app/almost.py", (157,)),
        ("app/bulk.py", tuple(range(6, 157))),
        ("app/models.py", ()),
        ("app/__init__.py", ()),
    ],
)
def test_coverage_missing_lines(parse: CoverageParser, name: str, path: str, missing: tuple[int, ...]) -> None:
    files, _, _ = parse(_data(name), ROOT)
    assert {f.path: f.missing for f in files}[path] == missing


def test_coverage_json_and_xml_agree() -> None:
    json_files, json_percent, json_display = parse_json_report(_data("coverage-report.json"), ROOT)
    xml_files, xml_percent, xml_display = parse_xml_report(_data("coverage-report.xml"), ROOT)
    assert [(f.path, f.statements, f.missing, f.display) for f in _by_path(json_files)] == [
        (f.path, f.statements, f.missing, f.display) for f in _by_path(xml_files)
    ]
    assert [f.percent for f in _by_path(json_files)] == pytest.approx([f.percent for f in _by_path(xml_files)])
    assert json_percent == pytest.approx(xml_percent)
    assert json_display == xml_display


def _by_path(files: Sequence[FileCoverage]) -> list[FileCoverage]:
    return sorted(files, key=lambda f: f.path)


def _xml_with_source(source: Path) -> str:
    """The captured XML with its machine-specific ``<source>`` pointed at another folder."""
    text = _data("coverage-report.xml")
    assert "<source>/tmp/riskaudit-sample</source>" in text
    return text.replace("<source>/tmp/riskaudit-sample</source>", f"<source>{source}</source>")


def test_coverage_xml_source_that_exists_is_resolved_against_the_root(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(DATA / "sample", checkout)
    files, _, _ = parse_xml_report(_xml_with_source(checkout), checkout)
    assert "app/repositories/users.py" in {f.path for f in files}
    elsewhere, _, _ = parse_xml_report(_xml_with_source(checkout), tmp_path / "other")
    assert f"{checkout.as_posix()}/app/repositories/users.py" in {f.path for f in elsewhere}


def test_coverage_xml_source_that_does_not_exist_keeps_relative_names(tmp_path: Path) -> None:
    files, _, _ = parse_xml_report(_xml_with_source(tmp_path / "missing"), tmp_path)
    assert {f.path for f in files} == set(_coverage_report()[0])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"files": {}}',
        '{"totals": {"percent_covered": 1, "percent_covered_display": "1"}}',
        '{"files": {"a.py": {"summary": {}}}, "totals": {"percent_covered": 1, "percent_covered_display": "1"}}',
        '{"files": {"a.py": {"summary": {"num_statements": 1, "percent_covered": 1,'
        ' "percent_covered_display": "1"}, "missing_lines": ["x"]}},'
        ' "totals": {"percent_covered": 1, "percent_covered_display": "1"}}',
    ],
)
def test_coverage_json_that_is_not_a_report_raises(text: str) -> None:
    with pytest.raises(CoverageDataError, match="not a coverage.py JSON report"):
        parse_json_report(text, ROOT)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<coverage", "not well-formed XML"),
        ("{}", "not well-formed XML"),
        ("<report/>", "root element is not <coverage>"),
        ("<coverage><packages><class/></packages></coverage>", "a <class> element has no filename"),
        (
            '<coverage><class filename="a.py"><lines><line number="x" hits="1"/></lines></class></coverage>',
            "bad <line> element in a.py",
        ),
        (
            '<coverage><class filename="a.py"><lines><line number="1"/></lines></class></coverage>',
            "bad <line> element in a.py",
        ),
    ],
)
def test_coverage_xml_that_is_not_a_report_raises(text: str, message: str) -> None:
    with pytest.raises(CoverageDataError, match=re.escape(message)):
        parse_xml_report(text, ROOT)


@pytest.mark.parametrize(
    ("covered", "total", "expected"),
    [
        (0, 0, "100"),
        (0, 10, "0"),
        (1, 1000, "1"),
        (1, 200, "1"),
        (1, 101, "1"),
        (1, 100, "1"),
        (2, 100, "2"),
        (1, 8, "12"),
        (3, 8, "38"),
        (1, 2, "50"),
        (2, 3, "67"),
        (99, 100, "99"),
        (199, 200, "99"),
        (999, 1000, "99"),
        (100, 101, "99"),
        (1000, 1000, "100"),
    ],
)
def test_display_percent(covered: int, total: int, expected: str) -> None:
    assert display_percent(covered, total) == expected


@pytest.mark.parametrize("total", [1, 2, 3, 7, 8, 99, 100, 101, 152, 200, 1000, 1001])
def test_display_percent_agrees_with_coverage_py(total: int) -> None:
    for covered in range(total + 1):
        assert display_percent(covered, total) == display_covered(100.0 * covered / total, 0), (covered, total)


def _cov(path: str, percent: float = 50.0, statements: int = 10) -> FileCoverage:
    missing = tuple(range(1, statements - round(statements * percent / 100) + 1))
    return FileCoverage(path, statements, missing, percent, display_percent(statements - len(missing), statements))


@pytest.mark.parametrize(
    ("data_paths", "known", "matched", "unmatched"),
    [
        (["app/x.py"], {"app/x.py"}, {"app/x.py": "app/x.py"}, []),
        (["/ci/build/app/x.py"], {"app/x.py", "app/y.py"}, {"app/x.py": "/ci/build/app/x.py"}, []),
        (["/ci/build/app/x.py"], {"x.py", "app/x.py"}, {"app/x.py": "/ci/build/app/x.py"}, []),
        (["/ci/build/src/app/x.py"], {"app/x.py", "src/app/x.py"}, {"src/app/x.py": "/ci/build/src/app/x.py"}, []),
        (["/ci/build/myapp/x.py"], {"app/x.py"}, {}, ["/ci/build/myapp/x.py"]),
        (["x.py"], {"app/x.py", "lib/x.py"}, {}, ["x.py"]),
        (["app/x.py", "/ci/build/vendor/z.py", "/ci/a.py"], {"app/x.py"}, {"app/x.py": "app/x.py"},
         ["/ci/a.py", "/ci/build/vendor/z.py"]),
        # an exact path wins; the other checkout's copy is reported, not silently dropped
        (["/ci/build/app/x.py", "app/x.py"], {"app/x.py"}, {"app/x.py": "app/x.py"}, ["/ci/build/app/x.py"]),
        (["app/x.py", "/ci/build/app/x.py"], {"app/x.py"}, {"app/x.py": "app/x.py"}, ["/ci/build/app/x.py"]),
        ([], {"app/x.py"}, {}, []),
    ],
)
def test_match_paths(
    data_paths: list[str], known: set[str], matched: dict[str, str], unmatched: list[str]
) -> None:
    entries = [_cov(path, percent=10.0 * (index + 1)) for index, path in enumerate(data_paths)]
    by_data_path = {entry.path: entry for entry in entries}
    got_matched, got_unmatched = match_paths(entries, known)
    assert [f.path for f in got_matched] == sorted(matched)
    for entry in got_matched:
        source = by_data_path[matched[entry.path]]
        assert (entry.statements, entry.missing, entry.percent) == (source.statements, source.missing, source.percent)
    assert got_unmatched == tuple(unmatched)


def test_match_paths_two_checkouts_claiming_one_file_are_ambiguous() -> None:
    entries = [_cov("/ci/services/a/app/x.py", 10.0), _cov("/ci/services/b/app/x.py", 90.0)]
    matched, unmatched = match_paths(entries, {"app/x.py"})
    assert matched == ()
    assert unmatched == ("/ci/services/a/app/x.py", "/ci/services/b/app/x.py")


def test_match_paths_on_the_captured_report() -> None:
    files, _, _ = parse_json_report(_data("coverage-report.json"), ROOT)
    relocated = [FileCoverage(f"/ci/build/{f.path}", f.statements, f.missing, f.percent, f.display) for f in files]
    known = {f.path for f in files if f.path != "app/bulk.py"} | {"tests/test_x.py"}
    matched, unmatched = match_paths(relocated, known)
    assert [f.path for f in matched] == sorted(known - {"tests/test_x.py"})
    assert unmatched == ("/ci/build/app/bulk.py",)


def _findings(data: CoverageData, threshold: float = 80.0, tests: frozenset[str] = frozenset()) -> list[RawFinding]:
    return list(coverage_findings(data, NAMED_LAYERS, threshold, tests))


def test_coverage_findings_on_the_captured_report() -> None:
    files, percent, display = parse_json_report(_data("coverage-report.json"), ROOT)
    data = CoverageData("coverage-report.json", tuple(files), percent, display)
    findings = _findings(data)
    assert [(f.code, f.path) for f in findings] == [
        ("critical-layer-low", "app/repositories/users.py"),
        ("total-low", None),
    ]
    assert findings[0].tool == "coverage"
    assert findings[0].message == (
        "data access file covered 72%: 5 of 18 statements never executed (threshold 80%)"
    )
    assert findings[1].message == "total line coverage 42% is below 80%"


@pytest.mark.parametrize(
    ("path", "percent", "statements", "tests", "flagged"),
    [
        ("app/repositories/user.py", 79.9, 1000, frozenset(), True),
        ("app/repositories/user.py", 80.0, 10, frozenset(), False),
        ("app/repositories/user.py", 0.0, 0, frozenset(), False),
        ("app/db.py", 10.0, 10, frozenset(), True),
        ("app/auth/jwt.py", 0.0, 10, frozenset(), True),
        ("app/models/user.py", 50.0, 10, frozenset(), True),
        ("app/services/report.py", 0.0, 10, frozenset(), False),
        ("tests/repositories/test_user.py", 0.0, 10, frozenset({"tests/repositories/test_user.py"}), False),
        ("tests/db/test_session.py", 0.0, 10, frozenset({"tests/db/test_session.py"}), False),
        ("tests/db/test_session.py", 0.0, 10, frozenset(), True),
    ],
)
def test_coverage_findings_per_file(
    path: str, percent: float, statements: int, tests: frozenset[str], flagged: bool
) -> None:
    data = CoverageData("c", (_cov(path, percent, statements),), 100.0, "100")
    codes = [(f.code, f.path) for f in _findings(data, tests=tests)]
    assert codes == ([("critical-layer-low", path)] if flagged else [])


@pytest.mark.parametrize(
    ("files", "percent", "threshold", "flagged"),
    [
        (1, 59.9, 60.0, True),
        (1, 60.0, 60.0, False),
        (1, 100.0, 60.0, False),
        (0, 0.0, 60.0, False),
        (1, 0.0, 0.0, False),
    ],
)
def test_coverage_findings_total(files: int, percent: float, threshold: float, flagged: bool) -> None:
    entries = tuple(_cov(f"app/m{n}.py", 100.0) for n in range(files))
    data = CoverageData("c", entries, percent, display_percent(round(percent * 10), 1000))
    findings = _findings(data, threshold=threshold)
    assert [(f.code, f.path, f.line) for f in findings] == ([("total-low", None, None)] if flagged else [])


# --- radon ------------------------------------------------------------------------------------

RADON_SOURCE = '''\
"""A module with complex code."""


class Repository:
    """Stores things."""

    def method(self, a, b, c):
        def helper(x):
            if x:
                return 1
            return 2

        if a:
            pass
        if b:
            pass
        if c:
            pass
        if a and b:
            pass
        if a or c:
            pass
        for i in range(3):
            if i:
                pass
        while a:
            a -= 1
        try:
            pass
        except ValueError:
            pass
        return helper(a)


def outer(value):
    def closure(b):
        if b == 1:
            return 1
        elif b == 2:
            return 2
        elif b == 3:
            return 3
        elif b == 4:
            return 4
        elif b == 5:
            return 5
        elif b == 6:
            return 6
        elif b == 7:
            return 7
        elif b == 8:
            return 8
        elif b == 9:
            return 9
        elif b == 10:
            return 10
        elif b == 11:
            return 11
        return 0

    return closure(value)


@staticmethod
@property
def decorated(a):
    return 1 if a else 2
'''


def test_radon_complexity_twelve_is_rank_c_at_the_def_line() -> None:
    functions, findings = analyse_file("app/repo.py", RADON_SOURCE)
    complexity = {f.qualname: (f.start, f.complexity, f.rank) for f in functions}
    assert complexity["Repository.method"] == (7, 12, "C")
    assert complexity["closure"] == (36, 12, "C")
    assert complexity["helper"] == (8, 2, "A")
    assert complexity["outer"] == (35, 1, "A")
    assert complexity["decorated"] == (66, 2, "A")
    assert sorted((f.code, f.line, f.message) for f in findings) == [
        ("cc-C", 7, "'Repository.method' has cyclomatic complexity 12 (rank C)"),
        ("cc-C", 36, "'closure' has cyclomatic complexity 12 (rank C)"),
    ]
    assert {(f.tool, f.path, f.column) for f in findings} == {("radon", "app/repo.py", None)}


def test_radon_function_spans_end_at_the_last_line() -> None:
    functions, _ = analyse_file("m.py", RADON_SOURCE)
    spans = {f.qualname: (f.start, f.end) for f in functions}
    assert spans["Repository.method"] == (7, 32)
    assert spans["closure"] == (36, 59)


def _function_of_complexity(complexity: int, decorated: bool = False) -> str:
    lines = ["@decorator"] if decorated else []
    lines.append("def f(x):")
    lines += [f"    if x == {n}:\n        return {n}" for n in range(complexity - 1)]
    lines.append("    return -1")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("complexity", "code"),
    [(1, None), (5, None), (6, None), (10, None), (11, "cc-C"), (20, "cc-C"), (21, "cc-D"), (30, "cc-D"),
     (31, "cc-E"), (40, "cc-E"), (41, "cc-F"), (60, "cc-F")],
)
def test_radon_rank_boundaries(complexity: int, code: str | None) -> None:
    functions, findings = analyse_file("m.py", _function_of_complexity(complexity))
    assert [f.complexity for f in functions] == [complexity]
    assert [(f.code, f.line) for f in findings if f.code.startswith("cc-")] == ([(code, 1)] if code else [])


def test_radon_decorated_function_is_reported_at_its_def_line() -> None:
    _, findings = analyse_file("m.py", _function_of_complexity(12, decorated=True))
    assert [(f.code, f.line) for f in findings] == [("cc-C", 2)]


def test_radon_low_maintainability_is_a_file_level_finding() -> None:
    lines = ["def f(a, b, c):"]
    for n in range(200):
        lines.append(f"    if a > {n} and b < {n} or c == {n}:")
        lines.append(f"        a = a * {n} + b - c / {n + 1} % 7 ** 2")
    lines.append("    return a")
    _, findings = analyse_file("m.py", "\n".join(lines) + "\n")
    mi = [f for f in findings if f.code == "mi-C"]
    assert len(mi) == 1
    assert (mi[0].path, mi[0].line) == ("m.py", None)
    assert re.fullmatch(r"maintainability index \d+\.\d \(rank C, below 10\)", mi[0].message)
    assert not any(f.code == "mi-C" for f in analyse_file("m.py", RADON_SOURCE)[1])


def test_radon_syntax_error_raises() -> None:
    with pytest.raises(SyntaxError):
        analyse_file("m.py", "def broken(:\n    pass\n")


def test_radon_collect_skips_files_that_do_not_parse(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(RADON_SOURCE, encoding="utf-8")
    (tmp_path / "bad.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    run, functions = radon_collect(build_index(tmp_path, ["bad.py", "good.py"]))
    assert run.status.value == "ok"
    assert run.reason.startswith("not analysed: bad.py (does not parse: invalid syntax")
    assert {f.path for f in functions} == {"good.py"}
    assert sorted(f.line or 0 for f in run.findings) == [7, 36]


def test_mypy_crash_is_told_by_its_cause() -> None:
    stdout, stderr = _data("mypy-crash.stdout"), _data("mypy-crash.stderr")
    assert crash_cause(stdout, stderr) == (
        "mypy crashed (INTERNAL ERROR): Error calling the plugin(version) entry point of crashplugin.py: "
        "RuntimeError: plugin exploded on purpose"
    )
    assert crash_cause(stdout, "") == ""  # not mypy's crash report
    assert crash_cause("", stderr) == ""  # no traceback to read
