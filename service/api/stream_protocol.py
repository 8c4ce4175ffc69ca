"""The `/v1/stream` protocol's client messages (docs/protocol.md): the opening `start`
message and the `stop` / `stats` control messages, validated into plain values."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.inference.model_card import ModelCard
from service.streaming.incremental import IncrementalStream
from service.streaming.label_filter import NO_FILTER, LabelFilter, LabelFilterError
from service.streaming.session import StreamSession


class ProtocolViolation(Exception):
    """The client broke the protocol itself: the connection is closed (code 1008)."""


class StartMessage(BaseModel):
    """The `start` message's fields, strictly typed: no strings for numbers, no booleans for
    integers, no fractions where counts go, no NaN or infinity. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)

    type: Literal["start"]
    width: int = Field(ge=8, le=4096)
    height: int = Field(ge=8, le=4096)
    modalities: list[Literal["rgb", "depth"]] | None = None
    rgb_encoding: Literal["jpeg", "png", "raw"] = "jpeg"
    depth_encoding: Literal["png16", "raw"] = "png16"
    hop: int = Field(4, ge=1, le=256)
    window: int | None = Field(None, le=1024)
    fps: float | None = Field(None, ge=0.1, le=1000, allow_inf_nan=False)
    min_score: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    labels: list[str] | None = Field(None, min_length=1, max_length=1000)
    decoder: Literal["live", "segments"] = "live"


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
    fps: float | None
    label_filter: LabelFilter = NO_FILTER


def _one_line(exc: ValidationError) -> str:
    """Every problem of a validation error, one line: `hop: Input should be a valid integer`."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg']}" for e in exc.errors())


def parse_start(message: Any, modalities: list[str], model_frames: int, labels: Sequence[str] = ()) -> StreamStart:
    """Validate the opening JSON message; returns the normalised stream settings.

    Raises:
        ProtocolViolation: not a `start` message, or a field of the wrong type or out of range.
    """
    if not isinstance(message, dict) or message.get("type") != "start":
        raise ProtocolViolation('the first message must be JSON {"type": "start", ...}')
    try:
        start = StartMessage.model_validate(message)
    except ValidationError as exc:
        raise ProtocolViolation(f"invalid start message: {_one_line(exc)}") from None
    missing = [m for m in modalities if m not in (start.modalities or modalities)]
    if missing:
        raise ProtocolViolation(f"the model needs {' and '.join(modalities)}; the stream lacks {missing}")
    if start.window is not None and start.window < model_frames:
        raise ProtocolViolation(f"window must be in {model_frames}..1024 frames")
    try:
        label_filter = LabelFilter.build(labels, start.min_score, start.labels, start.decoder)
    except LabelFilterError as exc:
        raise ProtocolViolation(f"invalid start message: {exc}") from None
    return StreamStart(
        start.width,
        start.height,
        start.rgb_encoding,
        start.depth_encoding,
        start.hop,
        start.window,
        start.fps,
        label_filter,
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
    except (json.JSONDecodeError, RecursionError):
        raise ProtocolViolation("the start message is not valid JSON") from None
    return parse_start(message, card.modalities, card.frames, card.labels)


def parse_control(text: str) -> str:
    """A text message after `start`: returns its type, "stop" or "stats".

    Raises:
        ProtocolViolation: not JSON, not an object, or an unknown control message.
    """
    try:
        control = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ProtocolViolation("text messages must be JSON") from None
    kind = control.get("type") if isinstance(control, dict) else None
    if kind in ("stop", "stats"):
        return kind
    raise ProtocolViolation(f'unknown control message {text[:80]!r}: send {{"type": "stop"}} or {{"type": "stats"}}')


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
        "min_score": session.label_filter.min_score,
        "allowlist": None
        if session.label_filter.allowlist is None
        else [card.labels[i] for i in sorted(session.label_filter.allowlist)],
        "decoder": session.label_filter.decoder,
    }
