"""`gesture evaluate-stream`: recognition on continuous streams with ground truth, decoded
as an upload is (`segments`: the whole timeline at once) or as a live stream is (`live`:
the online event detector, window by window).

Scores, as Köpüklü et al. 2019: Levenshtein accuracy `(N - edit distance) / N` between the
ground-truth gesture sequence and the emitted events, and the delay from a gesture's last
frame to its event (negative when the event fires before the gesture ends).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from service.inference.model_card import ModelCard
from service.streaming.events import EventParams, GestureEvent, levenshtein_accuracy
from service.streaming.segments import SegmentDetector, can_segment, decode_segments
from service.streaming.windows import Predict, classify_windows
from training.evaluation.clips import load_predictor

DECODERS = ("segments", "live", "live-segments")
"""As an upload; as a live stream (its default detector); as a live stream that asked for
`"decoder": "segments"`."""


@dataclass
class StreamScore:
    name: str
    truth: list[int]
    detected: list[int]
    accuracy: float
    delays: list[int]


def match_delays(truth: list[dict], events: list[GestureEvent], max_late: int = 90) -> list[int]:
    """Delay in frames of each ground-truth gesture that an event of its label matched."""
    used: set[int] = set()
    delays = []
    for g in truth:
        for i, e in enumerate(events):
            if i not in used and e.label_id == g["label"] and g["start"] <= e.fired_at_frame <= g["end"] + max_late:
                used.add(i)
                delays.append(e.fired_at_frame - g["end"])
                break
    return delays


def load_streams(data: Path) -> list[tuple[str, np.ndarray, np.ndarray, dict]]:
    """Every `streams/*.npz` (rgb, depth) with its `.json` ground truth under `data`."""
    folder = Path(data) / "streams" if (Path(data) / "streams").is_dir() else Path(data)
    out = []
    for npz in sorted(folder.glob("*.npz")):
        meta_path = npz.with_suffix(".json")
        if not meta_path.is_file():
            raise FileNotFoundError(f"ground truth missing for {npz}: expected {meta_path}")
        with np.load(npz, allow_pickle=False) as z:
            out.append((npz.stem, z["rgb"], z["depth"], json.loads(meta_path.read_text())))
    if not out:
        raise FileNotFoundError(f"no streams (*.npz + *.json) in {folder}")
    return out


def evaluate_streams(
    model: Path,
    data: Path,
    hop: int = 4,
    params: EventParams | None = None,
    progress: bool = True,
    predictor: tuple[ModelCard, Predict] | None = None,
    decoder: str = "segments",
) -> tuple[list[StreamScore], dict]:
    """Per-stream scores and the totals (accuracy over all gestures, mean delay);
    `predictor`: `load_predictor(model)` already loaded; `decoder`: one of DECODERS (a
    model without `no_gesture` cannot segment: the live detector decodes)."""
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {', '.join(DECODERS)}, got {decoder!r}")
    card, predict = predictor or load_predictor(model)
    used = decoder if can_segment(card.labels) else "live"
    scores = []
    for name, rgb, depth, meta in tqdm(load_streams(data), desc="streams", disable=not progress):
        rgb = rgb if "rgb" in card.modalities else None
        depth = depth if "depth" in card.modalities else None
        detector = SegmentDetector(card.labels) if used == "live-segments" else None
        timeline, events = classify_windows(rgb, depth, card, predict, hop, params, detector)
        if detector is not None and (last := detector.flush()) is not None:  # the stream has ended
            events.append(last)
        if used == "segments":
            events = decode_segments(timeline, rgb, depth, card, predict)
        truth = [g["label"] for g in meta["events"]]
        detected = [e.label_id for e in events]
        scores.append(
            StreamScore(
                name, truth, detected, levenshtein_accuracy(truth, detected), match_delays(meta["events"], events)
            )
        )
    n = sum(len(s.truth) for s in scores)
    errors = sum(len(s.truth) - s.accuracy * len(s.truth) for s in scores)
    delays = [d for s in scores for d in s.delays]
    totals = {
        "levenshtein_accuracy": (n - errors) / n if n else 0.0,
        "gestures": n,
        "events": sum(len(s.detected) for s in scores),
        "mean_delay_frames": float(np.mean(delays)) if delays else None,
        "matched": len(delays),
        "hop": hop,
        "decoder": used,
        "stream_window": card.stream_window,
        "labels": list(card.labels),
    }
    return scores, totals
