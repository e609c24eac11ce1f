"""RestClient: Apache's RestClient response rules, against a recording stand-in worker."""

from __future__ import annotations

import pytest

from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.rest_client import RestClient
from tests.unit.rest.conftest import Recorder


async def test_json_answers_and_headers(recorder: Recorder) -> None:
    recorder.answer(200, {"a": 1})
    async with RestClient() as client:
        status, body = await client.request(
            "POST", f"{recorder.url}connectors/x/tasks", b"[]", {"X-Connect-Authorization": "sig"}
        )
    assert (status, body) == (200, {"a": 1})
    seen = recorder.requests[-1]
    assert seen.body == b"[]"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["User-Agent"] == "kafka-connect"
    assert seen.headers["X-Connect-Authorization"] == "sig"


async def test_no_content(recorder: Recorder) -> None:
    recorder.answer(204)
    async with RestClient() as client:
        assert await client.request("DELETE", f"{recorder.url}connectors/x") == (204, None)
    assert "Content-Type" not in recorder.requests[-1].headers


async def test_error_answers_are_raised_with_their_status_and_code(recorder: Recorder) -> None:
    recorder.answer(409, {"error_code": 40901, "message": "busy"})
    async with RestClient() as client:
        with pytest.raises(ConnectRestError) as caught:
            await client.request("GET", recorder.url)
    assert (caught.value.status, caught.value.error_code, caught.value.message) == (409, 40901, "busy")


async def test_percent_encoded_paths_are_sent_as_given(recorder: Recorder) -> None:
    async with RestClient() as client:
        await client.request("GET", f"{recorder.url}connectors/a%2Fb%20c/status")
    assert recorder.requests[-1].path == "/connectors/a%2Fb%20c/status"


async def test_request_before_start_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError, match="start"):
        await RestClient().request("GET", "http://127.0.0.1:1/")
