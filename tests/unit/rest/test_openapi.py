"""``/openapi.json``: derived from the router, every public route documented, a valid document."""

from __future__ import annotations

from typing import Any

import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient

from distconnect.rest.openapi import openapi_path, public_routes
from distconnect.rest.openapi_operations import HIDDEN, OPERATIONS


def test_route_variables_become_openapi_parameters() -> None:
    assert (
        openapi_path(r"/connectors/{name}/tasks/{task:[-+]?\d{1,10}}/status")
        == "/connectors/{name}/tasks/{task}/status"
    )
    assert openapi_path("/admin/loggers/{logger}") == "/admin/loggers/{logger}"


async def test_every_public_route_is_documented_and_nothing_else(
    rest: TestClient[web.Request, web.Application],
) -> None:
    routes = set(public_routes(rest.app))
    assert routes - set(OPERATIONS) == set(), "routes without an OPERATIONS entry"
    assert set(OPERATIONS) - routes == set(), "OPERATIONS entries without a route"
    assert not routes & HIDDEN


async def test_the_spec_is_served_and_is_valid_openapi(
    rest: TestClient[web.Request, web.Application],
) -> None:
    response = await rest.get("/openapi.json")
    assert response.status == 200
    spec: dict[str, Any] = await response.json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["version"] == "9.9.9"
    assert (
        "/connectors/{name}/tasks" not in spec["paths"]
        or "post" not in spec["paths"]["/connectors/{name}/tasks"]
    )
    create = spec["paths"]["/connectors"]["post"]
    assert set(create["responses"]) >= {"201", "400", "409", "415", "500"}
    loaded = schemathesis.openapi.from_dict(spec)  # validates the document against the OpenAPI 3.0 schema
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) == sum(len(methods) for methods in spec["paths"].values())
