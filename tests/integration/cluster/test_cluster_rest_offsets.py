"""Offsets (KIP-875) and active topics (KIP-558) on a real 3-worker cluster (issue 6).

One module-scoped cluster serves every test. Every write (stop, resume, ``PATCH``/``DELETE``
offsets, topics reset) goes to a worker that is not the leader: offset changes are leader-only and
must come back forwarded with the leader's answer (200 with Apache's message, or its 400 when the
connector is not STOPPED); reads are checked on every worker. The status topic is read raw to check
the ``status-topic-<topic>:connector-<name>`` records Apache's format prescribes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer

from distconnect.local.cluster import LocalCluster, WorkerProcess
from tests.integration.cluster.cluster_support import (
    a_follower,
    create_topic,
    latest,
    read_topic,
    three_workers,
    wait_state,
)
from tests.support import consume_all, eventually

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio(loop_scope="module")]

STRING = "org.apache.kafka.connect.storage.StringConverter"
NOT_STOPPED = (
    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
    "for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
)
ALTERED = {"message": "The offsets for this connector have been altered successfully"}
RESET = {"message": "The offsets for this connector have been reset successfully"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LocalCluster]:
    async with three_workers(kafka_bootstrap, tmp_path_factory.mktemp("cluster")) as local:
        yield local


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def follower(cluster: LocalCluster) -> WorkerProcess:
    return await a_follower(cluster)


async def write(
    cluster: LocalCluster, follower: WorkerProcess, method: str, path: str, body: Any = None
) -> Any:
    return await cluster.rest(method, path, body, worker=follower)


async def on_every_worker(cluster: LocalCluster, path: str, expected: Any, what: str) -> None:
    """Every worker answers ``GET path`` with 200 ``expected`` (eventually: each reads the topics)."""

    async def agreed() -> bool:
        for worker in cluster.running():
            if await cluster.rest("GET", path, worker=worker) != (200, expected):
                return False
        return True

    await eventually(agreed, deadline_s=30, what=what)


async def stop(cluster: LocalCluster, follower: WorkerProcess, name: str) -> None:
    assert await write(cluster, follower, "PUT", f"/connectors/{name}/stop") == (204, None)
    await wait_state(cluster, name, "STOPPED", 0, deadline_s=30)


async def status_topic(cluster: LocalCluster) -> dict[str, Any]:
    return latest(await read_topic(cluster.bootstrap, f"{cluster.group}-status"))


async def test_source_offsets_and_topics_through_a_follower(
    cluster: LocalCluster, follower: WorkerProcess, tmp_path: Path, topic: str
) -> None:
    name = f"src-{topic[-8:]}"
    source = tmp_path / "in.txt"
    lines = [f"line {i}\n" for i in range(50)]
    source.write_text("".join(lines))
    config = {
        "connector.class": "FileStreamSource",
        "file": str(source),
        "topic": topic,
        "value.converter": STRING,
    }
    assert (await write(cluster, follower, "PUT", f"/connectors/{name}/config", config))[0] == 201
    await cluster.wait_running(name, 1)
    partition = {"filename": str(source)}
    path = f"/connectors/{name}/offsets"
    await on_every_worker(
        cluster,
        path,
        {"offsets": [{"partition": partition, "offset": {"position": source.stat().st_size}}]},
        "every worker showing the offset at the end of the file",
    )
    await on_every_worker(
        cluster, f"/connectors/{name}/topics", {name: {"topics": [topic]}}, "the active topic"
    )
    record = (await status_topic(cluster))[f"status-topic-{topic}:connector-{name}"]
    assert set(record) == {"topic"}
    assert {k: v for k, v in record["topic"].items() if k != "discoverTimestamp"} == {
        "name": topic,
        "connector": name,
        "task": 0,
    }
    assert isinstance(record["topic"]["discoverTimestamp"], int)

    at_line_40 = len("".join(lines[:40]).encode())
    altered = {"offsets": [{"partition": partition, "offset": {"position": at_line_40}}]}
    refused = {"error_code": 400, "message": NOT_STOPPED.format(name=name)}
    assert await write(cluster, follower, "PATCH", path, altered) == (400, refused)
    assert await write(cluster, follower, "DELETE", path) == (400, refused)

    await stop(cluster, follower, name)
    assert await write(cluster, follower, "PATCH", path, altered) == (200, ALTERED)
    await on_every_worker(
        cluster,
        path,
        {"offsets": [{"partition": partition, "offset": {"position": at_line_40}}]},
        "the new offset",
    )
    assert await write(cluster, follower, "PUT", f"/connectors/{name}/resume") == (202, None)
    await cluster.wait_running(name, 1)
    records = await consume_all(cluster.bootstrap, topic, 60)
    assert len(records) == 60
    assert [r.value.decode() for r in records[50:]] == [line.rstrip("\n") for line in lines[40:]]

    await stop(cluster, follower, name)
    assert await write(cluster, follower, "DELETE", path) == (200, RESET)
    await on_every_worker(cluster, path, {"offsets": []}, "no offsets after the reset")

    assert await write(cluster, follower, "PUT", f"/connectors/{name}/topics/reset") == (202, None)
    await on_every_worker(cluster, f"/connectors/{name}/topics", {name: {"topics": []}}, "no active topics")
    assert (await status_topic(cluster))[f"status-topic-{topic}:connector-{name}"] is None  # a tombstone


async def test_sink_offsets_through_a_follower_and_topics_gone_with_the_connector(
    cluster: LocalCluster, follower: WorkerProcess, tmp_path: Path, topic: str
) -> None:
    name = f"snk-{topic[-8:]}"
    await create_topic(cluster.bootstrap, topic, 2)
    producer = AIOKafkaProducer(bootstrap_servers=cluster.bootstrap)
    await producer.start()
    try:
        for i in range(30):
            await producer.send_and_wait(topic, f"v{i}".encode(), partition=i % 2)
    finally:
        await producer.stop()
    out = tmp_path / "out.txt"
    config = {
        "connector.class": "FileStreamSink",
        "tasks.max": "2",
        "file": str(out),
        "topics": topic,
        "key.converter": STRING,
        "value.converter": STRING,
    }
    assert (await write(cluster, follower, "PUT", f"/connectors/{name}/config", config))[0] == 201
    path = f"/connectors/{name}/offsets"

    def sink(partition: int, offset: int) -> dict[str, Any]:
        return {
            "partition": {"kafka_topic": topic, "kafka_partition": partition},
            "offset": {"kafka_offset": offset},
        }

    await on_every_worker(cluster, path, {"offsets": [sink(0, 15), sink(1, 15)]}, "both partitions committed")
    await on_every_worker(
        cluster, f"/connectors/{name}/topics", {name: {"topics": [topic]}}, "the active topic"
    )

    altered = {"offsets": [sink(0, 10), {"partition": sink(1, 0)["partition"], "offset": None}]}
    code, body = await write(cluster, follower, "PATCH", path, altered)
    assert (code, body) == (400, {"error_code": 400, "message": NOT_STOPPED.format(name=name)})
    await stop(cluster, follower, name)
    bad = {
        "offsets": [
            {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": "x"}}
        ]
    }
    code, body = await write(cluster, follower, "PATCH", path, bad)
    assert code == 400
    assert body["message"].startswith(
        "Failed to parse the following Kafka offset value in the provided offsets: 'x'"
    )
    assert await write(cluster, follower, "PATCH", path, altered) == (200, ALTERED)
    await on_every_worker(cluster, path, {"offsets": [sink(0, 10)]}, "partition 0 at 10, partition 1 reset")

    assert await write(cluster, follower, "PUT", f"/connectors/{name}/resume") == (202, None)
    # 30 records, then partition 0 again from 10 (5) and partition 1 from the start (15).
    await eventually(
        lambda: out.exists() and len(out.read_text().splitlines()) == 50,
        deadline_s=30,
        what="50 lines in the sink file",
    )
    again = out.read_text().splitlines()[30:]
    assert sorted(again) == sorted([f"v{i}" for i in range(20, 30, 2)] + [f"v{i}" for i in range(1, 30, 2)])

    await stop(cluster, follower, name)
    assert await write(cluster, follower, "DELETE", path) == (200, RESET)
    await on_every_worker(cluster, path, {"offsets": []}, "no sink offsets after the reset")

    # Deleting the connector tombstones its active topics (once its work is revoked).
    assert await write(cluster, follower, "DELETE", f"/connectors/{name}") == (204, None)
    await on_every_worker(cluster, f"/connectors/{name}/topics", {name: {"topics": []}}, "topics gone")
    assert (await status_topic(cluster))[f"status-topic-{topic}:connector-{name}"] is None


async def test_unknown_connectors_and_leader_answers_through_a_follower(
    cluster: LocalCluster, follower: WorkerProcess
) -> None:
    missing = {"error_code": 404, "message": "Connector ghost not found"}
    assert await write(cluster, follower, "GET", "/connectors/ghost/offsets") == (404, missing)
    assert await write(cluster, follower, "DELETE", "/connectors/ghost/offsets") == (404, missing)
    body = {"offsets": [{"partition": {"a": 1}, "offset": {"b": 2}}]}
    assert await write(cluster, follower, "PATCH", "/connectors/ghost/offsets", body) == (404, missing)
    empty = {
        "error_code": 400,
        "message": "Partitions / offsets need to be provided for an alter offsets request",
    }
    assert await write(cluster, follower, "PATCH", "/connectors/ghost/offsets", {"offsets": []}) == (
        400,
        empty,
    )
    assert await write(cluster, follower, "GET", "/connectors/ghost/topics") == (
        200,
        {"ghost": {"topics": []}},
    )
    assert await write(cluster, follower, "PUT", "/connectors/ghost/topics/reset") == (202, None)
