"""``GET /``: which software serves this worker and which Kafka cluster it belongs to."""

from __future__ import annotations

from aiohttp import web

from distconnect.rest.context import context_of
from distconnect.rest.wire import json_response

routes = web.RouteTableDef()


@routes.get("/")
async def server_info(request: web.Request) -> web.Response:
    # Answers before the herder is attached too: it needs nothing but the server's identity.
    info = context_of(request).info
    return json_response(
        {"version": info.version, "commit": info.commit, "kafka_cluster_id": info.kafka_cluster_id}
    )


__all__ = ["routes"]
