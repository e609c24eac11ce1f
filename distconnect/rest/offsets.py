"""``/connectors/{name}/offsets`` (KIP-875): read, alter and reset a connector's offsets.

* ``GET``: ``{"offsets": [{"partition": {...}, "offset": {...}}]}``, answered by the worker that
  got the request (a source connector's entries in the offset store; a sink connector's consumer
  group offsets as ``{"kafka_topic", "kafka_partition"}`` → ``{"kafka_offset"}``).
* ``PATCH`` (alter, body ``{"offsets": [...]}``) and ``DELETE`` (reset): only for a STOPPED
  connector; in distributed mode the leader serves them (forwarded like other leader-only
  writes). 200 ``{"message": ...}`` with Apache's text.

The body's shape is checked here (:func:`~distconnect.runtime.offsets_parse.parse_offsets_request`)
before the herder is asked, as Apache's resource does; the sink-specific checks run after the
STOPPED check, in the herder, as Apache's worker does.
"""

from __future__ import annotations

from aiohttp import web

from distconnect.rest.connectors import connector_name
from distconnect.rest.context import context_of
from distconnect.rest.forwarding import local_or_remote
from distconnect.rest.wire import json_response, read_json
from distconnect.runtime.offsets_parse import offsets_json, parse_offsets_request

routes = web.RouteTableDef()


@routes.get("/connectors/{name}/offsets")
async def get_offsets(request: web.Request) -> web.Response:
    name = connector_name(request)
    offsets = await context_of(request).requests.call(request, lambda herder: herder.connector_offsets(name))
    return json_response(local_or_remote(offsets, offsets_json))


@routes.patch("/connectors/{name}/offsets")
async def alter_offsets(request: web.Request) -> web.Response:
    name = connector_name(request)
    entries = parse_offsets_request(await read_json(request))
    message = await context_of(request).requests.call(
        request, lambda herder: herder.alter_connector_offsets(name, entries)
    )
    return json_response(local_or_remote(message, lambda text: {"message": text}))


@routes.delete("/connectors/{name}/offsets")
async def reset_offsets(request: web.Request) -> web.Response:
    name = connector_name(request)
    message = await context_of(request).requests.call(
        request, lambda herder: herder.reset_connector_offsets(name)
    )
    return json_response(local_or_remote(message, lambda text: {"message": text}))


__all__ = ["routes"]
