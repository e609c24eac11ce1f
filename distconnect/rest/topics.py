"""``/connectors/{name}/topics`` (KIP-558): the topics a connector's tasks have used.

* ``GET`` → 200 ``{"<name>": {"topics": [...]}}`` (sorted; an unknown connector has none, as in
  Apache, which does not check the connector list here);
* ``PUT .../topics/reset`` → 202, no body: forget them (tombstones in the status topic).

Both answer 403 ``Topic tracking is disabled.`` when the worker has
``topic.tracking.enable=false``, and the reset 403 ``Topic tracking reset is disabled.`` when
``topic.tracking.allow.reset=false``: Apache's resource checks, made by the worker that got the
request. Neither is forwarded: every worker reads the status topic, and any may write to it.
"""

from __future__ import annotations

from aiohttp import web

from distconnect.rest.connectors import connector_name
from distconnect.rest.context import context_of
from distconnect.rest.forwarding import local_or_remote
from distconnect.rest.wire import empty_response, json_response
from distconnect.runtime.herder import ConnectRestError, Herder

routes = web.RouteTableDef()

DISABLED = "Topic tracking is disabled."
RESET_DISABLED = "Topic tracking reset is disabled."


def _check(herder: Herder, reset: bool) -> None:
    tracking = herder.topic_tracking()
    if not tracking.enabled:
        raise ConnectRestError(403, DISABLED)
    if reset and not tracking.allow_reset:
        raise ConnectRestError(403, RESET_DISABLED)


@routes.get("/connectors/{name}/topics")
async def get_active_topics(request: web.Request) -> web.Response:
    name = connector_name(request)

    async def topics(herder: Herder) -> list[str]:
        _check(herder, reset=False)
        return await herder.connector_active_topics(name)

    found = await context_of(request).requests.call(request, topics)
    return json_response(local_or_remote(found, lambda names: {name: {"topics": names}}))


@routes.put("/connectors/{name}/topics/reset")
async def reset_active_topics(request: web.Request) -> web.Response:
    name = connector_name(request)

    async def reset(herder: Herder) -> None:
        _check(herder, reset=True)
        await herder.reset_connector_active_topics(name)

    await context_of(request).requests.call(request, reset)
    return empty_response(202)


__all__ = ["DISABLED", "RESET_DISABLED", "routes"]
