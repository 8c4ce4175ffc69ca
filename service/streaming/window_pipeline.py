"""One stream's due windows, from "due" to the messages they become (plain Python).

Shared by WebSocket streams and the server's own live feeds, so both count, skip and word
their results the same way. At most one window per stream is in flight, and at most one
waits: a window that comes due while another is being classified is held, and runs as soon
as that one finishes; a newer due window takes its place (the older is skipped and counted).
So a slow model never makes a stream fall behind, and the last window of a burst is always
classified. A window that a full inference queue refuses is skipped and counted too. A
warm-up window (an incremental stream's frame-stage update before its first full window)
is never counted as skipped nor sent as a prediction: its frames wait for the next update.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
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
from service.streaming.window_inference import NoNewFrames, submit_window

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


@dataclass(frozen=True)
class _Held:
    """A due window waiting for the one in flight."""

    session: StreamSession | IncrementalStream
    window: Window
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
            `submit` and `finish` may run on different threads.
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
        self._held: _Held | None = None
        self._lock = threading.RLock()  # `submit` and `finish` may run on different threads

    @property
    def busy(self) -> bool:
        """Whether a window is in flight (the next due one would be held)."""
        return self._busy

    @property
    def holding(self) -> bool:
        """Whether a due window waits for the one in flight."""
        return self._held is not None

    def submit(
        self, session: StreamSession | IncrementalStream, window: Window, received: float | None = None
    ) -> Submitted | None:
        """Send a due window to the model; when one is in flight, hold it instead (a window
        already held is skipped and counted); when the inference queue is full, skip it.

        Args:
            received: when the window's last frame arrived (default: now).

        Returns:
            The submitted window, for `finish_when_done` or `finish_on_loop`; None if held
            or skipped (a held window is submitted by the `finish` of the one in flight).
        """
        held = _Held(session, window, time.perf_counter() if received is None else received)
        with self._lock:
            if self._busy:
                if self._held is not None:
                    self._skip(self._held.window)
                self._held = held
                return None
            return self._start(held)

    def drop_held(self) -> None:
        """Skip (and count) the window held for later, if any: its stream ended."""
        with self._lock:
            if self._held is not None:
                self._skip(self._held.window)
                self._held = None

    def _start(self, held: _Held) -> Submitted | None:
        """Submit `held` (the lock is held); None, counted as skipped, if it was refused."""
        try:
            future = submit_window(self.runtime, held.session, held.window)
        except (QueueFull, NoNewFrames):
            self._skip(held.window)
            self._busy = False
            return None
        except Exception as exc:  # never leave the stream waiting on a window that never ran
            self._busy = False
            self.emit({"type": "error", "error": "inference_failed", "detail": str(exc)})
            return None
        self._busy = True
        return Submitted(held.session, held.window, future, held.received)

    def finish_when_done(self, submitted: Submitted) -> None:
        """Finish on the thread that completes the inference (`emit` must be thread-safe),
        and so on for each held window that follows."""

        def done(_: Future) -> None:
            following = self.finish(submitted)
            if following is not None:
                self.finish_when_done(following)

        submitted.future.add_done_callback(done)

    async def finish_on_loop(self, submitted: Submitted | None) -> None:
        """Wait for the inference on the running event loop, then finish there (so `emit`
        may touch loop-only objects such as an asyncio queue); then the same for each held
        window that follows, so awaiting this waits for the stream's last due window."""
        while submitted is not None:
            with contextlib.suppress(Exception):  # `finish` reads the same exception from the future
                await asyncio.wrap_future(submitted.future)
            submitted = self.finish(submitted)

    def finish(self, submitted: Submitted) -> Submitted | None:
        """Turn a finished window into messages: a refused window is counted as skipped, a
        failed batch becomes an `error` message, a warm-up window becomes nothing. Then
        submit the held window, if any.

        Returns:
            The held window, now submitted, to finish in turn; None if there is none.
        """
        window = submitted.window
        try:
            outputs = submitted.future.result()
        except QueueFull:  # the window stage's queue was full
            self._skip(window)
        except Exception as exc:  # a failed batch: report, keep streaming
            self.emit({"type": "error", "error": "inference_failed", "detail": str(exc)})
        else:
            if not window.warmup:
                self._classified(submitted, outputs)
        with self._lock:
            held, self._held = self._held, None
            if held is None:
                self._busy = False
                return None
            return self._start(held)

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
        if window.warmup:
            return
        with self._lock:
            self.counts["skipped"] += 1
            self.metrics.windows_skipped.inc()
