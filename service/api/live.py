"""`/v1/live`: the live feeds the server runs itself (its own camera, a recording played as
a camera, the demo stream). Clients only subscribe; see service/streaming/feeds.py."""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect

from service.api.auth import authorize
from service.errors import ClientError, NotFound

router = APIRouter()
POLICY_VIOLATION = 1008


@router.get("/v1/live", tags=["live"])
async def list_feeds(request: Request) -> dict:
    """The live feeds this server runs, with their counters."""
    authorize(request)
    return {"feeds": [feed.status() for feed in request.app.state.feeds.values()]}


@router.websocket("/v1/live/{name}")
async def subscribe(ws: WebSocket, name: str) -> None:
    """Subscribe to a feed: a `hello` message (status, labels), then `preview`,
    `prediction`, `gesture`, `status` and `error` messages as the feed produces them."""
    app = ws.app
    await ws.accept()
    try:
        authorize(ws)
        feed = app.state.feeds.get(name)
        if feed is None:
            known = ", ".join(app.state.feeds) or "none (start the server with --camera or --demo-stream)"
            raise NotFound(f"no live feed {name!r}; feeds: {known}")
    except ClientError as exc:
        await ws.send_text(json.dumps({"type": "error", **exc.to_json()}))
        await ws.close(code=POLICY_VIOLATION)
        return
    queue = feed.subscribe()
    card = app.state.runtime.model.card
    hello = {"type": "hello", **feed.status(), "labels": card.labels, "sequence": feed.sequence}
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
