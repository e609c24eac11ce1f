"""The sink task loop: consume → converters → transforms → ``put``, a batch at a time.

Design:
- The consumer is in group ``connect-<connector>`` with auto-commit off. Offsets are committed
  only with what ``pre_commit`` (by default: ``flush``) returned, so a record is committed only
  after the task said it is stored. A crash therefore redelivers, never drops.
- ``put`` receives the whole converted batch. A :class:`RetriableError` pauses consumption, waits
  the context's timeout and redelivers the *same* batch; any other exception fails the task.
- Rebalance callbacks (``open``/``close`` with a commit of the revoked partitions first) and the
  data path take the same lock, so calls into one task never overlap.
- Records that fail conversion or a transform follow ``errors.tolerance``; tolerated ones go to
  the dead letter queue (if configured) before any offset past them is committed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka.structs import OffsetAndMetadata as KafkaOffset
from aiokafka.structs import TopicPartition as KafkaTP

from distconnect.api.errors import RetriableError
from distconnect.api.headers import Headers
from distconnect.api.records import OffsetAndMetadata, SinkRecord, TimestampType, TopicPartition
from distconnect.api.task import SinkTask
from distconnect.runtime.active_topics import TopicTracker
from distconnect.runtime.kafka_clients import kafka_errors
from distconnect.runtime.sink_context import RunnerSinkContext, TaskErrantRecordReporter
from distconnect.runtime.states import State, StatusListener, TargetState
from distconnect.runtime.task_runner import TaskRunner, TaskSettings, class_path, plugin_version
from distconnect.runtime.task_stats import Timing
from distconnect.runtime.tolerance import ErrorReporter, RawRecord, RetryWithTolerance, Stage

log = logging.getLogger(__name__)

_TIMESTAMP_TYPES = {0: TimestampType.CREATE_TIME, 1: TimestampType.LOG_APPEND_TIME}


def _tp(tp: Any) -> TopicPartition:
    return TopicPartition(tp.topic, tp.partition)


def _ktp(tp: TopicPartition) -> KafkaTP:
    return KafkaTP(tp.topic, tp.partition)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: SinkTaskRunner) -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked: Iterable[Any]) -> None:
        await self._runner.partitions_revoked({_tp(tp) for tp in revoked})

    async def on_partitions_assigned(self, assigned: Iterable[Any]) -> None:
        await self._runner.partitions_assigned({_tp(tp) for tp in assigned})


class SinkTaskRunner(TaskRunner):
    """Runs one :class:`SinkTask`. Owns its consumer (started and stopped here)."""

    def __init__(
        self,
        settings: TaskSettings,
        task: SinkTask,
        consumer: AIOKafkaConsumer,
        *,
        topics: list[str],
        topics_regex: str | None,
        listener: StatusListener,
        reporters: list[ErrorReporter],
        max_poll_records: int = 500,
        target: TargetState = TargetState.STARTED,
        active_topics: TopicTracker | None = None,
    ) -> None:
        super().__init__(settings, listener, target)
        self._active_topics = active_topics
        self.task = task
        self.plugin_version = plugin_version(task)
        self.consumer = consumer
        self._topics = topics
        self._topics_regex = topics_regex
        self._max_poll_records = max_poll_records
        self.tolerance = RetryWithTolerance(settings.task_id, settings.policy, reporters)
        self._lock = asyncio.Lock()
        self._assigned: set[TopicPartition] = set()
        #: Next offset to commit per partition: one past the last record handed to ``put``.
        self._current: dict[TopicPartition, OffsetAndMetadata] = {}
        self._committed: dict[TopicPartition, OffsetAndMetadata] = {}
        self._context = RunnerSinkContext(
            settings.task_config,
            lambda: set(self._assigned),
            TaskErrantRecordReporter(self.tolerance, self._raw_of) if reporters else None,
        )
        self._consumer_started = False
        self._started_task = False
        self._last_commit = time.monotonic()
        self._last_metadata_refresh = 0.0
        #: An exception from open()/close() in a rebalance callback; fails the task on the loop.
        self._rebalance_error: Exception | None = None
        self.records_read = 0
        self.records_put = 0
        self.commits = 0
        #: How long each put() of a non-empty batch took (Apache's put-batch-*-time-ms).
        self.put_time = Timing()

    # -- lifecycle ------------------------------------------------------------------------------
    async def execute(self) -> None:
        self.task.initialize(self._context)
        await self.task.start(self.settings.task_config)
        self._started_task = True
        with kafka_errors("starting the sink consumer"):
            await self.consumer.start()
            self._consumer_started = True
            if self._topics_regex:
                self.consumer.subscribe(pattern=self._topics_regex, listener=_Rebalance(self))
            else:
                self.consumer.subscribe(topics=self._topics, listener=_Rebalance(self))
        self._report(State.RUNNING)
        while await self.await_unpaused():
            with kafka_errors("fetching records"):
                batches = await self.consumer.getmany(timeout_ms=500, max_records=self._max_poll_records)
            if self._rebalance_error is not None:
                raise self._rebalance_error
            if batches:
                await self._deliver(await self._convert(batches))
            else:
                # Apache calls put() with an empty batch too, so tasks can do periodic work.
                await self._deliver([])
                if self._topics and not self._assigned:
                    await self._refresh_unknown_topics()
            self._apply_context_requests()
            if self._commit_due():
                await self.commit()
        await self._shutdown()
        self._report(State.UNASSIGNED)

    async def _shutdown(self) -> None:
        if self._consumer_started:
            async with self._lock:
                await self._commit_locked(self._assigned)
                if self._assigned:
                    await self.task.close(set(self._assigned))
                self._assigned.clear()
            self._consumer_started = False
            await self.consumer.stop()
        await self._stop_plugins()

    async def _stop_plugins(self) -> None:
        if self._started_task:
            self._started_task = False
            await self.call_plugin_bounded("stop()", self.task.stop)
        for plugin in (
            self.settings.key_converter,
            self.settings.value_converter,
            self.settings.header_converter,
        ):
            await plugin.aclose()

    async def _cleanup_after_failure(self) -> None:
        # Offsets are not committed for a failed task: the records since the last commit are
        # redelivered when it is restarted.
        if self._consumer_started:
            self._consumer_started = False
            await self.consumer.stop()
        await self._stop_plugins()

    async def on_pause(self) -> None:
        self.consumer.pause(*self.consumer.assignment())

    async def on_resume(self) -> None:
        paused_by_task = {_ktp(tp) for tp in self._context.paused}
        self.consumer.resume(*(tp for tp in self.consumer.assignment() if tp not in paused_by_task))

    async def _refresh_unknown_topics(self) -> None:
        """Look again for subscribed topics the cluster did not know yet (at most once a second).

        aiokafka refreshes metadata only every ``metadata.max.age.ms`` (5 minutes), so a sink
        subscribed a moment before its topic is created would sit idle that long; Java's consumer
        retries unknown topics after ``retry.backoff.ms``. ``_client`` is aiokafka's (pinned <0.15).
        """
        now = time.monotonic()
        if now - self._last_metadata_refresh < 1.0:
            return
        self._last_metadata_refresh = now
        client = self.consumer._client
        if set(self._topics) - set(client.cluster.topics()):
            with kafka_errors("refreshing metadata"):
                await client.force_metadata_update()

    # -- rebalances -----------------------------------------------------------------------------
    async def partitions_assigned(self, partitions: set[TopicPartition]) -> None:
        # aiokafka logs and swallows listener exceptions; keep the first so the loop fails the task.
        try:
            await self._partitions_assigned(partitions)
        except Exception as err:
            log.error("task %s: open() of newly assigned partitions failed: %s", self.id, err)
            self._rebalance_error = self._rebalance_error or err

    async def partitions_revoked(self, partitions: set[TopicPartition]) -> None:
        try:
            await self._partitions_revoked(partitions)
        except Exception as err:
            log.error("task %s: close() of revoked partitions failed: %s", self.id, err)
            self._rebalance_error = self._rebalance_error or err

    async def _partitions_assigned(self, partitions: set[TopicPartition]) -> None:
        async with self._lock:
            new = partitions - self._assigned
            self._assigned |= partitions
            if not new:
                return
            for tp in new:
                position = await self.consumer.position(_ktp(tp))
                self._current[tp] = OffsetAndMetadata(position)
                self._committed[tp] = OffsetAndMetadata(position)
            await self.task.open(new)
        self._apply_context_requests()
        if not self._resumed.is_set():
            self.consumer.pause(*(_ktp(tp) for tp in new))

    async def _partitions_revoked(self, partitions: set[TopicPartition]) -> None:
        async with self._lock:
            revoked = partitions & self._assigned
            if not revoked:
                return
            await self._commit_locked(revoked)
            await self.task.close(revoked)
            self._assigned -= revoked
            for tp in revoked:
                self._current.pop(tp, None)
                self._committed.pop(tp, None)

    # -- the data path --------------------------------------------------------------------------
    def _raw_of(self, record: SinkRecord) -> RawRecord:
        """Bytes for an errant record report: the record converted back, as Java's reporter does
        (the consumed bytes are not kept per record)."""
        origin = record.original_topic_partition
        offset = record.original_kafka_offset
        settings = self.settings
        key = value = None
        headers: list[tuple[str, bytes]] = []
        try:
            key = settings.key_converter.from_connect_data(record.topic, record.key_schema, record.key)
            value = settings.value_converter.from_connect_data(
                record.topic, record.value_schema, record.value
            )
            for h in record.headers:
                raw = settings.header_converter.from_connect_header(record.topic, h.key, h.schema, h.value)
                headers.append((h.key, raw or b""))
        except Exception as err:  # report what could be converted; the error itself is what matters
            log.warning("task %s: could not re-serialise an errant record for its report: %s", self.id, err)
        return RawRecord(
            origin.topic,
            origin.partition,
            record.kafka_offset if offset is None else offset,
            key,
            value,
            tuple(headers),
            record.timestamp,
        )

    async def _convert(self, batches: dict[Any, list[Any]]) -> list[SinkRecord]:
        settings = self.settings
        out: list[SinkRecord] = []
        for ktp, consumed in batches.items():
            tp = _tp(ktp)
            self.records_read += len(consumed)
            if self._active_topics is not None:  # KIP-558, once per topic and batch
                self._active_topics.record(self.id, tp.topic)
            for stage, converter, raw_values in (
                (Stage.KEY_CONVERTER, settings.key_converter, [r.key for r in consumed]),
                (Stage.VALUE_CONVERTER, settings.value_converter, [r.value for r in consumed]),
            ):
                prepare = functools.partial(converter.prepare_to_connect, tp.topic, raw_values)
                await self.tolerance.execute(stage, type(converter).__name__, prepare)
            for rec in consumed:
                record = self._to_sink_record(rec)
                if record is not None:
                    out.append(record)
            # Delivered or skipped, these records are done once put() succeeds.
            self._current[tp] = OffsetAndMetadata(consumed[-1].offset + 1)
        return out

    def _to_sink_record(self, rec: Any) -> SinkRecord | None:
        settings = self.settings
        stage = Stage.KEY_CONVERTER
        executing: Any = None
        try:
            key = settings.key_converter.to_connect_data(rec.topic, rec.key)
            stage = Stage.VALUE_CONVERTER
            value = settings.value_converter.to_connect_data(rec.topic, rec.value)
            stage = Stage.HEADER_CONVERTER
            headers = Headers()
            for name, raw in rec.headers or ():
                converted = settings.header_converter.to_connect_header(rec.topic, name, raw)
                headers.add(name, converted.value, converted.schema)
            record: Any = SinkRecord(
                topic=rec.topic,
                kafka_partition=rec.partition,
                key_schema=key.schema,
                key=key.value,
                value_schema=value.schema,
                value=value.value,
                kafka_offset=rec.offset,
                timestamp=rec.timestamp,
                timestamp_type=_TIMESTAMP_TYPES.get(rec.timestamp_type, TimestampType.NO_TIMESTAMP_TYPE),
                headers=headers,
            )
            stage = Stage.TRANSFORMATION
            for transform in settings.stages:
                executing = transform
                record = transform.apply(record)
                if record is None:
                    return None
        except Exception as err:
            raw = RawRecord(
                rec.topic,
                rec.partition,
                rec.offset,
                rec.key,
                rec.value,
                tuple(rec.headers or ()),
                rec.timestamp,
            )
            culprit = (
                _stage_class(executing) if stage is Stage.TRANSFORMATION else _class_name(stage, settings)
            )
            self.tolerance.failed(stage, culprit, err, raw=raw)
            return None
        return record  # type: ignore[no-any-return]

    async def _deliver(self, records: list[SinkRecord]) -> None:
        """Hand the batch to ``put``; on RetriableError back off and redeliver the same batch."""
        while True:
            try:
                started = time.perf_counter()
                async with self._lock:
                    await self.task.put(records)
                if records:
                    self.put_time.observe(time.perf_counter() - started)
                    self.batch_sizes.observe(len(records))
                self.records_put += len(records)
                return
            except RetriableError as err:
                timeout = self._context.timeout_ms
                backoff = timeout / 1000 if timeout > 0 else 1.0
                log.warning(
                    "task %s: put() of %d records raised a retriable error; redelivering in %.1f s: %s",
                    self.id,
                    len(records),
                    backoff,
                    err,
                )
                assignment = self.consumer.assignment()
                self.consumer.pause(*assignment)
                try:
                    async with asyncio.timeout(backoff):
                        await self._stopping.wait()
                except TimeoutError:
                    pass
                self.consumer.resume(*(tp for tp in assignment if _tp(tp) not in self._context.paused))
                if self.stopping:
                    raise

    def _apply_context_requests(self) -> None:
        ctx = self._context
        if ctx.rewinds:
            for tp, offset in ctx.rewinds.items():
                if tp in self._assigned:
                    log.info("task %s: rewinding %s to offset %d as the task asked", self.id, tp, offset)
                    self.consumer.seek(_ktp(tp), offset)
                    self._current[tp] = OffsetAndMetadata(offset)
            ctx.rewinds.clear()
        if ctx.paused:
            self.consumer.pause(*(_ktp(tp) for tp in ctx.paused if tp in self._assigned))
        if ctx.resumed:
            if self._resumed.is_set():
                self.consumer.resume(*(_ktp(tp) for tp in ctx.resumed if tp in self._assigned))
            ctx.resumed.clear()

    def _commit_due(self) -> bool:
        if self._context.commit_requested:
            return True
        return time.monotonic() - self._last_commit >= self.settings.offset_flush_interval_ms / 1000

    async def commit(self) -> None:
        async with self._lock:
            await self._commit_locked(self._assigned)

    async def _commit_locked(self, partitions: set[TopicPartition]) -> None:
        """pre_commit (flush) then commit what it returned, for ``partitions``."""
        self._context.commit_requested = False
        self._last_commit = time.monotonic()
        await self.tolerance.flush_reports()
        current = {tp: om for tp, om in self._current.items() if tp in self._assigned}
        started = time.perf_counter()
        try:
            to_commit = await self.task.pre_commit(current)
        except Exception as err:
            self.offset_commits.record(False, time.perf_counter() - started)
            # Java: rewind to the last committed offsets so nothing unflushed is skipped.
            log.error(
                "task %s: flush/pre_commit failed, rewinding to last committed offsets: %s", self.id, err
            )
            for tp, om in self._committed.items():
                if tp in self._assigned:
                    self.consumer.seek(_ktp(tp), om.offset)
                    self._current[tp] = om
            return
        offsets = {
            tp: om
            for tp, om in to_commit.items()
            if tp in partitions and (tp not in self._committed or self._committed[tp].offset != om.offset)
        }
        if not offsets:
            return
        try:
            with kafka_errors("committing sink offsets"):
                await self.consumer.commit(
                    {_ktp(tp): KafkaOffset(om.offset, om.metadata or "") for tp, om in offsets.items()}
                )
        except Exception as err:
            self.offset_commits.record(False, time.perf_counter() - started)
            log.warning("task %s: offset commit failed (will retry at the next commit): %s", self.id, err)
            return
        self._committed.update(offsets)
        self.commits += 1
        self.offset_commits.record(True, time.perf_counter() - started)

    # -- metrics (read when scraped, on the loop) -------------------------------------------------
    @property
    def partition_count(self) -> int:
        return len(self._assigned)

    def consumer_lag(self) -> dict[TopicPartition, int]:
        """Records between what was handed to ``put`` and the partition's end, per assigned partition
        whose high watermark the consumer has seen (it learns it from fetch responses)."""
        lag: dict[TopicPartition, int] = {}
        for tp in self._assigned:
            current = self._current.get(tp)
            try:
                highwater = self.consumer.highwater(_ktp(tp))
            except Exception:  # revoked between the two reads: no lag to report for it
                continue
            if current is not None and highwater is not None:
                lag[tp] = max(0, highwater - current.offset)
        return lag


def _class_name(stage: Stage, settings: TaskSettings) -> str:
    plugin: Any = {
        Stage.KEY_CONVERTER: settings.key_converter,
        Stage.VALUE_CONVERTER: settings.value_converter,
        Stage.HEADER_CONVERTER: settings.header_converter,
    }.get(stage)
    return class_path(plugin)


def _stage_class(stage: Any) -> str:
    return str(getattr(stage, "executing_class", None) or class_path(stage))
