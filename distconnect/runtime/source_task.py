"""The source task loop: poll → transforms → converters → producer, a batch at a time.

Design:
- One poll's records go through the transformation chain and the converters in one pass, and are
  appended to producer batches (:mod:`.source_batches`): one ``send_batch`` and one future per
  batch, never an await or a callback per record.
- Acknowledgements are consumed *per batch, in submission order* by one background coroutine: it
  calls ``commit_record`` for the batch's records (only if the task overrides it), then marks the
  batch acknowledged for :class:`SubmittedRecords`; a failed batch fails each of its records per
  ``errors.tolerance``.
- Every ``offset.flush.interval.ms`` (and on stop) the acknowledged prefix of each source
  partition is written to the offset store, then ``SourceTask.commit`` is called. An offset is
  never written for a record the broker has not acknowledged, so a crash redelivers, never drops.
- A record dropped by a transform or skipped by the tolerance policy still advances its source
  offset, as in Apache Kafka Connect.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaProducer

from distconnect.api.context import OffsetStorageReader, SourceTaskContext
from distconnect.api.errors import RetriableError
from distconnect.api.records import FrozenMapping, SourceRecord
from distconnect.api.task import SourceTask
from distconnect.runtime.active_topics import TopicTracker
from distconnect.runtime.kafka_clients import kafka_errors, translate_kafka_error
from distconnect.runtime.offsets import OffsetStore
from distconnect.runtime.source_batches import BatchWriter, ProducerBatch
from distconnect.runtime.states import State, StatusListener, TargetState
from distconnect.runtime.submitted import ACKED, SubmittedRecords
from distconnect.runtime.task_runner import TaskRunner, TaskSettings, class_path, plugin_version
from distconnect.runtime.task_stats import Timing
from distconnect.runtime.tolerance import ErrorReporter, RetryWithTolerance, Stage

log = logging.getLogger(__name__)

#: Records handed to the producer but not yet acknowledged, before poll waits for acks.
MAX_IN_FLIGHT = 50_000
#: Pause before polling again after ``poll()`` raised a RetriableError.
POLL_RETRY_BACKOFF_S = 1.0


class _OffsetReader(OffsetStorageReader):
    def __init__(self, store: OffsetStore, connector: str) -> None:
        self._store = store
        self._connector = connector

    async def offset(self, partition: Any) -> Any:
        found = await self._store.read(self._connector, [partition])
        return found.get(FrozenMapping(partition))

    async def offsets(self, partitions: Any) -> Any:
        return await self._store.read(self._connector, list(partitions))


class _SourceContext(SourceTaskContext):
    def __init__(self, configs: dict[str, str], reader: OffsetStorageReader) -> None:
        self._configs = configs
        self._reader = reader

    def configs(self) -> dict[str, str]:
        return self._configs

    @property
    def offset_storage_reader(self) -> OffsetStorageReader:
        return self._reader


class SourceTaskRunner(TaskRunner):
    """Runs one :class:`SourceTask`. Owns its producer (started and stopped here)."""

    def __init__(
        self,
        settings: TaskSettings,
        task: SourceTask,
        producer: AIOKafkaProducer,
        offsets: OffsetStore,
        listener: StatusListener,
        target: TargetState = TargetState.STARTED,
        create_topic: Callable[[str], Awaitable[None]] | None = None,
        reporters: list[ErrorReporter] | None = None,
        active_topics: TopicTracker | None = None,
    ) -> None:
        super().__init__(settings, listener, target)
        self._active_topics = active_topics
        self.task = task
        self.plugin_version = plugin_version(task)
        self.producer = producer
        self.offsets = offsets
        self.tolerance = RetryWithTolerance(settings.task_id, settings.policy, reporters or [])
        self.submitted = SubmittedRecords()
        #: ``commit_record`` is called per record only if the task overrides it.
        self._commit_record = type(task).commit_record is not SourceTask.commit_record
        self._writer = BatchWriter(producer, self.submitted, keep_timestamps=self._commit_record)
        self._in_flight: deque[ProducerBatch] = deque()
        self._in_flight_records = 0
        self._in_flight_changed = asyncio.Event()
        self._uncommitted: dict[FrozenMapping, Any] = {}
        self._poll: asyncio.Task[list[SourceRecord]] | None = None
        self._producer_started = False
        self._stop_called = False
        self._task_started = False
        #: ``topic.creation.*``: called once per topic this task has not written to before.
        self._create_topic = create_topic
        self._known_topics: set[str] = set()
        self.records_polled = 0
        self.records_written = 0
        #: How long poll() took when it returned records (Apache's poll-batch-*-time-ms).
        self.poll_time = Timing()

    async def execute(self) -> None:
        with kafka_errors("starting the producer"):
            await self.producer.start()
        self._producer_started = True
        self.task.initialize(
            _SourceContext(self.settings.task_config, _OffsetReader(self.offsets, self.id.connector))
        )
        if self.stopping:  # stopped before the plugin was started: never start it
            await self._close_clients()
            return
        await self.task.start(self.settings.task_config)
        self._task_started = True
        self._report(State.RUNNING)
        # Acks and periodic commits run beside the poll loop; if the ack processor fails (a send
        # that may not be tolerated), the group cancels the poll loop and the task goes FAILED.
        async with asyncio.TaskGroup() as group:
            acks = group.create_task(self._process_acks(), name=f"{self.name}-acks")
            flusher = group.create_task(self._flush_periodically(), name=f"{self.name}-offsets")
            await self._poll_until_stopped()
            flusher.cancel()
            await self._drain_and_commit()
            acks.cancel()
        await self._stop_plugin()
        self._report(State.UNASSIGNED)

    async def _poll_until_stopped(self) -> None:
        while await self.await_unpaused():
            started = time.perf_counter()
            self._poll = asyncio.ensure_future(self.task.poll())
            try:
                records = await self._poll
            except asyncio.CancelledError:
                if self.stopping:
                    return
                raise
            except RetriableError as err:
                # As in Apache: a retriable poll failure is logged and poll() is called again.
                log.warning("task %s: poll() raised a retriable error, polling again: %s", self.id, err)
                await self.wait_or_stop(POLL_RETRY_BACKOFF_S)
                continue
            finally:
                self._poll = None
            if records:
                self.poll_time.observe(time.perf_counter() - started)
                self.records_polled += len(records)
                self.batch_sizes.observe(len(records))
                await self._send(records)

    async def request_stop(self) -> None:
        # SourceTask.stop may run while poll() waits; then the pending poll is cancelled.
        # Only a task whose start() returned is stopped (once), as in Apache.
        if self._task_started and not self._stop_called:
            self._stop_called = True
            await self.call_plugin_bounded("stop()", self.task.stop)
        if self._poll is not None:
            self._poll.cancel()

    async def _stop_plugin(self) -> None:
        if self._task_started and not self._stop_called:
            self._stop_called = True
            await self.call_plugin_bounded("stop()", self.task.stop)
        await self._close_clients()

    async def _close_clients(self) -> None:
        if self._producer_started:
            self._producer_started = False
            await self.producer.stop()
        for plugin in (
            self.settings.key_converter,
            self.settings.value_converter,
            self.settings.header_converter,
        ):
            await plugin.aclose()

    async def _cleanup_after_failure(self) -> None:
        # Records the broker acknowledged before the failure are safe to commit: fewer redeliveries.
        if self._producer_started:
            await self.commit_offsets()
        await self._stop_plugin()

    @property
    def records_in_flight(self) -> int:
        """Records handed to the producer and not yet acknowledged (source-record-active-count)."""
        return self._in_flight_records

    # -- the data path --------------------------------------------------------------------------
    def _transform(self, record: SourceRecord) -> SourceRecord | None:
        current: Any = record
        for stage in self.settings.stages:
            try:
                current = stage.apply(current)
            except Exception as err:
                self.tolerance.failed(Stage.TRANSFORMATION, _stage_class(stage), err, record=record)
                return None
            if current is None:
                return None
        return current  # type: ignore[no-any-return]

    async def _send(self, records: list[SourceRecord]) -> None:
        settings = self.settings
        transformed = [(record, self._transform(record)) for record in records]
        topics = {record.topic for _, record in transformed if record is not None}
        if self._create_topic is not None:
            for topic in topics - self._known_topics:
                await self._create_topic(topic)
                self._known_topics.add(topic)
        await self._prepare([(o, r) for o, r in transformed if r is not None])
        with kafka_errors(f"fetching metadata for {', '.join(sorted(topics))}"):
            await self._writer.refresh(topics)
        key_conv, value_conv, header_conv = (
            settings.key_converter,
            settings.value_converter,
            settings.header_converter,
        )
        append, submitted = self._writer.append, self.submitted
        for original, record in transformed:
            if record is None:  # dropped by a transform: acknowledged at once, in poll order
                submitted.add(ACKED, original.source_partition, original.source_offset)
                continue
            stage = Stage.KEY_CONVERTER
            try:
                key = key_conv.from_connect_data(record.topic, record.key_schema, record.key, record.headers)
                stage = Stage.VALUE_CONVERTER
                value = value_conv.from_connect_data(
                    record.topic, record.value_schema, record.value, record.headers
                )
                stage = Stage.HEADER_CONVERTER
                headers = [
                    (h.key, header_conv.from_connect_header(record.topic, h.key, h.schema, h.value) or b"")
                    for h in record.headers
                ]
            except Exception as err:
                self.tolerance.failed(stage, _converter_class(stage, settings), err, record=original)
                submitted.add(ACKED, original.source_partition, original.source_offset)
                continue
            assert not (key is None and value is None), "Need at least one: key or value"
            with kafka_errors(f"sending a record to {record.topic}"):
                full = append(
                    original, record.topic, record.kafka_partition, key, value, record.timestamp, headers
                )
            if full:
                for batch in full:
                    await self._dispatch(batch)
        for batch in self._writer.take_open():
            await self._dispatch(batch)

    async def _dispatch(self, batch: ProducerBatch) -> None:
        """Hand one batch to the producer once fewer than MAX_IN_FLIGHT records are in flight."""
        size = len(batch.records)
        while self._in_flight and self._in_flight_records + size > MAX_IN_FLIGHT:
            self._in_flight_changed.clear()
            await self._in_flight_changed.wait()
        with kafka_errors(f"sending a batch of {size} records to {batch.topic}"):
            await self._writer.send(batch)
        self._in_flight.append(batch)
        self._in_flight_records += size
        self._in_flight_changed.set()

    async def _prepare(self, records: list[tuple[SourceRecord, SourceRecord]]) -> None:
        by_topic: dict[str, list[SourceRecord]] = {}
        for _, record in records:
            by_topic.setdefault(record.topic, []).append(record)
        settings = self.settings
        for topic, batch in by_topic.items():
            for stage, converter, schemas in (
                (Stage.KEY_CONVERTER, settings.key_converter, [r.key_schema for r in batch]),
                (Stage.VALUE_CONVERTER, settings.value_converter, [r.value_schema for r in batch]),
            ):
                await self.tolerance.execute(
                    stage,
                    type(converter).__name__,
                    functools.partial(converter.prepare_from_connect, topic, schemas),
                )

    async def _process_acks(self) -> None:
        """Consume acknowledgements per batch in submission order; the only place records become acked.

        ``commit_record`` runs before the batch counts as acknowledged, so an offset is never
        stored ahead of the task's own record of the commit (the verifiable connectors rely on it).
        """
        while True:
            while not self._in_flight:
                self._in_flight_changed.clear()
                await self._in_flight_changed.wait()
            batch = self._in_flight[0]
            assert batch.future is not None
            md: Any = None
            try:
                md = await asyncio.shield(batch.future)
                self.records_written += len(batch.records)
                if self._active_topics is not None:  # KIP-558: the topic counts once written to
                    self._active_topics.record(self.id, batch.topic)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                error = translate_kafka_error(err, f"producing to {batch.topic}")
                for record in batch.records:
                    self.tolerance.failed(Stage.KAFKA_PRODUCE, "AIOKafkaProducer", error, record=record)
            if self._commit_record:
                for record, metadata in zip(batch.records, batch.metadata(md), strict=True):
                    try:
                        await self.task.commit_record(record, metadata)
                    except Exception:
                        log.exception("task %s: commit_record failed (ignored)", self.id)
            batch.handle.ack()
            self._in_flight.popleft()
            self._in_flight_records -= len(batch.records)
            self._in_flight_changed.set()

    async def _flush_periodically(self) -> None:
        interval = self.settings.offset_flush_interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            await self.commit_offsets()

    async def commit_offsets(self) -> bool:
        """Write the offsets of acknowledged records, then call ``SourceTask.commit``."""
        snapshot = self.submitted.committable()
        self._uncommitted.update(snapshot.offsets)
        await self.tolerance.flush_reports()
        if not self._uncommitted:
            return True
        batch = dict(self._uncommitted)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.offset_flush_timeout_ms / 1000):
                await self.offsets.write(self.id.connector, batch)
        except Exception as err:
            self.offset_commits.record(False, time.perf_counter() - started)
            log.error("task %s: offset commit of %d partitions failed: %s", self.id, len(batch), err)
            return False
        self.offset_commits.record(True, time.perf_counter() - started)
        for partition, offset in batch.items():
            if self._uncommitted.get(partition) is offset:
                del self._uncommitted[partition]
        log.debug(
            "task %s: committed offsets for %d source partitions (%d records in flight)",
            self.id,
            len(batch),
            snapshot.pending,
        )
        try:
            await self.task.commit()
        except Exception:
            log.exception("task %s: commit() failed (ignored)", self.id)
        return True

    async def _drain_and_commit(self) -> None:
        """On stop: wait (bounded) for in-flight acks, then commit what was acknowledged."""
        try:
            async with asyncio.timeout(self.settings.offset_flush_timeout_ms / 1000):
                await self.producer.flush()
                while self._in_flight:
                    self._in_flight_changed.clear()
                    await self._in_flight_changed.wait()
        except TimeoutError:
            log.warning(
                "task %s: %d records still unacknowledged at stop; they will be redelivered",
                self.id,
                self._in_flight_records,
            )
        await self.commit_offsets()


def _converter_class(stage: Stage, settings: TaskSettings) -> str:
    plugin = {
        Stage.KEY_CONVERTER: settings.key_converter,
        Stage.VALUE_CONVERTER: settings.value_converter,
    }.get(stage, settings.header_converter)
    return class_path(plugin)


__all__ = ["SourceTaskRunner", "translate_kafka_error"]


def _stage_class(stage: Any) -> str:
    """The transformation behind a chain stage, for error reports."""
    return str(getattr(stage, "executing_class", None) or class_path(stage))
