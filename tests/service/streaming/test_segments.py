"""Whole-recording decoding (`segments`): one event per run of gesture windows, labelled by
the run's mean probabilities and the model's answer on the run's gesture span; the live
detector's mistakes on partial gestures do not happen; filters and models without a
background class are handled."""

from __future__ import annotations

import numpy as np
import pytest

from service.inference.model_card import ModelCard
from service.sources.uploads import DecodedClip
from service.streaming.clips import classify_clip
from service.streaming.events import EventDetector, EventParams
from service.streaming.segments import SegmentParams, decode_segments, gesture_span, segments
from service.streaming.windows import WindowPrediction

LABELS = ["no_gesture", "swipe", "circle", "push"]
WINDOW, HOP = 8, 4


def _card(labels: list[str] = LABELS) -> ModelCard:
    return ModelCard(
        labels=labels, modalities=["rgb"], frames=4, height=16, width=16, frp_window=4, stream_window=WINDOW, resize=16
    )


def _probs(top: int, p: float = 0.9, k: int = len(LABELS)) -> np.ndarray:
    out = np.full(k, (1 - p) / (k - 1))
    out[top] = p
    return out


def _timeline(tops: list[int], p: float = 0.9) -> list[WindowPrediction]:
    """Windows of WINDOW frames every HOP frames, the i-th strongly `tops[i]`."""
    return [WindowPrediction(i * HOP, i * HOP + WINDOW - 1, _probs(t, p)) for i, t in enumerate(tops)]


def _frames(timeline: list[WindowPrediction]) -> np.ndarray:
    return np.zeros((timeline[-1].end_frame + 1, 16, 16, 3), np.uint8)


def _answer(top: int, k: int = len(LABELS)):  # noqa: ANN202
    """A model whose answer on any clip is `top`, strongly; counts its calls."""

    def predict(inputs):  # noqa: ANN001
        predict.calls += 1
        logits = np.full((1, k), -4.0, np.float32)
        logits[0, top] = 4.0
        return logits

    predict.calls = 0
    return predict


def test_segments_are_runs_of_gesture_windows_at_least_min_windows_long():
    tl = _timeline([0, 1, 1, 1, 0, 2, 2, 0, 3, 3, 3, 3])
    assert segments(tl, 0, SegmentParams(min_windows=3)) == [range(1, 4), range(8, 12)]
    assert segments(tl, 0, SegmentParams(min_windows=2)) == [range(1, 4), range(5, 7), range(8, 12)]
    unsure = _timeline([0, 1, 1, 1, 0], p=0.4)  # no_gesture at 0.4 < 0.5: every window is "gesture"
    assert segments(unsure, 0, SegmentParams(min_windows=3)) == [range(0, 5)]
    assert segments(unsure, 0, SegmentParams(background=0.3, min_windows=3)) == [range(1, 4)]


def test_a_partial_gesture_at_either_edge_does_not_fire_its_own_event():
    # a circle whose first and last windows see only half of it and read as swipes
    tops = [0, 0, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1, 0, 0]
    tl = _timeline(tops)
    live = EventDetector(LABELS, EventParams(threshold=0.5, smoothing=1, min_windows=2, release_windows=2))
    fired = [e.label for w in tl if (e := live.update(w.probs, w.start_frame, w.end_frame))]
    assert fired == ["swipe", "circle", "swipe"]  # what the live detector makes of it
    events = decode_segments(tl, _frames(tl), None, _card(), _answer(2), SegmentParams(min_windows=2))
    assert [e.label for e in events] == ["circle"]
    e = events[0]
    assert e.fired_at_frame == tl[11].end_frame and 0.0 < e.confidence <= 1.0
    assert 0 <= e.start_frame <= e.end_frame <= tl[-1].end_frame


def test_gestures_apart_get_an_event_each_even_the_same_gesture_twice():
    tl = _timeline([0, 3, 3, 3, 0, 3, 3, 3, 0, 1, 1, 1, 0])
    predict = _answer(0)  # the span clips say nothing useful: the windows decide
    events = decode_segments(tl, _frames(tl), None, _card(), predict)
    assert [e.label for e in events] == ["push", "push", "swipe"]
    assert predict.calls == 3  # one gesture-span clip per segment
    assert [e.fired_at_frame for e in events] == [tl[3].end_frame, tl[7].end_frame, tl[11].end_frame]


def test_the_span_answer_decides_a_close_vote_and_weight_zero_ignores_it():
    k = len(LABELS)
    close = np.array([0.05, 0.5, 0.4, 0.05])  # windows lean to swipe
    tl = [WindowPrediction(i * HOP, i * HOP + WINDOW - 1, close) for i in range(4)]
    tl = [
        WindowPrediction(0, WINDOW - 1, _probs(0, k=k)),
        *[WindowPrediction(w.start_frame + HOP, w.end_frame + HOP, w.probs) for w in tl],
    ]
    frames = _frames(tl)
    assert [e.label for e in decode_segments(tl, frames, None, _card(), _answer(2))] == ["circle"]
    windows_only = SegmentParams(span_weight=0.0)
    predict = _answer(2)
    assert [e.label for e in decode_segments(tl, frames, None, _card(), predict, windows_only)] == ["swipe"]
    assert predict.calls == 0


def test_gesture_span_lies_between_the_first_window_end_and_last_window_start_widened():
    tl = _timeline([1] * 10)  # windows 0-7, 4-11, ..., 36-43
    params = SegmentParams(span_margin=0.25)  # 2 frames of an 8-frame window
    assert gesture_span(tl, range(2, 9), WINDOW, 4, 44, params) == (15 - 2, 32 + 2)
    # a short segment: its first and last windows overlap, that overlap is the span
    assert gesture_span(tl, range(2, 4), WINDOW, 4, 44, params) == (12, 15)
    # clamped to the recording
    assert gesture_span(tl, range(0, 10), WINDOW, 4, 44, SegmentParams(span_margin=2.0)) == (0, 43)


def test_an_allowlist_and_min_score_filter_segment_events():
    tl = _timeline([0, 1, 1, 1, 0, 3, 3, 3, 0])
    frames = _frames(tl)
    allowed = np.array([1, 0, 0, 1])  # push only (and no_gesture)
    events = decode_segments(tl, frames, None, _card(), _answer(0), allowed=allowed)
    assert [e.label for e in events] == ["push"]  # the swipe segment fires nothing, not a lesser label
    assert decode_segments(tl, frames, None, _card(), _answer(0), min_score=0.99) == []


def test_a_model_without_no_gesture_cannot_segment_and_uploads_use_the_live_detector():
    labels = ["swipe", "circle", "push"]
    tl = [WindowPrediction(0, 7, _probs(0, k=3))]
    with pytest.raises(ValueError, match="no_gesture"):
        decode_segments(tl, np.zeros((8, 16, 16, 3), np.uint8), None, _card(labels), _answer(0, 3))
    clip = DecodedClip(np.zeros((40, 16, 16, 3), np.uint8), None, 30.0)
    result = classify_clip(clip, _card(labels), _answer(2, 3), hop=HOP)
    assert result["decoder"] == "live" and [e["label"] for e in result["events"]] == ["push"]


def test_an_upload_longer_than_a_window_is_decoded_by_segments():
    clip = DecodedClip(np.zeros((40, 16, 16, 3), np.uint8), None, 30.0)
    result = classify_clip(clip, _card(), _answer(3), hop=HOP)
    assert result["decoder"] == "segments" and [e["label"] for e in result["events"]] == ["push"]
    short = classify_clip(DecodedClip(np.zeros((6, 16, 16, 3), np.uint8), None, 30.0), _card(), _answer(3))
    assert short["decoder"] is None and short["events"] == []


def test_the_live_segment_detector_fires_when_a_segment_ends_as_the_whole_recording_would():
    from service.streaming.segments import SegmentDetector

    tl = _timeline([0, 1, 1, 2, 2, 2, 2, 1, 0, 0, 3, 3, 3, 0, 1, 1, 1])  # the last run is open at the end
    live = SegmentDetector(LABELS, SegmentParams(min_windows=3))
    fired = [(i, e) for i, w in enumerate(tl) if (e := live.update(w.probs, w.start_frame, w.end_frame))]
    assert [(i, e.label) for i, e in fired] == [(8, "circle"), (13, "push")]
    assert all(e.fired_at_frame == tl[i].end_frame and e.end_frame < e.fired_at_frame for i, e in fired)
    last = live.flush()  # the stream stops: the run still open fires now, once
    assert last is not None and last.label == "swipe" and last.fired_at_frame == tl[-1].end_frame
    assert live.flush() is None
    whole = decode_segments(tl, _frames(tl), None, _card(), _answer(0), SegmentParams(min_windows=3, span_weight=0))
    assert [e.label for e in whole] == ["circle", "push", "swipe"]
    only_push = SegmentDetector(LABELS, allowed=np.array([1, 0, 0, 1]))
    assert [e.label for w in tl if (e := only_push.update(w.probs, w.start_frame, w.end_frame))] == ["push"]
    with pytest.raises(ValueError, match="no_gesture"):
        SegmentDetector(["swipe", "push"])


def test_a_client_chooses_the_decoder_through_its_filter():
    from service.streaming.label_filter import LabelFilter, LabelFilterError
    from service.streaming.segments import SegmentDetector

    assert isinstance(LabelFilter.build(LABELS, None, None, "segments").detector(_card()), SegmentDetector)
    assert isinstance(LabelFilter.build(LABELS, None, None).detector(_card()), EventDetector)
    with pytest.raises(LabelFilterError, match="decoder must be one of live, segments"):
        LabelFilter.build(LABELS, None, None, "offline")
    with pytest.raises(LabelFilterError, match="no_gesture"):
        LabelFilter.build(["swipe", "push"], None, None, "segments")
