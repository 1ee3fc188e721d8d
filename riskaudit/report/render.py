"""Rendering a scan result: Markdown through the jinja2 templates, JSON through the serialiser."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from riskaudit.report.formats import FORMATS
from riskaudit.report.view import build_view
from riskaudit.results import ScanResult
from riskaudit.serialise import dumps


def templates_dir() -> Path:
    """Where the packaged templates live (inside the wheel, or the repository root in a checkout)."""
    packaged = Path(__file__).resolve().parent.parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "templates"


def md_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, newlines folded."""
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`").replace("<", "&lt;")


def md_text(value: object) -> str:
    """Inline text from the target: Markdown and HTML metacharacters neutralised."""
    text = " ".join(str(value).split())
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


def md_code(value: object) -> str:
    """Inline code span that survives backticks in the text."""
    text = " ".join(str(value).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_fence(value: object) -> str:
    """A fence longer than any backtick run in the block."""
    longest = max((len(run) for run in re.findall(r"`{3,}", str(value))), default=2)
    return "`" * (longest + 1)


def environment() -> jinja2.Environment:
    """The jinja2 environment with riskaudit's filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = md_cell
    env.filters["text"] = md_text
    env.filters["code"] = md_code
    env.filters["fence"] = md_fence
    return env


def render_markdown(result: ScanResult) -> str:
    """The Markdown report."""
    text = environment().get_template("report.md.j2").render(view=build_view(result))
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def render(result: ScanResult, fmt: str) -> str:
    """The result in one of ``FORMATS``."""
    if fmt == "json":
        return dumps(result)
    if fmt == "markdown":
        return render_markdown(result)
    if fmt == "html":
        from riskaudit.report.html import render_html

        return render_html(result)
    if fmt == "sarif":
        from riskaudit.report.sarif import render_sarif

        return render_sarif(result)
    if fmt == "github":
        from riskaudit.report.github import render_github

        return render_github(result)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
