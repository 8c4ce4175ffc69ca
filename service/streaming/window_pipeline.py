"""One stream's due windows, from "due" to the messages they become (plain Python).

Shared by WebSocket streams and the server's own live feeds, so both count, skip and word
their results the same way. At most one window per stream is in flight: a window that
comes due while the previous one is still being classified, or that a full inference queue
refuses, is skipped and counted, so a slow model never makes a stream fall behind. A
warm-up window (an incremental stream's frame-stage update before its first full window)
is never counted as skipped nor sent as a prediction: its frames wait for the next update.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from service.inference.prometheus import Metrics
from service.inference.runtime import Runtime
from service.inference.scheduler import QueueFull
from service.streaming.incremental import IncrementalStream
from service.streaming.results import window_result
from service.streaming.session import StreamSession, Window
from service.streaming.window_inference import submit_window

Emit = Callable[[dict[str, Any]], None]
LATENCY_WINDOW = 200  # recent window latencies kept for a stream's p50


@dataclass(frozen=True)
class Submitted:
    """A window on its way through the model; `received` is when its last frame arrived
    (the start of the latency a client sees)."""

    session: StreamSession | IncrementalStream
    window: Window
    future: Future
    received: float


class WindowPipeline:
    """Classifies one stream's due windows, one at a time, and hands on the messages.

    Args:
        runtime: the loaded model and its schedulers.
        metrics: the service's metrics (windows by source, skipped windows, events).
        source: the `windows` metric's label: "stream" or "live".
        emit: receives the messages in order: a `prediction`, then a `gesture` when the
            stream's event detector fires; an `error` when a batch fails. It is called from
            wherever the window finishes (see `finish_when_done` and `finish_on_loop`).
        counts: the caller's counters; this pipeline adds to "windows", "skipped" and
            "events" (so the caller's status and stats messages keep their own key order).
    """

    def __init__(
        self, runtime: Runtime, metrics: Metrics, source: str, emit: Emit, counts: dict[str, int] | None = None
    ) -> None:
        self.runtime, self.metrics, self.source, self.emit = runtime, metrics, source, emit
        self.counts = counts if counts is not None else {"windows": 0, "skipped": 0, "events": 0}
        self.latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self._busy = False

    @property
    def busy(self) -> bool:
        """Whether a window is in flight (the next due one would be skipped)."""
        return self._busy

    def submit(
        self, session: StreamSession | IncrementalStream, window: Window, received: float | None = None
    ) -> Submitted | None:
        """Send a due window to the model, or skip it (and count it) when one is already in
        flight or the inference queue is full.

        Args:
            received: when the window's last frame arrived (default: now).

        Returns:
            The submitted window, for `finish_when_done` or `finish_on_loop`; None if skipped.
        """
        if self._busy:
            self._skip(window)
            return None
        stamp = time.perf_counter() if received is None else received
        try:
            future = submit_window(self.runtime, session, window)
        except QueueFull:
            self._skip(window)
            return None
        self._busy = True
        return Submitted(session, window, future, stamp)

    def finish_when_done(self, submitted: Submitted) -> None:
        """Finish on the thread that completes the inference (`emit` must be thread-safe)."""
        submitted.future.add_done_callback(lambda _: self.finish(submitted))

    async def finish_on_loop(self, submitted: Submitted) -> None:
        """Wait for the inference on the running event loop, then finish there (so `emit`
        may touch loop-only objects such as an asyncio queue)."""
        with contextlib.suppress(Exception):  # `finish` reads the same exception from the future
            await asyncio.wrap_future(submitted.future)
        self.finish(submitted)

    def finish(self, submitted: Submitted) -> None:
        """Turn a finished window into messages: a refused window is counted as skipped, a
        failed batch becomes an `error` message, a warm-up window becomes nothing."""
        self._busy = False
        window = submitted.window
        try:
            outputs = submitted.future.result()
        except QueueFull:  # the window stage's queue was full
            self._skip(window)
            return
        except Exception as exc:  # a failed batch: report, keep streaming
            self.emit({"type": "error", "error": "inference_failed", "detail": str(exc)})
            return
        if not window.warmup:
            self._classified(submitted, outputs)

    def _classified(self, submitted: Submitted, outputs: dict[str, Any]) -> None:
        latency = time.perf_counter() - submitted.received
        self.latencies.append(latency)
        self.counts["windows"] += 1
        self.metrics.windows.labels(self.source).inc()
        card = self.runtime.model.card  # type: ignore[union-attr]
        session = submitted.session
        result = window_result(card, session.detector, submitted.window, outputs, latency, session.label_filter)
        self.emit(result.prediction)
        if result.event is not None and result.gesture is not None:
            self.counts["events"] += 1
            self.metrics.events.labels(result.event.label).inc()
            self.emit(result.gesture)

    def flush(self, session: StreamSession | IncrementalStream) -> None:
        """The client stopped the stream: an event its detector still holds (a gesture
        segment not yet closed) is sent now."""
        event = session.detector.flush()
        if event is not None:
            self.counts["events"] += 1
            self.metrics.events.labels(event.label).inc()
            self.emit({"type": "gesture", **event.to_json(), "latency_ms": 0.0})

    def _skip(self, window: Window) -> None:
        """Count a skipped window; a warm-up update's frames simply wait for the next one."""
        if not window.warmup:
            self.counts["skipped"] += 1
            self.metrics.windows_skipped.inc()
