"""`/v1/stream`: live RGB-D streams over WebSocket (protocol: docs/protocol.md).

The route only moves messages: frames go into the connection's stream session, due windows
go to its window pipeline (service/streaming/window_pipeline.py), and what they become
comes back as JSON through the connection's bounded outgoing queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from service.api.deps import ApiKeyProblem, ReadinessProblem, StateDep
from service.api.frame_backlog import STATS_REQUEST, FrameBacklog
from service.api.memory import give_back
from service.api.state import ServiceState
from service.api.stream_connection import Connection
from service.api.stream_protocol import ProtocolViolation, StreamStart, parse_control, parse_start_text, ready_message
from service.api.websocket import GOING_AWAY, NORMAL_CLOSURE, POLICY_VIOLATION, TRY_AGAIN_LATER, reject
from service.errors import ClientError, NotReady, TooManyStreams
from service.settings import Settings
from service.sources.frame_codec import FrameError, unpack_frame
from service.streaming.incremental import IncrementalStream
from service.streaming.session import StreamSession
from service.streaming.window_inference import new_stream

router = APIRouter()

STATS_EVERY_S = 2.0
BACKLOG_BYTES = 16 * 2**20  # frames received but not decoded yet, per stream; beyond it the oldest are shed
BACKLOG_AGE_S = 2.0  # and those waiting longer than this once a newer frame arrives


@router.websocket("/v1/stream")
async def stream(ws: WebSocket, state: StateDep, key_problem: ApiKeyProblem, not_ready: ReadinessProblem) -> None:
    """One client stream: refused (error message, then close 1008 or 1013) without a valid
    key, before the model is warm or when every stream slot is taken; else served until
    `stop` (close 1000), a protocol violation (1008) or the client leaving."""
    await ws.accept()
    refusal = _refusal(state, key_problem, not_ready)
    if refusal is not None:
        await reject(ws, *refusal)
        return
    state.streams += 1
    state.metrics.active_streams.inc()
    conn = Connection(ws, state.runtime.acquire(), state.metrics)  # the stream ends on this model
    conn.open()
    close_code: int | None = NORMAL_CLOSURE
    try:
        await _serve(ws, conn, state.settings, state.stopping)
    except ProtocolViolation as exc:
        conn.send({"type": "error", "error": "protocol_violation", "detail": str(exc)})
        close_code = POLICY_VIOLATION
    except ServerStopping:
        close_code = GOING_AWAY
    except WebSocketDisconnect:
        close_code = None  # the client is gone: nothing more to send
    finally:
        state.streams -= 1
        state.metrics.active_streams.dec()
        await conn.close(close_code)
        conn.runtime.release()
        if state.streams == 0:  # the last stream: what the burst allocated goes back to the system
            await run_in_threadpool(give_back)


def _refusal(
    state: ServiceState, key_problem: ClientError | None, not_ready: ClientError | None
) -> tuple[ClientError, int] | None:
    """Why a new stream is refused, with its close code, in the order the checks apply:
    a bad key (1008), the model still loading (1013), every stream slot taken (1013)."""
    if key_problem is not None:
        return key_problem, POLICY_VIOLATION
    if not_ready is not None:
        return not_ready, TRY_AGAIN_LATER
    if state.stopping.is_set():
        return NotReady("the server is shutting down"), TRY_AGAIN_LATER
    if state.streams >= state.settings.max_streams:
        return TooManyStreams(f"the server takes at most {state.settings.max_streams} streams"), TRY_AGAIN_LATER
    return None


async def _receive(ws: WebSocket, timeout: float, waiting_for: str) -> dict:
    """The next client message, within `timeout` seconds.

    Raises:
        WebSocketDisconnect: the client went away.
        ProtocolViolation: nothing came in time (`waiting_for` says what was expected).
    """
    try:
        message = await asyncio.wait_for(ws.receive(), timeout)
    except TimeoutError:
        raise ProtocolViolation(f"no {waiting_for} within {timeout:g} s") from None
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    return message


class ServerStopping(Exception):
    """The server is shutting down: the stream ends with its final stats (close 1001)."""


async def _serve(ws: WebSocket, conn: Connection, settings: Settings, stop: asyncio.Event) -> None:
    """The stream after `start`: frames and control messages until `stop` (returns), the
    server shutting down, a disconnect or a protocol violation (raise).

    Messages are read as fast as they come, so the WebSocket's own traffic (ping and pong)
    is never stuck behind frames; frames wait in a backlog for decoding, and when the server
    falls behind the oldest waiting frames are shed (counted as `shed`), so an overloaded
    server keeps every connection and says what it dropped."""
    card = conn.runtime.model.card  # type: ignore[union-attr]
    start = parse_start_text((await _receive(ws, settings.start_timeout_s, "start message")).get("text"), card)
    session = new_stream(conn.runtime, start.hop, start.window, label_filter=start.label_filter)
    conn.session = session
    conn.send(ready_message(card, session))
    backlog = FrameBacklog(BACKLOG_BYTES, BACKLOG_AGE_S)
    worker = asyncio.create_task(_decode_backlog(conn, session, start, backlog))
    stopping = asyncio.create_task(stop.wait())
    try:
        while True:
            receiving = asyncio.create_task(_receive(ws, settings.idle_timeout_s, "frame or control message"))
            await asyncio.wait({receiving, worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if worker.done():  # it only ends early by failing
                receiving.cancel()
                worker.result()
            if stopping.done() and not receiving.done():  # the server shuts down: finish what came
                receiving.cancel()
                backlog.close()
                await worker
                raise ServerStopping
            message = receiving.result()
            text = message.get("text")
            if text is not None:
                if parse_control(text) == "stop":
                    backlog.close()
                    await worker
                    return
                backlog.put(STATS_REQUEST)
                continue
            conn.counts["frames"] += 1
            conn.metrics.frames.inc()
            shed = backlog.put((message.get("bytes") or b"", time.perf_counter()))
            if shed:
                conn.counts["shed"] += shed
                conn.metrics.bad_frames.labels("shed").inc(shed)
    finally:
        stopping.cancel()
        if not worker.done():
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker


async def _decode_backlog(
    conn: Connection, session: StreamSession | IncrementalStream, start: StreamStart, backlog: FrameBacklog
) -> None:
    """Decode the backlog's frames in order (and answer stats requests in their place)
    until it is closed and empty."""
    last_stats = time.perf_counter()
    while (item := await backlog.get()) is not None:
        if item is STATS_REQUEST:
            conn.send(conn.stats("requested"))
            continue
        data, received = item
        await _frame(conn, session, start, data, received)
        if received - last_stats >= STATS_EVERY_S:
            last_stats = received
            conn.send(conn.stats("periodic"))


async def _frame(
    conn: Connection,
    session: StreamSession | IncrementalStream,
    start: StreamStart,
    data: bytes | None,
    received: float,
) -> None:
    """Decode one binary frame into the session; a bad or out-of-order frame is reported and
    skipped; a window that comes due goes to the connection's pipeline."""
    modalities = conn.runtime.model.card.modalities  # type: ignore[union-attr]
    try:
        frame = await run_in_threadpool(
            unpack_frame,
            data or b"",
            start.width,
            start.height,
            start.rgb_encoding,
            start.depth_encoding,
            "rgb" in modalities,
            "depth" in modalities,
        )
        if frame.index <= conn.last_index:
            raise FrameError("out_of_order", f"frame {frame.index} arrived after frame {conn.last_index}")
    except FrameError as exc:
        conn.counts["rejected"] += 1
        conn.metrics.bad_frames.labels(exc.code).inc()
        conn.send({"type": "error", "error": exc.code, "detail": str(exc)})
        return
    conn.last_index = frame.index
    window = await run_in_threadpool(session.push, frame.index, frame.rgb, frame.depth)
    if window is not None:
        conn.offer(session, window, received)
