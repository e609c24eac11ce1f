"""``GET /health`` (KIP-1017): is this worker ready, still starting, or stuck?

* 200 ``healthy``: the herder has completed start-up (distributed: its first rebalance) and could
  run an operation within :data:`HEALTH_TIMEOUT_S`;
* 503 ``starting``: no herder attached yet, or start-up not complete within the timeout;
* 500 ``unhealthy``: started, but the herder did not answer within the timeout (its loop or lock
  is held by something that does not finish).

Kubernetes probes use it: startup and readiness on the status code, liveness on 500.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from distconnect.rest.context import context_of
from distconnect.rest.wire import json_response

routes = web.RouteTableDef()

#: How long the health check waits for the herder (Apache: 10 s).
HEALTH_TIMEOUT_S = 10.0

HEALTHY = "Worker has completed startup and is ready to handle requests."
STARTING = "Worker is still starting up."
#: Tests shorten the timeout through the application.
HEALTH_TIMEOUT = web.AppKey("distconnect.rest.health_timeout", float)

UNHEALTHY = "Worker was unable to handle this request and may be unable to handle other requests."


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    herder = context_of(request).requests.herder
    timeout = request.app.get(HEALTH_TIMEOUT, HEALTH_TIMEOUT_S)
    if herder is None:
        return json_response({"status": "starting", "message": STARTING}, status=503)
    try:
        async with asyncio.timeout(timeout):
            await herder.health_check()
    except TimeoutError:
        if not herder.startup_complete():
            return json_response({"status": "starting", "message": STARTING}, status=503)
        return json_response({"status": "unhealthy", "message": UNHEALTHY}, status=500)
    return json_response({"status": "healthy", "message": HEALTHY})


__all__ = ["HEALTH_TIMEOUT", "HEALTH_TIMEOUT_S", "routes"]
