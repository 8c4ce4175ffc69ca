"""Per-stream and per-request result options a product sets, as in MediaPipe's gesture
recogniser: a score threshold and a label allowlist.

- `min_score`: labels scoring below it are left out of `top` lists, and gesture events need
  at least this confidence (on top of the model's own detector threshold).
- `allowlist`: only these labels are reported: other classes never appear in `top` lists
  and never fire events (their probability is not counted for the detector; `no_gesture`
  still re-arms it). Probabilities are not renormalised: a score means what it meant.
- `decoder` (live streams): `live`, the early-firing detector (`events.EventDetector`), or
  `segments`, one event per run of gesture windows, fired when the run ends
  (`segments.SegmentDetector`; needs a `no_gesture` class).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.inference.model_card import ModelCard
from service.streaming.events import EventDetector, EventParams
from service.streaming.segments import SegmentDetector, can_segment

DECODERS = ("live", "segments")


class LabelFilterError(ValueError):
    """Unknown label names or a threshold out of range (the message says which)."""


@dataclass(frozen=True)
class LabelFilter:
    """min_score in [0, 1]; allowlist: label ids to report, None for all; decoder: a live
    stream's event decoder (one of DECODERS)."""

    min_score: float = 0.0
    allowlist: frozenset[int] | None = None
    decoder: str = "live"

    @classmethod
    def build(
        cls, labels: Sequence[str], min_score: float | None, names: Sequence[str] | None, decoder: str = "live"
    ) -> LabelFilter:
        """From a client's options (names as the model's labels).

        Raises:
            LabelFilterError: a name the model does not know, min_score outside [0, 1], an
                unknown decoder, or `segments` for a model without `no_gesture`.
        """
        score = 0.0 if min_score is None else float(min_score)
        if not 0.0 <= score <= 1.0:
            raise LabelFilterError(f"min_score must be in 0..1, got {score:g}")
        if decoder not in DECODERS:
            raise LabelFilterError(f"decoder must be one of {', '.join(DECODERS)}, got {decoder!r}")
        if decoder == "segments" and not can_segment(labels):
            raise LabelFilterError("decoder segments needs a no_gesture class, and this model has none")
        if names is None:
            return cls(score, None, decoder)
        unknown = [n for n in names if n not in labels]
        if unknown:
            raise LabelFilterError(f"labels {unknown} are not the model's; it knows {', '.join(labels)}")
        return cls(score, frozenset(labels.index(n) for n in names), decoder)

    @property
    def active(self) -> bool:
        return self.min_score > 0 or self.allowlist is not None

    def detector_mask(self, labels: Sequence[str], background: str = "no_gesture") -> np.ndarray | None:
        """[K] ones for the classes the detector may count (the allowlist and `no_gesture`),
        zeros elsewhere; None when everything counts."""
        if self.allowlist is None:
            return None
        mask = np.zeros(len(labels))
        mask[list(self.allowlist)] = 1.0
        if background in labels:
            mask[labels.index(background)] = 1.0
        return mask

    def detector_params(self, params: EventParams) -> EventParams:
        """The model's detector settings, its threshold raised to `min_score`."""
        return dataclasses.replace(params, threshold=max(params.threshold, self.min_score))

    def detector(self, card: ModelCard, params: EventParams | None = None) -> EventDetector | SegmentDetector:
        """A stream's event detector: the model's settings (or `params`) under this filter,
        or the segment detector when `decoder` is `segments`."""
        if self.decoder == "segments":
            return SegmentDetector(card.labels, allowed=self.detector_mask(card.labels), min_score=self.min_score)
        base = params or EventParams.for_model(card.events)
        return EventDetector(card.labels, self.detector_params(base), mask=self.detector_mask(card.labels))

    def top(self, probs: np.ndarray, labels: Sequence[str], k: int) -> list[dict]:
        """The `k` best rows of `probs` [K] that pass the filter."""
        order = np.argsort(-probs)
        rows = [{"label": labels[i], "label_id": int(i), "probability": round(float(probs[i]), 4)} for i in order]
        return self.rows(rows)[:k]

    def rows(self, rows: list[dict]) -> list[dict]:
        """`top` rows ({label, label_id, probability}) that pass the filter."""
        return [
            r
            for r in rows
            if r["probability"] >= self.min_score and (self.allowlist is None or r["label_id"] in self.allowlist)
        ]


NO_FILTER = LabelFilter()
