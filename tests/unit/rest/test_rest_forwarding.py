"""Forwarding to the leader or owner between real in-process servers (HerderRequestHandler rules)."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from distconnect.rest.forwarding import CONFLICT, NO_LEADER
from distconnect.runtime.herder import NotAssignedError, NotLeaderError
from tests.unit.rest.conftest import Recorder, ServerFactory
from tests.unit.rest.fake_herder import FakeHerder

SOURCE = {"connector.class": "FileStreamSource", "tasks.max": "1", "topic": "t"}


async def test_a_write_on_a_follower_ends_on_the_leader(
    start_server: ServerFactory, http: aiohttp.ClientSession
) -> None:
    leader_herder, follower_herder = FakeHerder("leader:1"), FakeHerder("follower:2")
    leader = await start_server(leader_herder)
    follower = await start_server(follower_herder)
    follower_herder.errors["put_connector_config"] = NotLeaderError("not the leader", leader.advertised_url)

    response = await http.post(f"{follower.advertised_url}connectors", json={"name": "c", "config": SOURCE})
    assert response.status == 201
    assert response.headers["Location"] == "/connectors/c"
    assert (await response.json())["name"] == "c"
    assert "c" in leader_herder.configs
    assert follower_herder.configs == {}

    # A forwarded PUT keeps the leader's 201-vs-200 answer.
    replaced = await http.put(f"{follower.advertised_url}connectors/c/config", json=SOURCE)
    assert replaced.status == 200
    created = await http.put(f"{follower.advertised_url}connectors/d/config", json=SOURCE)
    assert created.status == 201
    assert created.headers["Location"] == "/connectors/d"


async def test_a_forwarded_error_keeps_its_status_and_message(
    start_server: ServerFactory, http: aiohttp.ClientSession
) -> None:
    leader = await start_server(FakeHerder("leader:1"))
    follower_herder = FakeHerder()
    follower_herder.errors["delete_connector"] = NotLeaderError("not the leader", leader.advertised_url)
    follower = await start_server(follower_herder)
    response = await http.delete(f"{follower.advertised_url}connectors/ghost")
    assert response.status == 404
    assert await response.json() == {"error_code": 404, "message": "Connector ghost not found"}


async def test_two_hops_at_most_then_409(start_server: ServerFactory, http: aiohttp.ClientSession) -> None:
    # a → b → c, and c wants to forward again: the third hop is refused with 409.
    herders = [FakeHerder(f"w{i}:1") for i in range(3)]
    servers = [await start_server(h) for h in herders]
    for here, there in ((0, 1), (1, 2), (2, 0)):
        herders[here].errors["restart_task"] = NotAssignedError("not mine", servers[there].advertised_url)
    response = await http.post(f"{servers[0].advertised_url}connectors/c/tasks/0/restart")
    assert response.status == 409
    assert await response.json() == {"error_code": 409, "message": CONFLICT}


async def test_forward_false_is_not_forwarded_again(
    start_server: ServerFactory, http: aiohttp.ClientSession
) -> None:
    herder = FakeHerder()
    herder.errors["set_target_state"] = NotLeaderError("not the leader", "http://127.0.0.1:9/")
    server = await start_server(herder)
    response = await http.put(f"{server.advertised_url}connectors/c/stop?forward=false")
    assert response.status == 409
    assert await response.json() == {"error_code": 409, "message": CONFLICT}


async def test_unknown_leader_is_409(start_server: ServerFactory, http: aiohttp.ClientSession) -> None:
    herder = FakeHerder()
    herder.errors["put_connector_config"] = NotLeaderError("no leader yet", None)
    server = await start_server(herder)
    response = await http.put(f"{server.advertised_url}connectors/c/config", json=SOURCE)
    assert response.status == 409
    assert await response.json() == {"error_code": 409, "message": NO_LEADER}


async def test_forwarded_request_carries_path_query_body_and_only_authorization(
    start_server: ServerFactory, http: aiohttp.ClientSession, recorder: Recorder
) -> None:
    herder = FakeHerder()
    herder.errors["restart_connector"] = NotAssignedError("owner elsewhere", recorder.url)
    herder.errors["put_connector_config"] = NotLeaderError("not the leader", recorder.url)
    server = await start_server(herder)
    recorder.answer(
        202, {"name": "my conn", "connector": {"state": "RESTARTING", "worker_id": "x"}, "tasks": []}
    )

    response = await http.post(
        f"{server.advertised_url}connectors/my%20conn/restart?includeTasks=true&ignored=1",
        headers={"Authorization": "Basic dXNlcjpwdw==", "X-Custom": "no", "Cookie": "session=1"},
    )
    assert response.status == 202
    assert (await response.json())["connector"]["state"] == "RESTARTING"
    seen = recorder.requests[-1]
    assert seen.method == "POST"
    assert seen.path == "/connectors/my%20conn/restart"
    assert seen.query == {"forward": "true", "includeTasks": "true", "onlyFailed": "false"}
    assert seen.headers["Authorization"] == "Basic dXNlcjpwdw=="
    assert seen.headers["User-Agent"] == "kafka-connect"
    assert "X-Custom" not in seen.headers
    assert "Cookie" not in seen.headers

    # A request that already was forwarded once goes on with forward=false, body unchanged.
    body = b'{"connector.class": "FileStreamSource",   "topic": "t"}'
    recorder.answer(200, {"name": "c", "config": {}, "tasks": [], "type": "source"})
    response = await http.put(
        f"{server.advertised_url}connectors/c/config?forward=true",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 200
    seen = recorder.requests[-1]
    assert (seen.method, seen.query, seen.body) == ("PUT", {"forward": "false"}, body)
    assert "Authorization" not in seen.headers


@pytest.mark.parametrize(
    ("status", "raw", "message"),
    [
        (302, b"", "Unexpected status code when handling forwarded request: 302"),
        (500, b"<html>proxy error</html>", "IO Error trying to forward REST request: "),
    ],
)
async def test_unusable_forwarded_answers_are_500(
    start_server: ServerFactory,
    http: aiohttp.ClientSession,
    recorder: Recorder,
    status: int,
    raw: bytes,
    message: str,
) -> None:
    herder = FakeHerder()
    herder.errors["delete_connector"] = NotLeaderError("not the leader", recorder.url)
    server = await start_server(herder)
    recorder.answer(status, raw=raw)
    response = await http.delete(f"{server.advertised_url}connectors/c")
    assert response.status == 500
    body = await response.json()
    assert body["error_code"] == 500
    assert body["message"].startswith(message)


async def test_forwarded_204_and_connection_failure(
    start_server: ServerFactory, http: aiohttp.ClientSession, recorder: Recorder
) -> None:
    herder = FakeHerder()
    herder.errors["delete_connector"] = NotLeaderError("not the leader", recorder.url)
    server = await start_server(herder)
    recorder.answer(204)
    assert (await http.delete(f"{server.advertised_url}connectors/c")).status == 204

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    herder.errors["delete_connector"] = NotLeaderError("not the leader", closed)
    response = await http.delete(f"{server.advertised_url}connectors/c")
    assert response.status == 500
    assert (await response.json())["message"].startswith("IO Error trying to forward REST request: ")


async def test_internal_task_configs_forward_the_exact_body(
    start_server: ServerFactory, http: aiohttp.ClientSession, recorder: Recorder
) -> None:
    herder = FakeHerder()
    herder.errors["put_task_configs_internal"] = NotLeaderError("not the leader", recorder.url)
    server = await start_server(herder)
    recorder.answer(204)
    body = b'[ {"task": "0"} ,{"task":"1"}]'
    response = await http.post(
        f"{server.advertised_url}connectors/c/tasks", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 204
    assert recorder.requests[-1].body == body
    assert recorder.requests[-1].path == "/connectors/c/tasks"
