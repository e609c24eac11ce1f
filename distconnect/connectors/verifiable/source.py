"""VerifiableSourceConnector: numbered records plus an event log, to prove delivery guarantees.

The Python counterpart of Apache Kafka's ``org.apache.kafka.connect.tools.VerifiableSourceConnector``
(a test plugin). Task ``i`` produces records with key ``i`` (INT32) and value ``seqno`` (INT64),
``seqno`` counting up from 0, under source partition ``{"id": i}`` and source offset
``{"seqno": n}`` (Apache's shapes, so stored offsets interoperate). On start a task resumes at the
stored seqno + 1. With ``complete.record.data=true`` the value is instead a struct
``{name, task, topic, time_ms, seqno}``.

Every record handed to the runtime is logged as ``sent`` and every acknowledged one as
``committed`` (see :mod:`distconnect.connectors.verifiable.eventlog`).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from typing import Any, Final

from distconnect.api.config import AbstractConfig, ConfigDef, ConfigType, Importance, NonEmptyString, Range
from distconnect.api.connector import SourceConnector
from distconnect.api.data import INT32_SCHEMA, INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from distconnect.api.errors import ConnectError
from distconnect.api.records import RecordMetadata, SourceRecord
from distconnect.api.struct import Struct
from distconnect.api.task import SourceTask
from distconnect.connectors.common import POLL_INTERVAL_S, VERSION, NumberedTasks, Pacer, wait_stopped
from distconnect.connectors.verifiable.eventlog import (
    COMMITTED,
    LOG_FILE_CONFIG,
    LOG_FILE_DOC,
    SENT,
    EventLog,
)

NAME_CONFIG: Final = "name"
ID_CONFIG: Final = "id"
TOPIC_CONFIG: Final = "topic"
THROUGHPUT_CONFIG: Final = "throughput"
BATCH_SIZE_CONFIG: Final = "batch.size"
COMPLETE_RECORD_DATA_CONFIG: Final = "complete.record.data"
#: Keys of the source partition and offset maps (Apache's).
ID_FIELD: Final = "id"
SEQNO_FIELD: Final = "seqno"

COMPLETE_VALUE_SCHEMA: Final = (
    SchemaBuilder.struct()
    .field("name", STRING_SCHEMA)
    .field("task", INT32_SCHEMA)
    .field("topic", STRING_SCHEMA)
    .field("time_ms", INT64_SCHEMA)
    .field("seqno", INT64_SCHEMA)
    .build()
)

CONFIG_DEF: Final = (
    ConfigDef()
    .define(
        TOPIC_CONFIG,
        ConfigType.STRING,
        validator=NonEmptyString(),
        importance=Importance.HIGH,
        documentation="Topic the records are written to.",
    )
    .define(
        THROUGHPUT_CONFIG,
        ConfigType.LONG,
        -1,
        importance=Importance.HIGH,
        documentation="Records per second each task produces, spread evenly over time. "
        "A negative value means as fast as possible; 0 produces nothing.",
    )
    .define(
        BATCH_SIZE_CONFIG,
        ConfigType.INT,
        1,
        Range.at_least(1),
        Importance.MEDIUM,
        "Most records one poll returns. 1 matches Apache Kafka's task (one record per poll); "
        "raise it for load tests.",
    )
    .define(
        COMPLETE_RECORD_DATA_CONFIG,
        ConfigType.BOOLEAN,
        False,
        importance=Importance.LOW,
        documentation="Send a struct {name, task, topic, time_ms, seqno} as the value instead of "
        "the bare sequence number, for tests that check the topic's content itself.",
    )
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


class VerifiableSourceConnector(NumberedTasks, SourceConnector):
    """Creates exactly ``tasks.max`` tasks with ids 0..n-1."""

    CONFIG_DEF = CONFIG_DEF
    TASK_ID_KEY = ID_CONFIG

    def task_class(self) -> type[SourceTask]:
        return VerifiableSourceTask


class VerifiableSourceTask(SourceTask):
    """Produces ``seqno`` = start, start+1, ... paced to ``throughput`` records/s.

    ``poll`` awaits the write of its ``sent`` events, and ``commit_record`` that of its
    ``committed`` event, before returning. As long as the runtime stores a record's offset only
    after its ``commit_record`` returned, a killed worker never leaves a stored offset whose event
    is missing from the log (which the analysis would report as a gap). Concurrent
    ``commit_record`` calls share one log write.
    """

    def __init__(self) -> None:
        self._name = ""
        self._id = 0
        self._topic = ""
        self._batch_size = 1
        self._complete = False
        self._partition: dict[str, Any] = {}
        self._seqno = 0
        self._starting_seqno = 0
        self._pacer = Pacer(-1, 0.0)
        self._log = EventLog(None)
        self._pid = os.getpid()
        self._stopped = asyncio.Event()

    def version(self) -> str:
        return VERSION

    async def start(self, props: Mapping[str, str]) -> None:
        config = AbstractConfig(CONFIG_DEF, props)
        self._name = props.get(NAME_CONFIG, "")
        self._id = config.get_int(ID_CONFIG) or 0
        self._topic = config.get_string(TOPIC_CONFIG) or ""
        self._batch_size = config.get_int(BATCH_SIZE_CONFIG) or 1
        self._complete = bool(config.get_boolean(COMPLETE_RECORD_DATA_CONFIG))
        self._log = EventLog(config.get_string(LOG_FILE_CONFIG))
        self._partition = {ID_FIELD: self._id}
        stored = await self.context.offset_storage_reader.offset(self._partition)
        self._seqno = 0
        if stored is not None:
            last = stored.get(SEQNO_FIELD)
            if not isinstance(last, int) or isinstance(last, bool):
                raise ConnectError(f"Stored offset of task {self._id} lacks an integer '{SEQNO_FIELD}'")
            self._seqno = last + 1
        self._starting_seqno = self._seqno
        throughput = config.get_long(THROUGHPUT_CONFIG)
        self._pacer = Pacer(-1 if throughput is None else throughput, time.monotonic())

    async def poll(self) -> list[SourceRecord]:
        count = await self._due()
        if count == 0:
            return []
        now_ms = int(time.time() * 1000)
        name, task, topic, pid, partition = self._name, self._id, self._topic, self._pid, self._partition
        records: list[SourceRecord] = []
        for seqno in range(self._seqno, self._seqno + count):
            event = {"name": name, "task": task, "topic": topic, "time_ms": now_ms, "seqno": seqno}
            value: Any = seqno
            value_schema = INT64_SCHEMA
            if self._complete:
                value, value_schema = self._complete_value(event), COMPLETE_VALUE_SCHEMA
            records.append(
                SourceRecord(
                    topic=topic,
                    key_schema=INT32_SCHEMA,
                    key=task,
                    value_schema=value_schema,
                    value=value,
                    source_partition=partition,
                    source_offset={SEQNO_FIELD: seqno},
                )
            )
            event["event"] = SENT
            event["pid"] = pid
            self._log.append(event)
        self._seqno += count
        await self._log.write()
        return records

    async def commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:
        offset = record.source_offset or {}
        self._log.append(
            {
                "name": self._name,
                "task": self._id,
                "topic": self._topic,
                "time_ms": int(time.time() * 1000),
                "seqno": offset.get(SEQNO_FIELD, record.value),
                "committed": True,
                "event": COMMITTED,
                "pid": self._pid,
                "partition": None if metadata is None else metadata.partition,
                "offset": None if metadata is None else metadata.offset,
            }
        )
        await self._log.write()

    async def stop(self) -> None:
        self._stopped.set()
        await self._log.write()

    async def _due(self) -> int:
        """How many records to produce now (at most ``batch.size``), waiting a bounded time for
        the pacer if none is due. 0 means return an empty batch (stopped, or still not due)."""
        for attempt in range(2):
            if self._stopped.is_set():
                return 0
            emitted, now = self._seqno - self._starting_seqno, time.monotonic()
            count = min(self._batch_size, self._pacer.allowance(emitted, now))
            if count > 0 or attempt:
                return count
            await wait_stopped(self._stopped, min(POLL_INTERVAL_S, self._pacer.delay(emitted, now)))
        return 0

    def _complete_value(self, event: Mapping[str, Any]) -> Struct:
        value = Struct(COMPLETE_VALUE_SCHEMA)
        for field in ("name", "task", "topic", "time_ms", "seqno"):
            value.put(field, event[field])
        return value


__all__ = ["CONFIG_DEF", "VerifiableSourceConnector", "VerifiableSourceTask"]
