"""Command line: `python -m training.synth {dataset,npz,preview} ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="SynthGesture-RGBD generator.", no_args_is_help=True, add_completion=False)


@app.command()
def dataset(
    out: Annotated[Path, typer.Argument(help="dataset root")],
    clips_per_class: Annotated[int, typer.Option(help="isolated clips per class")] = 200,
    seed: Annotated[int, typer.Option(help="dataset seed")] = 0,
    size: Annotated[int, typer.Option(help="frame size (square)")] = 128,
    streams: Annotated[int, typer.Option(help="continuous streams to write")] = 0,
    stream_gestures: Annotated[int, typer.Option(help="gestures per stream")] = 8,
    valid_fraction: Annotated[float, typer.Option(help="share of each class in valid.txt")] = 0.2,
    workers: Annotated[int, typer.Option(help="processes (0: one per CPU)")] = 0,
) -> None:
    """Write the split-file layout (JPEG + 16-bit PNG frames, dataset_splits/*.txt)."""
    from .writer import write_dataset

    summary = write_dataset(
        out,
        clips_per_class,
        seed,
        size=size,
        streams=streams,
        valid_fraction=valid_fraction,
        workers=workers or None,
        stream_gestures=stream_gestures,
    )
    typer.echo(summary)


@app.command()
def npz(
    out: Annotated[Path, typer.Argument(help="output folder")],
    clips_per_class: Annotated[int, typer.Option(help="clips per class")] = 200,
    seed: Annotated[int, typer.Option(help="dataset seed")] = 0,
    size: Annotated[int, typer.Option(help="frame size (square)")] = 128,
    workers: Annotated[int, typer.Option(help="processes (0: one per CPU)")] = 0,
    compress: Annotated[bool, typer.Option(help="zip-compress the arrays")] = False,
) -> None:
    """Write one .npz per clip plus labels.csv."""
    from .npz_writer import write_npz_clips

    summary = write_npz_clips(
        out, clips_per_class, seed, size=size, workers=workers or None, compress=compress
    )
    typer.echo(summary)


@app.command()
def preview(
    out: Annotated[Path, typer.Argument(help="image to write")] = Path("synth_preview.png"),
    seed: Annotated[int, typer.Option(help="seed")] = 0,
    size: Annotated[int, typer.Option(help="frame size (square)")] = 128,
) -> None:
    """Write a contact sheet with one clip of every class (RGB and depth rows)."""
    from .preview import save_preview

    typer.echo(save_preview(out, seed=seed, size=size))


def main() -> None:
    """Entry point."""
    app()
