"""A stand-in for AIOKafkaProducer with aiokafka's batch API (real ``BatchBuilder``s).

``BatchProducer`` lets a test resolve each batch's future itself; ``AutoAckProducer`` acknowledges
every batch at once and records the values it was sent. Used by the source runner unit tests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder


class _Cluster:
    def __init__(self, partitions: int) -> None:
        self.partitions = set(range(partitions))

    def partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions


class _Client:
    def __init__(self, partitions: int) -> None:
        self.cluster = _Cluster(partitions)

    async def _wait_on_metadata(self, topic: str) -> set[int]:
        return self.cluster.partitions


@dataclass
class _BatchMeta:
    topic: str
    partition: int
    offset: int
    timestamp: int = -1


@dataclass
class _Sent:
    topic: str
    partition: int
    values: list[bytes | None]
    keys: list[bytes | None]
    future: asyncio.Future[Any] = field(repr=False)


class BatchProducer:
    """``create_batch`` / ``send_batch`` like AIOKafkaProducer; the test resolves each future."""

    def __init__(self, partitions: int = 1, batch_bytes: int = 16384) -> None:
        self.client = _Client(partitions)
        self._partitioner = DefaultPartitioner()
        self._max_request_size = 1_048_576
        self.batch_bytes = batch_bytes
        self.batches: list[_Sent] = []
        self.end_offsets: dict[int, int] = {}
        self.single_sends = 0

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def flush(self) -> None:
        return None

    def create_batch(self) -> BatchBuilder:
        return BatchBuilder(self.batch_bytes, 0)

    async def send_batch(self, batch: BatchBuilder, topic: str, *, partition: int) -> asyncio.Future[Any]:
        assert partition in self.client.cluster.partitions
        records = list(_decode(batch))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.batches.append(_Sent(topic, partition, [v for _, v in records], [k for k, _ in records], future))
        return future

    async def send(self, *_: Any, **__: Any) -> asyncio.Future[Any]:  # pragma: no cover
        self.single_sends += 1
        raise AssertionError("a producer with the batch API got a per-record send")

    def ack(self, sent: _Sent) -> None:
        base = self.end_offsets.get(sent.partition, 0)
        self.end_offsets[sent.partition] = base + len(sent.values)
        sent.future.set_result(_BatchMeta(sent.topic, sent.partition, base))


def _decode(batch: BatchBuilder) -> list[tuple[bytes | None, bytes | None]]:
    from aiokafka.record.default_records import DefaultRecordBatch

    buffer = batch._build()
    return [(r.key, r.value) for r in DefaultRecordBatch(bytes(buffer))]


class AutoAckProducer(BatchProducer):
    """Acknowledges every batch when it is sent; ``sent`` lists the values in send order."""

    def __init__(self) -> None:
        super().__init__()
        self.started = False
        self.stopped = False
        self.sent: list[bytes | None] = []
        #: If set, start() waits for it (a broker that is slow to answer).
        self.start_gate: asyncio.Event | None = None
        self.start_entered = asyncio.Event()

    async def start(self) -> None:
        self.start_entered.set()
        if self.start_gate is not None:
            await self.start_gate.wait()
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    async def send_batch(self, batch: BatchBuilder, topic: str, *, partition: int) -> asyncio.Future[Any]:
        future = await super().send_batch(batch, topic, partition=partition)
        sent = self.batches[-1]
        self.sent.extend(sent.values)
        self.ack(sent)
        return future
