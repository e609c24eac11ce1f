"""Tasks: the half of a plugin that moves data, one batch at a time.

Threading: the data path is ``async``. The runtime awaits every ``Task`` coroutine on the worker's
event loop, which also serves every other task, the REST API and the group heartbeat. A coroutine
must therefore never block: no ``time.sleep``, no blocking socket or driver calls, no long
CPU-bound stretches. Wrap blocking code in a thread::

    class FileLinesSourceTask(SourceTask):
        async def start(self, props: Mapping[str, str]) -> None:
            self._file = await asyncio.to_thread(open, props["file"], "rb")

        async def poll(self) -> list[SourceRecord]:
            lines = await asyncio.to_thread(self._file.readlines, 65536)
            if not lines:
                await asyncio.sleep(1.0)  # nothing new: back off without blocking the loop
                return []
            return [SourceRecord(topic="lines", value=line) for line in lines]

Cancelling an ``await asyncio.to_thread(...)`` does not stop the thread, so ``stop`` should also
make such calls return (close the client or file they block on).

Concurrency: the methods of a ``SinkTask`` never overlap. A ``SourceTask``'s ``commit``,
``commit_record`` and ``stop`` may run while ``poll`` is suspended at an ``await`` (acknowledgements
from Kafka arrive independently of polling); being on one event loop, they interleave only at
``await`` points, so plain attributes need no locks. A method that hangs past the runtime's
timeout is abandoned and the task reported FAILED.

Errors: an exception from ``start``, ``poll``, ``put``, ``open`` or ``close`` fails the task (state
FAILED, trace visible through the status API; other tasks carry on), except where a method's
docstring says otherwise for :class:`~distconnect.api.errors.RetriableError`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping

from distconnect.api.context import SinkTaskContext, SourceTaskContext
from distconnect.api.errors import IllegalWorkerStateError
from distconnect.api.records import (
    OffsetAndMetadata,
    RecordMetadata,
    SinkRecord,
    SourceRecord,
    TopicPartition,
)


class Task(ABC):
    """Base of :class:`SourceTask` and :class:`SinkTask`; subclass one of those.

    The runtime creates tasks with no arguments, calls ``initialize(context)`` and then awaits
    ``start(props)`` with one of the configs the connector's ``task_configs`` returned.
    """

    @abstractmethod
    def version(self) -> str:
        """The plugin's version string (usually the connector's). Must not block."""

    @abstractmethod
    async def start(self, props: Mapping[str, str]) -> None:
        """Start with this task's configuration: open clients, restore positions.

        Awaited on the event loop before any data-path call; must not block (use
        ``asyncio.to_thread``). Raising fails the task.
        """

    @abstractmethod
    async def stop(self) -> None:
        """Stop: release clients and threads. Awaited on the event loop once, after a successful
        :meth:`start`; should return promptly. An exception is logged and the task still stops."""


class SourceTask(Task):
    """Reads an external system and returns batches of :class:`~distconnect.api.records.SourceRecord`.

    The runtime loops ``poll`` -> convert -> produce, and records each record's ``source_offset``
    once Kafka has acknowledged the record, so offsets never run ahead of the data. On restart, read
    them back in :meth:`start` through ``self.context.offset_storage_reader``.
    """

    __context: SourceTaskContext | None = None

    def initialize(self, context: SourceTaskContext) -> None:
        """Receive the task's context. Called once, before :meth:`start`; overriders must call
        ``super().initialize(context)``."""
        self.__context = context

    @property
    def context(self) -> SourceTaskContext:
        """The context given to :meth:`initialize`; raises ``IllegalWorkerStateError`` before."""
        if self.__context is None:
            raise IllegalWorkerStateError(f"{type(self).__name__} used before initialize()")
        return self.__context

    @abstractmethod
    async def poll(self) -> list[SourceRecord]:
        """Return the next batch of records; an empty list means "nothing now".

        Awaited on the event loop, again and again, as soon as the previous batch is handed to
        the producer. Return batches (hundreds or thousands of records), not single records.
        When there is no data, *wait* for some (await the source, or ``await asyncio.sleep``
        for a back-off) before returning ``[]``: the runtime calls ``poll`` again right away.

        ``stop`` may be awaited while ``poll`` is suspended; afterwards the runtime cancels the
        pending ``poll``, so ``asyncio.CancelledError`` arrives at its current ``await``. Let it
        propagate. Records of a cancelled poll are never produced and their offsets never
        committed, so they are read again after a restart.

        Raising :class:`~distconnect.api.errors.RetriableError` makes the runtime log it, back
        off and poll again; any other exception fails the task.
        """

    @abstractmethod
    async def stop(self) -> None:
        """Stop: release clients and make blocking calls in threads return.

        Awaited on the event loop, possibly while :meth:`poll` is suspended; the runtime cancels
        that poll once ``stop`` returns and awaits nothing else of this task afterwards (except
        :meth:`commit` / :meth:`commit_record` for records already acknowledged). An exception is
        logged and the task still stops.
        """

    async def commit(self) -> None:
        """Hook run after the runtime committed the offsets of acknowledged records.

        For sources that also acknowledge positions in their own system (message queues). Offsets
        are stored by the runtime regardless. Awaited on the event loop; must not block. An
        exception is logged and otherwise ignored. Default: nothing.
        """

    async def commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:
        """Hook run once per record after Kafka acknowledged it, with where it was written.

        ``metadata`` is ``None`` if the record was never written: a transformation dropped it, or
        it failed and ``errors.tolerance=all`` skipped it. Awaited on the event loop; keep it
        cheap, since it runs for every record (prefer :meth:`commit` for batch acknowledgement).
        An exception is logged and otherwise ignored. Default: nothing.
        """


class SinkTask(Task):
    """Receives batches of :class:`~distconnect.api.records.SinkRecord` consumed from Kafka and
    writes them to an external system.

    Offsets: the runtime periodically (``offset.flush.interval.ms``, or after
    :meth:`SinkTaskContext.request_commit`) calls :meth:`pre_commit` with the offsets of every
    record delivered to :meth:`put` so far, and commits to the consumer group what it returns.
    So everything :meth:`put` accepted must be durable by the time :meth:`flush` returns; a
    sink that writes synchronously in :meth:`put` needs no ``flush`` at all.
    """

    #: The configuration key naming the topics to consume (comma-separated).
    TOPICS_CONFIG = "topics"
    #: The configuration key with a regular expression selecting topics to consume.
    TOPICS_REGEX_CONFIG = "topics.regex"

    __context: SinkTaskContext | None = None

    def initialize(self, context: SinkTaskContext) -> None:
        """Receive the task's context. Called once, before :meth:`start`; overriders must call
        ``super().initialize(context)``."""
        self.__context = context

    @property
    def context(self) -> SinkTaskContext:
        """The context given to :meth:`initialize`; raises ``IllegalWorkerStateError`` before."""
        if self.__context is None:
            raise IllegalWorkerStateError(f"{type(self).__name__} used before initialize()")
        return self.__context

    @abstractmethod
    async def put(self, records: list[SinkRecord]) -> None:
        """Write (or buffer) a batch of records. Awaited on the event loop; must not block.

        The batch may be empty (the runtime calls ``put`` regularly so buffering tasks can act on
        time). Records of one partition arrive in offset order. A task may buffer and write
        later, provided :meth:`flush` makes everything durable.

        Raising :class:`~distconnect.api.errors.RetriableError` makes the runtime wait for the
        back-off set with ``self.context.timeout(ms)`` (set it before raising), then call ``put``
        again with the *same* batch, so ``put`` must tolerate seeing records again. Any other
        exception fails the task.
        """

    async def flush(self, current_offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
        """Make every record passed to :meth:`put` so far durable in the external system.

        ``current_offsets`` holds, per partition, the offset after the last record delivered.
        Awaited on the event loop by the default :meth:`pre_commit`; must not block. If it raises,
        nothing is committed and the runtime rewinds consumption to the last committed offsets,
        so the uncommitted records are delivered again; the task keeps running. Default: nothing.
        """

    async def pre_commit(
        self, current_offsets: Mapping[TopicPartition, OffsetAndMetadata]
    ) -> Mapping[TopicPartition, OffsetAndMetadata]:
        """Decide what to commit: return the offsets that are safe to commit to the consumer group.

        Awaited on the event loop before each offset commit and before partitions are closed.
        ``current_offsets`` is keyed by the partitions the records were *read* from (their
        ``original_*`` coordinates). A task that manages offsets itself (writing them with the data
        for exactly-once delivery) returns an empty mapping; a task that writes asynchronously
        returns only what its destination has confirmed. Offsets of partitions no longer assigned
        are ignored. Failure handling is as for :meth:`flush`.

        The default awaits ``flush(current_offsets)`` and then returns ``current_offsets``.
        """
        await self.flush(current_offsets)
        return current_offsets

    async def open(self, partitions: Collection[TopicPartition]) -> None:
        """Partitions were assigned to this task (at start and after each rebalance).

        Awaited on the event loop before any record of these partitions reaches :meth:`put`.
        Open per-partition writers here; a sink that stores offsets in the destination calls
        ``self.context.offset(...)`` here to resume from them. Must not block. Default: nothing.
        """

    async def close(self, partitions: Collection[TopicPartition]) -> None:
        """Partitions are being taken from this task (rebalance or shutdown).

        Awaited on the event loop after a final :meth:`pre_commit` and commit for these
        partitions; release their writers and discard their buffered records, which the next
        owner will receive again. Must not block. Default: nothing.
        """

    @abstractmethod
    async def stop(self) -> None:
        """Stop: release clients. Awaited on the event loop after :meth:`close` was awaited for
        every assigned partition; no other method is awaited concurrently. An exception is logged
        and the task still stops."""


__all__ = ["SinkTask", "SourceTask", "Task"]
