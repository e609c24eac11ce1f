"""The handles the runtime gives connectors and tasks to talk back to it.

These are abstract: the runtime implements them, and connector authors only call them (tests may
implement them with fakes). A connector receives a :class:`ConnectorContext` in
``Connector.initialize``; a task receives a :class:`SourceTaskContext` or :class:`SinkTaskContext`
in ``initialize``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any, overload

from distconnect.api.records import FrozenMapping, SinkRecord, TopicPartition


class ConnectorContext(ABC):
    """Lets a connector ask the runtime for things.

    Connector lifecycle methods run in worker threads, and connectors may start threads of their
    own, so both methods are thread-safe and may be called from any thread; they return at once.
    """

    @abstractmethod
    def request_task_reconfiguration(self) -> None:
        """Ask the runtime to call ``task_configs`` again and restart the tasks if they changed.

        For connectors that watch the source for changes (a new table, a new file).
        """

    @abstractmethod
    def raise_error(self, exc: Exception) -> None:
        """Fail the connector with ``exc`` from outside a lifecycle call (e.g. a monitor thread).

        The connector goes FAILED and ``exc`` becomes the trace shown by the status API; the
        runtime stops it. Its tasks keep their own states.
        """


class OffsetStorageReader(ABC):
    """Reads the source offsets the runtime stored for this connector's source partitions.

    Both methods are coroutines awaited on the event loop, typically in ``SourceTask.start`` to
    resume where the previous run stopped. They raise
    :class:`~distconnect.api.errors.ConnectError` if the offsets cannot be read at all, e.g.
    because the task is being stopped.
    """

    @abstractmethod
    async def offset(self, partition: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The latest committed offset of one source partition, or ``None`` if it has none."""

    @abstractmethod
    async def offsets(
        self, partitions: Iterable[Mapping[str, Any]]
    ) -> dict[FrozenMapping, Mapping[str, Any]]:
        """The latest committed offsets of many partitions in one read.

        Keys are the requested partitions as :class:`~distconnect.api.records.FrozenMapping`;
        partitions without a stored offset (or whose offset could not be decoded) are left out, so
        check for presence: ``result.get(FrozenMapping(partition))``.
        """


class ErrantRecordReporter(ABC):
    """Sends records a sink task cannot process to the dead letter queue, with the error."""

    @abstractmethod
    async def report(self, record: SinkRecord, error: BaseException) -> None:
        """Report ``record`` as failed with ``error``; awaited on the event loop.

        Returns once the report is written (to the DLQ topic and/or the log, as configured);
        raises :class:`~distconnect.api.errors.ConnectError` if it could not be. A task that
        reports many records may gather the calls. Either way, the runtime finishes all reports
        of a task before it commits that task's offsets, so a reported record is never skipped
        silently. With ``errors.tolerance=none`` the record is still reported, then the call raises
        ``ConnectError`` (which fails the task unless caught), as in Apache Kafka.
        """


class SourceTaskContext(ABC):
    """What a running source task can ask of the runtime. Used from the event loop."""

    @abstractmethod
    def configs(self) -> Mapping[str, str]:
        """The task's current configuration (as given to ``start``)."""

    @property
    @abstractmethod
    def offset_storage_reader(self) -> OffsetStorageReader:
        """Reader for the offsets committed for this connector's source partitions."""


class SinkTaskContext(ABC):
    """What a running sink task can ask of the runtime.

    All methods are synchronous and cheap: they record a request that the runtime applies on the
    event loop after the current ``put`` / ``open`` / ``flush`` call returns, before the next
    batch is fetched. Call them from the task's own coroutines, not from other threads.
    """

    @abstractmethod
    def configs(self) -> Mapping[str, str]:
        """The task's current configuration (as given to ``start``)."""

    @overload
    def offset(self, tp_or_offsets: Mapping[TopicPartition, int], /) -> None: ...

    @overload
    def offset(self, tp_or_offsets: TopicPartition, offset: int, /) -> None: ...

    @abstractmethod
    def offset(
        self, tp_or_offsets: TopicPartition | Mapping[TopicPartition, int], offset: int | None = None, /
    ) -> None:
        """Rewind (or advance) consumption: the next records delivered start at these offsets.

        Pass one partition and offset, or a mapping of several. A sink that stores offsets in the
        destination system calls this from ``open`` with the positions it finds there. The
        partitions must be in :meth:`assignment`.
        """

    @abstractmethod
    def timeout(self, timeout_ms: int) -> None:
        """Set how long the runtime waits before redelivering a batch after ``put`` raised
        :class:`~distconnect.api.errors.RetriableError`. Call it before raising."""

    @abstractmethod
    def assignment(self) -> set[TopicPartition]:
        """The partitions currently assigned to this task (a copy)."""

    @abstractmethod
    def pause(self, *partitions: TopicPartition) -> None:
        """Stop delivering records from these partitions until :meth:`resume` (back-pressure).

        The assignment is unchanged; records already fetched may still arrive in the next batch.
        """

    @abstractmethod
    def resume(self, *partitions: TopicPartition) -> None:
        """Resume delivering records from partitions previously paused."""

    @abstractmethod
    def request_commit(self) -> None:
        """Ask for an offset commit (``pre_commit`` then the consumer commit) as soon as possible,
        instead of waiting for ``offset.flush.interval.ms``."""

    @property
    @abstractmethod
    def errant_record_reporter(self) -> ErrantRecordReporter | None:
        """The dead letter queue reporter, or ``None`` if the connector has no error reporting
        configured (neither ``errors.deadletterqueue.topic.name`` nor ``errors.log.enable``)."""


__all__ = [
    "ConnectorContext",
    "ErrantRecordReporter",
    "OffsetStorageReader",
    "SinkTaskContext",
    "SourceTaskContext",
]
