"""JSON log lines for the `gesture` loggers (one object per line, for log collectors)."""

from __future__ import annotations

import json
import logging


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


def configure_logging(level: str) -> None:
    """Send the `gesture` loggers, and only them, to stderr as JSON at `level`."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("gesture")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
