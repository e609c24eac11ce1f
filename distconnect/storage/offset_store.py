"""Source offsets in the offsets topic (``offset.storage.topic``), as Apache Kafka Connect keeps them.

Each record's key is ``["<connector>",{<source partition>}]`` and its value the source offset
``{...}`` (null deletes), both rendered by the internal JSON converter through
:class:`~distconnect.runtime.offsets.OffsetCodec`, so the bytes are those a Java worker writes.
Records are spread over the topic's partitions (25 by default) by Kafka's default partitioner,
murmur2 of the key bytes, exactly as Java's producer does: one source partition's offsets always
land in one topic partition, in write order, and compaction keeps the latest.

Every worker tails the whole topic; :meth:`KafkaOffsetStore.sync` (called by every read) first
reads to the end, so a task that takes over a source partition from another worker resumes from
the last offset that worker committed. :meth:`~distconnect.runtime.offsets.OffsetStore.write`
returns once every record is acknowledged by all in-sync replicas.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from distconnect.api.errors import ConnectError
from distconnect.api.records import FrozenMapping
from distconnect.runtime.offsets import OffsetCodec, OffsetStore
from distconnect.storage.kafka_log import KafkaBasedLog, LogRecord
from distconnect.storage.records import internal_converter
from distconnect.storage.topics import TopicSpec

log = logging.getLogger(__name__)

DEFAULT_PARTITIONS = 25


def default_offset_codec() -> OffsetCodec:
    """The codec of Java's offsets topic: the internal JSON converter (``schemas.enable=false``)."""
    return OffsetCodec(internal_converter(is_key=True))


class KafkaOffsetStore(OffsetStore):
    """An :class:`~distconnect.runtime.offsets.OffsetStore` on the offsets topic."""

    def __init__(
        self,
        spec: TopicSpec,
        settings: Mapping[str, Any],
        codec: OffsetCodec | None = None,
        *,
        client_id: str | None = None,
    ) -> None:
        super().__init__()
        self.spec = spec
        self._codec = codec or default_offset_codec()
        self.log = KafkaBasedLog(spec, settings, self._on_record, client_id=client_id)

    async def start(self) -> None:
        log.info("Starting KafkaOffsetStore on %s", self.spec.name)
        await self.log.start()

    async def stop(self) -> None:
        await self.log.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def sync(self) -> None:
        await self.log.read_to_end()

    def _on_record(self, record: LogRecord) -> None:
        if record.key is None:
            log.warning("Ignoring offsets record without a key at %d/%d", record.partition, record.offset)
            return
        try:
            connector, partition = self._codec.decode_key(record.key)
            offset = self._codec.decode_value(record.value)
        except ConnectError as err:
            log.warning(
                "Ignoring unreadable offsets record at %d/%d: %s", record.partition, record.offset, err
            )
            return
        self._apply(connector, {partition: offset})

    async def _persist(
        self, connector: str, offsets: Mapping[FrozenMapping, Mapping[str, Any] | None]
    ) -> None:
        records = [
            (self._codec.encode_key(connector, partition), self._codec.encode_value(offset))
            for partition, offset in offsets.items()
        ]
        await self.log.send_all(records)
