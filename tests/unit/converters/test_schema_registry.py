"""SchemaRegistryClient against a scripted HTTP server on loopback: requests, caching, failover
and the translation of HTTP and connection failures into Connect errors."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from distconnect.api.errors import ConfigError, ConnectError, DataError, RetriableError
from distconnect.converters.schema_registry import SchemaRegistryClient
from distconnect.local.process import free_port

Handler = Callable[[web.Request], Awaitable[web.Response]]


@dataclass
class Registry:
    """A tiny fake registry: ``responses`` maps (method, path) to a handler; requests are logged."""

    url: str = ""
    requests: list[tuple[str, str, str, dict[str, str]]] = field(default_factory=list)
    responses: dict[tuple[str, str], Handler] = field(default_factory=dict)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        path = request.rel_url.raw_path  # still percent-encoded, as the client sent it
        self.requests.append((request.method, path, body, dict(request.headers)))
        handler = self.responses.get((request.method, path))
        if handler is None:
            return web.json_response({"error_code": 40401, "message": "Subject not found"}, status=404)
        return await handler(request)


def reply(status: int, body: object) -> Handler:
    async def handler(_: web.Request) -> web.Response:
        return web.json_response(body, status=status)

    return handler


@pytest.fixture
async def registry() -> AsyncIterator[Registry]:
    fake = Registry()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}/apis/ccompat/v7"
    try:
        yield fake
    finally:
        await runner.cleanup()


async def test_register_posts_the_schema_and_caches_the_id(registry: Registry) -> None:
    registry.responses[("POST", "/apis/ccompat/v7/subjects/orders%2Fv-value/versions")] = reply(
        200, {"id": 42}
    )
    client = SchemaRegistryClient([registry.url])
    assert client._session is None  # created lazily, on the loop that uses it
    try:
        assert await client.register("orders/v-value", '"string"') == 42
        assert await client.register("orders/v-value", '"string"') == 42
        assert await client.schema_by_id(42) == '"string"'  # known from the registration
    finally:
        await client.aclose()
    assert len(registry.requests) == 1
    method, path, body, headers = registry.requests[0]
    assert (method, path) == ("POST", "/apis/ccompat/v7/subjects/orders%2Fv-value/versions")
    assert json.loads(body) == {"schema": '"string"'}
    assert headers["Content-Type"] == "application/vnd.schemaregistry.v1+json"


async def test_schema_by_id_and_latest(registry: Registry) -> None:
    registry.responses[("GET", "/apis/ccompat/v7/schemas/ids/7")] = reply(200, {"schema": '"int"'})
    registry.responses[("GET", "/apis/ccompat/v7/subjects/s/versions/latest")] = reply(
        200, {"subject": "s", "id": 7, "version": 3, "schema": '"int"'}
    )
    client = SchemaRegistryClient([registry.url])
    try:
        assert await client.schema_by_id(7) == '"int"'
        assert await client.schema_by_id(7) == '"int"'
        latest = await client.latest("s")
        assert (latest.id, latest.version, latest.schema) == (7, 3, '"int"')
    finally:
        await client.aclose()
    assert [r[1] for r in registry.requests] == [
        "/apis/ccompat/v7/schemas/ids/7",
        "/apis/ccompat/v7/subjects/s/versions/latest",
    ]


async def test_unknown_id_is_a_data_error_naming_the_id(registry: Registry) -> None:
    registry.responses[("GET", "/apis/ccompat/v7/schemas/ids/5")] = reply(
        404, {"error_code": 40403, "message": "Schema 5 not found"}
    )
    client = SchemaRegistryClient([registry.url])
    try:
        with pytest.raises(DataError, match=r"schema id 5.*40403") as info:
            await client.schema_by_id(5)
    finally:
        await client.aclose()
    assert not info.value.retriable


async def test_incompatible_schema_is_a_data_error_naming_the_subject(registry: Registry) -> None:
    registry.responses[("POST", "/apis/ccompat/v7/subjects/t-value/versions")] = reply(
        409, {"error_code": 409, "message": "incompatible"}
    )
    client = SchemaRegistryClient([registry.url])
    try:
        with pytest.raises(DataError, match=r"subject 't-value'.*HTTP 409"):
            await client.register("t-value", '"string"')
    finally:
        await client.aclose()


async def test_lookup_miss_is_a_data_error_and_get_version_is_none(registry: Registry) -> None:
    client = SchemaRegistryClient([registry.url])
    try:
        with pytest.raises(DataError, match="40401"):
            await client.lookup("nope", '"string"')
        assert await client.get_version("nope", '"string"') is None
    finally:
        await client.aclose()


async def test_server_errors_are_retriable_and_fail_over_to_the_next_url(registry: Registry) -> None:
    registry.responses[("GET", "/broken/schemas/ids/1")] = reply(503, {"message": "down"})
    registry.responses[("GET", "/apis/ccompat/v7/schemas/ids/1")] = reply(200, {"schema": '"long"'})
    broken = registry.url.replace("/apis/ccompat/v7", "/broken")
    only_broken = SchemaRegistryClient([broken])
    both = SchemaRegistryClient([broken, registry.url])
    try:
        with pytest.raises(RetriableError, match=r"/broken answered HTTP 503") as info:
            await only_broken.schema_by_id(1)
        assert info.value.retriable
        assert await both.schema_by_id(1) == '"long"'
    finally:
        await only_broken.aclose()
        await both.aclose()


async def test_connection_refused_is_retriable_and_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    client = SchemaRegistryClient([url])
    try:
        with pytest.raises(RetriableError, match=f"{url} unreachable"):
            await client.register("t-value", '"string"')
    finally:
        await client.aclose()


async def test_timeout_is_retriable(registry: Registry) -> None:
    release = asyncio.Event()

    async def stall(_: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"schema": '"int"'})

    registry.responses[("GET", "/apis/ccompat/v7/schemas/ids/9")] = stall
    client = SchemaRegistryClient([registry.url], timeout=0.2)
    try:
        with pytest.raises(RetriableError, match="unreachable"):
            await client.schema_by_id(9)
    finally:
        release.set()
        await client.aclose()


async def test_basic_auth_is_sent_and_rejection_is_not_data_error(registry: Registry) -> None:
    async def guarded(request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"error_code": 40101, "message": "Unauthorized"}, status=401)
        return web.json_response({"schema": '"int"'})

    registry.responses[("GET", "/apis/ccompat/v7/schemas/ids/3")] = guarded
    good = SchemaRegistryClient([registry.url], user_info="alice:s3cret")
    bad = SchemaRegistryClient([registry.url], user_info="alice:wrong")
    try:
        assert await good.schema_by_id(3) == '"int"'
        with pytest.raises(ConnectError, match="HTTP 401") as info:
            await bad.schema_by_id(3)
        assert not isinstance(info.value, DataError)
        assert not info.value.retriable
    finally:
        await good.aclose()
        await bad.aclose()


@pytest.mark.parametrize(
    ("urls", "user_info"),
    [([], None), (["localhost:8081"], None), (["http://r:8081"], "no-colon")],
)
def test_bad_settings_are_config_errors(urls: list[str], user_info: str | None) -> None:
    with pytest.raises(ConfigError):
        SchemaRegistryClient(urls, user_info=user_info)
