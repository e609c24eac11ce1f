"""Connector and task statuses in the status topic (``status.storage.topic``), as Apache Kafka Connect.

Writing. :class:`KafkaStatusStore` is the distributed worker's
:class:`~distconnect.runtime.states.StatusListener`. A status report never blocks the runner: it is
checked against the cache, encoded and queued; a background sender writes the queue in order.
Reports follow ``KafkaStatusBackingStore``'s two write modes:

* ``put`` (RUNNING, PAUSED, STOPPED, RESTARTING, DESTROYED) always writes;
* ``putSafe`` (UNASSIGNED, FAILED) writes only if the status read from the topic is absent, was
  written by this same worker, or has a generation no newer than the report's. A worker that
  lost its tasks in a rebalance therefore cannot mark them UNASSIGNED over the RUNNING status of
  the worker that now owns them.

DESTROYED is written as a tombstone. A write that fails with a retriable error is retried unless
it went stale meanwhile (the entry was deleted, the group generation moved on, or, for a safe
write, a newer write was issued or a newer status read).

Reading. Every worker tails the topic into the latest :class:`~distconnect.runtime.states.Status`
per connector and task. A connector tombstone removes the connector's and all its tasks' statuses.
An UNASSIGNED task status read over a RUNNING one of the same or a later generation is ignored
(a late report from a worker that had not yet seen the task move), as Apache's store does. For
connectors (which Apache does not filter) the same rule applies only when the RUNNING status is
another worker's: a worker cut off from the broker may have its UNASSIGNED write delivered after
the new owner's RUNNING, while a worker's own UNASSIGNED after its RUNNING (a clean shutdown) must
show. A FAILED status from another worker over a RUNNING one of a later generation is ignored too.

Concurrency contract: one event loop; listener methods may be called before :meth:`start`, their
writes go out once it has started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from distconnect.api.errors import ConnectError
from distconnect.api.plugins import Converter
from distconnect.runtime.active_topics import ActiveTopicStore
from distconnect.runtime.service import Service
from distconnect.runtime.states import State, Status, StatusListener, TaskId
from distconnect.storage.kafka_log import KafkaBasedLog, LogRecord
from distconnect.storage.records import internal_converter
from distconnect.storage.status_records import (
    ConnectorStatusRecord,
    StatusRecordCodec,
    TaskStatusRecord,
    TopicStatus,
    TopicStatusRecord,
    connector_status_key,
    task_status_key,
    topic_status_key,
)
from distconnect.storage.topics import TopicSpec

log = logging.getLogger(__name__)

#: Reports written with ``putSafe``; every other state is written unconditionally.
SAFE_STATES = frozenset({State.UNASSIGNED, State.FAILED})
DEFAULT_PARTITIONS = 5
_RETRY_BACKOFF_S = 0.2
_STOP_FLUSH_TIMEOUT_S = 10.0


@dataclass
class _Entry:
    """One connector's or task's cached status (Java's ``CacheEntry``)."""

    value: Status | None = None
    sequence: int = 0
    deleted: bool = False

    def can_write_safely(self, status: Status, sequence: int | None = None) -> bool:
        current = self.value
        safe = (
            current is None
            or current.worker_id == status.worker_id
            or current.generation <= status.generation
        )
        return safe and (sequence is None or sequence == self.sequence)


@dataclass
class _Pending:
    key: bytes
    value: bytes | None
    entry: _Entry | None = None
    status: Status | None = None
    safe: bool = False
    sequence: int = 0


class KafkaStatusStore(Service, StatusListener, ActiveTopicStore):
    """Statuses on the status topic; see the module docstring."""

    def __init__(
        self,
        spec: TopicSpec,
        settings: Mapping[str, Any],
        converter: Converter | None = None,
        *,
        client_id: str | None = None,
    ) -> None:
        super().__init__(f"KafkaStatusStore[{spec.name}]")
        self.spec = spec
        self.codec = StatusRecordCodec(converter or internal_converter())
        self.log = KafkaBasedLog(spec, settings, self._on_record, client_id=client_id)
        self._connectors: dict[str, _Entry] = {}
        self._tasks: dict[str, dict[int, _Entry]] = {}
        self._topics: dict[str, dict[str, TopicStatus]] = {}
        self._generation = 0
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    async def on_start(self) -> None:
        await self.log.start()  # reads to the end: reads see the latest statuses from the start

    async def on_started(self) -> None:
        self._sender = self.spawn(self._send_loop(), name=f"{self.name}-sender")

    async def on_stop(self) -> None:
        try:
            if self._sender is not None and not self._sender.done():
                async with asyncio.timeout(_STOP_FLUSH_TIMEOUT_S):
                    await self.flush()
        except TimeoutError:
            pass
        if not self._queue.empty():
            log.warning("%d status updates were not written before stopping", self._queue.qsize())
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # a crash is already recorded
                await self._sender
        await self.log.stop()

    async def flush(self) -> None:
        """Return once every status queued so far has been written (or given up on)."""
        await self._queue.join()

    async def sync(self) -> None:
        """Read every status written before this call (by any worker)."""
        await self.log.read_to_end()

    # -- StatusListener ------------------------------------------------------------------------

    def on_connector_status(self, connector: str, status: Status) -> None:
        entry = self._connectors.setdefault(connector, _Entry())
        self._put(connector_status_key(connector), entry, status)

    def on_task_status(self, task: TaskId, status: Status) -> None:
        entry = self._tasks.setdefault(task.connector, {}).setdefault(task.task, _Entry())
        self._put(task_status_key(task), entry, status)

    def _put(self, key: str, entry: _Entry, status: Status) -> None:
        safe = status.state in SAFE_STATES
        self._generation = status.generation
        if safe and not entry.can_write_safely(status):
            log.debug("Not writing %s for %s: a newer status from another worker exists", status.state, key)
            return
        entry.sequence += 1
        pending = _Pending(key.encode(), self.codec.status(status), entry, status, safe, entry.sequence)
        self._queue.put_nowait(pending)

    def put_topic_status(self, status: TopicStatus) -> None:
        """Record that a connector's task used a topic (KIP-558)."""
        key = topic_status_key(status.connector, status.topic)
        self._queue.put_nowait(_Pending(key.encode(), self.codec.topic_status(status)))

    def delete_topic_status(self, connector: str, topic: str) -> None:
        self._queue.put_nowait(_Pending(topic_status_key(connector, topic).encode(), None))

    # -- ActiveTopicStore (KIP-558) --------------------------------------------------------------
    # The cache changes at once, not only when the record is read back, so a task does not write
    # the same topic twice while its record is on the way (reading the topic settles the rest).

    def has_active_topic(self, connector: str, topic: str) -> bool:
        return topic in self._topics.get(connector, {})

    def record_active_topic(self, connector: str, topic: str, task: int, discover_timestamp_ms: int) -> None:
        status = TopicStatus(topic, connector, task, discover_timestamp_ms)
        self._topics.setdefault(connector, {})[topic] = status
        self.put_topic_status(status)

    def active_topics(self, connector: str) -> list[str]:
        return sorted(self._topics.get(connector, {}))

    def forget_active_topic(self, connector: str, topic: str) -> None:
        self._topics.get(connector, {}).pop(topic, None)
        self.delete_topic_status(connector, topic)

    # -- reads ---------------------------------------------------------------------------------

    def connector_status(self, connector: str) -> Status | None:
        entry = self._connectors.get(connector)
        return None if entry is None else entry.value

    def task_status(self, task: TaskId) -> Status | None:
        entry = self._tasks.get(task.connector, {}).get(task.task)
        return None if entry is None else entry.value

    def task_statuses(self, connector: str) -> dict[TaskId, Status]:
        """The statuses of the connector's tasks, by task id."""
        return {
            TaskId(connector, n): entry.value
            for n, entry in sorted(self._tasks.get(connector, {}).items())
            if entry.value is not None
        }

    def connectors(self) -> set[str]:
        """Connectors with a status entry (written or read)."""
        return set(self._connectors)

    def topics(self, connector: str) -> dict[str, TopicStatus]:
        return dict(self._topics.get(connector, {}))

    # -- the sender ----------------------------------------------------------------------------

    async def _send_loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._send(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _send(self, batch: list[_Pending]) -> None:
        while batch:
            try:
                await self.log.send_all([(p.key, p.value) for p in batch])
                return
            except ConnectError as err:
                if not err.retriable:
                    log.error("Failed to write status update: %s", err)
                    return
                batch = [p for p in batch if self._still_wanted(p)]
                log.warning("Retrying %d status updates after: %s", len(batch), err)
            await asyncio.sleep(_RETRY_BACKOFF_S)

    def _still_wanted(self, pending: _Pending) -> bool:
        if pending.entry is None or pending.status is None:
            return True  # topic statuses are always retried
        return not (
            pending.entry.deleted
            or pending.status.generation != self._generation
            or (pending.safe and not pending.entry.can_write_safely(pending.status, pending.sequence))
        )

    # -- reading the topic ---------------------------------------------------------------------

    def _on_record(self, record: LogRecord) -> None:
        key = None
        if record.key is not None:
            try:
                key = record.key.decode("utf-8")
            except UnicodeDecodeError:
                log.warning("Discarding status record with a non-UTF-8 key at offset %d", record.offset)
                return
        decoded = self.codec.decode(key, record.value)
        if isinstance(decoded, ConnectorStatusRecord):
            self._read_connector(decoded)
        elif isinstance(decoded, TaskStatusRecord):
            self._read_task(decoded)
        elif isinstance(decoded, TopicStatusRecord):
            if decoded.status is None:
                self._topics.get(decoded.connector, {}).pop(decoded.topic, None)
            else:
                self._topics.setdefault(decoded.connector, {})[decoded.topic] = decoded.status

    def _read_connector(self, record: ConnectorStatusRecord) -> None:
        if record.status is None:
            removed = self._connectors.pop(record.connector, None)
            if removed is not None:
                removed.deleted = True
            for entry in self._tasks.pop(record.connector, {}).values():
                entry.deleted = True
            return
        entry = self._connectors.setdefault(record.connector, _Entry())
        if _stale_unassigned(record.status, entry.value, same_worker_counts=False):
            log.debug(
                "Ignoring stale status %s for %s in favour of %s",
                record.status,
                record.connector,
                entry.value,
            )
            return
        entry.value = record.status

    def _read_task(self, record: TaskStatusRecord) -> None:
        task, status = record.task, record.status
        if status is None:
            removed = self._tasks.get(task.connector, {}).pop(task.task, None)
            if removed is not None:
                removed.deleted = True
            return
        entry = self._tasks.setdefault(task.connector, {}).setdefault(task.task, _Entry())
        current = entry.value
        if _stale_unassigned(status, current):
            log.debug("Ignoring stale status %s for %s in favour of %s", status, task, current)
            return
        entry.value = status


def _stale_unassigned(status: Status, current: Status | None, *, same_worker_counts: bool = True) -> bool:
    """A late report read over the RUNNING status of the worker that owns the work now.

    UNASSIGNED over RUNNING of the same or a later generation (a worker that had not seen the
    work move; with ``same_worker_counts`` False, as for connectors, only when another worker
    reported the RUNNING), and FAILED from another worker over RUNNING of a later generation (a
    worker cut off from the broker that abandoned a task it could not stop, its write delivered
    only after the new owner's): both would otherwise hide the running owner until its next
    report.
    """
    if current is None or current.state is not State.RUNNING:
        return False
    if status.state is State.UNASSIGNED:
        if not same_worker_counts and current.worker_id == status.worker_id:
            return False
        return current.generation >= status.generation
    if status.state is State.FAILED:
        return current.worker_id != status.worker_id and current.generation > status.generation
    return False
