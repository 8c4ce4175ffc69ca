"""`gesture adapt`: fine-tune a model on a handful of your own takes, in minutes on a CPU."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from service.cli_errors import fail
from training.commands.common import console


def adapt_cmd(
    data: Path = typer.Option(
        ..., "--data", help="Your takes: `gesture record`'s folder, .npz clips + labels.csv, or a split-file layout."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Adapted ONNX model to write (its stages go beside it)."),
    base: Path | None = typer.Option(None, "--base", help="Model to start from (default: what `gesture serve` runs)."),
    minutes: float = typer.Option(10.0, "--minutes", min=1.0, help="Time budget for the whole run, export included."),
    retrain: str = typer.Option(
        "auto",
        "--retrain",
        help="auto (from takes per class), head (class rows only) or temporal (all after the trunk).",
    ),
    hold_out: float = typer.Option(
        0.2, "--hold-out", min=0.0, max=0.5, help="Share of each class's takes held out for the report (0: none)."
    ),
    seed: int = typer.Option(0, "--seed", help="Randomness of the split, the augmentation and the training."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
) -> None:
    """Teach a model your camera and your gestures: retrain its end on a few takes per class.

    The vocabulary comes from the takes (names may be new); classes the base model knows by
    name start from what it knows. Prints held-out accuracy per class for the base and the
    adapted model, and writes the model with a card recording the base, the takes and the results.
    """
    from service.settings import default_model_path
    from training.adapt.onnx_weights import OnnxWeightsError
    from training.adapt.run import AdaptOptions, adapt
    from training.adapt.takes import TakesError
    from training.export.onnx import ParityError

    if retrain not in ("auto", "head", "temporal"):
        fail(f"--retrain {retrain!r}: use auto, head or temporal", console)
    if out.suffix != ".onnx":
        fail(f"--out {out}: give a .onnx file name", console)
    opts = AdaptOptions(
        data=data,
        out=out,
        base=base or default_model_path(),
        minutes=minutes,
        parts=retrain,
        hold_out=hold_out,
        seed=seed,
        progress=True,
    )
    try:
        report = adapt(opts, say=lambda m: console.print(m, highlight=False))
    except (FileNotFoundError, OnnxWeightsError, TakesError, ParityError) as exc:
        fail(str(exc), console)
    if as_json:
        print(json.dumps(report))
    _print_report(report)


def _print_report(report: dict) -> None:
    from rich.table import Table

    from training.adapt.run import accuracy_table

    rows = accuracy_table(report)
    if rows:
        table = Table(title="held-out takes: accuracy")
        for col in ("class", "takes", "base model", "adapted"):
            table.add_column(col, justify="left" if col == "class" else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    else:
        console.print(f"no held-out accuracy: {report['split']}")
    events = report["events"]
    settings = events["settings"]
    line = (
        f"event detector: threshold {settings['threshold']}, smoothing {settings['smoothing']}, "
        f"min {settings['min_windows']} / release {settings['release_windows']} windows; {settings['tuned_on']}"
    )
    if events["levenshtein_accuracy"] is not None:
        line += (
            f" (held-out streams: {events['levenshtein_accuracy']:.0%} Levenshtein accuracy, "
            f"{events['base_settings_accuracy']:.0%} with the base's settings)"
        )
    console.print(line, highlight=False)
    s = report["seconds"]
    console.print(
        f"wrote {report['out']} ({report['retrained']} retrained, {report['epochs']} epochs; "
        f"{s['total']:.0f} s: views {s['views']:.0f}, training {s['fit']:.0f}, detector {s['detector']:.0f}, "
        f"refit {s['refit']:.0f}, "
        f"export {s['export']:.0f}); "
        f"serve it with `gesture serve --model {report['out']}`",
        highlight=False,
    )
