"""A client's score threshold and label allowlist (MediaPipe's options): `top` lists keep
only allowed labels at or above the threshold, other gestures never fire, and the
detector's threshold is raised to the client's."""

from __future__ import annotations

import numpy as np
import pytest

from service.inference.model_card import ModelCard
from service.sources.uploads import DecodedClip
from service.streaming.clips import classify_clip
from service.streaming.events import EventParams
from service.streaming.label_filter import LabelFilter, LabelFilterError

LABELS = ["no_gesture", "left", "right", "push"]


def _card() -> ModelCard:
    return ModelCard(
        labels=LABELS, modalities=["rgb"], frames=4, height=16, width=16, frp_window=4, stream_window=8, resize=16
    )


def _predict_by_time(schedule):  # noqa: ANN001
    """A model whose logits follow `schedule` (one class id per call, strongly)."""
    calls = iter(schedule)

    def predict(inputs):  # noqa: ANN001
        logits = np.full((1, len(LABELS)), -4.0, np.float32)
        logits[0, next(calls, 0)] = 4.0
        return logits

    return predict


def test_the_filter_is_built_from_names_and_refuses_unknown_ones():
    f = LabelFilter.build(LABELS, 0.5, ["push", "left"])
    assert f.allowlist == frozenset({1, 3}) and f.min_score == 0.5 and f.active
    assert list(f.detector_mask(LABELS)) == [1, 1, 0, 1]  # no_gesture still re-arms the detector
    assert f.detector_params(EventParams(threshold=0.3)).threshold == 0.5
    with pytest.raises(LabelFilterError, match="wave"):
        LabelFilter.build(LABELS, None, ["wave"])
    with pytest.raises(LabelFilterError, match="min_score"):
        LabelFilter.build(LABELS, 1.5, None)


def test_a_clip_reports_only_allowed_labels_and_events():
    clip = DecodedClip(np.zeros((100, 16, 16, 3), np.uint8), None, 30.0)  # 24 windows of 8, hop 4
    schedule = [2] + [1] * 6 + [0] * 3 + [2] * 6 + [0] * 3 + [3] * 6  # whole clip, then the windows
    unfiltered = classify_clip(clip, _card(), _predict_by_time(schedule), top_k=4, hop=4)
    assert [e["label"] for e in unfiltered["events"]] == ["left", "right", "push"]
    only = LabelFilter.build(LABELS, None, ["left", "push"])
    filtered = classify_clip(clip, _card(), _predict_by_time(schedule), top_k=4, hop=4, label_filter=only)
    assert [e["label"] for e in filtered["events"]] == ["left", "push"]  # right never fires
    rows = [r["label"] for r in filtered["top"]] + [r["label"] for w in filtered["timeline"] for r in w["top"]]
    assert set(rows) <= {"left", "push"} and filtered["label"] in ("left", "push")
    strict = classify_clip(clip, _card(), _predict_by_time(schedule), label_filter=LabelFilter(min_score=0.9999))
    assert strict["top"] == [] and strict["label"] is None and strict["events"] == []
