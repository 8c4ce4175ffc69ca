"""Command line: `python -m training.synth {dataset,npz,preview} ...`."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="SynthGesture-RGBD generator.", no_args_is_help=True, add_completion=False)


@app.command()
def dataset(
    out: Path = typer.Argument(..., help="dataset root"),
    clips_per_class: int = typer.Option(200, help="isolated clips per class"),
    seed: int = typer.Option(0, help="dataset seed"),
    size: int = typer.Option(128, help="frame size (square)"),
    streams: int = typer.Option(0, help="continuous streams to write"),
    stream_gestures: int = typer.Option(8, help="gestures per stream"),
    valid_fraction: float = typer.Option(0.2, help="share of each class in valid.txt"),
    workers: int = typer.Option(0, help="processes (0: one per CPU)"),
) -> None:
    """Write the split-file layout (JPEG + 16-bit PNG frames, dataset_splits/*.txt)."""
    from .writer import write_dataset

    summary = write_dataset(
        out, clips_per_class, seed, size=size, streams=streams, valid_fraction=valid_fraction,
        workers=workers or None, stream_gestures=stream_gestures,
    )
    typer.echo(summary)


@app.command()
def npz(
    out: Path = typer.Argument(..., help="output folder"),
    clips_per_class: int = typer.Option(200, help="clips per class"),
    seed: int = typer.Option(0, help="dataset seed"),
    size: int = typer.Option(128, help="frame size (square)"),
    workers: int = typer.Option(0, help="processes (0: one per CPU)"),
    compress: bool = typer.Option(False, help="zip-compress the arrays"),
) -> None:
    """Write one .npz per clip plus labels.csv."""
    from .npz_writer import write_npz_clips

    typer.echo(write_npz_clips(out, clips_per_class, seed, size=size, workers=workers or None,
                               compress=compress))


@app.command()
def preview(
    out: Path = typer.Argument(Path("synth_preview.png"), help="image to write"),
    seed: int = typer.Option(0, help="seed"),
    size: int = typer.Option(128, help="frame size (square)"),
) -> None:
    """Write a contact sheet with one clip of every class (RGB and depth rows)."""
    from .preview import save_preview

    typer.echo(save_preview(out, seed=seed, size=size))


def main() -> None:
    """Entry point."""
    app()
