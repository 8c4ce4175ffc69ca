"""Gesture events of a whole recording (an upload), decoded from its full timeline.

The live detector (`events.EventDetector`) must decide as frames arrive. A recording that is
already whole can be read both ways in time, which avoids the live detector's two common
mistakes on continuous streams: a window that sees only part of a gesture (the first half
of a circle looks like a swipe) firing an event of its own, and a gesture longer than the
window never being seen whole.

1. Segments: maximal runs of windows in which `no_gesture` is unlikely
   (p < `background`), at least `min_windows` long. One segment, one event.
2. Label: the segment's mean window probabilities, plus `span_weight` times the model's
   answer on the segment's estimated gesture frames classified as one clip (from the first
   window's end to the last window's start, widened by `span_margin` of a window on each
   side), the way isolated clips are classified. The best non-background class wins.

Defaults: chosen on generated in-domain streams (`data/tune-streams`, seed 556, styles kiosk,
desk, car) for the bundled model, before scoring held-out styles (BENCHMARKS.md,
"Stream decoding"). A model without a `no_gesture` class has no background to segment on;
its recordings use the live detector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.inference.model_card import ModelCard
from service.inference.prepare import prepare_clip
from service.streaming.events import GestureEvent
from service.streaming.windows import Predict, WindowPrediction, softmax

NO_GESTURE = "no_gesture"


@dataclass(frozen=True)
class SegmentParams:
    """background: a window is part of a gesture while p(no_gesture) is below it;
    min_windows: shortest segment that is an event; span_margin: the gesture-span clip's
    widening on each side, as a fraction of the streaming window; span_weight: that clip's
    weight against the segment's mean window probabilities (0: windows only)."""

    background: float = 0.5
    min_windows: int = 3
    span_margin: float = 1 / 3
    span_weight: float = 0.5


def can_segment(labels: Sequence[str]) -> bool:
    """Whether a model's labels have the background class segmentation needs."""
    return NO_GESTURE in labels


def pick_label(score: np.ndarray, background: int, allowed: np.ndarray | None, min_score: float) -> int | None:
    """A segment's event class from its scores [K] (the background set aside), or None
    when that class is not `allowed` or scores below `min_score`. Modifies `score`."""
    score[background] = -1.0
    top = int(np.argmax(score))
    if (allowed is not None and not allowed[top]) or score[top] < min_score:
        return None
    return top


def segments(timeline: Sequence[WindowPrediction], background_id: int, params: SegmentParams) -> list[range]:
    """Window index ranges of the gesture segments of a timeline (in order)."""
    found: list[range] = []
    start = None
    for i, w in enumerate([*timeline, None]):
        active = w is not None and w.probs[background_id] < params.background
        if active and start is None:
            start = i
        elif not active and start is not None:
            if i - start >= params.min_windows:
                found.append(range(start, i))
            start = None
    return found


def gesture_span(
    timeline: Sequence[WindowPrediction], seg: range, window: int, frames: int, n: int, params: SegmentParams
) -> tuple[int, int]:
    """First and last frame (inclusive) of the gesture a segment saw: from the end of its
    first window to the start of its last, widened by `span_margin` windows on each side;
    at least `frames` long (else the overlap of its first and last windows); within 0..n-1."""
    margin = round(params.span_margin * window)
    first, last = timeline[seg.start], timeline[seg.stop - 1]
    a, b = first.end_frame - margin, last.start_frame + margin
    if b - a < frames:
        a, b = sorted((last.start_frame, first.end_frame))
    return max(0, a), min(n - 1, b)


def decode_segments(
    timeline: Sequence[WindowPrediction],
    rgb: np.ndarray | None,
    depth: np.ndarray | None,
    card: ModelCard,
    predict: Predict,
    params: SegmentParams | None = None,
    allowed: np.ndarray | None = None,
    min_score: float = 0.0,
) -> list[GestureEvent]:
    """One event per gesture segment of a whole recording's `timeline`.

    Args:
        rgb, depth: the recording's frames [N, H, W, 3] uint8 (None for a modality the
            model does not take), for the gesture-span clips.
        allowed: [K] 1 for the classes that may fire (a client's allowlist), else None: a
            segment whose best class is not allowed fires nothing.
        min_score: events below this confidence are left out.

    Raises:
        ValueError: the model has no `no_gesture` class (see `can_segment`).
    """
    params = params or SegmentParams()
    if not can_segment(card.labels):
        raise ValueError(f"segmenting needs a {NO_GESTURE!r} class; the model's labels are {card.labels}")
    background = card.labels.index(NO_GESTURE)
    n = (rgb if rgb is not None else depth).shape[0]  # type: ignore[union-attr]
    events = []
    for seg in segments(timeline, background, params):
        score = np.mean([timeline[i].probs for i in seg], axis=0)
        a, b = gesture_span(timeline, seg, card.stream_window, card.frames, n, params)
        if params.span_weight > 0:
            clip = prepare_clip(
                None if rgb is None else rgb[a : b + 1], None if depth is None else depth[a : b + 1], card
            )
            score = (score + params.span_weight * softmax(predict(clip)[0])) / (1 + params.span_weight)
        top = pick_label(score, background, allowed, min_score)
        if top is None:
            continue
        fired = timeline[seg.stop - 1].end_frame
        events.append(GestureEvent(card.labels[top], top, a, b, float(score[top]), fired))
    return events


class SegmentDetector:
    """The same segments on a live stream, window by window (`update`, as `EventDetector`):
    a segment closes at the first background window after it and fires then, labelled by
    its mean window probabilities alone (a live stream keeps no frames beyond its window
    for a span clip). It fires about half a window after the gesture ends, later than the
    live detector, and makes fewer mistakes on partial gestures (BENCHMARKS.md, "Stream
    decoding"). A gesture still going on when the stream stops fires at the stop (`flush`)."""

    def __init__(
        self,
        labels: Sequence[str],
        params: SegmentParams | None = None,
        allowed: np.ndarray | None = None,
        min_score: float = 0.0,
    ) -> None:
        if not can_segment(labels):
            raise ValueError(f"segmenting needs a {NO_GESTURE!r} class; the model's labels are {list(labels)}")
        self.labels = list(labels)
        self.params = params or SegmentParams()
        self.allowed = allowed
        self.min_score = min_score
        self.background = self.labels.index(NO_GESTURE)
        self._sum: np.ndarray | None = None
        self._count = 0
        self._first_end = self._last_start = self._window = 0

    def update(self, probs: np.ndarray, start_frame: int, end_frame: int) -> GestureEvent | None:
        """One window's class probabilities [K] covering frames start..end (inclusive)."""
        probs = np.asarray(probs, dtype=np.float64)
        if probs[self.background] < self.params.background:
            if self._count == 0:
                self._sum, self._first_end = np.zeros_like(probs), end_frame
            self._sum = self._sum + probs  # type: ignore[operator]
            self._count += 1
            self._last_start, self._window = start_frame, end_frame - start_frame + 1
            return None
        return self._close(end_frame)

    def flush(self) -> GestureEvent | None:
        """The stream has stopped: the segment still open fires now (if long enough)."""
        return self._close(self._last_start + self._window - 1)

    def _close(self, fired_at: int) -> GestureEvent | None:
        event = self._label(fired_at) if self._count >= self.params.min_windows else None
        self._sum, self._count = None, 0
        return event

    def _label(self, fired_at: int) -> GestureEvent | None:
        score = self._sum / self._count  # type: ignore[operator]
        top = pick_label(score, self.background, self.allowed, self.min_score)
        if top is None:
            return None
        margin = round(self.params.span_margin * self._window)
        a, b = sorted((self._first_end - margin, self._last_start + margin))
        return GestureEvent(self.labels[top], top, max(0, a), b, float(score[top]), fired_at)
