"""Per-connection streaming state: a ring buffer of preprocessed frames that yields a
window every `hop` frames, and the event detector of that stream. Plain Python; the
WebSocket route only moves messages in and out."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from service.inference.depth import encode_depth
from service.inference.model_card import ModelCard
from service.inference.prepare import eval_indices, resize_crop
from service.streaming.events import EventParams
from service.streaming.label_filter import NO_FILTER, LabelFilter


def prepare_frame(card: ModelCard, rgb: np.ndarray | None, depth: np.ndarray | None) -> dict[str, np.ndarray]:
    """One raw frame -> {modality: uint8 [height, width, 3]} as the model takes it."""
    out = {}
    if "rgb" in card.modalities and rgb is not None:
        out["rgb"] = resize_crop(rgb[None], card.resize, card.height, card.width)[0]
    if "depth" in card.modalities and depth is not None:
        d = resize_crop(depth[None], card.resize, card.height, card.width)
        out["depth"] = encode_depth(d, card.depth_encoding, card.depth_near_mm, card.depth_far_mm)[0]
    return out


@dataclass(frozen=True)
class Window:
    """Model inputs {modality: uint8 [1, T, H, W, 3]} of frames start..end (inclusive); for
    an incremental stream, empty: its frame stage takes the pending frames when it runs.
    `warmup`: an incremental stream's update before its first full window (frame stage
    only, no prediction), so that the first window costs no more than later ones."""

    inputs: dict[str, np.ndarray]
    start_frame: int
    end_frame: int
    warmup: bool = False


class StreamSession:
    """Feed frames in order; every `hop` frames (once the buffer holds a full window) it
    returns the window to classify."""

    def __init__(
        self,
        card: ModelCard,
        hop: int,
        window: int | None = None,
        params: EventParams | None = None,
        label_filter: LabelFilter = NO_FILTER,
    ) -> None:
        self.card = card
        self.hop = hop
        self.window = window or card.stream_window
        if self.window < card.frames:
            raise ValueError(f"window must be at least the model's {card.frames} frames")
        self.buffers: dict[str, deque[np.ndarray]] = {m: deque(maxlen=self.window) for m in card.modalities}
        self.indices: deque[int] = deque(maxlen=self.window)
        self.label_filter = label_filter
        self.detector = label_filter.detector(card, params)
        self.since_window = 0

    def push(self, index: int, rgb: np.ndarray | None, depth: np.ndarray | None) -> Window | None:
        """Add frame `index`: rgb uint8 [H, W, 3], depth uint16 [H, W] mm (as the model needs)."""
        prepared = prepare_frame(self.card, rgb, depth)
        for m, frame in prepared.items():
            self.buffers[m].append(frame)
        self.indices.append(index)
        self.since_window += 1
        if len(self.indices) < self.window or self.since_window < self.hop:
            return None
        self.since_window = 0
        idx = eval_indices(len(self.indices), self.card.frames)
        inputs = {m: np.stack([buf[i] for i in idx])[None] for m, buf in self.buffers.items()}
        return Window(inputs, self.indices[0], self.indices[-1])
