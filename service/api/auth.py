"""The optional API key: one rule for every protected route and WebSocket."""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection

from service.errors import ForbiddenOrigin, Unauthorized
from service.settings import Settings


def supplied_api_key(conn: HTTPConnection) -> str | None:
    """The key a request or WebSocket carries: the X-API-Key header, else the api_key query
    parameter (browsers cannot set headers on a WebSocket)."""
    return conn.headers.get("x-api-key") or conn.query_params.get("api_key")


def check_api_key(settings: Settings, supplied: str | None) -> None:
    """Constant-time comparison; no key configured means open access.

    Raises:
        Unauthorized: a key is configured and `supplied` is missing or wrong.
    """
    if settings.api_key is None:
        return
    if supplied is None or not hmac.compare_digest(supplied.encode(), settings.api_key.encode()):
        raise Unauthorized("missing or wrong API key (X-API-Key header or api_key query parameter)")


def check_websocket_origin(settings: Settings, conn: HTTPConnection) -> None:
    """A browser's WebSocket must come from the server's own page or an origin of
    `GESTURE_CORS_ORIGINS` (CORS does not cover WebSockets); clients that send no Origin
    (programs, not pages) pass.

    Raises:
        ForbiddenOrigin: a page of another origin.
    """
    origin = conn.headers.get("origin")
    if origin is None:
        return
    host = conn.headers.get("host", "")
    own = {f"http://{host}", f"https://{host}"}
    allowed = {o.strip().rstrip("/") for o in settings.cors_origins.split(",") if o.strip()}
    if origin.rstrip("/") not in own | allowed:
        raise ForbiddenOrigin(f"WebSocket from origin {origin!r} is not allowed (GESTURE_CORS_ORIGINS)")
