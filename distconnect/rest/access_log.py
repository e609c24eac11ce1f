"""The REST access log: one INFO line per request on ``distconnect.rest.access``.

Like Apache's Jetty request log it records who asked what and how it went; it never records
bodies (connector configs carry secrets). The fields also travel as ``extra={"http": {...}}``
for structured handlers.
"""

from __future__ import annotations

import logging

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

ACCESS_LOG = logging.getLogger("distconnect.rest.access")


class AccessLogger(AbstractAccessLogger):
    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        fields = {
            "remote": request.remote,
            "method": request.method,
            "path": request.path_qs,
            "status": response.status,
            "bytes": response.body_length,
            "ms": round(time * 1000, 1),
            "agent": request.headers.get("User-Agent", "-"),
        }
        self.logger.info(
            "%s %s %s %d %dB %.1fms %r",
            fields["remote"],
            fields["method"],
            fields["path"],
            fields["status"],
            fields["bytes"],
            fields["ms"],
            fields["agent"],
            extra={"http": fields},
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


__all__ = ["ACCESS_LOG", "AccessLogger"]
