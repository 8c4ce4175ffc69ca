"""Evaluation commands: `gesture evaluate` (clips), `gesture evaluate-stream` (continuous
streams) and `gesture tune-events` (streaming window and event-detector settings)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from service.cli_errors import fail
from training.commands.common import console, parse_ints

if TYPE_CHECKING:
    from rich.table import Table

    from training.evaluation.streams import StreamScore
    from training.evaluation.tune_events import Trial


def evaluate_cmd(
    data: Path = typer.Option(..., "--data", help="Dataset folder (any supported layout, or .npz clips + labels.csv)."),
    model: Path | None = typer.Option(None, "--model", help="Checkpoint (.pt) or ONNX; default: the bundled model."),
    layout: str | None = typer.Option(None, "--layout", help="Dataset layout (default: detect)."),
    split: str = typer.Option("valid", "--split", help="Split of split-file layouts: train, valid or all."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    confusion: Path | None = typer.Option(
        None, "--confusion", help="Write the confusion matrix PNG here (default: runs/confusion-MODEL-DATA.png)."
    ),
) -> None:
    """Top-1, top-5 and per-class accuracy of a model on a dataset, with a confusion-matrix PNG."""
    import json

    from service.inference.model_card import ModelCardError
    from service.settings import default_model_path
    from training.data import DatasetError
    from training.evaluation.clips import evaluate
    from training.evaluation.scores import confusion_png

    path = model or default_model_path()
    if Path(path).suffix == ".pt" and not as_json:
        console.print(
            "evaluating a PyTorch checkpoint (an ONNX export of it, `gesture export`, evaluates several times faster)"
        )
    try:
        report, names = evaluate(path, data, layout=layout, split=split, progress=not as_json)
    except (DatasetError, FileNotFoundError, ModelCardError, ValueError) as exc:
        fail(str(exc), console)
    png = confusion or Path("runs") / f"confusion-{Path(path).stem}-{Path(data).resolve().name}.png"
    png.parent.mkdir(parents=True, exist_ok=True)  # never into the dataset folder
    confusion_png(report.confusion, names, png)
    if as_json:
        print(json.dumps({"model": str(path), "confusion_png": str(png), **report.to_json()}))
        return
    console.print(f"{path} on {data}: top-1 {report.top1:.4f}, top-5 {report.top5:.4f} ({report.count} clips)")
    for name, acc in report.per_class.items():
        console.print(f"  {name:>16}: {acc:.3f}")
    console.print(f"confusion matrix: {png}")


def tune_events_cmd(
    data: Path = typer.Option(..., "--data", help="Streams with ground truth to tune on (not the ones you report)."),
    model: Path | None = typer.Option(None, "--model", help="Checkpoint (.pt) or ONNX; default: the bundled model."),
    windows: str = typer.Option("32,48,64", "--windows", help="Streaming window lengths (frames) to try."),
    hop: int = typer.Option(4, "--hop", min=1, help="Frames between windows."),
    top: int = typer.Option(5, "--top", min=1, help="Settings to print, best first."),
) -> None:
    """Choose the streaming window and event-detector settings on streams with ground truth."""
    from service.inference.model_card import ModelCardError
    from service.settings import default_model_path
    from training.evaluation.tune_events import tune

    try:
        trials = tune(model or default_model_path(), data, parse_ints(windows), hop)
    except (FileNotFoundError, ModelCardError, KeyError) as exc:
        fail(str(exc), console)
    Console().print(_trials_table(trials, top))


def _trials_table(trials: list[Trial], top: int) -> Table:
    """The `top` best of `trials` (already sorted best first) as a table for stdout."""
    from rich.table import Table

    table = Table(title=f"best of {len(trials)} settings")
    for col in ("window", "threshold", "smoothing", "min windows", "release windows", "Levenshtein", "delay"):
        table.add_column(col)
    for t in trials[:top]:
        p = t.params
        delay = "n/a" if t.mean_delay is None else f"{t.mean_delay:.1f}"
        table.add_row(
            str(t.window),
            f"{p.threshold:g}",
            str(p.smoothing),
            str(p.min_windows),
            str(p.release_windows),
            f"{t.accuracy:.4f}",
            delay,
        )
    return table


def evaluate_stream_cmd(
    data: Path = typer.Option(..., "--data", help="Folder with streams/*.npz and their *.json ground truth."),
    model: Path | None = typer.Option(None, "--model", help="Checkpoint (.pt) or ONNX; default: the bundled model."),
    hop: int = typer.Option(4, "--hop", min=1, help="Frames between windows."),
    decoder: str = typer.Option(
        "segments",
        "--decoder",
        help="segments: events from the whole timeline, as the server decodes uploads; live: the online "
        "detector of live streams; live-segments: a live stream that asked for the segments decoder.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Recognition on continuous streams: Levenshtein accuracy and detection delay."""
    import json

    from service.inference.model_card import ModelCardError
    from service.settings import default_model_path
    from training.evaluation.streams import DECODERS, evaluate_streams

    if decoder not in DECODERS:
        fail(f"--decoder must be one of {', '.join(DECODERS)}, got {decoder!r}", console)
    path = model or default_model_path()
    if Path(path).suffix == ".pt" and not as_json:
        console.print(
            "evaluating a PyTorch checkpoint (an ONNX export of it, `gesture export`, evaluates several times faster)"
        )
    try:
        scores, totals = evaluate_streams(path, data, hop=hop, progress=not as_json, decoder=decoder)
    except (FileNotFoundError, ModelCardError, KeyError) as exc:
        fail(str(exc), console)
    if as_json:
        print(json.dumps(_stream_scores_json(path, scores, totals)))
        return
    labels = totals["labels"]
    names = lambda ids: ", ".join(labels[i] if 0 <= i < len(labels) else str(i) for i in ids) or "none"  # noqa: E731
    for s in scores:
        console.print(f"{s.name}: accuracy {s.accuracy:.3f}", highlight=False)
        console.print(f"  performed: {names(s.truth)}", highlight=False)
        console.print(f"  detected:  {names(s.detected)}", highlight=False)
    delay = totals["mean_delay_frames"]
    console.print(
        f"Levenshtein accuracy {totals['levenshtein_accuracy']:.4f} over {totals['gestures']} gestures "
        f"({totals['decoder']} decoder) "
        "(1 - edits needed to turn the detected sequence into the performed one / gestures performed); "
        + (
            "no event matched a gesture, so no delay"
            if delay is None
            else f"mean delay {delay:.1f} frames over the {totals['matched']} gestures an event matched "
            "(from a gesture's last frame to its event; negative: the event fired before the gesture ended)"
        ),
        highlight=False,
    )


def _stream_scores_json(path: Path, scores: list[StreamScore], totals: dict[str, Any]) -> dict[str, Any]:
    """`evaluate-stream --json`: the totals, then each stream's truth, detections and delays."""
    return {
        "model": str(path),
        **totals,
        "streams": [
            {
                "name": s.name,
                "truth": s.truth,
                "detected": s.detected,
                "accuracy": s.accuracy,
                "delays": s.delays,
            }
            for s in scores
        ],
    }
