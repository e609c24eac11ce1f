"""DatagenSourceConnector: synthetic records at a chosen rate and size, for benchmarks.

Each of ``tasks.max`` tasks produces records of a fixed 10-field shape (see
:mod:`distconnect.connectors.datagen.payload`), as a Struct or a schemaless map, spread round-robin
over ``partitions`` source partitions ``{"task": <task>, "partition": <p>}`` whose offsets are
``{"seqno": <n>}``, a counter per source partition. A restarted task resumes every partition at
its stored seqno + 1, so ``max.records`` counts what the task produced over all its runs. Keys are
null, leaving the Kafka partition to the producer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, Final

from distconnect.api.config import AbstractConfig, ConfigDef, ConfigType, Importance, NonEmptyString, Range
from distconnect.api.connector import SourceConnector
from distconnect.api.errors import ConnectError
from distconnect.api.records import FrozenMapping, SourceRecord
from distconnect.api.task import SourceTask
from distconnect.connectors.common import POLL_INTERVAL_S, VERSION, NumberedTasks, Pacer, wait_stopped
from distconnect.connectors.datagen.payload import PayloadFactory

TOPIC_CONFIG: Final = "topic"
RATE_CONFIG: Final = "rate"
RECORD_SIZE_CONFIG: Final = "record.size"
SCHEMA_ENABLED_CONFIG: Final = "schema.enabled"
MAX_RECORDS_CONFIG: Final = "max.records"
PARTITIONS_CONFIG: Final = "partitions"
BATCH_SIZE_CONFIG: Final = "batch.size"
TASK_ID_CONFIG: Final = "task.id"
#: Keys of the source partition and offset maps.
TASK_FIELD: Final = "task"
PARTITION_FIELD: Final = "partition"
SEQNO_FIELD: Final = "seqno"

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
        RATE_CONFIG,
        ConfigType.DOUBLE,
        -1.0,
        importance=Importance.HIGH,
        documentation="Records per second per task, spread evenly over time. "
        "0 or a negative value means as fast as possible.",
    )
    .define(
        RECORD_SIZE_CONFIG,
        ConfigType.INT,
        1024,
        Range.at_least(0),
        Importance.HIGH,
        "Approximate size in bytes of each value serialised as compact schemaless JSON; a padding "
        "field makes up the difference. The other fields take about 127 bytes, so smaller sizes "
        "give values of that size.",
    )
    .define(
        SCHEMA_ENABLED_CONFIG,
        ConfigType.BOOLEAN,
        False,
        importance=Importance.MEDIUM,
        documentation="Produce Struct values with a fixed 10-field schema instead of schemaless maps "
        "with the same fields.",
    )
    .define(
        MAX_RECORDS_CONFIG,
        ConfigType.LONG,
        -1,
        Range.at_least(-1),
        Importance.MEDIUM,
        "Records each task produces in all before it goes idle; -1 for no limit.",
    )
    .define(
        PARTITIONS_CONFIG,
        ConfigType.INT,
        1,
        Range.at_least(1),
        Importance.LOW,
        "Source partitions each task spreads its records over (each has its own offset).",
    )
    .define(
        BATCH_SIZE_CONFIG,
        ConfigType.INT,
        2000,
        Range.at_least(1),
        Importance.LOW,
        "Most records one poll returns.",
    )
    .define(
        TASK_ID_CONFIG,
        ConfigType.INT,
        0,
        Range.at_least(0),
        Importance.LOW,
        "The task's id, set by the connector for each task.",
        internal=True,
    )
)


class DatagenSourceConnector(NumberedTasks, SourceConnector):
    """Creates exactly ``tasks.max`` tasks with ids 0..n-1."""

    CONFIG_DEF = CONFIG_DEF
    TASK_ID_KEY = TASK_ID_CONFIG

    def task_class(self) -> type[SourceTask]:
        return DatagenSourceTask

    def alter_offsets(
        self,
        connector_config: Mapping[str, str],
        offsets: Mapping[Mapping[str, Any], Mapping[str, Any] | None],
    ) -> bool:
        for offset in offsets.values():
            seqno = None if offset is None else offset.get(SEQNO_FIELD)
            if offset is not None and (not isinstance(seqno, int) or isinstance(seqno, bool) or seqno < 0):
                raise ConnectError(f"A datagen offset must be null or hold a non-negative '{SEQNO_FIELD}'")
        return True


class DatagenSourceTask(SourceTask):
    """Generates batches of ``batch.size`` records paced to ``rate``; all work is on the event
    loop and cheap (no I/O), about a microsecond or two per schemaless record."""

    def __init__(self) -> None:
        self._topic = ""
        self._batch_size = 1
        self._max_records = -1
        self._payload = PayloadFactory(0, 0, False)
        self._partitions: list[dict[str, int]] = []
        self._next: list[int] = []  # next seqno per source partition
        self._cursor = 0  # source partition of the next record
        self._produced = 0  # records of this run, for the pacer
        self._pacer = Pacer(-1, 0.0)
        self._stopped = asyncio.Event()

    def version(self) -> str:
        return VERSION

    @property
    def total(self) -> int:
        """Records produced by this task over all its runs (as far as stored offsets tell)."""
        return sum(self._next)

    async def start(self, props: Mapping[str, str]) -> None:
        config = AbstractConfig(CONFIG_DEF, props)
        task = config.get_int(TASK_ID_CONFIG) or 0
        self._topic = config.get_string(TOPIC_CONFIG) or ""
        self._batch_size = config.get_int(BATCH_SIZE_CONFIG) or 1
        max_records = config.get_long(MAX_RECORDS_CONFIG)
        self._max_records = -1 if max_records is None else max_records
        self._payload = PayloadFactory(
            task, config.get_int(RECORD_SIZE_CONFIG) or 0, bool(config.get_boolean(SCHEMA_ENABLED_CONFIG))
        )
        count = config.get_int(PARTITIONS_CONFIG) or 1
        self._partitions = [{TASK_FIELD: task, PARTITION_FIELD: p} for p in range(count)]
        stored = await self.context.offset_storage_reader.offsets(self._partitions)
        self._next = [self._resume_seqno(stored.get(FrozenMapping(p))) for p in self._partitions]
        self._cursor = self.total % count
        rate = config.get_double(RATE_CONFIG) or 0.0
        self._pacer = Pacer(rate if rate > 0 else -1, time.monotonic())

    @staticmethod
    def _resume_seqno(offset: Mapping[str, Any] | None) -> int:
        seqno = None if offset is None else offset.get(SEQNO_FIELD)
        if isinstance(seqno, int) and not isinstance(seqno, bool) and seqno >= 0:
            return seqno + 1
        return 0

    async def poll(self) -> list[SourceRecord]:
        count = await self._due()
        return self.generate(count) if count else []

    async def stop(self) -> None:
        self._stopped.set()

    def generate(self, count: int) -> list[SourceRecord]:
        """Make the next ``count`` records (the hot path: no I/O, no awaits)."""
        topic, schema, partitions, counters = self._topic, self._payload.schema, self._partitions, self._next
        make_value = self._payload.value
        n_partitions, cursor = len(partitions), self._cursor
        timestamp = int(time.time() * 1000)
        records: list[SourceRecord] = []
        append = records.append
        for _ in range(count):
            seqno = counters[cursor]
            counters[cursor] = seqno + 1
            append(
                SourceRecord(
                    topic=topic,
                    value_schema=schema,
                    value=make_value(cursor, seqno, timestamp),
                    timestamp=timestamp,
                    source_partition=partitions[cursor],
                    source_offset={SEQNO_FIELD: seqno},
                )
            )
            cursor += 1
            if cursor == n_partitions:
                cursor = 0
        self._cursor = cursor
        self._produced += count
        return records

    async def _due(self) -> int:
        """How many records to make now, waiting a bounded time if none is due; 0 means return an
        empty batch (stopped, limit reached, or nothing due yet)."""
        for attempt in range(2):
            if self._stopped.is_set():
                return 0
            left = self._batch_size if self._max_records < 0 else self._max_records - self.total
            if left <= 0:
                await wait_stopped(self._stopped, POLL_INTERVAL_S)  # done: idle without spinning
                return 0
            now = time.monotonic()
            count = min(self._batch_size, left, self._pacer.allowance(self._produced, now))
            if count > 0 or attempt:
                return count
            await wait_stopped(self._stopped, min(POLL_INTERVAL_S, self._pacer.delay(self._produced, now)))
        return 0


__all__ = ["CONFIG_DEF", "DatagenSourceConnector", "DatagenSourceTask"]
