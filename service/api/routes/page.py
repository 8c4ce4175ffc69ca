"""The web page: `/` and its static files (plain files, no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"  # service/static


async def page() -> FileResponse:
    """The web page."""
    return FileResponse(STATIC_DIR / "index.html")


def install_page(app: FastAPI) -> None:
    """Mount /static and serve the page at / (kept out of the OpenAPI schema)."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/", page, methods=["GET"], include_in_schema=False)
