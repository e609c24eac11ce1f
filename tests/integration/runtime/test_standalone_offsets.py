"""KIP-875 offsets and KIP-558 active topics of a standalone worker on the session broker, over REST:
get → stop → alter → resume, and the task continues from the altered offset (source: the offsets
file; sink: the consumer group), then reset."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiokafka import AIOKafkaProducer

from distconnect.rest import RestServer
from distconnect.runtime.standalone import StandaloneHerder
from distconnect.runtime.worker_config import StandaloneConfig
from tests.integration.runtime.conftest import StandaloneFactory
from tests.support import consume_all, eventually

JSON = "org.apache.kafka.connect.json.JsonConverter"
STRING = "org.apache.kafka.connect.storage.StringConverter"
NOT_STOPPED = (
    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
    "for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def worker(
    standalone: StandaloneFactory, tmp_path: Path, kafka_bootstrap: str
) -> AsyncIterator[tuple[str, StandaloneHerder]]:
    """A standalone herder behind a REST server: (base URL, herder)."""
    config = StandaloneConfig(
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": JSON,
            "value.converter": JSON,
            "offset.storage.file.filename": str(tmp_path / "unused"),
            "listeners": "http://127.0.0.1:0",
        }
    )
    async with RestServer(config) as server, standalone() as herder:
        server.set_herder(herder)
        yield server.advertised_url, herder


async def call(http: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    async with http.request(method, url, json=body) as response:
        text = await response.text()
        return response.status, (await response.json() if text else None)


async def wait_state(http: aiohttp.ClientSession, url: str, state: str, tasks: int) -> None:
    async def reached() -> bool:
        code, body = await call(http, "GET", f"{url}/status")
        return (
            code == 200
            and body["connector"]["state"] == state
            and [t["state"] for t in body["tasks"]] == [state] * tasks
        )

    await eventually(reached, deadline_s=30, what=f"{url} {state} with {tasks} tasks")


async def test_source_offsets_round_trip(
    worker: tuple[str, StandaloneHerder],
    tmp_path: Path,
    topic: str,
    kafka_bootstrap: str,
    http: aiohttp.ClientSession,
) -> None:
    base, _herder = worker
    source = tmp_path / "in.txt"
    lines = [f"line {i}\n" for i in range(100)]
    source.write_text("".join(lines))
    url = f"{base}connectors/src"
    config = {
        "connector.class": "FileStreamSource",
        "file": str(source),
        "topic": topic,
        "value.converter": STRING,
    }
    assert (await call(http, "PUT", f"{url}/config", config))[0] == 201
    await wait_state(http, url, "RUNNING", 1)
    assert [r.value.decode() for r in await consume_all(kafka_bootstrap, topic, 100)] == [
        line.rstrip("\n") for line in lines
    ]
    partition = {"filename": str(source)}
    size = source.stat().st_size

    async def committed() -> Any:
        code, body = await call(http, "GET", f"{url}/offsets")
        assert code == 200, body
        return body == {"offsets": [{"partition": partition, "offset": {"position": size}}]} and body

    await eventually(committed, deadline_s=30, what="the source offset at the end of the file")
    code, topics = await call(http, "GET", f"{url}/topics")
    assert (code, topics) == (200, {"src": {"topics": [topic]}})

    at_line_90 = len("".join(lines[:90]).encode())
    altered = {"offsets": [{"partition": partition, "offset": {"position": at_line_90}}]}
    code, error = await call(http, "PATCH", f"{url}/offsets", altered)
    assert (code, error) == (400, {"error_code": 400, "message": NOT_STOPPED.format(name="src")})

    assert (await call(http, "PUT", f"{url}/stop"))[0] == 204
    await wait_state(http, url, "STOPPED", 0)
    code, body = await call(http, "PATCH", f"{url}/offsets", altered)
    assert (code, body) == (200, {"message": "The offsets for this connector have been altered successfully"})
    code, body = await call(http, "GET", f"{url}/offsets")
    assert body == {"offsets": [{"partition": partition, "offset": {"position": at_line_90}}]}

    assert (await call(http, "PUT", f"{url}/resume"))[0] == 202
    await wait_state(http, url, "RUNNING", 1)
    records = await consume_all(kafka_bootstrap, topic, 110)
    assert [r.value.decode() for r in records[100:]] == [line.rstrip("\n") for line in lines[90:]]
    assert len(records) == 110

    # Reset: the offsets file forgets the partition.
    assert (await call(http, "PUT", f"{url}/stop"))[0] == 204
    await wait_state(http, url, "STOPPED", 0)
    code, body = await call(http, "DELETE", f"{url}/offsets")
    assert (code, body) == (200, {"message": "The offsets for this connector have been reset successfully"})
    assert await call(http, "GET", f"{url}/offsets") == (200, {"offsets": []})
    assert str(source) not in (tmp_path / "offsets.json").read_text()
    # Deleting the connector forgets its active topics too.
    assert (await call(http, "DELETE", url))[0] == 204
    assert await call(http, "GET", f"{url}/topics") == (200, {"src": {"topics": []}})


async def test_sink_offsets_round_trip(
    worker: tuple[str, StandaloneHerder],
    tmp_path: Path,
    topic: str,
    kafka_bootstrap: str,
    http: aiohttp.ClientSession,
) -> None:
    base, _herder = worker
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for i in range(20):
            await producer.send_and_wait(topic, f"v{i}".encode(), partition=0)
    finally:
        await producer.stop()
    out = tmp_path / "out.txt"
    name = f"snk-{topic[-8:]}"  # its consumer group is connect-<name>, on a shared broker
    url = f"{base}connectors/{name}"
    config = {
        "connector.class": "FileStreamSink",
        "file": str(out),
        "topics": topic,
        "value.converter": STRING,
        "key.converter": STRING,
    }
    assert (await call(http, "PUT", f"{url}/config", config))[0] == 201
    partition = {"kafka_topic": topic, "kafka_partition": 0}

    async def committed(offset: int) -> Any:
        code, body = await call(http, "GET", f"{url}/offsets")
        assert code == 200, body
        return body == {"offsets": [{"partition": partition, "offset": {"kafka_offset": offset}}]}

    await eventually(lambda: committed(20), deadline_s=30, what="the sink's committed offset 20")
    assert out.read_text().splitlines() == [f"v{i}" for i in range(20)]
    assert await call(http, "GET", f"{url}/topics") == (200, {name: {"topics": [topic]}})

    altered = {"offsets": [{"partition": partition, "offset": {"kafka_offset": "15"}}]}
    code, error = await call(http, "PATCH", f"{url}/offsets", altered)
    assert (code, error["message"]) == (400, NOT_STOPPED.format(name=name))
    assert (await call(http, "PUT", f"{url}/stop"))[0] == 204
    await wait_state(http, url, "STOPPED", 0)
    bad = {"offsets": [{"partition": {"kafka_topic": topic}, "offset": {"kafka_offset": 1}}]}
    code, error = await call(http, "PATCH", f"{url}/offsets", bad)
    assert (code, error["message"]) == (
        400,
        "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'",
    )
    code, body = await call(http, "PATCH", f"{url}/offsets", altered)
    assert (code, body) == (200, {"message": "The offsets for this connector have been altered successfully"})
    assert await committed(15)

    assert (await call(http, "PUT", f"{url}/resume"))[0] == 202
    expected = [f"v{i}" for i in range(20)] + [f"v{i}" for i in range(15, 20)]
    await eventually(
        lambda: out.read_text().splitlines() == expected, deadline_s=30, what="records 15..19 delivered again"
    )

    assert (await call(http, "PUT", f"{url}/stop"))[0] == 204
    await wait_state(http, url, "STOPPED", 0)
    code, body = await call(http, "DELETE", f"{url}/offsets")
    assert (code, body) == (200, {"message": "The offsets for this connector have been reset successfully"})
    assert await call(http, "GET", f"{url}/offsets") == (200, {"offsets": []})
    # A reset of a group that is already gone succeeds too (idempotent, as in Apache).
    assert (await call(http, "DELETE", f"{url}/offsets"))[0] == 200
    assert (await call(http, "PUT", f"{url}/topics/reset"))[0] == 202
    assert await call(http, "GET", f"{url}/topics") == (200, {name: {"topics": []}})


async def test_topic_tracking_settings_are_the_workers(
    standalone: StandaloneFactory,
    tmp_path: Path,
    topic: str,
    kafka_bootstrap: str,
    http: aiohttp.ClientSession,
) -> None:
    config = StandaloneConfig(
        {
            "key.converter": JSON,
            "value.converter": JSON,
            "offset.storage.file.filename": str(tmp_path / "unused"),
            "listeners": "http://127.0.0.1:0",
        }
    )
    source = tmp_path / "in.txt"
    source.write_text("a\nb\n")
    connector = {"connector.class": "FileStreamSource", "file": str(source), "topic": topic}
    async with RestServer(config) as server, standalone(topic_tracking_enable="false") as herder:
        server.set_herder(herder)
        url = f"{server.advertised_url}connectors/src"
        assert (await call(http, "PUT", f"{url}/config", connector))[0] == 201
        await consume_all(kafka_bootstrap, topic, 2)
        disabled = {"error_code": 403, "message": "Topic tracking is disabled."}
        assert await call(http, "GET", f"{url}/topics") == (403, disabled)
        assert await call(http, "PUT", f"{url}/topics/reset") == (403, disabled)
        assert herder.worker.active_topics.store.active_topics("src") == []  # nothing was recorded
    async with RestServer(config) as server, standalone(topic_tracking_allow_reset="false") as herder:
        server.set_herder(herder)
        url = f"{server.advertised_url}connectors/src2"
        assert (await call(http, "PUT", f"{url}/config", connector))[0] == 201
        # A new name: "src" already read the whole file (its offset is in the shared offsets file).
        await eventually(
            lambda: herder.worker.active_topics.store.active_topics("src2") == [topic],
            what="the topic recorded",
        )
        assert await call(http, "GET", f"{url}/topics") == (200, {"src2": {"topics": [topic]}})
        refused = {"error_code": 403, "message": "Topic tracking reset is disabled."}
        assert await call(http, "PUT", f"{url}/topics/reset") == (403, refused)
