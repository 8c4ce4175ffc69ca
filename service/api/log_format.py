"""JSON log lines for the `gesture` loggers (one object per line, for log collectors)."""

from __future__ import annotations

import json
import logging
import re

SECRET_QUERY = re.compile(r"(api_key=)[^&\s\"']*", re.IGNORECASE)


class JsonFormatter(logging.Formatter):
    """time, level, logger and message of a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": round(record.created, 3),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            }
        )


class RedactApiKey(logging.Filter):
    """Replace the value of an `api_key=` query parameter in a record's message and
    arguments (uvicorn logs request paths and WebSocket paths with their query strings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = SECRET_QUERY.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(SECRET_QUERY.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_server_logs() -> None:
    """Keep API keys passed as `?api_key=` out of uvicorn's access and error logs."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactApiKey) for f in logger.filters):
            logger.addFilter(RedactApiKey())


def configure_logging(level: str) -> None:
    """Send the `gesture` loggers, and only them, to stderr as JSON at `level`; redact API
    keys from uvicorn's lines."""
    redact_server_logs()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("gesture")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
