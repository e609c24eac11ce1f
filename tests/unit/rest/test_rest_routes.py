"""Every route tolerates a trailing slash and unknown query parameters, as Jersey does.

The routes are read from :data:`~distconnect.rest.app.RESOURCES`, so a new endpoint is covered
without touching this file. Each case sends the plain request and its twin (``path/`` plus
``?unknownParam=1``) to two identical fresh workers and expects the same status and body.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from distconnect.rest.app import RESOURCES, build_app
from distconnect.rest.context import RestContext, ServerInfo
from distconnect.rest.forwarding import HerderRequests
from distconnect.runtime.rest_client import RestClient
from distconnect.runtime.states import TargetState
from tests.unit.rest.fake_herder import FakeHerder

ROUTES = sorted({(r.method, r.path) for routes in RESOURCES for r in routes if isinstance(r, web.RouteDef)})
#: Path variables filled with things that exist on the seeded worker.
VALUES = {"name": "src", "task": "0", "pluginName": "FileStreamSource", "logger": "distconnect"}
_VARIABLE = re.compile(r"\{(\w+)(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}")
SOURCE = {"connector.class": "FileStreamSource", "tasks.max": "1", "topic": "t", "name": "src"}
#: Bodies the endpoints accept; anything else gets ``{}`` (a 4xx is as good a comparison).
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/connectors"): {"name": "new", "config": SOURCE | {"name": "new"}},
    ("PUT", "/connectors/{name}/config"): SOURCE,
    ("PATCH", "/connectors/{name}/config"): {"tasks.max": "1"},
    ("PUT", "/connector-plugins/{pluginName}/config/validate"): SOURCE,
    ("PUT", "/admin/loggers/{logger}"): {"level": "DEBUG"},
}
NOT_ROUTED = {"error_code": 404, "message": "HTTP 404 Not Found"}


def concrete(path: str) -> str:
    return _VARIABLE.sub(lambda m: VALUES.get(m[1], "x"), path)


async def answer(method: str, path: str, body: Any) -> tuple[int, Any]:
    """The answer of a fresh worker with one connector ``src`` (one task) to one request."""
    herder = FakeHerder()
    herder.configs["src"] = dict(SOURCE)
    herder.targets["src"] = TargetState.STARTED
    herder.task_configs["src"] = [{"task.index": "0"}]
    async with RestClient() as forwarder:
        requests = HerderRequests(forwarder, request_timeout_s=30)
        requests.herder = herder
        app = build_app(RestContext(ServerInfo("9.9.9", "abc123", "cluster-1"), requests))
        async with TestClient(TestServer(app)) as client:
            response = await client.request(method, path, json=body)
            raw = await response.read()
            result = response.status, (await response.json() if raw else None)
        await requests.close()
    return result


def test_every_resource_route_is_listed() -> None:
    paths = {path for _, path in ROUTES}
    assert {"/connectors", "/connector-plugins", "/admin/loggers", "/admin/loggers/{logger}"} <= paths


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_trailing_slash_and_unknown_parameters_change_nothing(method: str, template: str) -> None:
    body = BODIES.get((method, template), {} if method in ("POST", "PUT", "PATCH") else None)
    path = concrete(template)
    plain = await answer(method, path, body)
    assert plain[0] != 405, f"{method} {path} is not routed: {plain}"
    assert plain[1] != NOT_ROUTED, f"{method} {path} is not routed: {plain}"
    twin_path = path if path == "/" else f"{path}/"
    twin = await answer(method, f"{twin_path}?unknownParam=1&another=x", body)
    assert twin == plain


async def test_a_trailing_slash_is_served_not_redirected() -> None:
    status, levels = await answer("GET", "/admin/loggers/", None)
    assert status == 200
    assert "root" in levels
    status, created = await answer("POST", "/connectors/?bogus=true", BODIES[("POST", "/connectors")])
    assert status == 201
    assert created["name"] == "new"


async def test_an_unknown_path_is_still_404() -> None:
    assert await answer("GET", "/connectors-nope/", None) == (404, NOT_ROUTED)
    assert await answer("GET", "/connectors//", None) == (404, NOT_ROUTED)
