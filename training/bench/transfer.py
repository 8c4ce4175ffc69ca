"""Transfer benchmark: models scored on generated sets of each render style, the styles they
trained on beside the ones they never saw (leave-one-style-out), on isolated clips (top-1)
and on continuous streams (Levenshtein accuracy of the emitted gestures, decoded as an upload
is, from the whole timeline, and as a live stream is, by the online detector).

The held-out style's numbers, not the in-domain ones, say how a model trained on generated
data may do on a look it has never seen (another renderer, a real camera).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from service.inference.model_card import ModelCard
from service.streaming.windows import Predict
from training.bench.report import machine_line, print_table, write_section
from training.evaluation.clips import evaluate, load_predictor
from training.evaluation.streams import evaluate_streams_by_decoder


@dataclass(frozen=True)
class TransferRow:
    """One model on one set: clip top-1 (n clips) and stream accuracy (n gestures; None
    without streams) decoded as uploads (`segments`) and as live streams."""

    model: str
    data: str
    styles: str
    seen: bool
    clips: int
    top1: float
    gestures: int
    stream_accuracy: float | None
    live_accuracy: float | None


def set_styles(data: Path) -> list[str]:
    """The render styles a generated set was drawn from (its synth.json), or ["?"]."""
    try:
        meta = json.loads((data / "synth.json").read_text())
    except (OSError, ValueError):
        return ["?"]
    return list(meta.get("styles", ["v1"]))


def score(
    model: Path, data: Path, hop: int, trained_on: set[str], predictor: tuple[ModelCard, Predict] | None = None
) -> TransferRow:
    """Scores one model on one set (every split's clips, and the streams if it has any);
    `predictor`: `load_predictor(model)`, loaded once for all sets."""
    predictor = predictor or load_predictor(model)
    report, _ = evaluate(model, data, split="all", progress=False, predictor=predictor)
    styles = set_styles(data)
    gestures, accuracy, live = 0, None, None
    if (data / "streams").is_dir():
        decoded = evaluate_streams_by_decoder(
            model, data / "streams", ("segments", "live"), hop=hop, progress=False, predictor=predictor
        )
        totals, live_totals = decoded["segments"][1], decoded["live"][1]
        gestures, accuracy = int(totals["gestures"]), float(totals["levenshtein_accuracy"])
        live = float(live_totals["levenshtein_accuracy"])
    return TransferRow(
        model=model.name,
        data=str(data),
        styles="+".join(styles),
        seen=bool(set(styles) & trained_on),
        clips=int(report.count),
        top1=float(report.top1),
        gestures=gestures,
        stream_accuracy=accuracy,
        live_accuracy=live,
    )


def render(rows: list[TransferRow], command: str, trained_on: dict[str, set[str]]) -> str:
    lines = [
        "## Transfer: in-domain and held-out render styles",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_line()}  ",
        "Styles each model trained on: "
        + "; ".join(f"`{name}`: {', '.join(sorted(seen))}" for name, seen in trained_on.items())
        + ". `held out` marks a set whose styles the model never saw in training. Clips: top-1 over every "
        "clip of the set. Streams: "
        "Levenshtein accuracy of the emitted gesture events against the ground truth, `(N - edits) / N`, "
        "decoded as the server decodes an upload (whole timeline, `segments`) and as it decodes a live stream "
        "(online detector).",
        "",
        "| model | set | styles | seen in training | clips | clip top-1 | stream gestures | streams, upload "
        "| streams, live |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r.model} | `{r.data}` | {r.styles} | {'yes' if r.seen else '**held out**'} | {r.clips} "
            f"| {r.top1:.1%} | {r.gestures or '-'} | {_percent(r.stream_accuracy)} | {_percent(r.live_accuracy)} |"
        )
    return "\n".join(lines) + "\n"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def parse_models(entries: str, default_styles: str) -> list[tuple[Path, set[str]]]:
    """`a.onnx,b.onnx@v1` -> [(a.onnx, default styles), (b.onnx, {"v1"})]: a model's own
    training styles follow `@`, joined by `+`."""
    out = []
    for entry in (e.strip() for e in entries.split(",")):
        if not entry:
            continue
        path, _, styles = entry.partition("@")
        names = styles.split("+") if styles else default_styles.split(",")
        out.append((Path(path), {n.strip() for n in names if n.strip()}))
    return out


def run_transfer_bench(
    models: list[tuple[Path, set[str]]], sets: list[Path], out: Path, hop: int, command: str
) -> list[TransferRow]:
    """Scores every model (with the styles it trained on) on every set, prints the table and
    rewrites the `transfer` section."""
    rows = []
    for model, seen in models:
        predictor = load_predictor(model)
        rows += [score(model, d, hop, seen, predictor) for d in sets]
    table = Table(title="transfer")
    for col in ("model", "styles", "seen", "clips", "top-1", "streams upload", "streams live"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.model,
            r.styles,
            "yes" if r.seen else "held out",
            str(r.clips),
            f"{r.top1:.1%}",
            _percent(r.stream_accuracy),
            _percent(r.live_accuracy),
        )
    print_table(table)
    write_section(out, "transfer", render(rows, command, {m.name: seen for m, seen in models}))
    return rows
