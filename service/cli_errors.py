"""How every `gesture` command reports a failure the user can fix.

One red `error:` line and exit status 2 (click's status for usage errors), so scripts can
tell "you asked for something impossible" from a crash. It lives in `service/` because the
serving commands use it too and the service never imports the training code.
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

EXIT_USAGE = 2


def fail(message: str, console: Console) -> NoReturn:
    """Print `error: message` on `console` and stop the command with exit status 2.

    Args:
        message: what went wrong, in words the user can act on (rich markup allowed).
        console: where the line goes; commands whose stdout is data pass a stderr console.

    Raises:
        typer.Exit: always, with status 2. Called inside an `except` block, the original
            exception stays attached as the context.
    """
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(EXIT_USAGE)
