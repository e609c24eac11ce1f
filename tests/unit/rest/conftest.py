"""Fixtures for the REST tests: the app on aiohttp's test server with a fake herder, real
:class:`RestServer` instances on free ports, and a recorder that stands in for another worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from distconnect.rest.app import build_app
from distconnect.rest.context import RestContext, ServerInfo
from distconnect.rest.forwarding import HerderRequests
from distconnect.rest.server import RestServer
from distconnect.runtime.herder import Herder
from distconnect.runtime.rest_client import RestClient
from distconnect.runtime.worker_config import StandaloneConfig
from tests.unit.rest.fake_herder import FakeHerder

JSON = "org.apache.kafka.connect.json.JsonConverter"
ServerFactory = Callable[..., Awaitable[RestServer]]


def worker_config(**props: str) -> StandaloneConfig:
    """A standalone worker config; keyword names use ``_`` for ``.``."""
    settings = {
        "key.converter": JSON,
        "value.converter": JSON,
        "offset.storage.file.filename": "/nonexistent/offsets",
        "listeners": "http://127.0.0.1:0",
    }
    settings.update({k.replace("_", "."): v for k, v in props.items()})
    return StandaloneConfig(settings)


@pytest.fixture
def herder() -> FakeHerder:
    return FakeHerder()


@pytest.fixture
async def rest(herder: FakeHerder) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """A test client for the REST app serving ``herder``."""
    async with RestClient() as forwarder:
        requests = HerderRequests(forwarder, request_timeout_s=30)
        requests.herder = herder
        app = build_app(RestContext(ServerInfo("9.9.9", "abc123", "cluster-1"), requests))
        async with TestClient(TestServer(app)) as client:
            yield client
        await requests.close()


@pytest.fixture
async def start_server() -> AsyncIterator[ServerFactory]:
    """``await start_server(herder, request_timeout_s=..., **worker_props)``: a running RestServer."""
    started: list[RestServer] = []

    async def start(
        herder: Herder | None = None, *, request_timeout_s: float = 30, **props: str
    ) -> RestServer:
        server = RestServer(
            worker_config(**props),
            kafka_cluster_id="cluster-1",
            version="9.9.9",
            request_timeout_s=request_timeout_s,
        )
        await server.start()
        started.append(server)
        if herder is not None:
            server.set_herder(herder)
        return server

    yield start
    for server in reversed(started):
        await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    """Stands in for another worker: records each request and answers with ``reply``."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    reply: tuple[int, bytes] = (200, b"{}")

    def answer(self, status: int, body: Any = None, *, raw: bytes | None = None) -> None:
        self.reply = (status, raw if raw is not None else (b"" if body is None else orjson.dumps(body)))


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    record = Recorder()

    async def handle(request: web.Request) -> web.Response:
        record.requests.append(
            Recorded(
                request.method,
                request.rel_url.raw_path,
                dict(request.query),
                dict(request.headers),
                await request.read(),
            )
        )
        status, body = record.reply
        if status == 204 or not body:
            return web.Response(status=status)
        return web.Response(status=status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    record.url = str(server.make_url("/"))
    yield record
    await server.close()
