"""Start-up and shut-down of one app: load and warm the model, then start the live feeds;
stop them in reverse order. Readiness (`/readyz`) turns true once the model is warm."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.api.state import ServiceState
from service.streaming.feeds import build_feeds

log = logging.getLogger("gesture.app")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the model and open the feeds off the event loop (both block for seconds)."""
    state: ServiceState = app.state.service
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, state.runtime.start)
    except Exception as exc:
        log.error("model failed to load: %s", exc)  # one JSON line with the reason
        raise
    try:
        state.feeds = await loop.run_in_executor(None, build_feeds, state.settings, state.runtime, state.metrics)
    except Exception as exc:
        log.error("a live feed failed to start: %s", exc)
        state.runtime.stop()
        raise
    for feed in state.feeds.values():
        feed.start(loop)
    yield
    for feed in state.feeds.values():
        feed.stop()
    state.runtime.stop()
