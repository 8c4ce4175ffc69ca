"""The `/v1/stream` protocol's client messages (docs/protocol.md): the opening `start`
message and the `stop` / `stats` control messages, validated into plain values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from service.inference.model_card import ModelCard
from service.streaming.incremental import IncrementalStream
from service.streaming.session import StreamSession


class ProtocolViolation(Exception):
    """The client broke the protocol itself: the connection is closed (code 1008)."""


@dataclass(frozen=True)
class StreamStart:
    """A stream's settings from its `start` message; `window` None means the model's own
    stream window."""

    width: int
    height: int
    rgb_encoding: str
    depth_encoding: str
    hop: int
    window: int | None
    fps: Any


def parse_start(message: dict[str, Any], modalities: list[str], model_frames: int) -> StreamStart:
    """Validate the opening JSON message; returns the normalised stream settings.

    Raises:
        ProtocolViolation: not a `start` message, or a setting out of range.
    """
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
    return StreamStart(
        width, height, rgb_enc, depth_enc, hop, None if window is None else int(window), message.get("fps")
    )


def parse_start_text(text: str | None, card: ModelCard) -> StreamStart:
    """The first message as received: it must be text holding the JSON `start` message.

    Raises:
        ProtocolViolation: binary, not JSON, or an invalid `start`.
    """
    if text is None:
        raise ProtocolViolation("the first message must be the JSON start message, not binary")
    try:
        message = json.loads(text)
    except json.JSONDecodeError:
        raise ProtocolViolation("the start message is not valid JSON") from None
    return parse_start(message, card.modalities, card.frames)


def parse_control(text: str) -> str:
    """A text message after `start`: returns its type, "stop" or "stats".

    Raises:
        ProtocolViolation: not JSON, or an unknown control message.
    """
    try:
        control = json.loads(text)
    except json.JSONDecodeError:
        raise ProtocolViolation("text messages must be JSON") from None
    kind = control.get("type")
    if kind in ("stop", "stats"):
        return kind
    raise ProtocolViolation(f"unknown control message {kind!r}")


def ready_message(card: ModelCard, session: StreamSession | IncrementalStream) -> dict[str, Any]:
    """The `ready` answer to `start`: the model's labels and the stream's window and hop."""
    return {
        "type": "ready",
        "labels": card.labels,
        "modalities": card.modalities,
        "window": session.window,
        "frames": card.frames,
        "hop": session.hop,
        "incremental": isinstance(session, IncrementalStream),
    }
