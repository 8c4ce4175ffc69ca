"""Per-connection state of an incremental stream: frames on an absolute sampling grid,
the stages' carried state, and a ring of per-frame features (plain Python, no web stack).

A full-window stream samples `frames` of its last `stream_window` raw frames at every hop,
so the sampled frames move with the window and nothing can be reused. Here the sampled
frames are fixed for the whole stream: every `stride` = stream_window / frames raw frames
(the frame at offset (stride-1)//2 of each group, the same frame the full-window sampling
picks when the window starts on a group boundary). Each window then costs the frame stage
on the grid frames that arrived since the last one (its state carries what the earlier
frames contribute) plus one window-stage pass, and equals the full-window graph on the
window's T grid frames.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from service.inference.model_card import ModelCard
from service.inference.stages import Stages, window_feeds
from service.streaming.events import EventParams
from service.streaming.label_filter import NO_FILTER, LabelFilter
from service.streaming.session import Window, prepare_frame


@dataclass(frozen=True)
class FrameWork:
    """One frame-stage request: the new grid frames (and stream state) of one update."""

    inputs: dict[str, np.ndarray]
    new_frames: int


class IncrementalStream:
    """Feed frames in order; every `hop` frames it returns a due `Window` (a `warmup` one,
    frame stage only, until `frames` grid frames were seen). Run it with `frame_work` ->
    frame stage -> `absorb` -> window stage (`window_inference.submit_window` does), one at a time
    per stream.

    Grid frames stay pending until `absorb`: a window the caller skips costs nothing and its
    frames go into the next update.
    """

    def __init__(
        self,
        card: ModelCard,
        stages: Stages,
        hop: int,
        window: int,
        params: EventParams | None = None,
        label_filter: LabelFilter = NO_FILTER,
    ) -> None:
        if window % card.frames:
            raise ValueError(f"window {window} is not a multiple of the model's {card.frames} frames")
        self.card, self.stages, self.hop, self.window = card, stages, hop, window
        self.stride = window // card.frames
        self.offset = (self.stride - 1) // 2
        self.label_filter = label_filter
        self.detector = label_filter.detector(card, params)
        self.pending: dict[str, list[np.ndarray]] = {m: [] for m in card.modalities}
        self.pending_index: list[int] = []  # raw index of each pending grid frame
        self.state = {k: v.copy() for k, v in stages.zero_state.items()}
        self.seen = 0  # grid frames through the frame stage
        self.raw_count = 0
        self.since_window = 0
        self.restarts = 0
        self._lock = threading.Lock()  # push runs on a request thread, absorb on the scheduler's

    def push(self, index: int, rgb: np.ndarray | None, depth: np.ndarray | None) -> Window | None:
        """Add raw frame `index` (rgb uint8 [H, W, 3], depth uint16 [H, W] mm); returns a
        due window (its inputs are taken later, by `frame_work`) or None."""
        grid = self.raw_count % self.stride == self.offset
        prepared = prepare_frame(self.card, rgb, depth) if grid else {}
        with self._lock:
            if grid:
                for m, frame in prepared.items():
                    self.pending[m].append(frame)
                self.pending_index.append(index)
            self.raw_count += 1
            self.since_window += 1
            if self.since_window < self.hop or not self.pending_index:
                return None
            self.since_window = 0
            warmup = self.seen + len(self.pending_index) < self.card.frames
            last_grid = self.pending_index[-1]
        first = last_grid - self.stride * (self.card.frames - 1) - self.offset
        return Window({}, max(first, 0), index, warmup=warmup)

    def _restart(self, count: int) -> None:
        """More than a window of frames waited (the server fell behind): of the first `count`
        pending grid frames keep the last `frames` and start the state again from them,
        which is exactly a full window."""
        drop = count - self.card.frames
        for m in self.pending:
            del self.pending[m][:drop]
        del self.pending_index[:drop]
        self.state = {k: v.copy() for k, v in self.stages.zero_state.items()}
        self.seen = 0
        self.restarts += 1

    def frame_work(self, last_index: int | None = None) -> FrameWork | None:
        """The frame-stage feeds (batch 1) of the pending grid frames up to raw frame
        `last_index` (default: all), so that a window run late still ends where it came due;
        None if there is none. One update at a time: the caller runs it and hands the
        outputs to `absorb` before asking again."""
        with self._lock:
            count = len(self.pending_index) if last_index is None else bisect_right(self.pending_index, last_index)
            if count == 0:
                return None
            if count > self.card.frames:
                self._restart(count)
                count = self.card.frames
            feeds: dict[str, np.ndarray] = {
                m: np.stack(f[:count])[None] for m, f in self.pending.items()  # [1, n, H, W, 3]
            }
            feeds["seen"] = np.array([self.seen], np.int64)
            feeds.update(self.state)
            return FrameWork(feeds, count)

    def absorb(self, work: FrameWork, outputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Take the frame stage's rows for `work`; returns the window-stage feeds [1, T, D]
        (the spatial features of the window's T grid frames).

        Args:
            outputs: one row per output name (no batch axis), as the scheduler gives them.
        """
        with self._lock:
            return self._absorb(work, outputs)

    def _absorb(self, work: FrameWork, outputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        n = work.new_frames
        for name in self.state:
            self.state[name] = outputs[f"next_{name}"][None]
        for m in self.pending:
            del self.pending[m][:n]
        del self.pending_index[:n]
        self.seen += n
        return window_feeds(outputs, batch_axis=True)
