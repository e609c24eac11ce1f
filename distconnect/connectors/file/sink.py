"""FileStreamSinkConnector: appends each record's value as one line to a file (or standard output).

The Python counterpart of Apache Kafka's ``org.apache.kafka.connect.file.FileStreamSinkConnector``
with the same configuration. Values are written the way Java's ``println`` renders them where the
two languages differ (``null``, ``true``/``false``); strings as they are, bytes decoded as UTF-8,
anything else with ``str``. Output is UTF-8 with ``\\n`` line ends, the file opened for appending
(created if missing).

``put`` buffers rendered lines in memory and hands them to a worker thread once about a mebibyte
has accumulated; ``flush`` writes the rest and ``fsync``s the file, so everything ``put`` accepted
is on disk before the runtime commits the consumer offsets.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any, Final

from distconnect.api.config import AbstractConfig, ConfigDef, ConfigType, Importance
from distconnect.api.connector import SinkConnector
from distconnect.api.errors import ConnectError
from distconnect.api.records import OffsetAndMetadata, SinkRecord, TopicPartition
from distconnect.api.struct import Struct
from distconnect.api.task import SinkTask
from distconnect.connectors.common import VERSION

log = logging.getLogger(__name__)

FILE_CONFIG: Final = "file"
#: Buffered characters after which ``put`` writes to the file instead of only buffering.
WRITE_THRESHOLD: Final = 1 << 20

CONFIG_DEF: Final = ConfigDef().define(
    FILE_CONFIG,
    ConfigType.STRING,
    None,
    importance=Importance.HIGH,
    documentation="Path of the file the lines are appended to. Leave it unset to write to standard output.",
)


def render_value(value: Any) -> str:
    """The text written for one record value (Java ``String.valueOf`` where that differs)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{render_value(k)}={render_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, Struct):
        # Java's Struct.toString lists the fields that are set, comma-separated without spaces.
        parts = [
            f"{f.name}={render_value(value.get_without_default(f.name))}"
            for f in value.schema.fields
            if value.get_without_default(f.name) is not None
        ]
        return "Struct{" + ",".join(parts) + "}"
    return str(value)


class FileStreamSinkConnector(SinkConnector):
    """Gives every task the same configuration; the consumer group spreads the partitions."""

    def __init__(self) -> None:
        self._props: dict[str, str] = {}

    def version(self) -> str:
        return VERSION

    def start(self, props: Mapping[str, str]) -> None:
        filename = AbstractConfig(CONFIG_DEF, props).get_string(FILE_CONFIG)
        self._props = dict(props)
        log.info("Starting file sink connector writing to %s", filename or "standard output")

    def task_class(self) -> type[SinkTask]:
        return FileStreamSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        pass

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[TopicPartition, int | None]
    ) -> bool:
        # The file holds no offsets and any consumer offsets are acceptable.
        return True


class FileStreamSinkTask(SinkTask):
    """Appends record values to one file (or stdout).

    The runtime never overlaps this task's methods, so the buffer needs no lock; writes happen in
    worker threads one at a time, in order.
    """

    def __init__(self) -> None:
        self._filename: str | None = None
        self._file: io.RawIOBase | None = None
        self._pending: list[str] = []
        self._pending_chars = 0

    def version(self) -> str:
        return VERSION

    async def start(self, props: Mapping[str, str]) -> None:
        self._filename = AbstractConfig(CONFIG_DEF, props).get_string(FILE_CONFIG) or None
        if self._filename is not None:
            try:
                # Unbuffered: put() already batches, so each write goes straight to the OS.
                self._file = await asyncio.to_thread(open, self._filename, "ab", 0)
            except OSError as exc:
                raise ConnectError(f"Could not open or create {self._filename}: {exc}") from exc

    async def put(self, records: list[SinkRecord]) -> None:
        if not records:
            return
        text = "\n".join([render_value(record.value) for record in records])
        self._pending.append(text)
        self._pending_chars += len(text) + 1
        if self._pending_chars >= WRITE_THRESHOLD:
            await self._write_pending(sync=False)

    async def flush(self, current_offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
        await self._write_pending(sync=True)

    async def stop(self) -> None:
        try:
            await self._write_pending(sync=False)
        finally:
            if self._file is not None:
                await asyncio.to_thread(self._file.close)
                self._file = None

    async def _write_pending(self, *, sync: bool) -> None:
        data = "\n".join(self._pending) + "\n" if self._pending else ""
        self._pending, self._pending_chars = [], 0
        if data or sync:
            await asyncio.to_thread(self._write, data, sync)

    def _write(self, data: str, sync: bool) -> None:
        """In a worker thread: append ``data``; with ``sync``, force it to disk."""
        if self._file is None:
            sys.stdout.write(data)
            sys.stdout.flush()
            return
        view = memoryview(data.encode("utf-8"))
        while view:
            view = view[self._file.write(view) or 0 :]
        if sync:
            os.fsync(self._file.fileno())


__all__ = ["CONFIG_DEF", "FileStreamSinkConnector", "FileStreamSinkTask", "render_value"]
