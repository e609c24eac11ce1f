"""Producer batches for the source runner: one builder per topic-partition, one future per batch.

Records are appended to aiokafka ``BatchBuilder``s (``producer.create_batch()``) and a full batch
is handed over with ``producer.send_batch`` (one future for the whole batch, no per-record
callback). ``send_batch`` needs the partition, so it is chosen here the way the producer's own
partitioner would: the record's ``kafka_partition`` if set, else the producer's partitioner
(murmur2) on the serialized key, else a partition that sticks to the topic until its batch is sent
(Java's sticky partitioner for null keys). Each record is filed with :class:`SubmittedRecords`
under its batch's :class:`SubmittedBatch`, in poll order.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

from aiokafka.errors import MessageSizeTooLargeError

from distconnect.api.records import RecordMetadata, SourceRecord
from distconnect.runtime.submitted import SubmittedBatch, SubmittedRecords


@dataclass(slots=True, eq=False)
class ProducerBatch:
    """Records on their way to one topic-partition, acknowledged by one future."""

    topic: str
    partition: int | None
    builder: Any = None
    #: The original (pre-transform) records, in batch order: for errors and ``commit_record``.
    records: list[SourceRecord] = field(default_factory=list)
    #: The timestamp each record was written with (kept only for ``commit_record``).
    timestamps: list[int] | None = None
    handle: SubmittedBatch = field(default_factory=SubmittedBatch)
    future: asyncio.Future[Any] | None = None

    def metadata(self, md: Any) -> list[RecordMetadata | None]:
        """Where each record was written, from the batch's metadata ``md`` (None: not written).

        Record ``i`` is at the batch's base offset + ``i``. The broker reports timestamp -1 for
        CreateTime topics: then each record's own timestamp applies, else (LogAppendTime) the
        broker's.
        """
        if md is None:
            return [None] * len(self.records)
        own = self.timestamps
        broker = md.timestamp
        return [
            RecordMetadata(
                md.topic, md.partition, md.offset + i, own[i] if broker == -1 and own is not None else broker
            )
            for i in range(len(self.records))
        ]


class BatchWriter:
    """Appends converted records to per-partition batches and sends them (see module doc)."""

    def __init__(self, producer: Any, submitted: SubmittedRecords, keep_timestamps: bool) -> None:
        self._producer = producer
        self._submitted = submitted
        self._keep_timestamps = keep_timestamps
        self._open: dict[tuple[str, int], ProducerBatch] = {}
        self._sticky: dict[str, int] = {}
        #: Per topic: (all partitions sorted, available partitions), refreshed by :meth:`refresh`.
        self._partitions: dict[str, tuple[list[int], list[int]]] = {}

    async def refresh(self, topics: set[str]) -> None:
        """Wait for the metadata of ``topics`` (as ``send`` does) and note their partitions."""
        client = self._producer.client
        for topic in topics:
            await client._wait_on_metadata(topic)
            cluster = client.cluster
            every = sorted(cluster.partitions_for_topic(topic) or ())
            available = list(cluster.available_partitions_for_topic(topic) or ())
            self._partitions[topic] = (every, available)
            if self._sticky.get(topic) not in every:
                self._pick_sticky(topic)

    def _pick_sticky(self, topic: str, previous: int | None = None) -> int:
        every, available = self._partitions[topic]
        choices = [p for p in (available or every) if p != previous] or available or every
        chosen = self._sticky[topic] = random.choice(choices)
        return chosen

    def append(
        self,
        original: SourceRecord,
        topic: str,
        partition: int | None,
        key: bytes | None,
        value: bytes | None,
        timestamp: int | None,
        headers: list[tuple[str, bytes]],
    ) -> list[ProducerBatch] | None:
        """Add one record; returns the batches that filled up and must be sent now, if any."""
        full: list[ProducerBatch] | None = None
        sticky = partition is None and key is None
        while True:
            if partition is not None:
                target = partition
            elif key is not None:
                every, available = self._partitions[topic]
                target = self._producer._partitioner(key, every, available)
            else:
                target = self._sticky[topic]
            batch = self._open.get((topic, target))
            if batch is None:
                batch = self._open[topic, target] = ProducerBatch(
                    topic,
                    target,
                    self._producer.create_batch(),
                    timestamps=[] if self._keep_timestamps else None,
                )
            meta = batch.builder.append(key=key, value=value, timestamp=timestamp, headers=headers)
            if meta is not None:
                break
            # Full: send it, and a record without key or partition moves to a new sticky partition.
            del self._open[topic, target]
            batch.builder.close()
            full = [*full, batch] if full else [batch]
            if sticky:
                self._pick_sticky(topic, target)
        if not batch.records and meta.size > self._producer._max_request_size:
            raise MessageSizeTooLargeError(
                f"The message is {meta.size} bytes when serialized which is larger than the maximum "
                "request size you have configured with the max_request_size configuration"
            )
        batch.records.append(original)
        if batch.timestamps is not None:
            batch.timestamps.append(meta.timestamp)
        self._submitted.add(batch.handle, original.source_partition, original.source_offset)
        return full

    def take_open(self) -> list[ProducerBatch]:
        """The batches not yet full (end of a poll): they are sent too, and stickiness moves on."""
        batches = list(self._open.values())
        self._open.clear()
        for batch in batches:
            batch.builder.close()
            if self._sticky.get(batch.topic) == batch.partition:
                self._pick_sticky(batch.topic, batch.partition)
        return batches

    async def send(self, batch: ProducerBatch) -> None:
        """Hand ``batch`` to the producer; sets ``batch.future``."""
        batch.future = await self._producer.send_batch(batch.builder, batch.topic, partition=batch.partition)
        batch.builder = None
