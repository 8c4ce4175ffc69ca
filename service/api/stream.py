"""`/v1/stream`: live RGB-D streams over WebSocket (protocol: docs/protocol.md).

The route only moves messages: frames go into the connection's `StreamSession`, windows go
to the shared scheduler, and results come back as JSON. At most one window per stream is
in flight; a window that comes due while the previous one is still being classified is
skipped and counted, so a slow model never makes the stream fall behind. Outgoing messages
wait in a bounded queue; a slow reader loses the oldest predictions, never the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

import numpy as np
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from service.api.auth import authorize
from service.errors import ClientError, NotReady, Overloaded, TooManyStreams
from service.sources.frame_codec import FrameError, unpack_frame
from service.streaming.incremental import IncrementalStream
from service.streaming.results import window_result
from service.streaming.session import StreamSession, Window

router = APIRouter()
log = logging.getLogger("gesture.stream")

OUTBOX_SIZE = 256
STATS_EVERY_S = 2.0
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


class ProtocolViolation(Exception):
    """The client broke the protocol itself: the connection is closed (code 1008)."""


def parse_start(message: dict[str, Any], modalities: list[str], model_frames: int) -> dict[str, Any]:
    """Validate the opening JSON message; returns the normalised stream settings."""
    if message.get("type") != "start":
        raise ProtocolViolation('the first message must be JSON {"type": "start", ...}')
    try:
        width, height = int(message["width"]), int(message["height"])
    except (KeyError, TypeError, ValueError):
        raise ProtocolViolation("start needs integer width and height") from None
    if not (8 <= width <= 4096 and 8 <= height <= 4096):
        raise ProtocolViolation(f"frame size {width}x{height} outside 8..4096")
    sent = list(message.get("modalities") or modalities)
    missing = [m for m in modalities if m not in sent]
    if missing:
        raise ProtocolViolation(f"the model needs {' and '.join(modalities)}; the stream lacks {missing}")
    rgb_enc = message.get("rgb_encoding", "jpeg")
    depth_enc = message.get("depth_encoding", "png16")
    if rgb_enc not in ("jpeg", "png", "raw") or depth_enc not in ("png16", "raw"):
        raise ProtocolViolation("rgb_encoding must be jpeg, png or raw; depth_encoding png16 or raw")
    hop = int(message.get("hop", 4))
    window = message.get("window")
    if not 1 <= hop <= 256:
        raise ProtocolViolation("hop must be in 1..256")
    if window is not None and not model_frames <= int(window) <= 1024:
        raise ProtocolViolation(f"window must be in {model_frames}..1024 frames")
    return {
        "width": width,
        "height": height,
        "rgb_encoding": rgb_enc,
        "depth_encoding": depth_enc,
        "hop": hop,
        "window": None if window is None else int(window),
        "fps": message.get("fps"),
    }


class Connection:
    """One stream's state and its outgoing queue."""

    def __init__(self, ws: WebSocket, runtime: Any, metrics: Any) -> None:
        self.ws = ws
        self.runtime = runtime
        self.metrics = metrics
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=OUTBOX_SIZE)
        self.in_flight: asyncio.Task | None = None
        self.counts = {"frames": 0, "rejected": 0, "windows": 0, "skipped": 0, "dropped_messages": 0, "events": 0}
        self.latencies: list[float] = []
        self.last_index = -1

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

    async def sender(self) -> None:
        while True:
            message = await self.outbox.get()
            if message is None:
                return
            await self.ws.send_text(json.dumps(message))

    def stats(self, reason: str) -> dict[str, Any]:
        """Counters; `reason` is periodic, requested or final (the last message)."""
        lat = self.latencies[-200:]
        return {
            "type": "stats",
            "reason": reason,
            **self.counts,
            "latency_ms_p50": round(float(np.percentile(lat, 50)) * 1000, 2) if lat else None,
            "queue_depth": self.runtime.queue_depth,
        }

    async def classify(self, session: StreamSession | IncrementalStream, window: Window, received: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            future = self.runtime.submit_window(session, window)
        except Overloaded:
            if not window.warmup:
                self.counts["skipped"] += 1
                self.metrics.windows_skipped.inc()
            return
        try:
            out = await asyncio.wrap_future(future, loop=loop)
        except Overloaded:  # the window stage's queue was full
            if not window.warmup:
                self.counts["skipped"] += 1
                self.metrics.windows_skipped.inc()
            return
        except Exception as exc:  # a failed batch: report, keep streaming
            self.send({"type": "error", "error": "inference_failed", "detail": str(exc)})
            return
        if window.warmup:
            return
        latency = time.perf_counter() - received
        self.latencies.append(latency)
        self.counts["windows"] += 1
        self.metrics.windows.labels("stream").inc()
        result = window_result(self.runtime.model.card, session.detector, window, out, latency)
        self.send(result.prediction)
        if result.event is not None and result.gesture is not None:
            self.counts["events"] += 1
            self.metrics.events.labels(result.event.label).inc()
            self.send(result.gesture)


@router.websocket("/v1/stream")
async def stream(ws: WebSocket) -> None:
    app = ws.app
    settings, runtime, metrics = app.state.settings, app.state.runtime, app.state.metrics
    await ws.accept()
    try:
        authorize(ws)
    except ClientError as exc:
        await ws.send_text(json.dumps({"type": "error", **exc.to_json()}))
        await ws.close(code=POLICY_VIOLATION)
        return
    if not runtime.ready:
        await ws.send_text(json.dumps({"type": "error", **NotReady("the model is still loading").to_json()}))
        await ws.close(code=TRY_AGAIN_LATER)
        return
    if app.state.streams >= settings.max_streams:
        error = TooManyStreams(f"the server takes at most {settings.max_streams} streams")
        await ws.send_text(json.dumps({"type": "error", **error.to_json()}))
        await ws.close(code=TRY_AGAIN_LATER)
        return
    app.state.streams += 1
    metrics.active_streams.inc()
    conn = Connection(ws, runtime, metrics)
    sender = asyncio.create_task(conn.sender())
    close_code = 1000
    try:
        await _serve(ws, conn, runtime, metrics)
    except ProtocolViolation as exc:
        conn.send({"type": "error", "error": "protocol_violation", "detail": str(exc)})
        close_code = POLICY_VIOLATION
    except WebSocketDisconnect:
        close_code = -1
    finally:
        app.state.streams -= 1
        metrics.active_streams.dec()
        if conn.in_flight is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.in_flight, timeout=30)
        if close_code != -1:
            conn.send(conn.stats("final"))
        await conn.outbox.put(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sender, timeout=10)
        if close_code != -1:
            with contextlib.suppress(Exception):
                await ws.close(code=close_code)


async def _serve(ws: WebSocket, conn: Connection, runtime: Any, metrics: Any) -> None:
    card = runtime.model.card
    first = await ws.receive()
    if first["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(first.get("code", 1000))
    if first.get("text") is None:
        raise ProtocolViolation("the first message must be the JSON start message, not binary")
    try:
        start = parse_start(json.loads(first["text"]), card.modalities, card.frames)
    except json.JSONDecodeError:
        raise ProtocolViolation("the start message is not valid JSON") from None
    session = runtime.new_stream(start["hop"], start["window"])
    conn.send(
        {
            "type": "ready",
            "labels": card.labels,
            "modalities": card.modalities,
            "window": session.window,
            "frames": card.frames,
            "hop": session.hop,
            "incremental": isinstance(session, IncrementalStream),
        }
    )
    want_rgb, want_depth = "rgb" in card.modalities, "depth" in card.modalities
    last_stats = time.perf_counter()
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text, data = message.get("text"), message.get("bytes")
        if text is not None:
            try:
                control = json.loads(text)
            except json.JSONDecodeError:
                raise ProtocolViolation("text messages must be JSON") from None
            if control.get("type") == "stop":
                return
            if control.get("type") == "stats":
                conn.send(conn.stats("requested"))
                continue
            raise ProtocolViolation(f"unknown control message {control.get('type')!r}")
        received = time.perf_counter()
        conn.counts["frames"] += 1
        metrics.frames.inc()
        try:
            frame = await run_in_threadpool(
                unpack_frame,
                data or b"",
                start["width"],
                start["height"],
                start["rgb_encoding"],
                start["depth_encoding"],
                want_rgb,
                want_depth,
            )
            if frame.index <= conn.last_index:
                raise FrameError("out_of_order", f"frame {frame.index} arrived after frame {conn.last_index}")
        except FrameError as exc:
            conn.counts["rejected"] += 1
            metrics.bad_frames.labels(exc.code).inc()
            conn.send({"type": "error", "error": exc.code, "detail": str(exc)})
            continue
        conn.last_index = frame.index
        window = await run_in_threadpool(session.push, frame.index, frame.rgb, frame.depth)
        if window is not None:
            if conn.in_flight is not None and not conn.in_flight.done():
                if not window.warmup:  # a warm-up's frames simply wait for the next update
                    conn.counts["skipped"] += 1
                    metrics.windows_skipped.inc()
            else:
                conn.in_flight = asyncio.create_task(conn.classify(session, window, received))
        if received - last_stats >= STATS_EVERY_S:
            last_stats = received
            conn.send(conn.stats("periodic"))
