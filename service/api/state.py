"""What the routes of one app share, kept typed on `app.state.service`."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from service.inference.prometheus import Metrics
from service.inference.runtime import Runtime
from service.settings import Settings
from service.streaming.feeds import LiveFeed
from service.teach.teacher import Teacher


@dataclass
class ServiceState:
    """One app's serving state (several apps may live in one process, as in the tests).

    Attributes:
        settings: the settings the app was created with.
        metrics: the app's own Prometheus registry.
        runtime: the model and its schedulers (ready once the lifespan warmed it).
        feeds: the live feeds, started by the lifespan (none until then).
        streams: WebSocket streams open now (checked against `settings.max_streams`).
        started_at: monotonic time the app was created, for `/v1/status` uptime.
        teacher: the Teach workspace (takes, adapt runs, adapted models).
        switching: a model switch is loading the new model now.
        stopping: set when the server shuts down: open streams finish and new ones are refused.
    """

    settings: Settings
    metrics: Metrics
    runtime: Runtime
    feeds: dict[str, LiveFeed] = field(default_factory=dict)
    streams: int = 0
    started_at: float = field(default_factory=time.monotonic)
    teacher: Teacher | None = None
    switching: bool = False
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
