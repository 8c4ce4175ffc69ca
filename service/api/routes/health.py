"""Health and monitoring: liveness, readiness, Prometheus metrics and the page's status."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.auth import check_api_key, supplied_api_key
from service.api.deps import MetricsDep, RuntimeDep, SettingsDep, StateDep, require_api_key

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive (the process answers)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Ready: the model is loaded and warm (503 until then)."""
    if not runtime.ready:
        return JSONResponse({"status": "loading"}, status_code=503)
    return JSONResponse({"status": "ready", "warmup_seconds": round(runtime.warmup_seconds, 3)})


@router.get("/metrics", response_class=Response)
async def prometheus(request: Request, runtime: RuntimeDep, metrics: MetricsDep, settings: SettingsDep) -> Response:
    """Prometheus metrics (behind the API key when `GESTURE_METRICS_NEED_KEY` is true)."""
    if settings.metrics_need_key:
        check_api_key(settings, supplied_api_key(request))
    metrics.queue_depth.set(runtime.queue_depth)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/status", dependencies=[Depends(require_api_key)])
async def status(state: StateDep) -> dict[str, Any]:
    """A few live numbers for the web page: readiness, windows and inference time so far,
    active streams, queue depth and live feeds."""
    runtime = state.runtime
    windows, batches, seconds = runtime.totals()
    return {
        "ready": runtime.ready,
        "uptime_s": round(time.monotonic() - state.started_at, 1),
        "windows_total": windows,
        "batches_total": batches,
        "inference_ms_mean": round(1000 * seconds / batches, 2) if batches else None,
        "active_streams": state.streams,
        "queue_depth": runtime.queue_depth,
        "live_feeds": [feed.status() for feed in state.feeds.values()],
    }
