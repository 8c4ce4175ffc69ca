"""One clear line, not a traceback, when a training command runs on a serving-only install.

The base install is the service (no torch); torch, onnx, onnxscript and pyyaml come with the
`train` extra. The training commands import them lazily, so without the extra they would
die with a ModuleNotFoundError deep in an import chain.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from rich.markup import escape

from service.cli_errors import fail
from training.commands.common import console

# top-level modules of the `train` extra (pyyaml is imported as yaml)
TRAINING_EXTRA_MODULES = frozenset({"torch", "onnx", "onnxscript", "yaml"})

P = ParamSpec("P")
R = TypeVar("R")


def needs_training_extra(command: str, func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so that a missing training-extra module ends it with one error line.

    Only a `ModuleNotFoundError` for one of those top-level modules is caught, so with the
    extra installed the command behaves exactly as the unwrapped one. `functools.wraps`
    keeps the signature and docstring typer builds the options and help from.

    Args:
        command: the command's name on the command line, for the message.
        func: the typer command function.
    """

    @functools.wraps(func)
    def command_with_extra_check(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ModuleNotFoundError as exc:
            if exc.name not in TRAINING_EXTRA_MODULES:
                raise
            fail(
                escape(
                    f"`gesture {command}` needs the training extra ({exc.name} is not installed): "
                    "pip install -e '.[train]' (README: Installing by hand)"
                ),
                console,
            )

    return command_with_extra_check
