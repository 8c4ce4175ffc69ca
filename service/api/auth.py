"""The optional API key: one rule for every protected route and WebSocket."""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection

from service.errors import Unauthorized
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
