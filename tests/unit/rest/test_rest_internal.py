"""The internal task-config endpoint: the herder verifies KIP-507 signatures over the exact body."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from distconnect.runtime import signature
from tests.unit.rest.fake_herder import FakeHerder

Client = TestClient[web.Request, web.Application]
KEY = b"k" * 32
# Odd spacing on purpose: the signature covers these bytes, not a re-serialisation of them.
BODY = b'[ {"task": "0", "n": 1},  {"task": "1"} ]'


async def post(rest: Client, body: bytes, headers: dict[str, str]) -> tuple[int, object]:
    response = await rest.post(
        "/connectors/c/tasks", data=body, headers={"Content-Type": "application/json", **headers}
    )
    return response.status, (await response.json() if response.status != 204 else None)


@pytest.fixture
def connector(herder: FakeHerder) -> FakeHerder:
    herder.configs["c"] = {"connector.class": "X", "name": "c"}
    return herder


async def test_signed_task_configs_are_stored(rest: Client, connector: FakeHerder) -> None:
    status, _ = await post(rest, BODY, signature.signature_headers(KEY, "HmacSHA256", BODY))
    assert status == 204
    assert connector.task_configs["c"] == [{"task": "0", "n": "1"}, {"task": "1"}]


async def test_missing_signature_is_400(rest: Client, connector: FakeHerder) -> None:
    assert await post(rest, BODY, {}) == (
        400,
        {"error_code": 400, "message": "Internal request missing required signature"},
    )


async def test_wrong_signature_is_403(rest: Client, connector: FakeHerder) -> None:
    headers = signature.signature_headers(b"x" * 32, "HmacSHA256", BODY)
    assert await post(rest, BODY, headers) == (
        403,
        {"error_code": 403, "message": "Internal request contained invalid signature."},
    )


async def test_unaccepted_algorithm_is_400(rest: Client, connector: FakeHerder) -> None:
    status, body = await post(rest, BODY, signature.signature_headers(KEY, "HmacSHA512", BODY))
    assert status == 400
    assert "HmacSHA512" in body["message"]  # type: ignore[index]


async def test_no_session_key_yet_is_503(rest: Client, connector: FakeHerder) -> None:
    connector.session_key = None
    status, body = await post(rest, BODY, signature.signature_headers(KEY, "HmacSHA256", BODY))
    assert status == 503
    assert body["error_code"] == 503  # type: ignore[index]


async def test_body_must_be_a_list_of_string_maps(rest: Client, connector: FakeHerder) -> None:
    for bad in (b'{"task": "0"}', b'[["a"]]'):
        status, _ = await post(rest, bad, signature.signature_headers(KEY, "HmacSHA256", bad))
        assert status == 400
