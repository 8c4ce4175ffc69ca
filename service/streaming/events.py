"""Per-window predictions to gesture events, the way online recognisers do it.

After Köpüklü et al. 2019 (real-time hand gesture detection and classification): the
class probabilities of the last few windows are averaged; a gesture fires once (single-time
activation) when one gesture class stays on top of the average, above a confidence
threshold, for `min_windows` windows; the detector re-arms when `no_gesture` (or nothing
confident) has been on top for `release_windows` windows, or when another gesture class
takes over for `min_windows + 1` windows.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EventParams:
    """Detector tuning. Defaults: the best of `gesture tune-events` (threshold 0.3-0.8,
    smoothing 1-4, min/release 1-3 windows, windows 32/48/64) for the bundled model on
    generated validation streams (SynthGesture v2, seed 555), not the streams we report on:
    79.2 % Levenshtein accuracy there at window 48 (BENCHMARKS.md, "Transfer")."""

    threshold: float = 0.5
    smoothing: int = 1
    min_windows: int = 3
    release_windows: int = 2

    @classmethod
    def for_model(cls, settings: dict | None) -> EventParams:
        """The settings a model card carries (`ModelCard.events`), the defaults for the keys
        it lacks; values out of range fall back to the defaults too (a card is data)."""
        settings = settings or {}
        default = cls()
        try:
            threshold = float(settings.get("threshold", default.threshold))
            smoothing = int(settings.get("smoothing", default.smoothing))
            min_windows = int(settings.get("min_windows", default.min_windows))
            release = int(settings.get("release_windows", default.release_windows))
        except (TypeError, ValueError):
            return default
        if not (0.0 < threshold <= 1.0 and smoothing >= 1 and min_windows >= 1 and release >= 1):
            return default
        return cls(threshold, smoothing, min_windows, release)

    def to_card(self, tuned_on: str) -> dict:
        """These settings as a model card's `events` entry."""
        return {
            "threshold": self.threshold,
            "smoothing": self.smoothing,
            "min_windows": self.min_windows,
            "release_windows": self.release_windows,
            "tuned_on": tuned_on,
        }


@dataclass(frozen=True)
class GestureEvent:
    """One detected gesture: label, frames it spans (first window start .. firing window end),
    the smoothed confidence, and the frame index at which it fired."""

    label: str
    label_id: int
    start_frame: int
    end_frame: int
    confidence: float
    fired_at_frame: int

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "label_id": self.label_id,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "confidence": round(self.confidence, 4),
            "fired_at_frame": self.fired_at_frame,
        }


class EventDetector:
    """Feed window probabilities in order with `update`; it returns an event or None."""

    def __init__(
        self,
        labels: list[str],
        params: EventParams | None = None,
        no_gesture: str = "no_gesture",
        mask: np.ndarray | None = None,
    ) -> None:
        self.labels = labels
        self.params = params or EventParams()
        self.mask = mask  # [K]: 0 for classes that must never fire (a client's allowlist), else None
        self.background = labels.index(no_gesture) if no_gesture in labels else None
        self._recent: deque[np.ndarray] = deque(maxlen=self.params.smoothing)
        self._run_label: int | None = None
        self._run_length = 0
        self._run_start = 0
        self._fired_label: int | None = None  # None: armed
        self._quiet = 0

    def update(self, probs: np.ndarray, start_frame: int, end_frame: int) -> GestureEvent | None:
        """One window's class probabilities [K] covering frames start..end (inclusive)."""
        p = self.params
        probs = np.asarray(probs, dtype=np.float64)
        self._recent.append(probs if self.mask is None else probs * self.mask)
        avg = np.mean(self._recent, axis=0)
        top = int(np.argmax(avg))
        confident = top != self.background and avg[top] >= p.threshold
        if not confident:
            self._run_label, self._run_length = None, 0
            self._quiet += 1
            if self._quiet >= p.release_windows:
                self._fired_label = None
            return None
        self._quiet = 0
        if top != self._run_label:
            self._run_label, self._run_length, self._run_start = top, 0, start_frame
        self._run_length += 1
        if self._fired_label is not None and top != self._fired_label and self._run_length > p.min_windows:
            self._fired_label = None  # another gesture took over: re-arm
        if self._fired_label is None and self._run_length >= p.min_windows:
            self._fired_label = top
            return GestureEvent(self.labels[top], top, self._run_start, end_frame, float(avg[top]), end_frame)
        return None

    def flush(self) -> GestureEvent | None:
        """The stream has stopped: this detector fires as windows come, so nothing is pending."""
        return None


def levenshtein(a: list[int], b: list[int]) -> int:
    """Edit distance between two label sequences."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def levenshtein_accuracy(truth: list[int], detected: list[int]) -> float:
    """`(N - edit distance) / N` over the gesture sequence (Köpüklü et al. 2019)."""
    if not truth:
        return 1.0 if not detected else 0.0
    return (len(truth) - levenshtein(truth, detected)) / len(truth)
