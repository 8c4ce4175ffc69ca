"""Help text in the usual command-line conventions, whatever typer's own style.

typer 0.2x renders every parameter with a `<type>` placeholder, so a flag such as
`--json` reads `--json <bool>` as if it took a value, and a required argument appears as
`{clip}` in the usage line. This module walks the click command tree typer builds and
gives each parameter the conventional look: flags show no placeholder, arguments show
their name in capitals (`gesture classify [OPTIONS] CLIP`), options that take a value
show what kind (`TEXT`, `INTEGER`, `FLOAT`, `PATH`, or their choices).
"""

from __future__ import annotations

from typing import Any

import typer.core


class _Argument(typer.core.TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:  # noqa: ARG002
        return None  # the name column already says it: CLIP

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        return name if self.required else f"[{name}]"


_KINDS = {int: "INTEGER", float: "FLOAT", str: "TEXT", bool: "BOOLEAN"}


def _value_metavar(param: Any) -> str | None:
    """TEXT, INTEGER, FLOAT or PATH from the option's annotation; None (typer's own
    rendering) for choices, lists and anything else."""
    kind = getattr(param, "type_descriptor", None)
    if kind is None or kind.is_choice or kind.is_list or kind.is_tuple:
        return None
    if kind.is_path:
        return "PATH"
    annotation = kind.annotation
    for python_type, name in _KINDS.items():
        if annotation is python_type or annotation == python_type | None:
            return name
    return None


def _conventional(param: Any) -> None:
    if isinstance(param, typer.core.TyperArgument):
        param.__class__ = _Argument
        if param.metavar is None:
            param.metavar = (param.name or "value").upper()
    elif isinstance(param, typer.core.TyperOption) and param.metavar is None:
        param.metavar = "" if getattr(param, "is_flag", False) else _value_metavar(param)


def conventional_help(command: Any) -> Any:
    """`command` (the click command typer built) and every subcommand, with conventional
    help placeholders (in place)."""
    for param in command.params:
        _conventional(param)
    help_option = command.get_help_option  # --help is made per call, outside `params`

    def flagged_help_option(ctx: Any) -> Any:
        option = help_option(ctx)
        if option is not None and option.metavar is None:
            option.metavar = ""
        return option

    command.get_help_option = flagged_help_option
    for sub in getattr(command, "commands", {}).values():
        conventional_help(sub)
    return command
