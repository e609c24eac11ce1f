"""A broker smoke check (``python -m distconnect.local.demo``): start the local Kafka and prove it
does real work.

Creates a topic, produces a batch of records through aiokafka, consumes them back, checks that
every record came back intact and prints what happened. ``make demo`` is ``distconnect.demo``: a
worker cluster running a pipeline on this broker.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from distconnect.local.errors import LocalServiceError
from distconnect.local.kafka import LocalKafka


async def round_trip(
    bootstrap: str, topic: str, count: int, partitions: int = 3
) -> list[tuple[int, int, bytes]]:
    """Produce ``count`` records to a new topic and read them back as (partition, offset, value)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
        await _await_leaders(admin, topic, partitions)
    finally:
        await admin.close()

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, key=str(i).encode(), value=f"record {i}".encode())
            for i in range(count)
        ]
        await producer.flush()
        await asyncio.gather(*futures)
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    received: list[tuple[int, int, bytes]] = []
    try:
        deadline = time.monotonic() + 30
        while len(received) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                received.extend((r.partition, r.offset, r.value or b"") for r in records)
    finally:
        await consumer.stop()
    return received


async def _await_leaders(admin: AIOKafkaAdminClient, topic: str, partitions: int) -> None:
    """Poll until every new partition has a leader, so the first produce is not bounced."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        described = await admin.describe_topics([topic])
        leaders = [p.get("leader", -1) for t in described for p in t.get("partitions", [])]
        if len(leaders) == partitions and all(leader >= 0 for leader in leaders):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"topic {topic} has no leader for every partition after 30 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, default=Path(".distconnect/kafka"), help="broker state directory")
    parser.add_argument("--records", type=int, default=1000)
    args = parser.parse_args(argv)
    broker = LocalKafka(args.dir)
    try:
        started = time.monotonic()
        status = broker.start()
    except LocalServiceError as err:
        print(f"distconnect: {err}", file=sys.stderr)
        return 1
    print(
        f"Kafka is running: bootstrap.servers={status.bootstrap} "
        f"(ready in {time.monotonic() - started:.1f} s, pid {status.pid})"
    )
    assert status.bootstrap is not None
    topic = f"demo-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    received = asyncio.run(round_trip(status.bootstrap, topic, args.records))
    elapsed = time.monotonic() - started
    expected = {f"record {i}".encode() for i in range(args.records)}
    got = {value for _, _, value in received}
    print(
        f"Created topic {topic} (3 partitions), produced {args.records} records, "
        f"consumed {len(received)} back in {elapsed:.2f} s"
    )
    for partition in sorted({p for p, _, _ in received}):
        offsets = [o for p, o, _ in received if p == partition]
        print(f"  partition {partition}: {len(offsets)} records, offsets {min(offsets)}..{max(offsets)}")
    for partition, offset, value in sorted(received)[:3]:
        print(f"  e.g. partition {partition} offset {offset}: {value.decode()}")
    if got != expected or len(received) != args.records:
        print(
            f"MISMATCH: {len(expected - got)} records missing, {len(received) - len(got)} duplicated",
            file=sys.stderr,
        )
        return 1
    print("Every record came back exactly once. `make clean` stops Kafka.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
