"""Every endpoint's status code and body shape, against the in-memory herder."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from distconnect.api.errors import NotFoundError
from distconnect.runtime.herder import ConnectorStateInfo
from distconnect.runtime.states import State, Status, TargetState, TaskId
from tests.unit.rest.fake_herder import FakeHerder

Client = TestClient[web.Request, web.Application]
SOURCE = {"connector.class": "FileStreamSource", "tasks.max": "2", "topic": "t"}


async def create(rest: Client, name: str = "src", config: dict[str, Any] | None = None, **extra: Any) -> Any:
    response = await rest.post("/connectors", json={"name": name, "config": config or SOURCE, **extra})
    assert response.status == 201, await response.text()
    return await response.json()


async def test_root_shows_version_commit_and_cluster(rest: Client) -> None:
    response = await rest.get("/")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == {"version": "9.9.9", "commit": "abc123", "kafka_cluster_id": "cluster-1"}


async def test_create_answers_201_with_location_and_connector_info(rest: Client, herder: FakeHerder) -> None:
    response = await rest.post("/connectors", json={"name": "  src  ", "config": SOURCE})
    assert response.status == 201
    assert response.headers["Location"] == "/connectors/src"
    assert await response.json() == {
        "name": "src",
        "config": {**SOURCE, "name": "src"},
        "tasks": [{"connector": "src", "task": 0}, {"connector": "src", "task": 1}],
        "type": "source",
    }
    assert herder.targets["src"] is TargetState.STARTED


async def test_create_coerces_scalars_to_strings(rest: Client, herder: FakeHerder) -> None:
    await create(rest, config={"connector.class": "X", "tasks.max": 3, "flag": True, "ratio": 0.5})
    assert herder.configs["src"] == {
        "connector.class": "X",
        "tasks.max": "3",
        "flag": "true",
        "ratio": "0.5",
        "name": "src",
    }


@pytest.mark.parametrize(
    ("initial", "target"),
    [("RUNNING", TargetState.STARTED), ("paused", TargetState.PAUSED), ("STOPPED", TargetState.STOPPED)],
)
async def test_create_initial_state(
    rest: Client, herder: FakeHerder, initial: str, target: TargetState
) -> None:
    await create(rest, initial_state=initial)
    assert herder.targets["src"] is target


async def test_create_rejects_an_unknown_initial_state(rest: Client) -> None:
    response = await rest.post("/connectors", json={"name": "c", "config": SOURCE, "initial_state": "FAST"})
    assert response.status == 400
    assert "initial_state" in (await response.json())["message"]


async def test_create_with_mismatched_config_name_is_400(rest: Client) -> None:
    response = await rest.post("/connectors", json={"name": "a", "config": {**SOURCE, "name": "b"}})
    assert response.status == 400
    assert await response.json() == {
        "error_code": 400,
        "message": "Connector name configuration (b) doesn't match connector name in the URL (a)",
    }


async def test_create_without_name_passes_an_empty_name_to_validation(
    rest: Client, herder: FakeHerder
) -> None:
    await create(rest, name=None)  # type: ignore[arg-type]
    assert herder.configs[""]["name"] == ""


async def test_create_existing_is_409(rest: Client) -> None:
    await create(rest)
    response = await rest.post("/connectors", json={"name": "src", "config": SOURCE})
    assert response.status == 409
    assert await response.json() == {"error_code": 409, "message": "Connector src already exists"}


async def test_create_invalid_config_is_400_with_apaches_message(rest: Client) -> None:
    response = await rest.post("/connectors", json={"name": "c", "config": {"topic": "t"}})
    assert response.status == 400
    assert await response.json() == {
        "error_code": 400,
        "message": "Connector configuration is invalid and contains the following 1 error(s):\n"
        'Missing required configuration "connector.class" which has no default value.\n'
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`",
    }


async def test_list_connectors(rest: Client) -> None:
    assert await (await rest.get("/connectors")).json() == []
    await create(rest, "b")
    await create(rest, "a")
    response = await rest.get("/connectors")
    assert response.status == 200
    assert await response.json() == ["a", "b"]


async def test_list_connectors_expanded(rest: Client, herder: FakeHerder) -> None:
    await create(rest, "a", config={**SOURCE, "tasks.max": "1"})
    response = await rest.get("/connectors?expand=status&expand=info&expand=bogus")
    assert response.status == 200
    assert await response.json() == {
        "a": {
            "status": {
                "name": "a",
                "connector": {"state": "RUNNING", "worker_id": "fake:8083"},
                "tasks": [{"id": 0, "state": "RUNNING", "worker_id": "fake:8083"}],
                "type": "source",
            },
            "info": {
                "name": "a",
                "config": {**SOURCE, "tasks.max": "1", "name": "a"},
                "tasks": [{"connector": "a", "task": 0}],
                "type": "source",
            },
        }
    }
    only_info = await (await rest.get("/connectors?expand=info")).json()
    assert set(only_info["a"]) == {"info"}
    assert await (await rest.get("/connectors?expand=bogus")).json() == {"a": {}}


async def test_list_expanded_leaves_out_connectors_without_status(
    rest: Client, herder: FakeHerder, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create(rest, "a")
    await create(rest, "b")
    original = herder.connector_status

    async def status(name: str) -> ConnectorStateInfo:
        if name == "a":  # deleted while the listing runs
            raise NotFoundError(f"No status found for connector {name}")
        return await original(name)

    monkeypatch.setattr(herder, "connector_status", status)
    body = await (await rest.get("/connectors?expand=status")).json()
    assert set(body) == {"b"}


async def test_get_connector_info_and_404(rest: Client) -> None:
    await create(rest)
    response = await rest.get("/connectors/src")
    assert response.status == 200
    assert (await response.json())["tasks"] == [
        {"connector": "src", "task": 0},
        {"connector": "src", "task": 1},
    ]
    missing = await rest.get("/connectors/nope")
    assert missing.status == 404
    assert await missing.json() == {"error_code": 404, "message": "Connector nope not found"}


async def test_get_config(rest: Client) -> None:
    await create(rest)
    response = await rest.get("/connectors/src/config")
    assert response.status == 200
    assert await response.json() == {**SOURCE, "name": "src"}
    assert (await rest.get("/connectors/nope/config")).status == 404


async def test_put_config_creates_with_201_then_replaces_with_200(rest: Client, herder: FakeHerder) -> None:
    created = await rest.put("/connectors/new/config", json=SOURCE)
    assert created.status == 201
    assert created.headers["Location"] == "/connectors/new"
    assert (await created.json())["config"] == {**SOURCE, "name": "new"}
    replaced = await rest.put("/connectors/new/config", json={**SOURCE, "tasks.max": "1"})
    assert replaced.status == 200
    assert "Location" not in replaced.headers
    assert (await replaced.json())["tasks"] == [{"connector": "new", "task": 0}]


async def test_put_config_name_mismatch_is_400(rest: Client) -> None:
    response = await rest.put("/connectors/a/config", json={**SOURCE, "name": "b"})
    assert response.status == 400
    assert (await response.json())["message"] == (
        "Connector name configuration (b) doesn't match connector name in the URL (a)"
    )


async def test_put_config_encoded_name(rest: Client, herder: FakeHerder) -> None:
    response = await rest.put("/connectors/my%20conn/config", json=SOURCE)
    assert response.status == 201
    assert response.headers["Location"] == "/connectors/my%20conn"
    assert "my conn" in herder.configs


async def test_patch_config_merges_and_null_removes(rest: Client, herder: FakeHerder) -> None:
    await create(rest, config={**SOURCE, "extra": "x"})
    response = await rest.patch("/connectors/src/config", json={"topic": "u", "extra": None})
    assert response.status == 200
    body = await response.json()
    assert body["config"] == {
        "connector.class": "FileStreamSource",
        "tasks.max": "2",
        "topic": "u",
        "name": "src",
    }
    assert body["type"] == "source"
    missing = await rest.patch("/connectors/nope/config", json={"a": "b"})
    assert missing.status == 404


async def test_connector_status_renders_trace_only_when_present(rest: Client, herder: FakeHerder) -> None:
    await create(rest, "snk", config={"connector.class": "FileStreamSink", "tasks.max": "2"})
    herder.statuses["snk"] = ConnectorStateInfo(
        "snk",
        Status(State.RUNNING, "w1:8083", trace=""),
        {1: Status(State.FAILED, "w2:8083", trace="Traceback ..."), 0: Status(State.RUNNING, "w1:8083")},
        "sink",
    )
    response = await rest.get("/connectors/snk/status")
    assert response.status == 200
    assert await response.json() == {
        "name": "snk",
        "connector": {"state": "RUNNING", "worker_id": "w1:8083"},
        "tasks": [
            {"id": 0, "state": "RUNNING", "worker_id": "w1:8083"},
            {"id": 1, "state": "FAILED", "worker_id": "w2:8083", "trace": "Traceback ..."},
        ],
        "type": "sink",
    }
    missing = await rest.get("/connectors/nope/status")
    assert missing.status == 404
    assert (await missing.json())["message"] == "No status found for connector nope"


async def test_tasks_list(rest: Client) -> None:
    await create(rest)
    response = await rest.get("/connectors/src/tasks")
    assert response.status == 200
    assert await response.json() == [
        {"id": {"connector": "src", "task": 0}, "config": {"task.index": "0"}},
        {"id": {"connector": "src", "task": 1}, "config": {"task.index": "1"}},
    ]
    assert (await rest.get("/connectors/nope/tasks")).status == 404


async def test_task_status(rest: Client) -> None:
    await create(rest)
    response = await rest.get("/connectors/src/tasks/1/status")
    assert response.status == 200
    assert await response.json() == {"id": 1, "state": "RUNNING", "worker_id": "fake:8083"}
    missing = await rest.get("/connectors/src/tasks/7/status")
    assert missing.status == 404
    assert (await missing.json())["message"] == "No status found for task src-7"
    not_a_number = await rest.get("/connectors/src/tasks/x/status")
    assert not_a_number.status == 404


async def test_plain_restart_is_204_without_body(rest: Client, herder: FakeHerder) -> None:
    await create(rest)
    response = await rest.post("/connectors/src/restart")
    assert response.status == 204
    assert await response.read() == b""
    assert herder.restarted == ["src include_tasks=False only_failed=False"]
    # Anything but "true" reads as false, as JAX-RS reads a Boolean.
    assert (await rest.post("/connectors/src/restart?includeTasks=yes")).status == 204


async def test_restart_with_tasks_is_202_with_the_plan(rest: Client, herder: FakeHerder) -> None:
    await create(rest)
    herder.statuses["src"] = ConnectorStateInfo(
        "src",
        Status(State.RUNNING, "w"),
        {0: Status(State.RUNNING, "w"), 1: Status(State.FAILED, "w", "boom")},
        "source",
    )
    response = await rest.post("/connectors/src/restart?includeTasks=true&onlyFailed=true")
    assert response.status == 202
    assert await response.json() == {
        "name": "src",
        "connector": {"state": "RUNNING", "worker_id": "w"},
        "tasks": [
            {"id": 0, "state": "RUNNING", "worker_id": "w"},
            {"id": 1, "state": "RESTARTING", "worker_id": "w", "trace": "boom"},
        ],
        "type": "source",
    }
    assert herder.restarted[-1] == "src include_tasks=True only_failed=True"
    assert (await rest.post("/connectors/nope/restart?includeTasks=true")).status == 404


async def test_task_restart(rest: Client, herder: FakeHerder) -> None:
    await create(rest)
    response = await rest.post("/connectors/src/tasks/1/restart")
    assert response.status == 204
    assert herder.restarted == [str(TaskId("src", 1))]
    missing = await rest.post("/connectors/src/tasks/5/restart")
    assert missing.status == 404
    assert (await missing.json())["message"] == "Task src-5 not found"


@pytest.mark.parametrize(
    ("action", "status", "target"),
    [
        ("pause", 202, TargetState.PAUSED),
        ("resume", 202, TargetState.STARTED),
        ("stop", 204, TargetState.STOPPED),
    ],
)
async def test_target_state_changes(
    rest: Client, herder: FakeHerder, action: str, status: int, target: TargetState
) -> None:
    await create(rest)
    response = await rest.put(f"/connectors/src/{action}")
    assert response.status == status
    assert await response.read() == b""
    assert herder.targets["src"] is target
    missing = await rest.put(f"/connectors/nope/{action}")
    assert missing.status == 404


async def test_delete(rest: Client, herder: FakeHerder) -> None:
    await create(rest)
    response = await rest.delete("/connectors/src")
    assert response.status == 204
    assert herder.configs == {}
    missing = await rest.delete("/connectors/src")
    assert missing.status == 404
    assert await missing.json() == {"error_code": 404, "message": "Connector src not found"}


@pytest.mark.skipif(
    "version" not in {f.name for f in dataclasses.fields(Status)},
    reason="statuses carry no plugin version yet",
)
async def test_status_shows_the_plugin_version_when_known(rest: Client, herder: FakeHerder) -> None:
    await create(rest, config={**SOURCE, "tasks.max": "1"})
    versioned = Status(State.RUNNING, "w", version="3.1.0")  # type: ignore[call-arg]
    herder.statuses["src"] = ConnectorStateInfo("src", versioned, {0: Status(State.RUNNING, "w")}, "source")
    body = await (await rest.get("/connectors/src/status")).json()
    assert body["connector"] == {"state": "RUNNING", "worker_id": "w", "version": "3.1.0"}
    assert body["tasks"] == [{"id": 0, "state": "RUNNING", "worker_id": "w"}]
