"""One log format for the whole server: JSON lines (time in ISO 8601 UTC, level, logger,
message) from the `gesture` loggers and from uvicorn's own, for log collectors."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

SECRET_QUERY = re.compile(r"(api_key=)[^&\s\"']*", re.IGNORECASE)


class JsonFormatter(logging.Formatter):
    """time (ISO 8601, UTC, milliseconds), level, logger and message of a record as one
    JSON object; an exception's traceback, when the record has one, as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)


class RedactApiKey(logging.Filter):
    """Replace the value of an `api_key=` query parameter in a record's message and
    arguments (uvicorn logs request paths and WebSocket paths with their query strings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = SECRET_QUERY.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(SECRET_QUERY.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True


class DropTracebackMessages(logging.Filter):
    """Drop uvicorn's records whose message is a whole traceback: it logs a failed start-up
    (the model did not load) that way, after the app has already logged the reason in one
    line. Exceptions attached to records (`exc_info`) are kept, as the `exception` field."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Traceback (most recent call last)"))


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


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's `log_config`: its loggers write the same JSON lines as ours, with API keys
    redacted."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["redact", "one_line"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "filters": {"redact": {"()": RedactApiKey}, "one_line": {"()": DropTracebackMessages}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
    }
