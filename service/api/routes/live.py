"""`/v1/live`: the live feeds the server runs itself (its own camera, a recording played as
a camera, the demo stream). Clients only subscribe; see service/streaming/feeds.py."""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect

from service.api.deps import ApiKeyProblem, FeedsDep, require_api_key
from service.api.websocket import POLICY_VIOLATION, reject
from service.errors import NotFound
from service.streaming.feeds import LiveFeed

router = APIRouter()


@router.get("/v1/live", tags=["live"], dependencies=[Depends(require_api_key)])
async def list_feeds(feeds: FeedsDep) -> dict:
    """The live feeds this server runs, with their counters."""
    return {"feeds": [feed.status() for feed in feeds.values()]}


@router.websocket("/v1/live/{name}")
async def subscribe(ws: WebSocket, name: str, key_problem: ApiKeyProblem, feeds: FeedsDep) -> None:
    """Subscribe to a feed: a `hello` message (status, labels), then `preview`,
    `prediction`, `gesture`, `status` and `error` messages as the feed produces them."""
    await ws.accept()
    if key_problem is not None:
        await reject(ws, key_problem, POLICY_VIOLATION)
        return
    feed = feeds.get(name)
    if feed is None:
        known = ", ".join(feeds) or "none (start the server with --camera or --demo-stream)"
        await reject(ws, NotFound(f"no live feed {name!r}; feeds: {known}"), POLICY_VIOLATION)
        return
    await _relay(ws, feed, feed.runtime.model.card.labels)  # type: ignore[union-attr]


async def _relay(ws: WebSocket, feed: LiveFeed, labels: list[str]) -> None:
    """Subscribe, send `hello` (whose status already counts this subscriber), then the
    feed's messages until the client goes away."""
    queue = feed.subscribe()
    hello = {"type": "hello", **feed.status(), "labels": labels, "sequence": feed.sequence}
    watcher = asyncio.create_task(_until_closed(ws))
    try:
        await ws.send_text(json.dumps(hello))
        while not watcher.done():
            getter = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getter, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            await ws.send_text(json.dumps(getter.result()))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        feed.unsubscribe(queue)
        watcher.cancel()
        with contextlib.suppress(Exception):
            await ws.close()


async def _until_closed(ws: WebSocket) -> None:
    """Read (and ignore) client messages until the client goes away."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
