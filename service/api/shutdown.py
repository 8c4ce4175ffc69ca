"""Graceful shutdown: on SIGTERM (or Ctrl-C) the server stops accepting connections, tells
every open stream to finish (the frames it has received are classified, then its final
stats go out and it closes with 1001), waits up to the grace period for them and for the
requests in flight, and only then lets uvicorn close what is left."""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import uvicorn

from service.api.state import ServiceState

log = logging.getLogger("gesture.app")
POLL_S = 0.05


class GracefulServer(uvicorn.Server):
    """uvicorn's server, draining the app's streams before uvicorn's own shutdown."""

    def __init__(self, config: uvicorn.Config, state: ServiceState, grace_s: float) -> None:
        super().__init__(config)
        self.state, self.grace_s = state, grace_s

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:  # no new connections
            server.close()
        self.state.stopping.set()
        deadline = time.monotonic() + self.grace_s
        open_streams = self.state.streams
        while self.state.streams and time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
        if open_streams:
            log.info(
                "shutdown: %d of %d streams ended with their final stats",
                open_streams - self.state.streams,
                open_streams,
            )
        await super().shutdown(sockets)
