"""Helpers shared by the storage integration tests (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord, TopicPartition

from distconnect.storage.topics import TopicSpec
from tests.support import stop_consumer

SpecFactory = Callable[..., TopicSpec]


@asynccontextmanager
async def admin_client(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


async def raw_records(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` up to its current end, as a plain consumer sees it."""
    async with admin_client(bootstrap) as admin:
        (described,) = await admin.describe_topics([topic])
    tps = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            batches = await consumer.getmany(*tps, timeout_ms=500)
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await stop_consumer(consumer)
