"""Upload (segments) decoding settings scored on generated streams: each stream's window
timeline is computed once, then decoded with every setting of a small grid.

    python -m training.evaluation.tune_segments --model MODEL.onnx --data DIR [DIR ...] \
        [--background 0.5,0.6] [--min-windows 3,4] [--span-margin 0.333] [--span-weight 0.5]

prints one line per setting and set: Levenshtein accuracy over all gestures and the number
of events, for every combination of the `SegmentParams` values given (defaults: the shipped
ones). Each set's streams come from `gesture synth --streams` (BENCHMARKS.md, "Stream
decoding").
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from service.streaming.events import levenshtein_accuracy
from service.streaming.segments import SegmentParams, decode_segments
from training.evaluation.clips import load_predictor
from training.evaluation.streams import stream_timelines


def score_grid(model: Path, data: Path, grid: list[SegmentParams], hop: int = 4) -> list[tuple[float, int, int]]:
    """(Levenshtein accuracy, gestures, events) of each setting of `grid` on the streams in
    `data`; the model runs once per window (and once per segment for its span clip)."""
    card, predict = load_predictor(model)
    errors = [0.0] * len(grid)
    events = [0] * len(grid)
    gestures = 0
    for s in stream_timelines(data, card, predict, hop):
        gestures += len(s.truth)
        for k, params in enumerate(grid):
            found = [e.label_id for e in decode_segments(s.timeline, s.rgb, s.depth, card, predict, params)]
            errors[k] += len(s.truth) * (1 - levenshtein_accuracy(s.truth, found))
            events[k] += len(found)
    return [((gestures - e) / gestures if gestures else 0.0, gestures, n) for e, n in zip(errors, events)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, nargs="+", required=True)
    parser.add_argument("--background", default=str(SegmentParams.background), help="thresholds to try, a,b,...")
    parser.add_argument("--min-windows", default=str(SegmentParams.min_windows), help="shortest segments to try")
    parser.add_argument("--span-margin", default=str(SegmentParams.span_margin), help="span margins to try")
    parser.add_argument("--span-weight", default=str(SegmentParams.span_weight), help="span clip weights to try")
    args = parser.parse_args(argv)
    base = SegmentParams()
    grid = [
        dataclasses.replace(base, background=float(s), min_windows=int(m), span_margin=float(a), span_weight=float(w))
        for m in args.min_windows.split(",")
        for s in args.background.split(",")
        for a in args.span_margin.split(",")
        for w in args.span_weight.split(",")
    ]
    for data in args.data:
        for params, (accuracy, gestures, events) in zip(grid, score_grid(args.model, data, grid)):
            print(
                f"{data}\tbackground {params.background:.2f}\tmin_windows {params.min_windows}\t"
                f"margin {params.span_margin:.3f}\tweight {params.span_weight:.2f}\t"
                f"{100 * accuracy:.1f} %\t{gestures} gestures\t{events} events",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
