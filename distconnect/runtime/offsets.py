"""Source offsets: where they are kept, and how they become bytes.

Apache Kafka Connect stores a source offset as a key ``["<connector>", {<source partition>}]`` and
a value ``{<source offset>}`` (or null to delete), both rendered by a schemaless ``JsonConverter``.
:class:`OffsetCodec` does the same through whatever converter the worker was given, so the bytes
match Java's. Stores index offsets by the *decoded* key (connector name plus partition as a
hashable mapping), not by the bytes: two writers that order a partition's fields differently
still address the same offset.

:class:`OffsetStore` is what task runners and the offsets REST API use. This module has the
in-memory and file-backed (standalone mode) stores; the Kafka-topic store lives in
``distconnect.storage``. Stores are owned by one worker and used from its event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from distconnect.api.errors import ConnectError, DataError
from distconnect.api.plugins import Converter
from distconnect.api.records import FrozenMapping

log = logging.getLogger(__name__)

OffsetKey = tuple[str, FrozenMapping]


class OffsetCodec:
    """Encodes offset keys and values exactly as Connect's internal JSON converter does."""

    def __init__(self, converter: Converter) -> None:
        self._converter = converter

    def encode_key(self, connector: str, partition: Mapping[str, Any]) -> bytes:
        # A stable field order: the same partition must always give the same bytes, or compaction
        # keeps stale offsets and the key may hash to another partition of the offsets topic.
        data = self._converter.from_connect_data("", None, [connector, dict(sorted(partition.items()))])
        if data is None:
            raise DataError("the offset key converter returned null")
        return data

    def encode_value(self, offset: Mapping[str, Any] | None) -> bytes | None:
        return None if offset is None else self._converter.from_connect_data("", None, dict(offset))

    def decode_key(self, data: bytes) -> OffsetKey:
        key = self._converter.to_connect_data("", data).value
        if not (
            isinstance(key, list) and len(key) == 2 and isinstance(key[0], str) and isinstance(key[1], dict)
        ):
            raise DataError(f"offset key is not [connector, partition]: {data[:200]!r}")
        return key[0], FrozenMapping(key[1])

    def decode_value(self, data: bytes | None) -> dict[str, Any] | None:
        if data is None:
            return None
        value = self._converter.to_connect_data("", data).value
        if value is not None and not isinstance(value, dict):
            raise DataError(f"offset value is not a map: {data[:200]!r}")
        return value


class OffsetStore(ABC):
    """Committed source offsets of every connector on this worker (or cluster)."""

    def __init__(self) -> None:
        self._offsets: dict[OffsetKey, dict[str, Any]] = {}

    async def start(self) -> None:  # noqa: B027  (an optional hook)
        """Load existing offsets. Until it returns, reads see nothing."""

    async def stop(self) -> None:  # noqa: B027  (an optional hook)
        """Release resources; writes already acknowledged are durable."""

    async def read(
        self, connector: str, partitions: Iterable[Mapping[str, Any]]
    ) -> dict[FrozenMapping, dict[str, Any]]:
        """The latest committed offsets of ``partitions``; partitions without one are left out."""
        await self.sync()
        found: dict[FrozenMapping, dict[str, Any]] = {}
        for partition in partitions:
            key = FrozenMapping(partition)
            offset = self._offsets.get((connector, key))
            if offset is not None:
                found[key] = offset
        return found

    async def sync(self) -> None:  # noqa: B027  (an optional hook)
        """Catch up with writes made elsewhere (another worker) before a read. Default: nothing."""

    def connector_offsets(self, connector: str) -> dict[FrozenMapping, dict[str, Any]]:
        """Every committed offset of one connector (for ``GET /connectors/{name}/offsets``)."""
        return {partition: offset for (name, partition), offset in self._offsets.items() if name == connector}

    async def write(self, connector: str, offsets: Mapping[FrozenMapping, Mapping[str, Any] | None]) -> None:
        """Durably commit ``offsets`` (None deletes a partition's offset), all or nothing."""
        if not offsets:
            return
        await self._persist(connector, offsets)
        self._apply(connector, offsets)

    def _apply(self, connector: str, offsets: Mapping[FrozenMapping, Mapping[str, Any] | None]) -> None:
        for partition, offset in offsets.items():
            key = (connector, FrozenMapping(partition))
            if offset is None:
                self._offsets.pop(key, None)
            else:
                self._offsets[key] = dict(offset)

    @abstractmethod
    async def _persist(
        self, connector: str, offsets: Mapping[FrozenMapping, Mapping[str, Any] | None]
    ) -> None:
        """Make the writes durable before they become visible to reads."""


class MemoryOffsetStore(OffsetStore):
    """Offsets that live as long as the process: for tests and throwaway workers."""

    async def _persist(
        self, connector: str, offsets: Mapping[FrozenMapping, Mapping[str, Any] | None]
    ) -> None:
        return None


class FileOffsetStore(OffsetStore):
    """Standalone mode's ``offset.storage.file.filename``: every write rewrites the file atomically.

    The file holds the encoded key/value pairs (the same bytes a Kafka offsets topic would hold) as
    a JSON list. A write goes to a temporary file that is fsynced and renamed over the old one, and
    the directory is fsynced, so a crash at any point leaves either the old or the new offsets,
    never a torn file. File I/O runs in a thread. Writes are serialised by a lock.
    """

    def __init__(self, path: Path, codec: OffsetCodec) -> None:
        super().__init__()
        self.path = path
        self._codec = codec
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        entries = await asyncio.to_thread(self._load)
        for raw_key, raw_value in entries:
            try:
                connector, partition = self._codec.decode_key(raw_key.encode())
                value = self._codec.decode_value(None if raw_value is None else raw_value.encode())
            except ConnectError as err:
                log.warning("skipping unreadable offset entry in %s: %s", self.path, err)
                continue
            self._apply(connector, {partition: value})

    def _load(self) -> list[tuple[str, str | None]]:
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return []
        except orjson.JSONDecodeError as err:
            raise ConnectError(f"offset file {self.path} is corrupt: {err}") from err
        return [(k, v) for k, v in data.get("offsets", [])]

    async def _persist(
        self, connector: str, offsets: Mapping[FrozenMapping, Mapping[str, Any] | None]
    ) -> None:
        async with self._lock:
            merged = dict(self._offsets)
            for partition, offset in offsets.items():
                if offset is None:
                    merged.pop((connector, partition), None)
                else:
                    merged[(connector, partition)] = dict(offset)
            entries = [
                [self._codec.encode_key(name, part).decode(), (self._codec.encode_value(off) or b"").decode()]
                for (name, part), off in merged.items()
            ]
            await asyncio.to_thread(self._write_atomically, orjson.dumps({"version": 1, "offsets": entries}))

    def _write_atomically(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with tmp.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
