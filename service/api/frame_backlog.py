"""A stream's frames between the WebSocket and the decoder. Reading the socket never waits
for decoding (so the WebSocket's pings are answered however busy the server is); frames
wait here instead, and when the server falls behind (the oldest waiting frame arrived more
than `max_age_s` ago, or the waiting bytes pass `max_bytes`) the oldest frames are shed
unread. A burst that the server works through in time loses nothing."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

STATS_REQUEST = object()  # a place in the queue where the client asked for stats


class FrameBacklog:
    """Frames (bytes, arrival time from `time.perf_counter`) and stats requests, in order;
    `get` returns None once the backlog is closed and empty."""

    def __init__(self, max_bytes: int, max_age_s: float) -> None:
        self.max_bytes, self.max_age_s = max_bytes, max_age_s
        self._items: deque[Any] = deque()
        self._bytes = 0
        self._ready = asyncio.Event()
        self._closed = False

    def put(self, item: Any) -> int:
        """Queue an item; returns how many waiting frames were shed to keep up."""
        shed = 0
        if item is not STATS_REQUEST:
            data, arrived = item
            while self._shed_oldest_if(
                lambda first: self._bytes + len(data) > self.max_bytes or arrived - first[1] > self.max_age_s
            ):
                shed += 1
            self._bytes += len(data)
        self._items.append(item)
        self._ready.set()
        return shed

    def _shed_oldest_if(self, condition: Any) -> bool:
        for i, queued in enumerate(self._items):
            if queued is not STATS_REQUEST:
                if not condition(queued):
                    return False
                del self._items[i]
                self._bytes -= len(queued[0])
                return True
        return False

    def close(self) -> None:
        """No more items: `get` drains what is queued, then returns None."""
        self._closed = True
        self._ready.set()

    async def get(self) -> Any:
        while not self._items:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        item = self._items.popleft()
        if item is not STATS_REQUEST:
            self._bytes -= len(item[0])
        return item
