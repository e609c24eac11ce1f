"""``/connectors/{name}/offsets`` (KIP-875) and ``/topics`` (KIP-558): codes, bodies and Apache's
messages, against the in-memory herder (and two real servers for forwarding)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from distconnect.runtime.herder import NotLeaderError, TopicTracking
from distconnect.runtime.offsets_parse import NO_OFFSETS, ConnectorOffset
from distconnect.runtime.states import TargetState
from tests.unit.rest.conftest import ServerFactory
from tests.unit.rest.fake_herder import FakeHerder

Client = TestClient[web.Request, web.Application]
SOURCE = {"connector.class": "FileStreamSource", "tasks.max": "1", "topic": "t", "file": "/tmp/in"}
SINK = {"connector.class": "FileStreamSink", "tasks.max": "2", "topics": "t", "file": "/tmp/out"}
NOT_STOPPED = (
    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
    "for the specified connector by issuing a 'PUT' request to the '/connectors/c/stop' endpoint"
)
ALTERED = "The offsets for this connector have been altered successfully"
RESET_UNCONFIRMED = (
    "The Connect framework-managed offsets for this connector have been reset successfully. However, if "
    "this connector manages offsets externally, they will need to be manually reset in the system that "
    "the connector uses."
)


async def create(rest: Client, config: dict[str, str], state: str = "STOPPED", name: str = "c") -> None:
    body = {"name": name, "config": config, "initial_state": state}
    response = await rest.post("/connectors", json=body)
    assert response.status == 201, await response.text()


async def error(response: aiohttp.ClientResponse, status: int) -> str:
    assert response.status == status, await response.text()
    body = await response.json()
    assert body["error_code"] == status
    return str(body["message"])


def sink_entry(topic: Any = "t", partition: Any = 0, offset: Any = 5) -> dict[str, Any]:
    return {
        "partition": {"kafka_topic": topic, "kafka_partition": partition},
        "offset": {"kafka_offset": offset},
    }


# -- GET ------------------------------------------------------------------------------------------
async def test_get_shows_the_stored_offsets_in_apaches_shape(rest: Client, herder: FakeHerder) -> None:
    await create(rest, SOURCE, "RUNNING")
    herder.stored_offsets["c"] = [ConnectorOffset({"filename": "/tmp/in"}, {"position": 42})]
    response = await rest.get("/connectors/c/offsets")
    assert response.status == 200
    assert await response.json() == {
        "offsets": [{"partition": {"filename": "/tmp/in"}, "offset": {"position": 42}}]
    }


async def test_get_of_a_connector_without_offsets_is_an_empty_list(rest: Client) -> None:
    await create(rest, SINK)
    response = await rest.get("/connectors/c/offsets")
    assert response.status == 200
    assert await response.json() == {"offsets": []}


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_unknown_connector_is_404(rest: Client, method: str) -> None:
    body = {"offsets": [sink_entry()]} if method == "PATCH" else None
    response = await rest.request(method, "/connectors/ghost/offsets", json=body)
    assert await error(response, 404) == "Connector ghost not found"


# -- PATCH: the body ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (None, NO_OFFSETS),
        ({}, NO_OFFSETS),
        ({"offsets": None}, NO_OFFSETS),
        ({"offsets": []}, NO_OFFSETS),
        ({"offsets": "all"}, "'offsets' must be a JSON array"),
        ([1], "must be a JSON object with an 'offsets' array, not an array"),
        ({"offsets": [7]}, "offsets[0] must be a JSON object"),
        (
            {"offsets": [{"partition": "p", "offset": {}}]},
            "The 'partition' of offsets[0] must be a JSON object",
        ),
        ({"offsets": [{"partition": {}, "offset": [1]}]}, "The 'offset' of offsets[0] must be a JSON object"),
    ],
)
async def test_malformed_alter_bodies_are_400_naming_the_field(
    rest: Client, body: Any, fragment: str
) -> None:
    await create(rest, SOURCE)
    response = await rest.patch("/connectors/c/offsets", json=body)
    assert fragment in await error(response, 400)


async def test_invalid_json_is_400(rest: Client) -> None:
    await create(rest, SOURCE)
    response = await rest.patch(
        "/connectors/c/offsets", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert "not valid JSON" in await error(response, 400)


# -- PATCH and DELETE: the rules ------------------------------------------------------------------
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_a_connector_that_is_not_stopped_is_400_with_apaches_message(
    rest: Client, herder: FakeHerder, method: str
) -> None:
    await create(rest, SINK, "RUNNING")
    body = {"offsets": [sink_entry()]} if method == "PATCH" else None
    response = await rest.request(method, "/connectors/c/offsets", json=body)
    assert await error(response, 400) == NOT_STOPPED
    herder.targets["c"] = TargetState.PAUSED
    response = await rest.request(method, "/connectors/c/offsets", json=body)
    assert await error(response, 400) == NOT_STOPPED


async def test_alter_sink_offsets_then_read_them_back(rest: Client, herder: FakeHerder) -> None:
    await create(rest, SINK)
    herder.confirmed = True
    body = {"offsets": [sink_entry(partition="1", offset="10"), sink_entry(partition=0, offset=3)]}
    response = await rest.patch("/connectors/c/offsets", json=body)
    assert response.status == 200
    assert await response.json() == {"message": ALTERED}
    read = await (await rest.get("/connectors/c/offsets")).json()
    assert sorted(read["offsets"], key=lambda o: o["partition"]["kafka_partition"]) == [
        sink_entry(partition=0, offset=3),
        sink_entry(partition=1, offset=10),
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"offset": {"kafka_offset": 1}},
            "The partition for a sink connector offset cannot be null or missing",
        ),
        (
            {"partition": {"kafka_partition": 0}, "offset": {"kafka_offset": 1}},
            "The partition for a sink connector offset must contain the keys "
            "'kafka_topic' and 'kafka_partition'",
        ),
        (sink_entry(topic=None), "Kafka topic names must be valid strings and may not be null"),
        (sink_entry(partition=None), "Kafka partitions must be valid numbers and may not be null"),
        (
            sink_entry(partition="zero"),
            "Failed to parse the following Kafka partition value in the provided offsets: 'zero'. "
            "Partition values for sink connectors need to be integers.",
        ),
        (
            sink_entry(offset="ten"),
            "Failed to parse the following Kafka offset value in the provided offsets: 'ten'. "
            "Offset values for sink connectors need to be integers.",
        ),
        (
            sink_entry(offset=1.5),
            "Failed to parse the following Kafka offset value in the provided offsets: '1.5'. "
            "Offset values for sink connectors need to be integers.",
        ),
        (
            {"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": {"position": 1}},
            "The offset for a sink connector should either be null or contain the key 'kafka_offset'",
        ),
    ],
)
async def test_bad_sink_offsets_are_400_with_apaches_messages(
    rest: Client, entry: dict[str, Any], message: str
) -> None:
    await create(rest, SINK)
    response = await rest.patch("/connectors/c/offsets", json={"offsets": [entry]})
    assert await error(response, 400) == message


async def test_source_offsets_must_hold_primitive_values(rest: Client) -> None:
    await create(rest, SOURCE)
    body = {"offsets": [{"partition": {"filename": "/tmp/in"}, "offset": {"position": {"line": 1}}}]}
    response = await rest.patch("/connectors/c/offsets", json=body)
    assert await error(response, 400) == (
        "Offsets may only contain primitive types as values, but field position contains MAP"
    )


async def test_reset_answers_apaches_message_and_empties_the_offsets(
    rest: Client, herder: FakeHerder
) -> None:
    await create(rest, SOURCE)
    herder.stored_offsets["c"] = [ConnectorOffset({"filename": "/tmp/in"}, {"position": 42})]
    response = await rest.delete("/connectors/c/offsets")
    assert response.status == 200
    assert await response.json() == {"message": RESET_UNCONFIRMED}
    assert await (await rest.get("/connectors/c/offsets")).json() == {"offsets": []}


async def test_alter_and_reset_on_a_follower_are_forwarded_to_the_leader(
    start_server: ServerFactory, http: aiohttp.ClientSession
) -> None:
    leader_herder, follower_herder = FakeHerder("leader:1"), FakeHerder("follower:2")
    leader = await start_server(leader_herder)
    follower = await start_server(follower_herder)
    leader_herder.configs["c"] = dict(SINK)
    leader_herder.targets["c"] = TargetState.STOPPED
    not_leader = NotLeaderError(
        "Only the leader can process external offsets modification requests", leader.advertised_url
    )
    follower_herder.errors["alter_connector_offsets"] = not_leader
    follower_herder.errors["reset_connector_offsets"] = not_leader

    altered = await http.patch(
        f"{follower.advertised_url}connectors/c/offsets", json={"offsets": [sink_entry()]}
    )
    assert altered.status == 200
    assert (await altered.json())["message"].startswith("The Connect framework-managed offsets")
    assert leader_herder.stored_offsets["c"] == [
        ConnectorOffset({"kafka_topic": "t", "kafka_partition": 0}, {"kafka_offset": 5})
    ]
    reset = await http.delete(f"{follower.advertised_url}connectors/c/offsets")
    assert reset.status == 200
    assert await reset.json() == {"message": RESET_UNCONFIRMED}
    assert leader_herder.finished[-2:] == ["alter_connector_offsets", "reset_connector_offsets"]

    # The leader's 400 comes back unchanged.
    leader_herder.targets["c"] = TargetState.STARTED
    refused = await http.delete(f"{follower.advertised_url}connectors/c/offsets")
    assert await error(refused, 400) == NOT_STOPPED


# -- topics ---------------------------------------------------------------------------------------
async def test_active_topics_shape_and_reset(rest: Client, herder: FakeHerder) -> None:
    await create(rest, SOURCE, "RUNNING")
    herder.topics_used["c"] = ["b", "a"]
    response = await rest.get("/connectors/c/topics")
    assert response.status == 200
    assert await response.json() == {"c": {"topics": ["a", "b"]}}
    reset = await rest.put("/connectors/c/topics/reset")
    assert reset.status == 202
    assert await reset.read() == b""
    assert await (await rest.get("/connectors/c/topics")).json() == {"c": {"topics": []}}


async def test_an_unknown_connector_has_no_active_topics(rest: Client) -> None:
    # Apache does not check the connector list here.
    response = await rest.get("/connectors/ghost/topics")
    assert response.status == 200
    assert await response.json() == {"ghost": {"topics": []}}


async def test_topic_tracking_disabled_is_403(rest: Client, herder: FakeHerder) -> None:
    herder.tracking = TopicTracking(enabled=False, allow_reset=True)
    assert await error(await rest.get("/connectors/c/topics"), 403) == "Topic tracking is disabled."
    assert await error(await rest.put("/connectors/c/topics/reset"), 403) == "Topic tracking is disabled."


async def test_topic_tracking_reset_disabled_is_403_for_the_reset_only(
    rest: Client, herder: FakeHerder
) -> None:
    herder.tracking = TopicTracking(enabled=True, allow_reset=False)
    herder.topics_used["c"] = ["a"]
    assert (
        await error(await rest.put("/connectors/c/topics/reset"), 403) == "Topic tracking reset is disabled."
    )
    assert herder.topics_used["c"] == ["a"]
    response = await rest.get("/connectors/c/topics")
    assert await response.json() == {"c": {"topics": ["a"]}}
