"""``/connectors``: listing, creating, reading and reconfiguring connectors (``ConnectorsResource``).

Every handler runs its herder call through :class:`~distconnect.rest.forwarding.HerderRequests`
(timeout, forwarding); the state-changing ones (restart, pause, stop, delete) are in
:mod:`distconnect.rest.connector_actions`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from aiohttp import web

from distconnect.api.errors import NotFoundError
from distconnect.rest.context import context_of
from distconnect.rest.entities import (
    Json,
    connector_info_json,
    connector_state_json,
    task_info_json,
    task_state_json,
)
from distconnect.rest.forwarding import Forwarded, local_or_remote
from distconnect.rest.wire import json_response, patch_map, read_json, scalar_text, string_map
from distconnect.runtime.herder import ConnectRestError, Created, Herder
from distconnect.runtime.states import TargetState, TaskId

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

#: ``initial_state`` of a create request → the target state it starts in (KIP-980).
INITIAL_STATES = {
    "RUNNING": TargetState.STARTED,
    "PAUSED": TargetState.PAUSED,
    "STOPPED": TargetState.STOPPED,
}
#: A task number in a path: Java's ``Integer`` range; anything else is a 404, as in Jersey.
TASK = r"{task:[-+]?\d{1,10}}"


def connector_name(request: web.Request) -> str:
    return request.match_info["name"]


def task_id(request: web.Request) -> TaskId:
    task = int(request.match_info["task"])
    if not -(2**31) <= task < 2**31:
        raise web.HTTPNotFound()
    return TaskId(connector_name(request), task)


def location(name: str) -> dict[str, str]:
    return {"Location": f"/connectors/{quote(name)}"}


def with_name(name: str, config: dict[str, str]) -> dict[str, str]:
    """Apache's ``checkAndPutConnectorConfigName``: ``config.name`` must match, then is set."""
    existing = config.get("name")
    if existing is not None and existing != name:
        raise ConnectRestError(
            400, f"Connector name configuration ({existing}) doesn't match connector name in the URL ({name})"
        )
    config["name"] = name
    return config


def _created_json(result: Created | Forwarded) -> tuple[bool, Any]:
    """Apache's ``CreatedConnectorInfoTranslator``: a forwarded 201 means created."""
    if isinstance(result, Forwarded):
        return result.status == 201, result.body
    return result.created, connector_info_json(result.info)


# -- reads ------------------------------------------------------------------------------------------
@routes.get("/connectors")
async def list_connectors(request: web.Request) -> web.Response:
    requests = context_of(request).requests
    if "expand" not in request.query:
        names = await requests.call(request, lambda herder: herder.connectors())
        return json_response(local_or_remote(names, list))
    expansions = request.query.getall("expand")

    async def expanded(herder: Herder) -> dict[str, Json]:
        out: dict[str, Json] = {}
        for name in await herder.connectors():
            try:
                out[name] = await _expand(herder, name, expansions)
            except NotFoundError:
                # Deleted while we were listing: leave it out, as Apache does.
                log.debug("Unable to get connector info for %s on this worker", name)
        return out

    result = await requests.call(request, expanded)
    return json_response(local_or_remote(result, dict))


async def _expand(herder: Herder, name: str, expansions: list[str]) -> Json:
    entry: Json = {}
    for expansion in expansions:
        if expansion == "status":
            entry["status"] = connector_state_json(await herder.connector_status(name))
        elif expansion == "info":
            entry["info"] = connector_info_json(await herder.connector_info(name))
        else:
            log.info("Ignoring unknown expansion type %s", expansion)
    return entry


@routes.get("/connectors/{name}")
async def get_connector(request: web.Request) -> web.Response:
    name = connector_name(request)
    info = await context_of(request).requests.call(request, lambda herder: herder.connector_info(name))
    return json_response(local_or_remote(info, connector_info_json))


@routes.get("/connectors/{name}/config")
async def get_connector_config(request: web.Request) -> web.Response:
    name = connector_name(request)
    config = await context_of(request).requests.call(request, lambda herder: herder.connector_config(name))
    return json_response(local_or_remote(config, dict))


@routes.get("/connectors/{name}/status")
async def get_connector_status(request: web.Request) -> web.Response:
    name = connector_name(request)
    status = await context_of(request).requests.call(request, lambda herder: herder.connector_status(name))
    return json_response(local_or_remote(status, connector_state_json))


@routes.get("/connectors/{name}/tasks")
async def get_task_configs(request: web.Request) -> web.Response:
    name = connector_name(request)
    tasks = await context_of(request).requests.call(request, lambda herder: herder.task_infos(name))
    return json_response(local_or_remote(tasks, lambda infos: [task_info_json(i) for i in infos]))


@routes.get(f"/connectors/{{name}}/tasks/{TASK}/status")
async def get_task_status(request: web.Request) -> web.Response:
    task = task_id(request)
    status = await context_of(request).requests.call(request, lambda herder: herder.task_status(task))
    return json_response(local_or_remote(status, lambda s: task_state_json(task.task, s)))


# -- create and reconfigure -------------------------------------------------------------------------
@routes.post("/connectors")
async def create_connector(request: web.Request) -> web.Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ConnectRestError(400, "The request body must be a JSON object with 'name' and 'config'")
    # Trimmed, and "" when missing, so the name validator (not a NullPointerException) reports it.
    raw_name = body.get("name")
    name = "" if raw_name is None else scalar_text("name", raw_name, "request").strip()
    if body.get("config") is None:
        raise ConnectRestError(400, "The request body has no connector configuration ('config')")
    config = with_name(name, string_map(body["config"], "connector configuration"))
    initial = _initial_state(body.get("initial_state"))
    result = await context_of(request).requests.call(
        request,
        lambda herder: herder.put_connector_config(name, config, allow_replace=False, initial_state=initial),
    )
    _, info = _created_json(result)
    return json_response(info, status=201, headers=location(name))


def _initial_state(value: Any) -> TargetState | None:
    if value is None:
        return None
    text = scalar_text("initial_state", value, "request").upper()
    if text not in INITIAL_STATES:
        raise ConnectRestError(
            400, f"Invalid initial_state '{value}': expected one of {', '.join(INITIAL_STATES)}"
        )
    return INITIAL_STATES[text]


@routes.put("/connectors/{name}/config")
async def put_connector_config(request: web.Request) -> web.Response:
    name = connector_name(request)
    config = with_name(name, string_map(await read_json(request), "connector configuration"))
    result = await context_of(request).requests.call(
        request, lambda herder: herder.put_connector_config(name, config, allow_replace=True)
    )
    created, info = _created_json(result)
    if created:
        return json_response(info, status=201, headers=location(name))
    return json_response(info)


@routes.patch("/connectors/{name}/config")
async def patch_connector_config(request: web.Request) -> web.Response:
    name = connector_name(request)
    patch = patch_map(await read_json(request), "connector configuration patch")
    info = await context_of(request).requests.call(
        request, lambda herder: herder.patch_connector_config(name, patch)
    )
    return json_response(local_or_remote(info, connector_info_json))


__all__ = ["INITIAL_STATES", "TASK", "connector_name", "location", "routes", "task_id", "with_name"]
