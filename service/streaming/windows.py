"""Sliding windows over a recording: per-window predictions and the events they trigger.

A window spans the card's `stream_window` raw frames, sampled to the model's T frames by
segment means; windows end every `hop` frames. The same code serves uploaded clips longer
than a window, `gesture evaluate-stream`, and (frame by frame) live streams.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from service.inference.model_card import ModelCard
from service.inference.prepare import eval_indices, prepare_frames
from service.streaming.events import EventDetector, EventParams, GestureEvent

Predict = Callable[[dict[str, np.ndarray]], np.ndarray]
"""A model as a function: inputs {modality: uint8 [1, T, H, W, 3]} -> logits [1, K]. The
one signature of the service's sessions and training's checkpoints and ONNX evaluation."""


@dataclass(frozen=True)
class WindowPrediction:
    """Class probabilities [K] of the window covering frames start..end (inclusive)."""

    start_frame: int
    end_frame: int
    probs: np.ndarray

    def top(self, labels: list[str], k: int) -> list[dict]:
        order = np.argsort(-self.probs)[:k]
        return [{"label": labels[i], "label_id": int(i), "probability": round(float(self.probs[i]), 4)} for i in order]


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def window_ends(n: int, window: int, hop: int) -> list[int]:
    """Last frame of every window: the first full window, then every `hop` frames."""
    if n <= 0:
        return []
    if n < window:
        return [n - 1]
    return list(range(window - 1, n, hop))


def window_inputs(rgb: np.ndarray | None, depth: np.ndarray | None, end: int, card: ModelCard) -> dict[str, np.ndarray]:
    """Model inputs of the window ending at frame `end` (fewer frames at the very start)."""
    start = max(0, end - card.stream_window + 1)
    idx = [start + i for i in eval_indices(end - start + 1, card.frames)]
    return prepare_frames(None if rgb is None else rgb[idx], None if depth is None else depth[idx], card)


def window_timeline(
    rgb: np.ndarray | None, depth: np.ndarray | None, card: ModelCard, predict: Predict, hop: int
) -> list[WindowPrediction]:
    """Slide over a whole recording (rgb uint8 [N, H, W, 3], depth uint16 [N, H, W] mm):
    the prediction of every window, in order. The costly part: one model run per window."""
    n = (rgb if rgb is not None else depth).shape[0]  # type: ignore[union-attr]
    timeline = []
    for end in window_ends(n, card.stream_window, hop):
        probs = softmax(predict(window_inputs(rgb, depth, end, card))[0])
        timeline.append(WindowPrediction(max(0, end - card.stream_window + 1), end, probs))
    return timeline


def replay(timeline: list[WindowPrediction], detector: EventDetector) -> list[GestureEvent]:
    """The events `detector` fires over `timeline`, as a live stream would see them."""
    events = []
    for w in timeline:
        event = detector.update(w.probs, w.start_frame, w.end_frame)
        if event is not None:
            events.append(event)
    return events


def default_detector(card: ModelCard, params: EventParams | None = None) -> EventDetector:
    """The live detector with `params`, else the settings in the model's card."""
    return EventDetector(card.labels, params or EventParams.for_model(card.events))


def classify_windows(
    rgb: np.ndarray | None,
    depth: np.ndarray | None,
    card: ModelCard,
    predict: Predict,
    hop: int,
    params: EventParams | None = None,
    detector: EventDetector | None = None,
) -> tuple[list[WindowPrediction], list[GestureEvent]]:
    """Slide over a whole recording; returns the timeline and the detected events (by
    `detector`, default: one with `params` or the card's settings)."""
    detector = detector or default_detector(card, params)
    timeline = window_timeline(rgb, depth, card, predict, hop)
    return timeline, replay(timeline, detector)
