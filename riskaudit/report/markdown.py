"""The Markdown report: the view model through ``report.md.j2``, with filters that escape the target's text."""

from __future__ import annotations

import re

import jinja2

from riskaudit.control_chars import without_controls
from riskaudit.report.templating import templates_dir
from riskaudit.report.view import ReportView


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


def printable(value: object) -> object:
    """Every value the template prints, with control characters removed (``finalize``)."""
    return without_controls(value) if isinstance(value, str) else value


def environment() -> jinja2.Environment:
    """The jinja2 environment with riskaudit's filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=printable,
    )
    env.filters["cell"] = md_cell
    env.filters["text"] = md_text
    env.filters["code"] = md_code
    env.filters["fence"] = md_fence
    return env


def markdown(view: ReportView) -> str:
    """The Markdown report of a view."""
    text = environment().get_template("report.md.j2").render(view=view)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
