"""`gesture evaluate-stream`: recognition on continuous streams with ground truth, decoded
as an upload is (`segments`: the whole timeline at once) or as a live stream is (`live`:
the online event detector, window by window).

Scores, as Köpüklü et al. 2019: Levenshtein accuracy `(N - edit distance) / N` between the
ground-truth gesture sequence and the emitted events, and the delay from a gesture's last
frame to its event (negative when the event fires before the gesture ends).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from service.inference.model_card import ModelCard
from service.streaming.events import EventParams, GestureEvent, levenshtein_accuracy
from service.streaming.segments import SegmentDetector, can_segment, decode_segments
from service.streaming.windows import Predict, WindowPrediction, default_detector, replay, window_timeline
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


@dataclass
class StreamTimeline:
    """One ground-truth stream as the model saw it: the frames of the modalities it reads
    (None for the others), uint8 [N, H, W, 3] / uint16 [N, H, W], and its window timeline."""

    name: str
    rgb: np.ndarray | None
    depth: np.ndarray | None
    meta: dict
    timeline: list[WindowPrediction]

    @property
    def truth(self) -> list[int]:
        """The stream's gesture labels in order."""
        return [g["label"] for g in self.meta["events"]]


def stream_timelines(
    data: Path, card: ModelCard, predict: Predict, hop: int = 4, progress: bool = False
) -> Iterator[StreamTimeline]:
    """Each stream of `data` with its window timeline, computed once for every decoder or
    setting that reads it."""
    for name, rgb, depth, meta in tqdm(load_streams(data), desc="streams", disable=not progress):
        rgb = rgb if "rgb" in card.modalities else None
        depth = depth if "depth" in card.modalities else None
        yield StreamTimeline(name, rgb, depth, meta, window_timeline(rgb, depth, card, predict, hop))


def decode(
    decoder: str,
    timeline: list[WindowPrediction],
    rgb: np.ndarray | None,
    depth: np.ndarray | None,
    card: ModelCard,
    predict: Predict,
    params: EventParams | None = None,
) -> list[GestureEvent]:
    """The events one of DECODERS finds in a whole stream's window timeline."""
    if decoder == "segments":
        return decode_segments(timeline, rgb, depth, card, predict)
    if decoder == "live-segments":
        detector = SegmentDetector(card.labels)
        events = replay(timeline, detector)
        last = detector.flush()  # the stream has ended
        return events if last is None else [*events, last]
    return replay(timeline, default_detector(card, params))


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
    return evaluate_streams_by_decoder(model, data, (decoder,), hop, params, progress, predictor)[decoder]


def evaluate_streams_by_decoder(
    model: Path,
    data: Path,
    decoders: tuple[str, ...],
    hop: int = 4,
    params: EventParams | None = None,
    progress: bool = True,
    predictor: tuple[ModelCard, Predict] | None = None,
) -> dict[str, tuple[list[StreamScore], dict]]:
    """`evaluate_streams` for several decoders at the cost of one: each stream's window
    timeline is computed once and decoded by each. Keyed by the decoder asked for."""
    for decoder in decoders:
        if decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {', '.join(DECODERS)}, got {decoder!r}")
    card, predict = predictor or load_predictor(model)
    used = {d: d if can_segment(card.labels) else "live" for d in decoders}
    scores: dict[str, list[StreamScore]] = {d: [] for d in decoders}
    for s in stream_timelines(data, card, predict, hop, progress):
        for decoder in decoders:
            events = decode(used[decoder], s.timeline, s.rgb, s.depth, card, predict, params)
            detected = [e.label_id for e in events]
            accuracy = levenshtein_accuracy(s.truth, detected)
            delays = match_delays(s.meta["events"], events)
            scores[decoder].append(StreamScore(s.name, s.truth, detected, accuracy, delays))
    return {d: (scores[d], _totals(scores[d], hop, used[d], card)) for d in decoders}


def _totals(scores: list[StreamScore], hop: int, decoder: str, card: ModelCard) -> dict:
    """Accuracy over all gestures, mean delay and what was measured."""
    n = sum(len(s.truth) for s in scores)
    errors = sum(len(s.truth) - s.accuracy * len(s.truth) for s in scores)
    delays = [d for s in scores for d in s.delays]
    return {
        "levenshtein_accuracy": (n - errors) / n if n else 0.0,
        "gestures": n,
        "events": sum(len(s.detected) for s in scores),
        "mean_delay_frames": float(np.mean(delays)) if delays else None,
        "matched": len(delays),
        "hop": hop,
        "decoder": decoder,
        "stream_window": card.stream_window,
        "labels": list(card.labels),
    }
