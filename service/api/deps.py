"""Typed FastAPI dependencies: the app's shared state, and the API-key and readiness checks.

HTTP routes use the raising forms (`require_api_key`, `ReadyRuntime`): the app's exception
handlers turn the error into its JSON answer. A WebSocket must be accepted before it can be
told why it is refused, so WebSocket routes take the `*Problem` forms, which return the
error (or None) for the route to send before it closes with its own close code.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from service.api.auth import check_api_key, check_websocket_origin, supplied_api_key
from service.api.state import ServiceState
from service.errors import ClientError, ForbiddenOrigin, NotReady, Unauthorized
from service.inference.prometheus import Metrics
from service.inference.runtime import Runtime
from service.settings import Settings
from service.streaming.feeds import LiveFeed


async def get_state(conn: HTTPConnection) -> ServiceState:
    """The serving state `create_app` stored on the app."""
    return conn.app.state.service


StateDep = Annotated[ServiceState, Depends(get_state)]


async def get_settings(state: StateDep) -> Settings:
    """The settings the app was created with."""
    return state.settings


async def get_metrics(state: StateDep) -> Metrics:
    """The app's own metrics (its own registry)."""
    return state.metrics


async def get_runtime(state: StateDep) -> Runtime:
    """The runtime, loaded or not (health routes report which)."""
    return state.runtime


async def get_feeds(state: StateDep) -> dict[str, LiveFeed]:
    """The live feeds by name (read per request: the lifespan fills them in at start-up)."""
    return state.feeds


SettingsDep = Annotated[Settings, Depends(get_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
FeedsDep = Annotated[dict[str, LiveFeed], Depends(get_feeds)]


async def api_key_problem(conn: HTTPConnection, settings: SettingsDep) -> ClientError | None:
    """The Unauthorized error a missing or wrong key earns (header or query), and for a
    WebSocket the ForbiddenOrigin error of a page from another origin; else None."""
    try:
        if conn.scope["type"] == "websocket":
            check_websocket_origin(settings, conn)
        check_api_key(settings, supplied_api_key(conn))
    except (Unauthorized, ForbiddenOrigin) as exc:
        return exc
    return None


ApiKeyProblem = Annotated[ClientError | None, Depends(api_key_problem)]


async def require_api_key(problem: ApiKeyProblem) -> None:
    """Route dependency: refuse the request (401) without a valid key, when one is configured.

    Raises:
        Unauthorized: the key is missing or wrong.
    """
    if problem is not None:
        raise problem


async def readiness_problem(runtime: RuntimeDep) -> NotReady | None:
    """The NotReady error while the model is still loading, else None."""
    return None if runtime.ready else NotReady("the model is still loading")


ReadinessProblem = Annotated[NotReady | None, Depends(readiness_problem)]


async def ready_runtime(runtime: RuntimeDep, problem: ReadinessProblem) -> Runtime:
    """The runtime, once the model is loaded and warm.

    Raises:
        NotReady: the model is still loading (503).
    """
    if problem is not None:
        raise problem
    return runtime


ReadyRuntime = Annotated[Runtime, Depends(ready_runtime)]
