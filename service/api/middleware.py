"""HTTP middleware: CORS, request metrics and the upload size limit, added in one place so
their order (the last added runs first) is fixed: the body limit refuses an oversize
upload before anything else runs, then requests are counted, then CORS answers."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.base import BaseHTTPMiddleware

from service.errors import ClientError, PayloadTooLarge
from service.inference.prometheus import Metrics
from service.settings import Settings

CallNext = Callable[[Request], Awaitable[Response]]


def install_middleware(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """CORS (only when origins are configured), request metrics, then the body limit."""
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["X-API-Key", "Content-Type"],
        )
    app.add_middleware(BaseHTTPMiddleware, dispatch=request_counter(metrics))
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)


SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
        b"connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Every HTTP answer carries a content security policy for the page (its own scripts,
    styles and sockets only; never framed), no MIME sniffing, and no referrer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def request_counter(metrics: Metrics) -> Callable[[Request, CallNext], Awaitable[Response]]:
    """Middleware that counts every request by route template, method and status, and
    times it (an exception that escapes counts as 500)."""

    async def count_requests(request: Request, call_next: CallNext) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            metrics.requests.labels(path, request.method, str(status)).inc()
            metrics.request_latency.labels(path).observe(time.perf_counter() - started)

    return count_requests


class BodyLimit:
    """ASGI middleware: refuse uploads over the limit while reading, not after.

    A Content-Length above the limit is refused before any byte is read; a chunked body is
    counted as it arrives and cut off with 413 the moment it passes the limit.
    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _send_json(send, PayloadTooLarge(f"the upload is {int(length)} bytes; the limit is {self.limit}"))
            return
        seen = 0

        async def limited_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise PayloadTooLarge(f"the upload passed the limit of {self.limit} bytes")
            return message

        await self.app(scope, limited_receive, send)


async def _send_json(send: Any, error: ClientError) -> None:
    """Answer with `error`'s status and JSON body straight from the ASGI layer."""
    body = json.dumps(error.to_json()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
