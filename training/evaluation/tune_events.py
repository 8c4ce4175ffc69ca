"""`gesture tune-events`: choose the streaming window and the event detector's settings for
a model on streams with ground truth (tune on one generated set, report on another).

The window probabilities of each stream are computed once per window length; the detector
settings are then swept over those probabilities (cheap), scoring Levenshtein accuracy
over all gestures, ties broken by the smaller mean delay.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from service.streaming.events import EventDetector, EventParams, levenshtein
from service.streaming.windows import classify_windows
from training.evaluation.clips import load_predictor
from training.evaluation.streams import load_streams, match_delays

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
SMOOTHING = (1, 2, 3, 4)
MIN_WINDOWS = (1, 2, 3)
RELEASE_WINDOWS = (1, 2, 3)
Timelines = list[tuple[list, list[dict]]]  # per stream: (window predictions, truth events)


@dataclass(frozen=True)
class Trial:
    window: int
    params: EventParams
    accuracy: float
    mean_delay: float | None

    @property
    def key(self) -> tuple[float, float]:
        return (self.accuracy, -(self.mean_delay if self.mean_delay is not None else 1e9))


def tune(model: Path, data: Path, windows: list[int], hop: int = 4, progress: bool = True) -> list[Trial]:
    """Every (window, detector settings) trial, best first."""
    card, predict = load_predictor(model)
    streams = load_streams(data)
    trials: list[Trial] = []
    for window in windows:
        c = dataclasses.replace(card, stream_window=window)
        timelines = []
        for _, rgb, depth, meta in tqdm(streams, desc=f"window {window}", disable=not progress):
            timeline, _ = classify_windows(
                rgb if "rgb" in c.modalities else None, depth if "depth" in c.modalities else None, c, predict, hop
            )
            timelines.append((timeline, meta["events"]))
        trials += sweep(window, timelines, c.labels)
    return sorted(trials, key=lambda tr: tr.key, reverse=True)


def score(params: EventParams, timelines: Timelines, labels: list[str]) -> tuple[float, float | None]:
    """(Levenshtein accuracy over every gesture, mean delay in frames or None) of one
    detector setting on precomputed timelines [(window predictions, truth events)], where
    a truth event is {"label": id, "start": frame, "end": frame}."""
    total = errors = 0
    delays: list[int] = []
    for timeline, truth in timelines:
        detector = EventDetector(labels, params)
        events = [e for w in timeline if (e := detector.update(w.probs, w.start_frame, w.end_frame))]
        expected = [g["label"] for g in truth]
        total += len(expected)
        errors += levenshtein(expected, [e.label_id for e in events])
        delays += match_delays(truth, events)
    return (total - errors) / max(total, 1), float(np.mean(delays)) if delays else None


def sweep(window: int, timelines: Timelines, labels: list[str]) -> list[Trial]:
    """Every detector setting of the grid scored on the same timelines (unsorted)."""
    trials = []
    for t, s, m, r in itertools.product(THRESHOLDS, SMOOTHING, MIN_WINDOWS, RELEASE_WINDOWS):
        params = EventParams(threshold=t, smoothing=s, min_windows=m, release_windows=r)
        trials.append(Trial(window, params, *score(params, timelines, labels)))
    return trials
