"""One `/v1/stream` connection: its counters, its window pipeline and its outgoing queue.

Outgoing messages wait in a bounded queue drained by one sender task; a slow reader loses
the oldest queued messages (counted as `dropped_messages`), never the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import numpy as np
from fastapi import WebSocket

from service.api.websocket import NORMAL_CLOSURE
from service.inference.prometheus import Metrics
from service.inference.runtime import Runtime
from service.streaming.incremental import IncrementalStream
from service.streaming.session import StreamSession, Window
from service.streaming.window_pipeline import WindowPipeline

OUTBOX_SIZE = 256
IN_FLIGHT_GRACE_S = 30  # a closing stream waits this long for its last window
SENDER_GRACE_S = 10  # and this long for its queued messages to go out


class Connection:
    """One stream's state and its outgoing queue (event-loop side only)."""

    def __init__(self, ws: WebSocket, runtime: Runtime, metrics: Metrics) -> None:
        self.ws = ws
        self.runtime = runtime
        self.metrics = metrics
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=OUTBOX_SIZE)
        self.in_flight: asyncio.Task | None = None
        self.counts = {
            "frames": 0,
            "rejected": 0,
            "shed": 0,
            "windows": 0,
            "skipped": 0,
            "dropped_messages": 0,
            "events": 0,
        }
        self.pipeline = WindowPipeline(runtime, metrics, "stream", self.send, self.counts)
        self.last_index = -1
        self.session: StreamSession | IncrementalStream | None = None  # set once `start` is accepted
        self._sender: asyncio.Task | None = None

    def open(self) -> None:
        """Start sending queued messages to the client."""
        self._sender = asyncio.create_task(self._send_queued())

    def send(self, message: dict[str, Any]) -> None:
        """Queue a message; when the client reads too slowly the oldest queued one goes."""
        while True:
            try:
                self.outbox.put_nowait(message)
                return
            except asyncio.QueueFull:
                with contextlib.suppress(asyncio.QueueEmpty):
                    self.outbox.get_nowait()
                    self.counts["dropped_messages"] += 1

    async def _send_queued(self) -> None:
        while True:
            message = await self.outbox.get()
            if message is None:
                return
            await self.ws.send_text(json.dumps(message))

    def stats(self, reason: str) -> dict[str, Any]:
        """Counters; `reason` is periodic, requested or final (the last message)."""
        lat = list(self.pipeline.latencies)
        return {
            "type": "stats",
            "reason": reason,
            **self.counts,
            "latency_ms_p50": round(float(np.percentile(lat, 50)) * 1000, 2) if lat else None,
            "queue_depth": self.runtime.queue_depth,
        }

    def offer(self, session: StreamSession | IncrementalStream, window: Window, received: float) -> None:
        """Classify a due window, or hold it while one is in flight (the task finishing that
        one runs it next); its messages are queued here, on the event loop, when it finishes."""
        submitted = self.pipeline.submit(session, window, received)
        if submitted is not None:
            self.in_flight = asyncio.create_task(self.pipeline.finish_on_loop(submitted))

    async def close(self, code: int | None) -> None:
        """Finish the window in flight and the one held after it, send the event a stopped
        stream's detector still holds, the final stats and every queued message, then close
        with `code`; None: the client already went away, so nothing more is sent."""
        if self.in_flight is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.in_flight, timeout=IN_FLIGHT_GRACE_S)
        if code == NORMAL_CLOSURE and self.session is not None:  # the client stopped: pending events fire
            self.pipeline.flush(self.session)
        if code is not None:
            self.send(self.stats("final"))
        await self.outbox.put(None)
        if self._sender is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._sender, timeout=SENDER_GRACE_S)
        if code is not None:
            with contextlib.suppress(Exception):
                await self.ws.close(code=code)
