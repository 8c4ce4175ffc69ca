"""Upload (segments) decoding settings scored on generated streams: each stream's window
timeline is computed once, then decoded with every setting of a small grid.

    python -m training.evaluation.tune_segments --model MODEL.onnx --data DIR [DIR ...] \
        [--split 1.0,0.3,0.2] [--min-windows 3]

prints one line per setting and set: Levenshtein accuracy over all gestures and the number
of events. The split grid is `SegmentParams.split` (1.0: never split); each set's streams
come from `gesture synth --streams` (see BENCHMARKS.md, "Stream decoding").
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from service.streaming.events import levenshtein_accuracy
from service.streaming.segments import SegmentParams, decode_segments
from service.streaming.windows import window_timeline
from training.evaluation.clips import load_predictor
from training.evaluation.streams import load_streams


def score_grid(model: Path, data: Path, grid: list[SegmentParams], hop: int = 4) -> list[tuple[float, int, int]]:
    """(Levenshtein accuracy, gestures, events) of each setting of `grid` on the streams in
    `data`; the model runs once per window (and once per segment for its span clip)."""
    card, predict = load_predictor(model)
    errors = [0.0] * len(grid)
    events = [0] * len(grid)
    gestures = 0
    for _, rgb, depth, meta in load_streams(data):
        rgb = rgb if "rgb" in card.modalities else None
        depth = depth if "depth" in card.modalities else None
        timeline = window_timeline(rgb, depth, card, predict, hop)
        truth = [g["label"] for g in meta["events"]]
        gestures += len(truth)
        for k, params in enumerate(grid):
            found = [e.label_id for e in decode_segments(timeline, rgb, depth, card, predict, params)]
            errors[k] += len(truth) * (1 - levenshtein_accuracy(truth, found))
            events[k] += len(found)
    return [((gestures - e) / gestures if gestures else 0.0, gestures, n) for e, n in zip(errors, events)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, nargs="+", required=True)
    parser.add_argument("--split", default="1.0,0.3,0.2", help="split thresholds to try, comma-separated")
    parser.add_argument("--min-windows", default="3", help="shortest segments to try, comma-separated")
    args = parser.parse_args(argv)
    base = SegmentParams()
    grid = [
        dataclasses.replace(base, split=float(s), min_windows=int(m))
        for m in args.min_windows.split(",")
        for s in args.split.split(",")
    ]
    for data in args.data:
        for params, (accuracy, gestures, events) in zip(grid, score_grid(args.model, data, grid)):
            print(
                f"{data}\tsplit {params.split:.2f}\tmin_windows {params.min_windows}\t"
                f"{100 * accuracy:.1f} %\t{gestures} gestures\t{events} events",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
