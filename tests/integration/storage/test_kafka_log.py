"""KafkaBasedLog on the real broker: topic creation and checks, the read-to-end barrier, ordering."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka.admin import NewTopic

from distconnect.api.errors import ConnectError
from distconnect.storage.kafka_log import KafkaBasedLog, LogRecord
from distconnect.storage.topics import cleanup_policies
from tests.integration.storage.storage_support import SpecFactory, admin_client


class Collector:
    def __init__(self) -> None:
        self.records: list[LogRecord] = []

    def __call__(self, record: LogRecord) -> None:
        self.records.append(record)


async def test_creates_a_missing_topic_compacted(
    kafka_bootstrap: str, settings: dict[str, Any], spec: SpecFactory
) -> None:
    topic = spec("created", partitions=3, configs={"min.insync.replicas": "1"})
    async with KafkaBasedLog(topic, settings, Collector()) as log:
        assert log.partition_count == 3
        assert log.positions() == {0: 0, 1: 0, 2: 0}
        await log.read_to_end()  # an empty topic: returns at once
    async with admin_client(kafka_bootstrap) as admin:
        assert await cleanup_policies(admin, topic.name) == {"compact"}


async def test_read_to_end_is_a_barrier_and_keeps_per_key_order(
    settings: dict[str, Any], spec: SpecFactory
) -> None:
    topic = spec("barrier", partitions=3)
    reader_records = Collector()
    async with (
        KafkaBasedLog(topic, settings, Collector()) as writer,
        KafkaBasedLog(topic, settings, reader_records) as reader,
    ):
        sent = [(f"key-{i % 7}".encode(), f"{i}".encode()) for i in range(300)]
        await writer.send_all(sent[:150])
        for key, value in sent[150:]:
            await writer.send(key, value)
        await reader.read_to_end()
        # every acknowledged write is applied when read_to_end returns, no polling needed
        assert len(reader_records.records) == 300
        for n in range(7):
            key = f"key-{n}".encode()
            values = [r.value for r in reader_records.records if r.key == key]
            assert values == [v for k, v in sent if k == key]
            assert len({r.partition for r in reader_records.records if r.key == key}) == 1
        assert sum(reader.positions().values()) == 300


async def test_a_restarted_reader_replays_the_log_at_start(
    settings: dict[str, Any], spec: SpecFactory
) -> None:
    topic = spec("replay")
    async with KafkaBasedLog(topic, settings, Collector()) as writer:
        await writer.send_all([(b"a", b"1"), (b"b", b"2"), (b"a", None)])
    replayed = Collector()
    async with KafkaBasedLog(topic, settings, replayed):
        # start() returns after a first read to the end
        assert [(r.key, r.value, r.offset) for r in replayed.records] == [
            (b"a", b"1", 0),
            (b"b", b"2", 1),
            (b"a", None, 2),
        ]


async def test_refuses_a_topic_that_is_not_compacted(
    kafka_bootstrap: str, settings: dict[str, Any], spec: SpecFactory
) -> None:
    topic = spec("deleting", setting="offset.storage.topic", purpose="source connector offsets")
    async with admin_client(kafka_bootstrap) as admin:
        await admin.create_topics(
            [
                NewTopic(
                    topic.name,
                    num_partitions=1,
                    replication_factor=1,
                    topic_configs={"cleanup.policy": "delete"},
                )
            ]
        )
    log = KafkaBasedLog(topic, settings, Collector())
    with pytest.raises(ConnectError) as failure:
        await log.start()
    message = str(failure.value)
    assert f"Topic '{topic.name}' supplied via the 'offset.storage.topic' property" in message
    assert "'cleanup.policy=compact'" in message
    assert "'cleanup.policy=delete'" in message
    await log.stop()


async def test_accepts_an_existing_compacted_topic(
    kafka_bootstrap: str, settings: dict[str, Any], spec: SpecFactory
) -> None:
    topic = spec("existing", partitions=1)
    async with admin_client(kafka_bootstrap) as admin:
        await admin.create_topics(
            [
                NewTopic(
                    topic.name,
                    num_partitions=2,
                    replication_factor=1,
                    topic_configs={"cleanup.policy": "compact"},
                )
            ]
        )
    async with KafkaBasedLog(topic, settings, Collector()) as log:
        assert log.partition_count == 2  # the existing topic wins over the spec


async def test_broker_default_partitions_and_replication(settings: dict[str, Any], spec: SpecFactory) -> None:
    topic = spec("defaults", partitions=-1)
    async with KafkaBasedLog(topic, settings, Collector()) as log:
        assert log.partition_count >= 1


async def test_a_stopped_log_refuses_work(settings: dict[str, Any], spec: SpecFactory) -> None:
    log = KafkaBasedLog(spec("stopped"), settings, Collector())
    await log.start()
    await log.stop()
    with pytest.raises(ConnectError):
        await log.read_to_end()
    with pytest.raises(ConnectError):
        await log.send(b"k", b"v")
