"""Exception handlers: every error a client can cause answers with its status and a JSON
body that names it (`{"error": code, "detail": reason}`, docs/protocol.md)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import ClientError, Overloaded
from service.inference.scheduler import QueueFull


def install_error_handlers(app: FastAPI) -> None:
    """Client errors, a full inference queue (503 `overloaded`) and invalid parameters."""
    app.add_exception_handler(ClientError, client_error)
    app.add_exception_handler(QueueFull, queue_full)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


async def client_error(_: Request, exc: ClientError) -> JSONResponse:
    """The error's own status and `{"error", "detail"}` body."""
    return JSONResponse(exc.to_json(), status_code=exc.status)


async def queue_full(request: Request, exc: QueueFull) -> JSONResponse:
    """The core refused work for now: tell the client to retry later, in the API's words."""
    return await client_error(request, Overloaded(str(exc)))


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with every problem in one line, in the same shape as the other errors."""
    problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return JSONResponse({"error": "invalid_request", "detail": problems}, status_code=422)


HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Routing errors (no such path, a method the path does not take) in the same shape."""
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return JSONResponse(
        {"error": HTTP_CODES.get(exc.status_code, "http_error"), "detail": detail},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )
