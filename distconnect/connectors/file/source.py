"""FileStreamSourceConnector: each line of a file (or of standard input) becomes one record.

The Python counterpart of Apache Kafka's ``org.apache.kafka.connect.file.FileStreamSourceConnector``
with the same configuration keys and the same offsets: source partition ``{"filename": <file>}``
(the ``file`` setting as given) and source offset ``{"position": <byte position after the line>}``,
so offsets stored by either implementation resume the other. Values are STRING-schema strings.

Reading runs in worker threads (``asyncio.to_thread``) in chunks, never on the event loop. When the
file has no new complete line, ``poll`` waits up to a second (ended early by ``stop``) and returns
what it has, so the file can keep growing while the connector runs, like ``tail -f``.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any, Final

from distconnect.api.config import AbstractConfig, ConfigDef, ConfigType, Importance, NonEmptyString
from distconnect.api.connector import SourceConnector
from distconnect.api.data import STRING_SCHEMA
from distconnect.api.errors import ConnectError
from distconnect.api.records import SourceRecord
from distconnect.api.task import SourceTask
from distconnect.connectors.common import POLL_INTERVAL_S, VERSION, wait_stopped
from distconnect.connectors.file.lines import Line, LineSplitter

log = logging.getLogger(__name__)

FILE_CONFIG: Final = "file"
TOPIC_CONFIG: Final = "topic"
TASK_BATCH_SIZE_CONFIG: Final = "batch.size"
DEFAULT_TASK_BATCH_SIZE: Final = 2000
#: Keys of the source partition and offset maps (Apache's names, so offsets interoperate).
FILENAME_FIELD: Final = "filename"
POSITION_FIELD: Final = "position"

#: Bytes read per thread call; large enough that a thread hop is amortised over many lines.
READ_CHUNK: Final = 1 << 20

CONFIG_DEF: Final = (
    ConfigDef()
    .define(
        FILE_CONFIG,
        ConfigType.STRING,
        None,
        importance=Importance.HIGH,
        documentation="Path of the file to read. Leave it unset to read standard input.",
    )
    .define(
        TOPIC_CONFIG,
        ConfigType.STRING,
        validator=NonEmptyString(),
        importance=Importance.HIGH,
        documentation="Name of the topic every line is written to.",
    )
    .define(
        TASK_BATCH_SIZE_CONFIG,
        ConfigType.INT,
        DEFAULT_TASK_BATCH_SIZE,
        importance=Importance.LOW,
        documentation="Most lines the task returns from one poll.",
    )
)


def _filename(config: AbstractConfig) -> str | None:
    name = config.get_string(FILE_CONFIG)
    return name or None


class FileStreamSourceConnector(SourceConnector):
    """Reads one file (or stdin) with a single task. Stateless; every method is cheap."""

    def __init__(self) -> None:
        self._props: dict[str, str] = {}

    def version(self) -> str:
        return VERSION

    def start(self, props: Mapping[str, str]) -> None:
        filename = _filename(AbstractConfig(CONFIG_DEF, props))
        self._props = dict(props)
        log.info("Starting file source connector reading from %s", filename or "standard input")

    def task_class(self) -> type[SourceTask]:
        return FileStreamSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        # One input stream cannot be split between tasks, whatever tasks.max allows.
        return [dict(self._props)]

    def stop(self) -> None:
        pass

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def alter_offsets(
        self,
        connector_config: Mapping[str, str],
        offsets: Mapping[Mapping[str, Any], Mapping[str, Any] | None],
    ) -> bool:
        """Accept offsets shaped like the task's own (Apache's checks); the task checks the
        position against the actual file when it next starts."""
        if _filename(AbstractConfig(CONFIG_DEF, connector_config)) is None:
            raise ConnectError(
                f"Offsets cannot be changed while '{FILE_CONFIG}' is unset: standard input is read "
                "then and its position is not tracked."
            )
        for partition, offset in offsets.items():
            if offset is None:
                continue  # resetting is always allowed, so stale entries can be cleaned up
            if POSITION_FIELD not in offset:
                raise ConnectError(f"An offset must be null or contain the key '{POSITION_FIELD}'")
            position = offset[POSITION_FIELD]
            if not isinstance(position, int) or isinstance(position, bool):
                raise ConnectError(f"The '{POSITION_FIELD}' of an offset must be an integer")
            if position < 0:
                raise ConnectError(f"The '{POSITION_FIELD}' of an offset must not be negative")
            if partition is None:
                raise ConnectError("A source partition must not be null")
            if FILENAME_FIELD not in partition:
                raise ConnectError(f"A source partition must contain the key '{FILENAME_FIELD}'")
        return True


class FileStreamSourceTask(SourceTask):
    """Tails one file (or stdin) and returns its complete lines in batches of ``batch.size``.

    The file is opened lazily in the first ``poll`` (and retried each second while it does not
    exist), at the stored position if there is one. File I/O and line splitting run in worker
    threads, one call at a time; a ``threading.Lock`` keeps ``stop`` from closing the file under a
    read still running in a thread whose ``poll`` was cancelled. A read of standard input cannot be
    interrupted: after ``stop`` its thread lingers until input arrives or stdin closes.
    """

    def __init__(self) -> None:
        self._filename: str | None = None
        self._file_setting: str | None = None
        self._topic = ""
        self._batch_size = DEFAULT_TASK_BATCH_SIZE
        self._stream: io.FileIO | None = None
        self._stdin_fd: int | None = None
        self._splitter = LineSplitter()
        self._partition: dict[str, Any] = {}
        self._stopped = asyncio.Event()
        self._io_lock = threading.Lock()

    def version(self) -> str:
        return VERSION

    async def start(self, props: Mapping[str, str]) -> None:
        config = AbstractConfig(CONFIG_DEF, props)
        self._file_setting = config.get_string(FILE_CONFIG)
        self._filename = self._file_setting or None
        self._topic = config.get_string(TOPIC_CONFIG) or ""
        self._batch_size = max(1, config.get_int(TASK_BATCH_SIZE_CONFIG) or 1)
        # Apache keys records by the setting as given (null for stdin), and so do we.
        self._partition = {FILENAME_FIELD: self._file_setting}
        if self._filename is None:
            try:
                self._stdin_fd = sys.stdin.fileno()
            except (AttributeError, ValueError, OSError) as exc:  # no stdin (None) or a closed one
                raise ConnectError("'file' is unset but this worker has no standard input") from exc

    async def poll(self) -> list[SourceRecord]:
        if self._stopped.is_set():
            return []
        if self._filename is not None and self._stream is None and not await self._open():
            await wait_stopped(self._stopped, POLL_INTERVAL_S)
            return []
        lines, at_end = await asyncio.to_thread(self._read_lines, self._batch_size)
        if not lines and at_end:
            await wait_stopped(self._stopped, POLL_INTERVAL_S)
        return self._records(lines)

    async def stop(self) -> None:
        self._stopped.set()
        if self._stream is not None:
            await asyncio.to_thread(self._close)

    # -- internals -----------------------------------------------------------------------------

    async def _open(self) -> bool:
        """Open the file at the stored position; False if it does not exist (yet)."""
        assert self._filename is not None
        stored = await self.context.offset_storage_reader.offset(self._partition)
        position = 0
        if stored is not None and stored.get(POSITION_FIELD) is not None:
            position = stored[POSITION_FIELD]
            if not isinstance(position, int) or isinstance(position, bool):
                raise ConnectError(f"Stored offset position for {self._filename} is not an integer")
        try:
            stream = await asyncio.to_thread(self._open_at, self._filename, position)
        except FileNotFoundError:
            log.warning("File %s does not exist yet; waiting for it to be created", self._filename)
            return False
        except OSError as exc:
            raise ConnectError(f"Could not open {self._filename}: {exc}") from exc
        self._stream = stream
        self._splitter = LineSplitter(position)
        log.debug("Opened %s for reading at byte %d", self._filename, position)
        return True

    @staticmethod
    def _open_at(filename: str, position: int) -> io.FileIO:
        stream = io.FileIO(filename, "rb")
        if position:
            size = os.fstat(stream.fileno()).st_size
            if position > size:
                log.warning("Stored position %d is past the end of %s (%d bytes)", position, filename, size)
            stream.seek(position)
        return stream

    def _read_lines(self, limit: int) -> tuple[list[Line], bool]:
        """In a worker thread: read chunks until ``limit`` lines are complete or no data is left.

        Returns the lines and whether the input had no more data for now."""
        with self._io_lock:
            splitter = self._splitter
            lines = splitter.take(limit)
            while len(lines) < limit and not self._stopped.is_set():
                chunk = self._read_chunk()
                if not chunk:
                    return lines, True
                splitter.feed(chunk)
                lines += splitter.take(limit - len(lines))
        return lines, False

    def _read_chunk(self) -> bytes:
        if self._stdin_fd is not None:
            return os.read(self._stdin_fd, READ_CHUNK)  # returns what is available, blocks if none
        if self._stream is None or self._stream.closed:
            return b""
        return self._stream.read(READ_CHUNK) or b""

    def _close(self) -> None:
        with self._io_lock:
            if self._stream is not None:
                self._stream.close()

    def _records(self, lines: list[Line]) -> list[SourceRecord]:
        topic, partition, schema = self._topic, self._partition, STRING_SCHEMA
        # Positions in stdin mean nothing across restarts; Apache stores a null position then.
        tracked = self._filename is not None
        now = int(time.time() * 1000)
        return [
            SourceRecord(
                topic=topic,
                value_schema=schema,
                value=line.text,
                timestamp=now,
                source_partition=partition,
                source_offset={POSITION_FIELD: line.end if tracked else None},
            )
            for line in lines
        ]


__all__ = [
    "CONFIG_DEF",
    "FILENAME_FIELD",
    "POSITION_FIELD",
    "FileStreamSourceConnector",
    "FileStreamSourceTask",
]
