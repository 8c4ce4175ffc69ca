"""The FastAPI app: `create_app(settings)` wires the serving state, middleware, error
handlers and routes; the model loads and warms in the lifespan (service/api/lifespan.py)."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from service.api.errors import install_error_handlers
from service.api.lifespan import lifespan
from service.api.log_format import configure_logging
from service.api.memory import give_back, limit_arenas
from service.api.middleware import install_middleware
from service.api.openapi import install_openapi
from service.api.routes.health import router as health_router
from service.api.routes.live import router as live_router
from service.api.routes.page import install_page
from service.api.routes.rest import router as rest_router
from service.api.routes.stream import router as stream_router
from service.api.routes.teach import router as teach_router
from service.api.state import ServiceState
from service.inference.prometheus import Metrics
from service.inference.runtime import Runtime
from service.settings import Settings
from service.teach.teacher import Teacher


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app; the model loads in the lifespan (readiness turns true when warm)."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    limit_arenas(settings.malloc_arenas)  # before any worker thread allocates
    metrics = Metrics()
    app = FastAPI(
        title="gesture",
        version="0.1.0",
        lifespan=lifespan,
        description="Real-time RGB-D gesture recognition (DSN/DTN/RCM/CAPF, CVPR 2022).",
    )
    teacher = Teacher(settings.teach_dir, settings.teach_adapt_nice)
    runtime = Runtime(settings, metrics, after_idle=partial(give_back, always=True))  # trims when the model idles
    app.state.service = ServiceState(settings, metrics, runtime, teacher=teacher)
    install_middleware(app, settings, metrics)
    install_error_handlers(app)
    for router in (health_router, rest_router, stream_router, live_router, teach_router):
        app.include_router(router)
    install_page(app)
    install_openapi(app)
    return app


__all__ = ["create_app"]
