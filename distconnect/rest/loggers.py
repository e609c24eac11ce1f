"""``/admin/loggers``: read and change log levels (Apache's ``LoggingResource``, KIP-495 and
KIP-976).

* ``GET /admin/loggers``: 200 ``{"<logger>": {"level", "last_modified"}}``, sorted by name;
* ``GET /admin/loggers/{name}``: 200 ``{"level", "last_modified"}``; 404 ``Logger X not found.``;
* ``PUT /admin/loggers/{name}?scope=worker|cluster`` with ``{"level": "DEBUG"}``: ``worker``
  (the default) sets it on this worker and answers 200 with the affected logger names;
  ``cluster`` answers 204 and every worker sets it (see the herders). Any other scope is treated
  as ``worker``, with a warning. A missing level is a 400, an unknown one a 404 (Apache's codes
  and messages).

Levels are Apache's names; :mod:`distconnect.runtime.loggers` maps them onto Python's. Every
worker answers these itself; nothing is forwarded.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from distconnect.api.errors import NotFoundError
from distconnect.rest.context import context_of
from distconnect.rest.forwarding import Forwarded, local_or_remote
from distconnect.rest.wire import empty_response, json_response, read_json, scalar_text
from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.loggers import LoggerLevel, python_level

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

WORKER_SCOPE = "worker"
CLUSTER_SCOPE = "cluster"
NO_LEVEL = "Desired 'level' parameter was not specified in request."


def _levels_json(levels: dict[str, LoggerLevel]) -> dict[str, Any]:
    return {name: level.to_json() for name, level in levels.items()}


@routes.get("/admin/loggers")
async def list_loggers(request: web.Request) -> web.Response:
    levels = await context_of(request).requests.call(request, lambda herder: herder.all_logger_levels())
    return json_response(local_or_remote(levels, _levels_json))


@routes.get("/admin/loggers/{logger}")
async def get_logger(request: web.Request) -> web.Response:
    name = request.match_info["logger"]
    level = await context_of(request).requests.call(request, lambda herder: herder.logger_level(name))
    if isinstance(level, Forwarded):
        return json_response(level.body)
    if level is None:
        raise NotFoundError(f"Logger {name} not found.")
    return json_response(level.to_json())


def _scope(request: web.Request) -> str:
    scope = request.query.get("scope", WORKER_SCOPE)
    if scope.lower() in (WORKER_SCOPE, CLUSTER_SCOPE):
        return scope.lower()
    log.warning(
        "Received invalid scope '%s' in request to adjust logging level; will default to %s",
        scope,
        WORKER_SCOPE,
    )
    return WORKER_SCOPE


def _requested_level(body: Any) -> str:
    if body is None:  # an empty body names no level, as an object without one
        body = {}
    if not isinstance(body, dict):
        raise ConnectRestError(400, 'The request body must be a JSON object like {"level": "DEBUG"}')
    raw = body.get("level")
    if raw is None:
        raise ConnectRestError(400, NO_LEVEL)
    level = scalar_text("level", raw, "request")
    if python_level(level) is None:
        raise NotFoundError(f"invalid log level '{level}'.")  # Apache's 404
    return level


@routes.put("/admin/loggers/{logger}")
async def set_level(request: web.Request) -> web.Response:
    namespace = request.match_info["logger"]
    level = _requested_level(await read_json(request))
    requests = context_of(request).requests
    if _scope(request) == CLUSTER_SCOPE:
        await requests.call(request, lambda herder: herder.set_cluster_logger_level(namespace, level))
        return empty_response(204)
    affected = await requests.call(request, lambda herder: herder.set_worker_logger_level(namespace, level))
    return json_response(local_or_remote(affected, list))


__all__ = ["CLUSTER_SCOPE", "NO_LEVEL", "WORKER_SCOPE", "routes"]
