"""What the training commands share: their console and small option parsers."""

from __future__ import annotations

import typer
from rich.console import Console

# progress, results and errors go to stderr: `--json` output on stdout stays parseable
console = Console(stderr=True, soft_wrap=True)


def parse_ints(text: str) -> list[int]:
    """Parse a comma-separated option such as `--windows 32,48,64`.

    Raises:
        typer.BadParameter: not integers, none given, or one below 1 (click reports it with
            the usage line and exit status 2).
    """
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a comma-separated list of integers") from exc
    if not values or min(values) < 1:
        raise typer.BadParameter(f"{text!r}: give positive integers")
    return values
