"""Talking to a gesture server: the Python REST and WebSocket clients, and `gesture stream`."""

from service.client.clients import (
    ClassifyResult,
    GestureAPIError,
    GestureClient,
    GestureEvent,
    LabelScore,
    Prediction,
    StreamClient,
    StreamError,
    StreamStats,
    parse_message,
)

__all__ = [
    "ClassifyResult",
    "GestureAPIError",
    "GestureClient",
    "GestureEvent",
    "LabelScore",
    "Prediction",
    "StreamClient",
    "StreamError",
    "StreamStats",
    "parse_message",
]
