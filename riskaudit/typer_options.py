"""The options table as typer parameters: a command declares its own arguments, the table the rest."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import typer

from riskaudit.option_table import Option

_Command = TypeVar("_Command", bound=Callable[..., None])
_TYPES: dict[str, Any] = {"switch": bool, "value": str | None, "values": list[str] | None}
"""What typer hands over for each shape; every value is read and checked by the table, not by typer."""


def parameter(option: Option) -> inspect.Parameter:
    """The keyword parameter typer turns into the option's flags."""
    default = _parser_default(option)
    # a switch takes no value: an empty metavar keeps typer from printing "<bool>" beside it
    metavar = option.value_name or ("" if option.kind.shape == "switch" else None)
    info = typer.Option(
        *option.flags, help=option.help_text, metavar=metavar, show_default=default is not None,
        autocompletion=_completer(option.kind.choices) if option.kind.choices else None,
    )
    return inspect.Parameter(
        option.field,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[_TYPES[option.kind.shape], info],
    )


def _completer(choices: tuple[str, ...]) -> Callable[[str], list[str]]:
    """Shell completion of an option with a fixed list of values: those that start as typed."""

    def complete(incomplete: str) -> list[str]:
        return [choice for choice in choices if choice.startswith(incomplete)]

    return complete


def _parser_default(option: Option) -> object:
    """What typer hands over when the option is not on the command line.

    None (False for a flag): the option was not given, and the config file's value or the default
    applies. An option only the command line sets and whose default is text (``--format``) gets the
    default itself, which ``--help`` shows.
    """
    if option.kind.shape == "switch":
        return False
    if option.key is None and option.kind.shape == "value" and isinstance(option.default, str):
        return option.default
    return None


def with_options(options: Sequence[Option]) -> Callable[[_Command], _Command]:
    """A decorator giving a command ``def command(arguments..., **given: object)`` the options as parameters.

    typer reads the command's signature: the command's own parameters (its arguments) stay, the
    ``**given`` catch-all is replaced by one keyword parameter per option, named by its field.
    """

    def decorate(command: _Command) -> _Command:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        vars(command)["__signature__"] = signature.replace(parameters=[*own, *map(parameter, options)])
        return command

    return decorate
