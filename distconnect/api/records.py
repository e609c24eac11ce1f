"""The records connectors exchange with the runtime, and the small value types around them.

Records are slotted keyword-only dataclasses. They are *not* frozen, because the runtime builds and
copies millions of them and frozen dataclasses pay for every field on construction; treat them as
immutable anyway and derive changed copies with :meth:`ConnectRecord.new_record`. Field names follow
Apache Kafka Connect's (``kafka_partition``, ``source_offset``, ...) so knowledge carries over.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from distconnect.api.data import Schema
from distconnect.api.errors import DataError
from distconnect.api.headers import Headers


@dataclass(frozen=True, slots=True, order=True)
class TopicPartition:
    """A Kafka topic partition. Hashable and ordered (by topic, then partition)."""

    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}-{self.partition}"


class TimestampType(enum.Enum):
    """What a Kafka record's timestamp means. Values are Kafka's own names."""

    NO_TIMESTAMP_TYPE = "NoTimestampType"
    CREATE_TIME = "CreateTime"
    LOG_APPEND_TIME = "LogAppendTime"


@dataclass(frozen=True, slots=True)
class RecordMetadata:
    """Where Kafka stored a record a source task produced (see ``SourceTask.commit_record``)."""

    topic: str
    partition: int
    offset: int
    #: Milliseconds since the epoch, or ``None`` if the broker reported none.
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class OffsetAndMetadata:
    """A consumer offset to commit for a sink partition: the offset of the *next* record to read."""

    offset: int
    metadata: str | None = None


class FrozenMapping(Mapping[str, Any]):
    """A read-only, hashable ``Mapping[str, Any]``, equal to a ``dict`` with the same items.

    Source partitions are mappings, yet APIs such as ``SourceConnector.alter_offsets`` and
    ``OffsetStorageReader.offsets`` key a mapping *by* source partition. The runtime passes keys of
    this type; to look one up from a plain dict, wrap it: ``offsets[FrozenMapping(partition)]``.
    Nested lists and mappings are allowed (they are hashed by content, and must not be mutated).
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, Any] | None = None, /) -> None:
        self._data: dict[str, Any] = dict(data) if data is not None else {}
        self._hash: int | None = None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(_freeze(self._data))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return frozenset((key, _freeze(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


@dataclass(slots=True, kw_only=True)
class ConnectRecord:
    """What every record has: a topic, an optional partition, key and value with schemas, a
    timestamp in milliseconds since the epoch, and headers.

    A ``None`` schema means the key or value is schemaless.
    """

    topic: str
    kafka_partition: int | None = None
    key_schema: Schema | None = None
    key: Any = None
    value_schema: Schema | None = None
    value: Any = None
    timestamp: int | None = None
    headers: Headers = field(default_factory=Headers)

    def new_record(self, **changes: Any) -> Self:
        """Return a copy of this record with the given fields replaced.

        Fields not named keep their values (including the subclass's own: source partition and
        offset, or Kafka offset and the ``original_*`` fields). The copy gets its own copy of the
        headers unless ``headers=`` is given, so editing one record's headers never affects the
        other. An unknown field name raises ``TypeError``.
        """
        if "headers" not in changes:
            changes["headers"] = self.headers.copy()
        return dataclasses.replace(self, **changes)


@dataclass(slots=True, kw_only=True)
class SourceRecord(ConnectRecord):
    """A record a source task produces.

    ``source_partition`` identifies the stream in the source system the record came from (a file,
    a table, ...) and ``source_offset`` the position within it. Both are small mappings of
    JSON-serialisable values; the runtime stores the offset of acknowledged records per partition
    and hands the latest back through ``OffsetStorageReader`` after a restart. Leave both ``None``
    if the connector does not track positions.
    """

    source_partition: Mapping[str, Any] | None = None
    source_offset: Mapping[str, Any] | None = None


@dataclass(slots=True, kw_only=True)
class SinkRecord(ConnectRecord):
    """A record read from Kafka and delivered to a sink task.

    ``kafka_offset`` is the record's offset in its partition. The ``original_*`` fields keep the
    topic, partition and offset the record was read from, before transformations (a
    ``RegexRouter`` may have changed ``topic``); they default to the current values, and
    ``new_record`` keeps them. A sink task that reports offsets from ``pre_commit`` must use the
    original coordinates, because those are what the consumer commits.
    """

    kafka_offset: int
    timestamp_type: TimestampType = TimestampType.NO_TIMESTAMP_TYPE
    original_topic: str | None = None
    original_kafka_partition: int | None = None
    original_kafka_offset: int | None = None

    def __post_init__(self) -> None:
        if self.original_topic is None:
            self.original_topic = self.topic
        if self.original_kafka_partition is None:
            self.original_kafka_partition = self.kafka_partition
        if self.original_kafka_offset is None:
            self.original_kafka_offset = self.kafka_offset

    @property
    def original_topic_partition(self) -> TopicPartition:
        """The partition this record was read from, as the consumer knows it.

        Raises :class:`~distconnect.api.errors.DataError` if the record has no partition.
        """
        if self.original_topic is None or self.original_kafka_partition is None:
            raise DataError(f"sink record from topic {self.topic!r} has no Kafka partition")
        return TopicPartition(self.original_topic, self.original_kafka_partition)


__all__ = [
    "ConnectRecord",
    "FrozenMapping",
    "OffsetAndMetadata",
    "RecordMetadata",
    "SinkRecord",
    "SourceRecord",
    "TimestampType",
    "TopicPartition",
]
