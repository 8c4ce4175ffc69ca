"""Python clients of the gesture service, with typed results.

- `GestureClient`: synchronous REST (httpx): health, model metadata, clip classification.
- `StreamClient`: asyncio WebSocket streaming (websockets): send frames, receive
  predictions, gesture events and stats.

Example::

    from service.client.clients import GestureClient, StreamClient

    with GestureClient("http://127.0.0.1:8000") as client:
        print(client.classify_file("clip.npz").label)

    async def live(frames):  # frames: (rgb uint8 [H,W,3], depth uint16 [H,W] mm) pairs
        async with StreamClient("ws://127.0.0.1:8000", width=640, height=480) as stream:
            for rgb, depth in frames:
                await stream.send_frame(rgb, depth)
            for message in await stream.stop():
                print(message)
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from websockets.asyncio.client import ClientConnection, connect

from service.sources.frame_codec import encode_depth_payload, encode_rgb_payload, pack_frame
from service.sources.uploads import upload_field
from service.streaming.events import GestureEvent


class GestureAPIError(RuntimeError):
    """The server answered an error: HTTP `status`, its `code` and `detail`."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail = status, code, detail


@dataclass(frozen=True)
class LabelScore:
    label: str
    label_id: int
    probability: float


@dataclass(frozen=True)
class ReportedGesture(GestureEvent):
    """One detected gesture as the server reports it (frames are stream or clip frame
    indices), with the server's latency for live streams.

    A subclass of the service's `GestureEvent` (same fields, same `to_json`), under its own
    name so that client code never confuses the two; `service.client.GestureEvent` remains
    an alias of it.
    """

    latency_ms: float | None = None


@dataclass(frozen=True)
class Prediction:
    """One classified window."""

    start_frame: int
    end_frame: int
    top: list[LabelScore]
    latency_ms: float | None = None

    @property
    def label(self) -> str:
        return self.top[0].label


@dataclass(frozen=True)
class StreamStats:
    reason: str
    frames: int
    rejected: int
    shed: int | None  # frames the server dropped unread because it could not keep up (None: an older server)
    windows: int
    skipped: int
    dropped_messages: int
    events: int
    latency_ms_p50: float | None
    queue_depth: int


@dataclass(frozen=True)
class StreamError:
    """A frame the server skipped (the stream goes on)."""

    error: str
    detail: str


@dataclass(frozen=True)
class ClassifyResult:
    """`POST /v1/classify`: the clip's label and top-k, plus timeline and events."""

    label: str
    top: list[LabelScore]
    frames: int
    fps: float | None
    model: str
    timeline: list[Prediction] = field(default_factory=list)
    events: list[ReportedGesture] = field(default_factory=list)


StreamMessage = Prediction | ReportedGesture | StreamStats | StreamError


def _scores(rows: list[dict[str, Any]]) -> list[LabelScore]:
    return [LabelScore(r["label"], int(r["label_id"]), float(r["probability"])) for r in rows]


def _event(m: dict[str, Any]) -> ReportedGesture:
    return ReportedGesture(
        m["label"],
        int(m["label_id"]),
        int(m["start_frame"]),
        int(m["end_frame"]),
        float(m["confidence"]),
        int(m["fired_at_frame"]),
        m.get("latency_ms"),
    )


def parse_message(m: dict[str, Any]) -> StreamMessage:
    """A server JSON message as its typed form.

    Raises:
        ValueError: a message type this client does not know.
    """
    kind = m.get("type")
    if kind == "prediction":
        return Prediction(int(m["start_frame"]), int(m["end_frame"]), _scores(m["top"]), m.get("latency_ms"))
    if kind == "gesture":
        return _event(m)
    if kind == "stats":
        return StreamStats(**{k: m.get(k) for k in StreamStats.__dataclass_fields__})  # type: ignore[arg-type]
    if kind == "error":
        return StreamError(str(m.get("error")), str(m.get("detail", "")))
    raise ValueError(f"unknown message type {kind!r}")


def _raise_for(res: httpx.Response) -> None:
    if res.status_code < 400:
        return
    try:
        body = res.json()
        code, detail = str(body.get("error", "error")), str(body.get("detail", res.text))
    except ValueError:
        code, detail = "error", res.text
    raise GestureAPIError(res.status_code, code, detail)


class GestureClient:
    """Synchronous REST client.

    Args:
        url: the server, e.g. `http://127.0.0.1:8000`.
        api_key: sent as `X-API-Key` when the server requires one.
        timeout: seconds per request.
    """

    def __init__(self, url: str = "http://127.0.0.1:8000", api_key: str | None = None, timeout: float = 120) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self._http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def __enter__(self) -> GestureClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def ready(self) -> bool:
        """True once the server has loaded and warmed its model."""
        try:
            return self._http.get("/readyz").status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 60) -> None:
        """Block until ready, or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server was not ready within {timeout:g} s")
            time.sleep(0.2)

    def model(self) -> dict[str, Any]:
        """The served model's metadata (labels, window, providers...)."""
        res = self._http.get("/v1/models")
        _raise_for(res)
        return res.json()["models"][0]

    def _classify(self, files: dict[str, tuple[str, bytes]], top_k: int | None) -> ClassifyResult:
        params = {"top_k": top_k} if top_k else {}
        res = self._http.post("/v1/classify", files=files, params=params)
        _raise_for(res)
        body = res.json()
        return ClassifyResult(
            label=body["label"],
            top=_scores(body["top"]),
            frames=int(body["frames"]),
            fps=body.get("fps"),
            model=body.get("model", ""),
            timeline=[
                Prediction(int(w["start_frame"]), int(w["end_frame"]), _scores(w["top"])) for w in body["timeline"]
            ],
            events=[_event(e) for e in body["events"]],
        )

    def classify_file(
        self, path: str | Path, depth_video: str | Path | None = None, top_k: int | None = None
    ) -> ClassifyResult:
        """Classify a `.npz` clip, a RealSense recording (`.bag`/`.db3`), or an RGB video
        (with `depth_video`, an 8-bit depth video, for RGB-D models)."""
        path = Path(path)
        name = upload_field(path.name)
        files = {name: (path.name, path.read_bytes())}
        if depth_video is not None:
            depth_video = Path(depth_video)
            files["depth"] = (depth_video.name, depth_video.read_bytes())
        return self._classify(files, top_k)

    def classify_arrays(
        self, rgb: np.ndarray | None, depth_mm: np.ndarray | None, fps: float = 30.0, top_k: int | None = None
    ) -> ClassifyResult:
        """Classify frames in memory: rgb uint8 [T, H, W, 3], depth uint16 [T, H, W] mm."""
        arrays: dict[str, np.ndarray] = {"fps": np.array(fps)}
        if rgb is not None:
            arrays["rgb"] = rgb
        if depth_mm is not None:
            arrays["depth"] = depth_mm
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return self._classify({"clip": ("clip.npz", buf.getvalue())}, top_k)


class StreamClient:
    """One WebSocket stream (`/v1/stream`), used as an async context manager.

    Args:
        url: the server (`ws://` or `http://` base URL).
        width, height: frame size the client will send.
        fps: the camera's frame rate.
        hop: frames between classified windows.
        window: raw frames per window (None: the model's default).
        api_key: sent as `X-API-Key`.
        rgb_encoding: `jpeg`, `png` or `raw`; depth_encoding: `png16` or `raw`.
        modalities: what the frames carry (None: what the model needs).
        decoder: `live` or `segments` (None: the server's default, `live`; docs/protocol.md).
    """

    def __init__(
        self,
        url: str,
        width: int,
        height: int,
        fps: float = 30,
        hop: int = 4,
        window: int | None = None,
        api_key: str | None = None,
        rgb_encoding: str = "jpeg",
        depth_encoding: str = "png16",
        modalities: list[str] | None = None,
        decoder: str | None = None,
    ) -> None:
        base = url.rstrip("/").replace("https://", "wss://").replace("http://", "ws://")
        self.url = base if base.endswith("/v1/stream") else base + "/v1/stream"
        self.start = {
            "type": "start",
            "width": width,
            "height": height,
            "fps": fps,
            "hop": hop,
            "rgb_encoding": rgb_encoding,
            "depth_encoding": depth_encoding,
        }
        if window is not None:
            self.start["window"] = window
        if modalities is not None:
            self.start["modalities"] = modalities
        if decoder is not None:
            self.start["decoder"] = decoder
        self.api_key = api_key
        self.ready: dict[str, Any] = {}
        self.index = 0
        self._ws: ClientConnection | None = None
        self._t0 = time.monotonic()

    async def __aenter__(self) -> StreamClient:
        headers = {"X-API-Key": self.api_key} if self.api_key else None
        # no per-message deflate: frames are JPEG/PNG already, compressing them again only costs CPU
        self._ws = await connect(self.url, additional_headers=headers, max_queue=None, compression=None)
        await self._ws.send(json.dumps(self.start))
        message = json.loads(await self._ws.recv())
        if message.get("type") != "ready":
            await self._ws.close()
            raise GestureAPIError(400, str(message.get("error", "refused")), str(message.get("detail", message)))
        self.ready = message
        self.modalities = list(self.start.get("modalities") or message["modalities"])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()

    @property
    def labels(self) -> list[str]:
        return list(self.ready.get("labels", []))

    async def send_frame(
        self, rgb: np.ndarray | None, depth_mm: np.ndarray | None, timestamp: float | None = None
    ) -> int:
        """Send one frame (rgb uint8 [H, W, 3], depth uint16 [H, W] mm); returns its index."""
        assert self._ws is not None, "use `async with StreamClient(...)`"
        rgb_bytes = (
            encode_rgb_payload(rgb, self.start["rgb_encoding"]) if rgb is not None and "rgb" in self.modalities else b""
        )
        depth_bytes = (
            encode_depth_payload(depth_mm, self.start["depth_encoding"])
            if depth_mm is not None and "depth" in self.modalities
            else b""
        )
        ts = timestamp if timestamp is not None else time.monotonic() - self._t0
        index = self.index
        await self._ws.send(pack_frame(index, ts, rgb_bytes, depth_bytes))
        self.index += 1
        return index

    async def request_stats(self) -> None:
        """Ask for a `stats` message (it arrives among the others)."""
        assert self._ws is not None
        await self._ws.send(json.dumps({"type": "stats"}))

    async def receive(self, timeout: float | None = None) -> StreamMessage:
        """The next message (raises TimeoutError after `timeout` seconds)."""
        assert self._ws is not None
        raw = await asyncio.wait_for(self._ws.recv(), timeout)
        return parse_message(json.loads(raw))

    async def messages(self) -> AsyncIterator[StreamMessage]:
        """Messages as they arrive, until the server closes the stream."""
        assert self._ws is not None
        async for raw in self._ws:
            yield parse_message(json.loads(raw))

    async def stop(self, timeout: float = 120) -> list[StreamMessage]:
        """Close the stream cleanly; returns the messages still to come, ending with the
        final stats."""
        assert self._ws is not None
        await self._ws.send(json.dumps({"type": "stop"}))
        remaining: list[StreamMessage] = []
        while True:
            message = await self.receive(timeout)
            remaining.append(message)
            if isinstance(message, StreamStats) and message.reason == "final":
                return remaining
