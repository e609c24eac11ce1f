"""Example sink connector from the connector author guide (``docs/connector-authors.md``).

``ExampleSinkConnector`` appends every record it consumes as one JSON line to a file per Kafka
partition, ``<output.dir>/<topic>-<partition>.jsonl``. It shows the sink side of the contract:

* ``put`` writes each batch straight away (in a worker thread) and may see a batch again: after
  a :class:`RetriableError` the runtime redelivers the same batch, so records already written
  are skipped by offset;
* ``flush`` makes what ``put`` wrote durable (``fsync``) before the runtime commits offsets;
* ``open`` finds where each partition's file ends and rewinds consumption there with
  ``context.offset``, so the files, not only the consumer group, decide where to resume;
* records that cannot be rendered go to the errant record reporter (dead letter queue) when the
  connector has one, and fail the task otherwise.

Run it with ``connector.class=examples.example_sink.ExampleSinkConnector`` and ``docs/`` on
``PYTHONPATH`` (see ``docs/examples/check_examples.py``).
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import decimal
import json
import logging
import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Final

from distconnect.api import (
    AbstractConfig,
    ConfigDef,
    ConfigType,
    ConnectError,
    DataError,
    Importance,
    NonEmptyString,
    OffsetAndMetadata,
    Range,
    RetriableError,
    SinkConnector,
    SinkRecord,
    SinkTask,
    Struct,
    TopicPartition,
)

log = logging.getLogger(__name__)

VERSION: Final = "1.0.0"

OUTPUT_DIR_CONFIG: Final = "output.dir"
FSYNC_CONFIG: Final = "fsync"
RETRY_BACKOFF_CONFIG: Final = "retry.backoff.ms"

CONFIG_DEF: Final = (
    ConfigDef()
    .define(
        OUTPUT_DIR_CONFIG,
        ConfigType.STRING,
        validator=NonEmptyString(),
        importance=Importance.HIGH,
        documentation="Directory that receives one <topic>-<partition>.jsonl file per partition.",
    )
    .define(
        FSYNC_CONFIG,
        ConfigType.BOOLEAN,
        True,
        importance=Importance.MEDIUM,
        documentation="fsync the files before offsets are committed. Without it a machine crash "
        "may lose lines whose offsets were already committed.",
    )
    .define(
        RETRY_BACKOFF_CONFIG,
        ConfigType.LONG,
        5000,
        Range.at_least(0),
        Importance.LOW,
        "How long to wait before a batch that failed to be written is delivered again.",
    )
)


class ExampleSinkConnector(SinkConnector):
    """Every task gets the same config: Kafka's consumer group spreads the partitions."""

    def __init__(self) -> None:
        self._props: dict[str, str] = {}

    def version(self) -> str:
        return VERSION

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def start(self, props: Mapping[str, str]) -> None:
        AbstractConfig(CONFIG_DEF, props)  # fail fast on a bad configuration
        self._props = dict(props)

    def task_class(self) -> type[SinkTask]:
        return ExampleSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        pass


def to_json(value: Any) -> Any:
    """Connect data -> something ``json.dumps`` accepts; DataError for anything else."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Struct):
        return {field.name: to_json(value.get(field)) for field in value.schema.fields}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    raise DataError(f"cannot render a {type(value).__name__} as JSON")


class ExampleSinkTask(SinkTask):
    """Writes records to per-partition files. All methods are coroutines on the event loop; file
    I/O runs in worker threads."""

    def __init__(self) -> None:
        self._dir = Path()
        self._fsync = True
        self._backoff_ms = 5000
        self._files: dict[TopicPartition, BinaryIO] = {}
        #: Per partition, the offset of the next record not yet in the file.
        self._next_offset: dict[TopicPartition, int] = {}

    def version(self) -> str:
        return VERSION

    async def start(self, props: Mapping[str, str]) -> None:
        config = AbstractConfig(CONFIG_DEF, props)
        self._dir = Path(config.get_string(OUTPUT_DIR_CONFIG) or ".")
        self._fsync = bool(config.get_boolean(FSYNC_CONFIG))
        self._backoff_ms = config.get_long(RETRY_BACKOFF_CONFIG) or 0
        await asyncio.to_thread(self._dir.mkdir, parents=True, exist_ok=True)

    async def open(self, partitions: Collection[TopicPartition]) -> None:
        for tp in partitions:
            path = self._dir / f"{tp.topic}-{tp.partition}.jsonl"
            self._files[tp], last = await asyncio.to_thread(_open_for_append, path)
            if last is not None:
                # The file is the source of truth: resume right after its last line.
                self._next_offset[tp] = last + 1
                self.context.offset(tp, last + 1)
                log.info("%s: resuming at offset %d from %s", tp, last + 1, path)

    async def put(self, records: list[SinkRecord]) -> None:
        lines: dict[TopicPartition, list[bytes]] = {}
        last: dict[TopicPartition, int] = {}
        for record in records:
            tp = record.original_topic_partition  # where the record was read from
            offset = record.original_kafka_offset
            assert offset is not None
            if offset < self._next_offset.get(tp, 0):
                continue  # already written: a redelivered batch or a rewind
            try:
                line = json.dumps(
                    {
                        "topic": record.topic,
                        "partition": record.kafka_partition,
                        "offset": offset,
                        "timestamp": record.timestamp,
                        "key": to_json(record.key),
                        "value": to_json(record.value),
                    }
                )
            except (DataError, ValueError) as err:
                reporter = self.context.errant_record_reporter
                if reporter is None:
                    raise DataError(f"{tp} offset {offset}: {err}") from err
                await reporter.report(record, err)  # to the dead letter queue; then carry on
                continue
            lines.setdefault(tp, []).append(line.encode() + b"\n")
            last[tp] = offset
        for tp, chunk in lines.items():
            handle = self._files.get(tp)
            if handle is None:  # open() failed for it; the client only logged that
                raise ConnectError(f"{tp} was assigned but could not be opened; see the log")
            try:
                await asyncio.to_thread(handle.write, b"".join(chunk))
            except OSError as err:
                # Transient (a full or unmounted disk, say): ask for the same batch again later.
                self.context.timeout(self._backoff_ms)
                raise RetriableError(f"writing {tp} failed: {err}") from err
            self._next_offset[tp] = last[tp] + 1

    async def flush(self, current_offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
        files = [self._files[tp] for tp in current_offsets if tp in self._files]
        await asyncio.to_thread(_sync_all, files, self._fsync)

    async def close(self, partitions: Collection[TopicPartition]) -> None:
        for tp in partitions:
            handle = self._files.pop(tp, None)
            self._next_offset.pop(tp, None)
            if handle is not None:
                await asyncio.to_thread(handle.close)

    async def stop(self) -> None:
        # close() has already been awaited for every assigned partition; this is a safety net.
        await self.close(list(self._files))


def _sync_all(files: list[BinaryIO], fsync: bool) -> None:
    for handle in files:
        handle.flush()
        if fsync:
            os.fsync(handle.fileno())


def _open_for_append(path: Path) -> tuple[BinaryIO, int | None]:
    """Open ``path`` for appending and return the ``offset`` of its last line (None if empty).

    A torn last line (the worker died mid-write) is cut off; its record is written again.
    """
    handle = path.open("a+b")
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - 65536))
    tail = handle.read()
    end = tail.rfind(b"\n") + 1
    if end < len(tail):
        handle.truncate(size - (len(tail) - end))
    lines = tail[:end].splitlines()
    return handle, (int(json.loads(lines[-1])["offset"]) if lines else None)


__all__ = ["CONFIG_DEF", "ExampleSinkConnector", "ExampleSinkTask", "to_json"]
