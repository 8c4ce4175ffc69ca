"""Data commands: `gesture synth` (generated data sets) and `gesture record` (camera takes)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from service.cli_errors import fail
from training.commands.common import console


def synth(
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write."),
    clips_per_class: int = typer.Option(100, "--clips-per-class", min=1, help="Isolated clips per class."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed gives the same files on any machine."),
    size: int = typer.Option(128, "--size", min=32, help="Square frame size."),
    streams: int = typer.Option(0, "--streams", min=0, help="Continuous streams with ground truth."),
    stream_gestures: int = typer.Option(8, "--stream-gestures", min=1, help="Gestures per stream."),
    stream_gap: str = typer.Option(
        "20,60",
        "--stream-gap",
        help="MIN,MAX frames of rest between a stream's gestures (MIN at least 12; the defaults pause 0.7-2 s).",
    ),
    fmt: str = typer.Option(
        "split",
        "--format",
        help="split: a training set (folders of frames, split files for train and valid); npz: one .npz file "
        "per clip + labels.csv, clips to classify, upload or adapt on.",
    ),
    workers: int = typer.Option(0, "--workers", min=0, help="Processes (0: one per core)."),
    styles: str = typer.Option(
        "v1",
        "--styles",
        help="v1 (the version-1 renderer) or comma-separated v2 styles: kiosk, studio, desk, car "
        "(each clip draws one; see training/synth/styles.py).",
    ),
) -> None:
    """Generate SynthGesture-RGBD: 13 gesture classes in colour and depth (see training/synth/README.md)."""
    from training.synth import write_dataset, write_npz_clips
    from training.synth.styles import check_styles

    try:
        chosen = check_styles([x.strip() for x in styles.split(",") if x.strip()])
        gap = _gap(stream_gap)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if fmt == "split":
        summary = write_dataset(
            out,
            clips_per_class,
            seed,
            size=size,
            streams=streams,
            stream_gestures=stream_gestures,
            workers=workers or None,
            styles=chosen,
            stream_gap=gap,
        )
    elif fmt == "npz":
        if streams:
            raise typer.BadParameter("--streams needs --format split")
        summary = write_npz_clips(out, clips_per_class, seed, size=size, workers=workers or None, styles=chosen)
    else:
        raise typer.BadParameter(f"--format must be split or npz, not {fmt!r}")
    console.print(summary.line(), highlight=False)
    if fmt == "split":
        console.print(
            f"a training set (gesture train, data.root={out}); for single files to classify or upload, "
            "run again with --format npz",
            highlight=False,
        )


def _gap(text: str) -> tuple[int, int]:
    """`--stream-gap` "MIN,MAX" as frames, 12 <= MIN <= MAX."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"--stream-gap must be MIN,MAX in frames, e.g. 20,60; got {text!r}")
    low, high = int(parts[0]), int(parts[1])
    if low < 12 or high < low:
        raise ValueError(f"--stream-gap must have 12 <= MIN <= MAX, got {text!r}")
    return low, high


def record(
    out: Path = typer.Option(..., "--out", "-o", help="Dataset folder (recorder layout); takes are added to it."),
    labels: str | None = typer.Option(None, "--labels", help="Comma-separated gesture names to record."),
    count: int = typer.Option(5, "--count", min=1, help="Takes per label."),
    seconds: float = typer.Option(3.0, "--seconds", min=0.1, help="Length of a take."),
    camera: str | None = typer.Option(None, "--camera", help="A RealSense camera: its serial, or 'first'."),
    recording: Path | None = typer.Option(None, "--recording", help="Cut takes from a recording (.bag/.db3)."),
    countdown: int = typer.Option(3, "--countdown", min=0, help="Camera: seconds of countdown before a take."),
    width: int = typer.Option(640, help="Camera: frame width."),
    height: int = typer.Option(480, help="Camera: frame height."),
    fps: int = typer.Option(30, help="Camera: frame rate."),
    review: bool = typer.Option(False, "--review", help="List the takes under --out and choose bad ones to delete."),
    delete: str | None = typer.Option(None, "--delete", help="With --review: clip ids to delete, comma-separated."),
) -> None:
    """Record labelled gesture clips for `gesture train` (guided: countdown, "perform X now")."""
    from service.sources.realsense import RealSenseError, realsense_source
    from training.data.record import record_takes

    if review:
        _review_takes(out, delete)
        return
    names = [x.strip() for x in (labels or "").split(",") if x.strip()]
    if not names:
        raise typer.BadParameter("give the gestures to record with --labels a,b,c")
    if (camera is None) == (recording is None):
        raise typer.BadParameter("give exactly one of --camera or --recording")
    try:
        source = realsense_source(recording, camera, width, height, fps).open()
        try:
            rate = float(source.stream_fps or fps)
            takes = record_takes(
                source.frames(),
                out,
                names,
                count,
                seconds,
                rate,
                live=camera is not None,
                countdown=countdown,
                say=console.print,
            )
        finally:
            source.close()
    except RealSenseError as exc:
        fail(str(exc), console)
    if not takes:
        fail("no take was recorded (the source ended first, or --count is 0)", console)
    console.print(
        f"{len(takes)} takes written under {out}; adapt the served model to them with "
        f"`gesture adapt --data {out} --out my-model.onnx`, or train with `gesture train CONFIG data.root={out}`"
    )


def _review_takes(out: Path, delete: str | None) -> None:
    """`gesture record --review`: list the takes under `out`, then delete the bad ones.

    Args:
        out: the recorder-layout dataset folder.
        delete: clip ids to delete, comma-separated; None asks for them at a prompt, so
            scripts (and tests) can review without a terminal.
    """
    from rich.table import Table

    from training.data.clip import DatasetError
    from training.data.record import delete_takes, list_takes

    try:
        takes = list_takes(out)
    except DatasetError as exc:
        fail(str(exc), console)
    table = Table(title=f"takes in {out}")
    for col in ("clip", "label", "frames", "fps", "split"):
        table.add_column(col)
    for t in takes:
        table.add_row(t.clip_id, t.label_name, str(t.frames), f"{t.fps:g}", t.split or "-")
    Console().print(table)
    answer = delete if delete is not None else typer.prompt("delete which takes (ids, comma-separated)", default="")
    ids = [x.strip() for x in answer.split(",") if x.strip()]
    try:
        for clip_id in delete_takes(out, ids):
            console.print(f"deleted {clip_id}")
    except KeyError as exc:
        fail(str(exc.args[0]), console)
