"""What one classified stream window becomes: a prediction message and, when the event
detector fires, a gesture event (used by the window pipeline that WebSocket streams and
server-side live feeds share)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from service.inference.model_card import ModelCard
from service.streaming.events import EventDetector, GestureEvent
from service.streaming.label_filter import NO_FILTER, LabelFilter
from service.streaming.session import Window
from service.streaming.windows import WindowPrediction, softmax


@dataclass(frozen=True)
class WindowResult:
    """prediction: the `prediction` message; event and gesture: the detector's event and
    its `gesture` message, or None."""

    prediction: dict[str, Any]
    event: GestureEvent | None
    gesture: dict[str, Any] | None


def window_result(
    card: ModelCard,
    detector: EventDetector,
    window: Window,
    outputs: dict[str, np.ndarray],
    latency_s: float,
    label_filter: LabelFilter = NO_FILTER,
) -> WindowResult:
    """Turn one window's outputs ({name: [K] row}) into messages and update `detector`; the
    stream's label filter trims the `top` list."""
    probs = softmax(outputs[card.outputs[0]])
    latency_ms = round(latency_s * 1000, 2)
    w = WindowPrediction(window.start_frame, window.end_frame, probs)
    prediction = {
        "type": "prediction",
        "start_frame": w.start_frame,
        "end_frame": w.end_frame,
        "top": label_filter.top(probs, card.labels, 3) if label_filter.active else w.top(card.labels, 3),
        "latency_ms": latency_ms,
    }
    event = detector.update(probs, w.start_frame, w.end_frame)
    gesture = None if event is None else {"type": "gesture", **event.to_json(), "latency_ms": latency_ms}
    return WindowResult(prediction, event, gesture)
