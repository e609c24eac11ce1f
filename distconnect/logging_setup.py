"""Process-wide logging for the ``distconnect`` commands.

Two formats: ``text`` (default; one line per event, timestamp, level, logger, message) and
``json`` (one object per line with the same fields plus the exception, for log shippers).
Choose with ``--log-format`` or ``DISTCONNECT_LOG_FORMAT``; the level with ``--log-level`` or
``DISTCONNECT_LOG_LEVEL``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import orjson


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(event, default=str).decode()


def configure_logging(level: str | None = None, fmt: str | None = None) -> None:
    level = (level or os.environ.get("DISTCONNECT_LOG_LEVEL") or "INFO").upper()
    fmt = (fmt or os.environ.get("DISTCONNECT_LOG_FORMAT") or "text").lower()
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    logging.Formatter.converter = __import__("time").gmtime
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka logs every transient connection problem at ERROR/WARNING; keep it quieter.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
