"""The `gesture` command line: builds the typer app from the serving commands
(`service.cli`) and the training commands (`training.commands`).

Training commands import torch lazily, so a serving-only install (no torch) runs
`gesture serve`, `gesture info` and the other serving commands; on such an install a
training command stops with one error line that names the missing extra.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import typer

from service import cli as service_cli
from training.cli_help import conventional_help
from training.commands import adapt, bench, data, evaluate, export, train
from training.commands.synthetic_feed import register_synthetic_feed
from training.commands.training_extra import needs_training_extra

app = typer.Typer(
    help="Real-time RGB-D gesture recognition: convert, train, export and serve models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

register_synthetic_feed()


def package_version() -> str:
    """The installed distribution's version (the checkout's pyproject when not installed)."""
    try:
        return version("rgbd-gesture")
    except PackageNotFoundError:
        return "0.1.0 (not installed)"


def _version(value: bool) -> None:
    if value:
        print(f"gesture {package_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Real-time RGB-D gesture recognition: convert, train, export and serve models."""


def _training_command(name: str, command: Callable[..., None], **settings: Any) -> None:
    """Register a training command, guarded so that a serving-only install gets one clear
    error line instead of a ModuleNotFoundError traceback (see `training_extra`)."""
    app.command(name, **settings)(needs_training_extra(name, command))


# Registration order is the order `gesture --help` lists the commands in.
app.command("info")(service_cli.info)
app.command("classify")(service_cli.classify)
app.command("serve")(service_cli.serve)
app.command("stream")(service_cli.stream)
app.command("export-triton")(service_cli.export_triton)
_training_command("convert-official", export.convert_official)
_training_command("synth", data.synth)
_training_command("train", train.train, context_settings=train.TRAIN_CONTEXT)
_training_command("evaluate", evaluate.evaluate_cmd)
_training_command("quantize", export.quantize_cmd)
_training_command("tune-events", evaluate.tune_events_cmd)
_training_command("evaluate-stream", evaluate.evaluate_stream_cmd)
_training_command("export", export.export_cmd)
_training_command("fit-tone", export.fit_tone_cmd)
_training_command("adapt", adapt.adapt_cmd)
_training_command("record", data.record)
_training_command("bench", bench.bench)


def main() -> None:
    """Console-script entry point (`gesture = "training.cli:main"` in pyproject.toml)."""
    conventional_help(typer.main.get_command(app))(prog_name="gesture")


if __name__ == "__main__":
    main()
