"""``GET /openapi.json``: an OpenAPI 3 description of this worker's REST API.

The paths, methods and path parameters are read from the application's router, so the spec
cannot list a route that does not exist or miss one that does: every public route must have an
entry in :data:`~distconnect.rest.openapi_operations.OPERATIONS` (a unit test enforces it), and
the routes in :data:`~distconnect.rest.openapi_operations.HIDDEN` (worker-to-worker calls, as
Apache hides them) are left out. Error answers share Apache's ``ErrorMessage`` shape.

The spec is built once per application on first request and cached; it is pure data.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from aiohttp import web

from distconnect.rest.context import context_of
from distconnect.rest.openapi_operations import COMMON_ERRORS, HIDDEN, OPERATIONS, Operation
from distconnect.rest.openapi_schemas import SCHEMAS, ref
from distconnect.rest.wire import json_response

routes = web.RouteTableDef()

#: aiohttp's ``{name:regex}`` path variables → OpenAPI's ``{name}``.
_VARIABLE = re.compile(r"\{(\w+)(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}")
#: Built on first request (the router is frozen by then) and kept for the application's life.
_SPECS: weakref.WeakKeyDictionary[web.Application, dict[str, Any]] = weakref.WeakKeyDictionary()
ERROR_TEXT = {
    400: "Bad request: the message names the field",
    401: "Authentication required (basic auth is enabled)",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict: a rebalance is under way, or the connector exists",
    415: "The body is not JSON",
    500: "Internal error or request timeout",
    503: "The worker is still starting",
}


def openapi_path(route_path: str) -> str:
    """``/connectors/{name}/tasks/{task:[-+]?\\d{1,10}}`` → ``/connectors/{name}/tasks/{task}``."""
    return _VARIABLE.sub(r"{\1}", route_path)


def public_routes(app: web.Application) -> list[tuple[str, str]]:
    """``(method, openapi path)`` of every route users may call (no HEAD, OPTIONS, hidden or
    trailing-slash twins)."""
    found: set[tuple[str, str]] = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        raw = info.get("formatter") or info.get("path")
        if raw is None or route.method in ("HEAD", "OPTIONS", "*"):
            continue
        path = openapi_path(raw)
        if path != "/" and path.endswith("/"):
            continue
        if (route.method, path) not in HIDDEN:
            found.add((route.method, path))
    return sorted(found)


def _parameters(path: str, operation: Operation) -> list[dict[str, Any]]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer"} if name == "task" else {"type": "string"},
        }
        for name in re.findall(r"\{(\w+)\}", path)
    ]
    return params + [
        {"name": name, "in": "query", "required": False, "schema": schema} for name, schema in operation.query
    ]


def _responses(operation: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for code, (text, schema, media) in sorted(operation.responses.items()):
        entry: dict[str, Any] = {"description": text}
        if schema is not None:
            entry["content"] = {media: {"schema": schema}}
        responses[str(code)] = entry
    codes = COMMON_ERRORS | operation.errors | ({415} if operation.body is not None else set())
    for code in sorted(codes):
        responses.setdefault(
            str(code),
            {
                "description": ERROR_TEXT[code],
                "content": {"application/json": {"schema": ref("ErrorMessage")}},
            },
        )
    return responses


def build_spec(app: web.Application, version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path in public_routes(app):
        operation = OPERATIONS[(method, path)]
        entry: dict[str, Any] = {
            "operationId": operation.operation_id,
            "summary": operation.summary,
            "tags": [operation.tag],
            "parameters": _parameters(path, operation),
            "responses": _responses(operation),
        }
        if operation.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": operation.body}},
            }
        paths.setdefault(path, {})[method.lower()] = entry
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "distconnect REST API (Apache Kafka Connect compatible)",
            "version": version,
            "description": "The Kafka Connect REST API as served by a distconnect worker. See docs/rest.md.",
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic"}},
        },
    }


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    spec = _SPECS.get(request.app)
    if spec is None:
        spec = _SPECS[request.app] = build_spec(request.app, context_of(request).info.version)
    return json_response(spec)


__all__ = ["build_spec", "openapi_path", "public_routes", "routes"]
