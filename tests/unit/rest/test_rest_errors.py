"""The error middleware: every failure is ``{"error_code", "message"}`` with Apache's status."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from distconnect.rest.errors import STALE_CONFIG
from distconnect.rest.forwarding import TIMED_OUT
from distconnect.runtime.herder import ConnectRestError, RebalanceNeededError
from tests.support import eventually
from tests.unit.rest.conftest import ServerFactory
from tests.unit.rest.fake_herder import FakeHerder

Client = TestClient[web.Request, web.Application]
SOURCE = {"connector.class": "FileStreamSource", "topic": "t"}


async def test_unknown_path_is_404_in_the_error_shape(rest: Client) -> None:
    response = await rest.get("/no/such/thing")
    assert response.status == 404
    assert response.content_type == "application/json"
    assert await response.json() == {"error_code": 404, "message": "HTTP 404 Not Found"}


async def test_wrong_method_is_405_and_says_which_are_allowed(rest: Client) -> None:
    response = await rest.delete("/connectors")
    assert response.status == 405
    assert await response.json() == {"error_code": 405, "message": "HTTP 405 Method Not Allowed"}
    assert set(response.headers["Allow"].split(",")) >= {"GET", "POST"}


async def test_malformed_json_is_400_naming_the_problem(rest: Client) -> None:
    response = await rest.post(
        "/connectors", data=b'{"name": "x", "config": {', headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    body = await response.json()
    assert body["error_code"] == 400
    assert body["message"].startswith("Request body is not valid JSON: ")


async def test_a_form_body_is_415_as_jax_rs_consumes_json(rest: Client) -> None:
    response = await rest.post("/connectors", data={"name": "x"})
    assert response.status == 415
    assert await response.json() == {"error_code": 415, "message": "HTTP 415 Unsupported Media Type"}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ([1, 2], "must be a JSON object"),
        ({"name": "x"}, "no connector configuration"),
        ({"name": "x", "config": {"nested": {"a": 1}}}, "'nested'"),
        ({"name": "x", "config": ["a"]}, "must be a JSON object"),
    ],
)
async def test_wrong_body_shapes_are_400(rest: Client, body: object, fragment: str) -> None:
    response = await rest.post("/connectors", json=body)
    assert response.status == 400
    assert fragment in (await response.json())["message"]


async def test_put_config_without_body_is_400(rest: Client) -> None:
    response = await rest.put("/connectors/x/config")
    assert response.status == 400
    assert "not null" in (await response.json())["message"]


async def test_unexpected_herder_error_is_500_with_its_message(rest: Client, herder: FakeHerder) -> None:
    herder.errors["connectors"] = RuntimeError("the herder fell over")
    response = await rest.get("/connectors")
    assert response.status == 500
    assert await response.json() == {"error_code": 500, "message": "the herder fell over"}


async def test_rebalance_needed_is_409(rest: Client, herder: FakeHerder) -> None:
    herder.errors["put_connector_config"] = RebalanceNeededError("pending")
    response = await rest.put("/connectors/x/config", json=SOURCE)
    assert response.status == 409
    assert await response.json() == {"error_code": 409, "message": STALE_CONFIG}


async def test_connect_rest_error_keeps_status_and_error_code(rest: Client, herder: FakeHerder) -> None:
    herder.errors["delete_connector"] = ConnectRestError(403, "not yours", error_code=40301)
    response = await rest.delete("/connectors/x")
    assert response.status == 403
    assert await response.json() == {"error_code": 40301, "message": "not yours"}


async def test_request_timeout_is_500_and_the_operation_still_completes(
    start_server: ServerFactory, http: aiohttp.ClientSession
) -> None:
    herder = FakeHerder()
    herder.gate = gate = asyncio.Event()
    server = await start_server(herder, request_timeout_s=0.2)
    response = await http.put(f"{server.advertised_url}connectors/slow/config", json=SOURCE)
    assert response.status == 500
    assert await response.json() == {"error_code": 500, "message": TIMED_OUT}
    gate.set()  # the herder finishes what it started, as Apache's herder thread does
    await eventually(lambda: "put_connector_config" in herder.finished, deadline_s=5, what="the write")
    assert "slow" in herder.configs


async def test_before_the_herder_is_attached_requests_answer_503(
    start_server: ServerFactory, http: aiohttp.ClientSession
) -> None:
    server = await start_server()
    response = await http.get(f"{server.advertised_url}connectors")
    assert response.status == 503
    body = await response.json()
    assert body["error_code"] == 503
    assert "starting" in body["message"]
    root = await http.get(server.advertised_url)
    assert root.status == 200
    server.set_herder(FakeHerder())
    assert (await http.get(f"{server.advertised_url}connectors")).status == 200
