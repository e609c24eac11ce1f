"""VerifiableSinkConnector: logs every record it receives and every record whose offset it flushed.

The Python counterpart of Apache Kafka's ``org.apache.kafka.connect.tools.VerifiableSinkConnector``.
It expects records from :class:`~distconnect.connectors.verifiable.source.VerifiableSourceTask`:
key = source task id, value = seqno (or the ``complete.record.data`` struct, or that struct as a
schemaless map). ``put`` logs each record as ``received`` and keeps it per partition; ``flush``
(called before the runtime commits the consumer offsets) logs the kept records of the flushed
partitions as ``flushed`` and forgets them. A ``flushed`` event therefore means "this record's
consumer offset is about to be committed", which is what the loss analysis relies on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Mapping
from typing import Any, Final

from distconnect.api.config import AbstractConfig, ConfigDef, ConfigType, Importance, Range
from distconnect.api.connector import SinkConnector
from distconnect.api.records import OffsetAndMetadata, SinkRecord, TopicPartition
from distconnect.api.struct import Struct
from distconnect.api.task import SinkTask
from distconnect.connectors.common import VERSION, NumberedTasks
from distconnect.connectors.verifiable.eventlog import (
    FLUSHED,
    LOG_FILE_CONFIG,
    LOG_FILE_DOC,
    RECEIVED,
    EventLog,
)

NAME_CONFIG: Final = "name"
ID_CONFIG: Final = "id"

CONFIG_DEF: Final = (
    ConfigDef()
    .define(
        LOG_FILE_CONFIG, ConfigType.STRING, None, importance=Importance.MEDIUM, documentation=LOG_FILE_DOC
    )
    .define(
        ID_CONFIG,
        ConfigType.INT,
        0,
        Range.at_least(0),
        Importance.LOW,
        "The task's id, set by the connector for each task.",
        internal=True,
    )
)


def _as_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str | bytes):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def source_coordinates(record: SinkRecord) -> tuple[int | None, int | None]:
    """The (source task id, seqno) a VerifiableSource record carries; ``None`` where unreadable
    (for instance when a converter turned the numbers into something else)."""
    value = record.value
    if isinstance(value, Struct):
        return _as_int(value.get("task")), _as_int(value.get("seqno"))
    if isinstance(value, Mapping):
        return _as_int(value.get("task")), _as_int(value.get("seqno"))
    return _as_int(record.key), _as_int(value)


class VerifiableSinkConnector(NumberedTasks, SinkConnector):
    """Creates exactly ``tasks.max`` tasks with ids 0..n-1."""

    CONFIG_DEF = CONFIG_DEF
    TASK_ID_KEY = ID_CONFIG

    def task_class(self) -> type[SinkTask]:
        return VerifiableSinkTask

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[TopicPartition, int | None]
    ) -> bool:
        return True  # nothing kept outside the consumer group


class VerifiableSinkTask(SinkTask):
    """Logs ``received`` per record in ``put`` and ``flushed`` per record in ``flush``.

    Both await the log write before returning, so every ``flushed`` line is written before the
    runtime commits the offsets it covers. Records are kept per partition they were read from
    (the keys of ``flush``'s offsets), including after a transformation renamed the topic.
    """

    def __init__(self) -> None:
        self._name = ""
        self._id = 0
        self._pid = os.getpid()
        self._log = EventLog(None)
        self._unflushed: dict[TopicPartition, list[dict[str, Any]]] = {}

    def version(self) -> str:
        return VERSION

    async def start(self, props: Mapping[str, str]) -> None:
        config = AbstractConfig(CONFIG_DEF, props)
        self._name = props.get(NAME_CONFIG, "")
        self._id = config.get_int(ID_CONFIG) or 0
        self._log = EventLog(config.get_string(LOG_FILE_CONFIG))

    async def put(self, records: list[SinkRecord]) -> None:
        if not records:
            return
        now_ms = int(time.time() * 1000)
        unflushed = self._unflushed
        for record in records:
            task, seqno = source_coordinates(record)
            event = {
                "name": self._name,
                "task": task,
                "sinkTask": self._id,
                "topic": record.topic,
                "partition": record.kafka_partition,
                "offset": record.kafka_offset,
                "time_ms": now_ms,
                "seqno": seqno,
                "event": RECEIVED,
                "pid": self._pid,
            }
            self._log.append(event)
            unflushed.setdefault(record.original_topic_partition, []).append(event)
        await self._log.write()

    async def flush(self, current_offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
        now_ms = int(time.time() * 1000)
        for partition in current_offsets:
            for event in self._unflushed.pop(partition, ()):
                self._log.append({**event, "time_ms": now_ms, "event": FLUSHED, "flushed": True})
        await self._log.write()

    async def close(self, partitions: Collection[TopicPartition]) -> None:
        # Records of a partition taken away without a flush go to its next owner again.
        for partition in partitions:
            self._unflushed.pop(partition, None)

    async def stop(self) -> None:
        await self._log.write()


__all__ = ["CONFIG_DEF", "VerifiableSinkConnector", "VerifiableSinkTask", "source_coordinates"]
