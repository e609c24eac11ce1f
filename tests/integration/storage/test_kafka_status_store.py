"""KafkaStatusStore on the real broker: put/putSafe generation rules, tombstones, Java's bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaProducer

from distconnect.runtime.states import State, Status, TaskId
from distconnect.storage.status_records import TopicStatus, connector_status_key, task_status_key
from distconnect.storage.status_store import KafkaStatusStore
from distconnect.storage.topics import TopicSpec
from tests.integration.storage.storage_support import SpecFactory, raw_records

TASK = TaskId("my-conn", 0)


@asynccontextmanager
async def two_workers(
    spec: TopicSpec, settings: dict[str, Any]
) -> AsyncIterator[tuple[KafkaStatusStore, KafkaStatusStore]]:
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(KafkaStatusStore(spec, settings))
        b = await stack.enter_async_context(KafkaStatusStore(spec, settings))
        yield a, b


async def settle(*stores: KafkaStatusStore) -> None:
    """Every queued write is acknowledged, then every store has read everything."""
    for store in stores:
        await store.flush()
    for store in stores:
        await store.sync()


async def test_put_safe_does_not_overwrite_a_newer_generation_from_another_worker(
    settings: dict[str, Any], spec: SpecFactory
) -> None:
    async with two_workers(spec("status", partitions=5), settings) as (a, b):
        a.on_task_status(TASK, Status(State.RUNNING, "a:8083", None, 2))
        await settle(a, b)
        assert b.task_status(TASK) == Status(State.RUNNING, "a:8083", None, 2)

        # b lagged behind a rebalance: its UNASSIGNED (putSafe) from generation 1 is not written
        b.on_task_status(TASK, Status(State.UNASSIGNED, "b:8083", None, 1))
        b.on_task_status(TASK, Status(State.FAILED, "b:8083", "trace", 1))
        await settle(a, b)
        assert a.task_status(TASK) == b.task_status(TASK) == Status(State.RUNNING, "a:8083", None, 2)

        # ... but one from the current (or a newer) generation is
        b.on_task_status(TASK, Status(State.FAILED, "b:8083", "boom", 3))
        await settle(a, b)
        assert a.task_status(TASK) == Status(State.FAILED, "b:8083", "boom", 3)

        # put (RESTARTING, RUNNING...) always writes, whatever the generation
        a.on_task_status(TASK, Status(State.RESTARTING, "a:8083", None, 1))
        await settle(a, b)
        assert b.task_status(TASK) == Status(State.RESTARTING, "a:8083", None, 1)

        # the same worker may always overwrite its own status safely
        a.on_task_status(TASK, Status(State.FAILED, "a:8083", "again", 0))
        await settle(a, b)
        assert b.task_status(TASK) == Status(State.FAILED, "a:8083", "again", 0)


async def test_a_stale_unassigned_is_ignored_when_read_over_running(
    settings: dict[str, Any], spec: SpecFactory
) -> None:
    async with two_workers(spec("status"), settings) as (a, b):
        a.on_task_status(TASK, Status(State.RUNNING, "a:8083", None, 5))
        await settle(a, b)
        # same worker, so putSafe writes it; readers keep RUNNING from a generation at least as new
        a.on_task_status(TASK, Status(State.UNASSIGNED, "a:8083", None, 5))
        await settle(a, b)
        assert a.task_status(TASK) == b.task_status(TASK) == Status(State.RUNNING, "a:8083", None, 5)
        a.on_task_status(TASK, Status(State.UNASSIGNED, "a:8083", None, 6))
        await settle(a, b)
        assert b.task_status(TASK) == Status(State.UNASSIGNED, "a:8083", None, 6)


async def test_a_late_unassigned_connector_status_is_ignored_over_a_newer_running(
    settings: dict[str, Any], spec: SpecFactory
) -> None:
    # A worker cut off from the broker stops its connector (UNASSIGNED, generation 5); its write
    # reaches the topic only after the new owner's RUNNING from generation 7 (the partition
    # system test). The late record is produced raw here, as the cut-off worker's producer would.
    topic = spec("status")
    async with two_workers(topic, settings) as (a, b):
        b.on_connector_status("my-conn", Status(State.RUNNING, "b:8083", None, 7))
        await settle(a, b)
        producer = AIOKafkaProducer(bootstrap_servers=settings["bootstrap.servers"])
        await producer.start()
        try:
            for generation in (5, 8):
                late = a.codec.status(Status(State.UNASSIGNED, "a:8083", None, generation))
                await producer.send_and_wait(topic.name, late, key=connector_status_key("my-conn").encode())
                await settle(a, b)
                if generation == 5:  # older than the RUNNING read before it: ignored
                    assert a.connector_status("my-conn") == Status(State.RUNNING, "b:8083", None, 7)
                    assert b.connector_status("my-conn") == Status(State.RUNNING, "b:8083", None, 7)
        finally:
            await producer.stop()
        # newer than the RUNNING: taken
        assert b.connector_status("my-conn") == Status(State.UNASSIGNED, "a:8083", None, 8)


async def test_a_connectors_own_unassigned_after_its_running_shows(
    settings: dict[str, Any], spec: SpecFactory
) -> None:
    # A clean shutdown: the owner reports UNASSIGNED in the generation it ran in. Apache shows it
    # (its store does not filter connector statuses), and so must we.
    async with two_workers(spec("status"), settings) as (a, b):
        a.on_connector_status("my-conn", Status(State.RUNNING, "a:8083", None, 3))
        await settle(a, b)
        a.on_connector_status("my-conn", Status(State.UNASSIGNED, "a:8083", None, 3))
        await settle(a, b)
        assert a.connector_status("my-conn") == b.connector_status("my-conn")
        assert b.connector_status("my-conn") == Status(State.UNASSIGNED, "a:8083", None, 3)


async def test_a_late_failed_task_status_from_another_worker_is_ignored_over_a_newer_running(
    settings: dict[str, Any], spec: SpecFactory
) -> None:
    # The cut-off worker abandoned the task it could not stop (FAILED, generation 6); the new
    # owner runs it since generation 8. A FAILED from the owner itself is always taken.
    topic = spec("status")
    async with two_workers(topic, settings) as (a, b):
        b.on_task_status(TASK, Status(State.RUNNING, "b:8083", None, 8))
        await settle(a, b)
        producer = AIOKafkaProducer(bootstrap_servers=settings["bootstrap.servers"])
        await producer.start()
        try:
            late = a.codec.status(Status(State.FAILED, "a:8083", "abandoned", 6))
            await producer.send_and_wait(topic.name, late, key=task_status_key(TASK).encode())
        finally:
            await producer.stop()
        await settle(a, b)
        assert a.task_status(TASK) == b.task_status(TASK) == Status(State.RUNNING, "b:8083", None, 8)
        b.on_task_status(TASK, Status(State.FAILED, "b:8083", "boom", 8))
        await settle(a, b)
        assert a.task_status(TASK) == Status(State.FAILED, "b:8083", "boom", 8)


async def test_destroyed_tombstones_and_connector_deletion(
    kafka_bootstrap: str, settings: dict[str, Any], spec: SpecFactory
) -> None:
    topic = spec("status", partitions=5)
    async with two_workers(topic, settings) as (a, b):
        a.on_connector_status("my-conn", Status(State.RUNNING, "a:8083", None, 1))
        for n in range(3):
            a.on_task_status(TaskId("my-conn", n), Status(State.RUNNING, "a:8083", None, 1))
        a.put_topic_status(TopicStatus("lines", "my-conn", 0, 1700000000000))
        await settle(a, b)
        assert b.connector_status("my-conn") == Status(State.RUNNING, "a:8083", None, 1)
        assert set(b.task_statuses("my-conn")) == {TaskId("my-conn", n) for n in range(3)}
        assert b.topics("my-conn") == {"lines": TopicStatus("lines", "my-conn", 0, 1700000000000)}

        a.on_task_status(TaskId("my-conn", 2), Status(State.DESTROYED, "a:8083", None, 1))
        await settle(a, b)
        assert set(b.task_statuses("my-conn")) == {TaskId("my-conn", 0), TaskId("my-conn", 1)}

        # a connector tombstone drops the connector's and its tasks' statuses from the cache
        a.on_connector_status("my-conn", Status(State.DESTROYED, "a:8083", None, 1))
        a.delete_topic_status("my-conn", "lines")
        await settle(a, b)
        assert b.connector_status("my-conn") is None
        assert b.task_statuses("my-conn") == {}
        assert b.topics("my-conn") == {}

    records = {(r.key, r.value) for r in await raw_records(kafka_bootstrap, topic.name)}
    assert (
        b"status-connector-my-conn",
        b'{"state":"RUNNING","trace":null,"worker_id":"a:8083","generation":1,"version":null}',
    ) in records
    assert (
        b"status-task-my-conn-1",
        b'{"state":"RUNNING","trace":null,"worker_id":"a:8083","generation":1,"version":null}',
    ) in records
    assert (b"status-task-my-conn-2", None) in records
    assert (b"status-connector-my-conn", None) in records
    assert (
        b"status-topic-lines:connector-my-conn",
        b'{"topic":{"name":"lines","connector":"my-conn","task":0,"discoverTimestamp":1700000000000}}',
    ) in records


async def test_reports_before_start_are_written_after_it(settings: dict[str, Any], spec: SpecFactory) -> None:
    topic = spec("status")
    early = KafkaStatusStore(topic, settings)
    early.on_connector_status("c", Status(State.RUNNING, "w:1", None, 1))
    async with early, KafkaStatusStore(topic, settings) as reader:
        await settle(early, reader)
        assert reader.connector_status("c") == Status(State.RUNNING, "w:1", None, 1)
        assert reader.connectors() == {"c"}
