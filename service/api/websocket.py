"""WebSocket close codes and the one way a route refuses a client (docs/protocol.md)."""

from __future__ import annotations

import json

from fastapi import WebSocket

from service.errors import ClientError

NORMAL_CLOSURE = 1000
GOING_AWAY = 1001  # the server shuts down: the stream's final stats were sent first
POLICY_VIOLATION = 1008  # the client broke a rule: bad key, unknown feed, protocol violation
TRY_AGAIN_LATER = 1013  # the server cannot take the stream now: still loading, or full


def error_message(error: ClientError) -> dict[str, str]:
    """An error as a WebSocket message: the HTTP body with `"type": "error"` in front."""
    return {"type": "error", **error.to_json()}


async def reject(ws: WebSocket, error: ClientError, code: int) -> None:
    """Tell an accepted client why it is refused, then close with `code`."""
    await ws.send_text(json.dumps(error_message(error)))
    await ws.close(code=code)
