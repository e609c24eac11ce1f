"""The session broker is a real Kafka: records produced through aiokafka come back intact."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from distconnect.local.demo import round_trip


async def test_produce_and_consume_keys_values_and_headers(kafka_bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    sent = [(f"k{i}".encode(), f"v{i}".encode(), [("h", str(i).encode())]) for i in range(50)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        acks = await asyncio.gather(
            *[await producer.send(topic, key=k, value=v, headers=h) for k, v, h in sent]
        )
    finally:
        await producer.stop()
    assert [md.offset for md in acks] == list(range(50))

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        received = []
        async with asyncio.timeout(30):
            while len(received) < len(sent):
                batches = await consumer.getmany(timeout_ms=500)
                received.extend(r for rs in batches.values() for r in rs)
    finally:
        await consumer.stop()
    assert [(r.key, r.value, list(r.headers)) for r in received] == sent


async def test_demo_round_trip_returns_every_record_once(kafka_bootstrap: str, topic: str) -> None:
    received = await round_trip(kafka_bootstrap, topic, 300, partitions=3)
    values = sorted(v for _, _, v in received)
    assert values == sorted(f"record {i}".encode() for i in range(300))
    assert {p for p, _, _ in received} == {0, 1, 2}
