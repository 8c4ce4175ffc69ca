"""The FastAPI app: `create_app(settings)` with a lifespan that loads and warms the model."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.auth import authorize
from service.api.live import router as live_router
from service.api.rest import router as rest_router
from service.api.stream import router as stream_router
from service.errors import ClientError, PayloadTooLarge
from service.inference.prometheus import Metrics
from service.inference.runtime import Runtime
from service.settings import Settings
from service.streaming.feeds import build_feeds

log = logging.getLogger("gesture.app")
STATIC_DIR = Path(__file__).resolve().parent / "static"  # the web page (no build step)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": round(record.created, 3),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            }
        )


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(_JsonFormatter())
    root = logging.getLogger("gesture")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


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
    body = json.dumps(error.to_json()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app; the model loads in the lifespan (readiness turns true when warm)."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    metrics = Metrics()
    runtime = Runtime(settings, metrics)
    started_at = time.monotonic()

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        task = asyncio.get_running_loop().run_in_executor(None, runtime.start)
        app.state.startup = task
        try:
            await task
        except Exception:
            log.exception("model failed to load")
            raise
        loop = asyncio.get_running_loop()
        try:
            app.state.feeds = await loop.run_in_executor(None, build_feeds, settings, runtime, metrics)
        except Exception:
            log.exception("a live feed failed to start")
            runtime.stop()
            raise
        for feed in app.state.feeds.values():
            feed.start(loop)
        yield
        for feed in app.state.feeds.values():
            feed.stop()
        runtime.stop()

    app = FastAPI(
        title="gesture",
        version="0.1.0",
        lifespan=lifespan,
        description="Real-time RGB-D gesture recognition (DSN/DTN/RCM/CAPF, CVPR 2022).",
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.runtime = runtime
    app.state.streams = 0
    app.state.feeds = {}

    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Content-Type"],
        )

    @app.middleware("http")
    async def count_requests(request: Request, call_next):  # type: ignore[no-untyped-def]
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

    @app.exception_handler(ClientError)
    async def client_error(_: Request, exc: ClientError) -> JSONResponse:
        return JSONResponse(exc.to_json(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"error": "invalid_request", "detail": problems}, status_code=422)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Alive (the process answers)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JSONResponse:
        """Ready: the model is loaded and warm (503 until then)."""
        if not runtime.ready:
            return JSONResponse({"status": "loading"}, status_code=503)
        return JSONResponse({"status": "ready", "warmup_seconds": round(runtime.warmup_seconds, 3)})

    @app.get("/metrics", tags=["health"])
    async def prometheus() -> Response:
        """Prometheus metrics."""
        metrics.queue_depth.set(runtime.queue_depth)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/v1/status", tags=["health"])
    async def status(request: Request) -> dict[str, Any]:
        """A few live numbers for the web page: readiness, windows and inference time so far,
        active streams, queue depth and live feeds."""
        authorize(request)
        windows, batches, seconds = runtime.totals()
        return {
            "ready": runtime.ready,
            "uptime_s": round(time.monotonic() - started_at, 1),
            "windows_total": windows,
            "batches_total": batches,
            "inference_ms_mean": round(1000 * seconds / batches, 2) if batches else None,
            "active_streams": app.state.streams,
            "queue_depth": runtime.queue_depth,
            "live_feeds": [feed.status() for feed in app.state.feeds.values()],
        }

    app.include_router(rest_router)
    app.include_router(stream_router)
    app.include_router(live_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        """The web page."""
        return FileResponse(STATIC_DIR / "index.html")

    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    return app


__all__ = ["create_app"]
