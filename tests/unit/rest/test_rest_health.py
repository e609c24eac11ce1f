"""``GET /health`` (KIP-1017): healthy, starting, unhealthy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from distconnect.rest.app import build_app
from distconnect.rest.context import RestContext, ServerInfo
from distconnect.rest.forwarding import HerderRequests
from distconnect.rest.health import HEALTH_TIMEOUT
from distconnect.runtime.rest_client import RestClient
from tests.unit.rest.fake_herder import FakeHerder


class SlowHerder(FakeHerder):
    """A herder whose start-up and loop are under the test's control."""

    def __init__(self) -> None:
        super().__init__()
        self.started = False
        self.free = asyncio.Event()

    def startup_complete(self) -> bool:
        return self.started

    async def health_check(self) -> None:
        await self.free.wait()


@pytest.fixture
async def client() -> AsyncIterator[tuple[TestClient[web.Request, web.Application], HerderRequests]]:
    async with RestClient() as forwarder:
        requests = HerderRequests(forwarder, request_timeout_s=30)
        app = build_app(RestContext(ServerInfo("9.9.9", "abc", None), requests))
        app[HEALTH_TIMEOUT] = 0.2
        async with TestClient(TestServer(app)) as test_client:
            yield test_client, requests
        await requests.close()


async def test_health_follows_the_herder_from_starting_to_healthy_to_unhealthy(
    client: tuple[TestClient[web.Request, web.Application], HerderRequests],
) -> None:
    http, requests = client
    response = await http.get("/health")
    assert response.status == 503
    assert (await response.json())["status"] == "starting"

    herder = SlowHerder()
    requests.herder = herder
    response = await http.get("/health")  # attached, but its first rebalance has not completed
    assert response.status == 503
    assert (await response.json())["status"] == "starting"

    herder.started = True
    herder.free.set()
    response = await http.get("/health")
    assert response.status == 200
    assert await response.json() == {
        "status": "healthy",
        "message": "Worker has completed startup and is ready to handle requests.",
    }

    herder.free.clear()  # started, but something holds the herder
    response = await http.get("/health")
    assert response.status == 500
    assert (await response.json())["status"] == "unhealthy"
