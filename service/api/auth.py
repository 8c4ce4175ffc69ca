"""The optional API key, checked the same way on every protected route and WebSocket."""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection

from service.errors import Unauthorized
from service.settings import Settings


def check_api_key(settings: Settings, supplied: str | None) -> None:
    """Constant-time comparison; no key configured means open access.

    Raises:
        Unauthorized: a key is configured and `supplied` is missing or wrong.
    """
    if settings.api_key is None:
        return
    if supplied is None or not hmac.compare_digest(supplied.encode(), settings.api_key.encode()):
        raise Unauthorized("missing or wrong API key (X-API-Key header or api_key query parameter)")


def authorize(conn: HTTPConnection) -> None:
    """Check the key of a request or WebSocket (X-API-Key header or api_key query).

    Raises:
        Unauthorized: as `check_api_key`.
    """
    check_api_key(conn.app.state.settings, conn.headers.get("x-api-key") or conn.query_params.get("api_key"))
