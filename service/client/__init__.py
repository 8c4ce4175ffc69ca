"""Talking to a gesture server: the Python REST and WebSocket clients, and `gesture stream`."""

from service.client.clients import (
    ClassifyResult,
    GestureAPIError,
    GestureClient,
    LabelScore,
    Prediction,
    ReportedGesture,
    StreamClient,
    StreamError,
    StreamStats,
    parse_message,
)

GestureEvent = ReportedGesture  # the name it had before; `service.streaming.events.GestureEvent` is its base

__all__ = [
    "ClassifyResult",
    "GestureAPIError",
    "GestureClient",
    "GestureEvent",
    "LabelScore",
    "Prediction",
    "ReportedGesture",
    "StreamClient",
    "StreamError",
    "StreamStats",
    "parse_message",
]
