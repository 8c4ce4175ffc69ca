"""The OpenAPI document as the server really answers: every error body is the one
`{"error", "detail"}` shape, each route lists the statuses it can give (401 with a key set,
413/415/422/503 for uploads, 404/409 for Teach), `/v1/classify` shows its multipart body
and `/metrics` its text."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_BODY = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "machine-readable code, e.g. invalid_clip"},
        "detail": {"type": "string", "description": "what is wrong, in one line"},
    },
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
CLASSIFY_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "minProperties": 1,
                "properties": {
                    "clip": {"type": "string", "format": "binary", "description": ".npz clip or .bag/.db3 recording"},
                    "rgb": {"type": "string", "format": "binary", "description": "colour video"},
                    "depth": {"type": "string", "format": "binary", "description": "8-bit depth video"},
                },
            }
        }
    },
}
WHY = {
    401: "missing or wrong API key",
    404: "no such resource",
    409: "not possible in the server's present state",
    413: "upload over GESTURE_MAX_UPLOAD_BYTES",
    415: "not multipart, or a file kind the server cannot take",
    422: "invalid request or clip",
    503: "the model is loading, or the inference queue is full",
}


def _statuses(path: str, method: str) -> list[int]:
    statuses = [422]
    if path.startswith("/v1/"):
        statuses += [401, 503]
    if path == "/v1/classify":
        statuses += [413, 415]
    if path.startswith("/v1/teach") or path == "/v1/models/switch":
        statuses += [404, 409]
    if path == "/readyz":
        statuses = [503]
    if method == "get" and not path.startswith("/v1/teach") and path != "/readyz":
        statuses = [s for s in statuses if s != 422 or path == "/v1/classify"]
    return statuses


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, built once."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["ErrorBody"] = ERROR_BODY
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            responses = op.setdefault("responses", {})
            responses.pop("422", None)
            for status in _statuses(path, method):
                responses[str(status)] = {
                    "description": WHY[status],
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
            if path == "/v1/classify":
                op["requestBody"] = CLASSIFY_BODY
            if path == "/metrics":
                responses["200"] = {
                    "description": "Prometheus metrics",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            if path == "/readyz":
                responses["503"] = {
                    "description": "the model is still loading",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
    app.openapi_schema = doc
    return doc


def install_openapi(app: FastAPI) -> None:
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
