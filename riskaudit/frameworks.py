"""Framework knowledge: idioms that look like bugs to a linter but are how a framework is used.

``def route(db: Session = Depends(get_db))`` calls a function in a parameter default, which
bugbear's B008 reports; in FastAPI that call builds a marker object the framework reads when it
inspects the signature, once, on purpose. The names here are the public parameter functions of
the frameworks whose signatures work that way, as their importable qualified names.
"""

from __future__ import annotations

PARAMETER_FUNCTIONS = frozenset(
    {
        f"{module}.{name}"
        for module in ("fastapi", "fastapi.params", "fastapi.param_functions")
        for name in ("Depends", "Query", "Body", "Header", "Security", "File", "Form", "Path", "Cookie")
    }
    | {f"{module}.{name}" for module in ("typer", "typer.params") for name in ("Option", "Argument")}
    | {f"{module}.{name}" for module in ("litestar.params",) for name in ("Parameter", "Dependency", "Body")}
    | {f"{module}.Depends" for module in ("fast_depends", "faststream", "taskiq_dependencies")}
    | {"taskiq.TaskiqDepends", "pydantic.Field", "sqlmodel.Field"}
)
"""Calls whose result a framework reads from a function's signature: in a parameter default they are
the framework's idiom, not a value shared between calls."""


def is_parameter_function(callee: str) -> bool:
    """Whether a qualified callee is a framework's parameter function (``fastapi.Depends``)."""
    return callee in PARAMETER_FUNCTIONS
