"""``/connectors/{name}/...`` state changes: restart, pause, resume, stop, delete, and the
internal task-config endpoint workers post to the leader (hidden from the API docs)."""

from __future__ import annotations

from aiohttp import web

from distconnect.rest.connectors import TASK, connector_name, task_id
from distconnect.rest.context import context_of
from distconnect.rest.entities import connector_state_json
from distconnect.rest.forwarding import Forwarded
from distconnect.rest.wire import empty_response, json_response, query_bool, read_json, string_map
from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.states import TargetState

routes = web.RouteTableDef()


@routes.post("/connectors/{name}/restart")
async def restart_connector(request: web.Request) -> web.Response:
    name = connector_name(request)
    include_tasks = query_bool(request, "includeTasks")
    only_failed = query_bool(request, "onlyFailed")
    requests = context_of(request).requests
    if not include_tasks and not only_failed:
        # The pre-KIP-745 form: the connector instance alone, on its owner; no body.
        await requests.call(request, lambda herder: herder.restart_connector(name))
        return empty_response(204)
    query = {"includeTasks": str(include_tasks).lower(), "onlyFailed": str(only_failed).lower()}
    plan = await requests.call(
        request,
        lambda herder: herder.restart_connector(name, include_tasks=include_tasks, only_failed=only_failed),
        forward_query=query,
    )
    if isinstance(plan, Forwarded):
        return json_response(plan.body, status=202)
    if plan is None:
        raise ConnectRestError(500, f"The herder returned no restart plan for connector {name}")
    return json_response(connector_state_json(plan), status=202)


@routes.post(f"/connectors/{{name}}/tasks/{TASK}/restart")
async def restart_task(request: web.Request) -> web.Response:
    task = task_id(request)
    await context_of(request).requests.call(request, lambda herder: herder.restart_task(task))
    return empty_response(204)


async def _set_target(request: web.Request, target: TargetState) -> None:
    name = connector_name(request)
    await context_of(request).requests.call(request, lambda herder: herder.set_target_state(name, target))


@routes.put("/connectors/{name}/pause")
async def pause_connector(request: web.Request) -> web.Response:
    await _set_target(request, TargetState.PAUSED)
    return empty_response(202)


@routes.put("/connectors/{name}/resume")
async def resume_connector(request: web.Request) -> web.Response:
    await _set_target(request, TargetState.STARTED)
    return empty_response(202)


@routes.put("/connectors/{name}/stop")
async def stop_connector(request: web.Request) -> web.Response:
    await _set_target(request, TargetState.STOPPED)
    return empty_response(204)


@routes.delete("/connectors/{name}")
async def delete_connector(request: web.Request) -> web.Response:
    name = connector_name(request)
    await context_of(request).requests.call(request, lambda herder: herder.delete_connector(name))
    return empty_response(204)


@routes.post("/connectors/{name}/tasks")
async def put_task_configs(request: web.Request) -> web.Response:
    """Internal: a worker hands the leader a connector's new task configs. The herder checks
    the KIP-507 signature over the exact body bytes, so those are passed along untouched."""
    name = connector_name(request)
    body = await read_json(request)
    if not isinstance(body, list):
        raise ConnectRestError(400, "The request body must be a JSON array of task configurations")
    configs = [string_map(config, "task configuration") for config in body]
    raw = await request.read()
    await context_of(request).requests.call(
        request, lambda herder: herder.put_task_configs_internal(name, configs, raw, request.headers)
    )
    return empty_response(204)


__all__ = ["routes"]
