"""Classify a decoded clip: top-k for the whole clip (sampled to the model's window as in
training) and, for clips longer than a streaming window, a timeline and gesture events
(decoded from the whole timeline by `segments`, or by the live detector for a model
without a `no_gesture` class)."""

from __future__ import annotations

from typing import Any

from service.errors import MissingModality
from service.inference.model_card import ModelCard
from service.inference.prepare import prepare_clip
from service.sources.uploads import DecodedClip
from service.streaming.events import EventParams
from service.streaming.label_filter import NO_FILTER, LabelFilter
from service.streaming.segments import can_segment, decode_segments
from service.streaming.windows import Predict, replay, softmax, window_timeline


def require_modalities(clip: DecodedClip, card: ModelCard) -> None:
    """Raise MissingModality when the model needs a stream the clip lacks."""
    for m in card.modalities:
        if getattr(clip, m) is None:
            have = [x for x in ("rgb", "depth") if getattr(clip, x) is not None]
            raise MissingModality(f"the model needs {' and '.join(card.modalities)} but the clip has only {have}")


def classify_clip(
    clip: DecodedClip,
    card: ModelCard,
    predict: Predict,
    top_k: int = 5,
    hop: int = 4,
    params: EventParams | None = None,
    label_filter: LabelFilter = NO_FILTER,
) -> dict[str, Any]:
    """The JSON result of one clip (see docs/protocol.md, "REST"); `label_filter` (a score
    threshold, a label allowlist) trims every `top` list and the events."""
    require_modalities(clip, card)
    rgb = clip.rgb if "rgb" in card.modalities else None
    depth = clip.depth if "depth" in card.modalities else None
    probs = softmax(predict(prepare_clip(rgb, depth, card))[0])
    top = label_filter.top(probs, card.labels, top_k)
    result: dict[str, Any] = {
        "frames": clip.frames,
        "fps": clip.fps,
        "top": top,
        "label": top[0]["label"] if top else None,
        "timeline": [],
        "events": [],
        "decoder": None,
    }
    if clip.frames > card.stream_window:
        timeline = window_timeline(rgb, depth, card, predict, hop)
        if can_segment(card.labels):
            allowed = label_filter.detector_mask(card.labels)
            events = decode_segments(
                timeline, rgb, depth, card, predict, allowed=allowed, min_score=label_filter.min_score
            )
            result["decoder"] = "segments"
        else:
            events = replay(timeline, label_filter.detector(card, params))
            result["decoder"] = "live"
        result["timeline"] = [
            {
                "start_frame": w.start_frame,
                "end_frame": w.end_frame,
                "top": label_filter.top(w.probs, card.labels, min(3, top_k)),
            }
            for w in timeline
        ]
        result["events"] = [e.to_json() for e in events]
    return result
