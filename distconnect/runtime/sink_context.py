"""The :class:`SinkTaskContext` a sink runner hands its task, and the DLQ error reporter.

Context calls only record requests (rewinds, pauses, a commit, a timeout); the runner applies them
after the current task call returns, so a task never races its own consumer.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from distconnect.api.context import ErrantRecordReporter, SinkTaskContext
from distconnect.api.records import SinkRecord, TopicPartition
from distconnect.runtime.tolerance import ErrorContext, ErrorReporter, RawRecord, RetryWithTolerance, Stage

log = logging.getLogger(__name__)

ERROR_HEADER_PREFIX = "__connect.errors."


class RunnerSinkContext(SinkTaskContext):
    def __init__(
        self,
        configs: dict[str, str],
        assignment: Callable[[], set[TopicPartition]],
        reporter: ErrantRecordReporter | None,
    ) -> None:
        self._configs = configs
        self._assignment = assignment
        self._reporter = reporter
        self.rewinds: dict[TopicPartition, int] = {}
        self.timeout_ms = -1
        self.paused: set[TopicPartition] = set()
        self.resumed: set[TopicPartition] = set()
        self.commit_requested = False

    def configs(self) -> Mapping[str, str]:
        return self._configs

    def offset(self, tp_or_offsets: Any, offset: int | None = None, /) -> None:
        if isinstance(tp_or_offsets, TopicPartition):
            if offset is None:
                raise TypeError("offset(tp, offset) needs an offset")
            self.rewinds[tp_or_offsets] = offset
        else:
            self.rewinds.update(tp_or_offsets)

    def timeout(self, timeout_ms: int) -> None:
        self.timeout_ms = timeout_ms

    def assignment(self) -> set[TopicPartition]:
        return self._assignment()

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused.update(partitions)
        self.resumed.difference_update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.resumed.update(partitions)
        self.paused.difference_update(partitions)

    def request_commit(self) -> None:
        self.commit_requested = True

    @property
    def errant_record_reporter(self) -> ErrantRecordReporter | None:
        return self._reporter


class TaskErrantRecordReporter(ErrantRecordReporter):
    """``SinkTaskContext.errant_record_reporter``: reports go through the task's tolerance policy."""

    def __init__(self, tolerance: RetryWithTolerance, raw_of: Callable[[SinkRecord], RawRecord]) -> None:
        self._tolerance = tolerance
        self._raw_of = raw_of

    async def report(self, record: SinkRecord, error: BaseException) -> None:
        try:
            self._tolerance.failed(
                Stage.TASK_PUT, "SinkTask", error, raw=self._raw_of(record), report_first=True
            )
        finally:
            # Written to the DLQ (and logged) before a not-tolerated error fails the task.
            await self._tolerance.flush_reports()


Send = Callable[[str, bytes | None, bytes | None, list[tuple[str, bytes]]], Any]


class DeadLetterQueueReporter(ErrorReporter):
    """Re-publishes a failed consumed record, as it was read, to the dead letter queue topic.

    With ``errors.deadletterqueue.context.headers.enable`` the record also carries Apache Kafka
    Connect's ``__connect.errors.*`` headers naming where it came from and what failed.
    """

    def __init__(self, topic: str, connector: str, context_headers: bool, send: Send) -> None:
        self.topic = topic
        self._connector = connector
        self._context_headers = context_headers
        self._send = send
        #: Records written to the dead letter queue, and writes that failed (read by metrics).
        self.reported = 0
        self.failures = 0

    async def report(self, context: ErrorContext) -> None:
        raw = context.raw
        if raw is None:
            return
        headers = list(raw.headers)
        if self._context_headers:
            headers.extend(self.context_headers(context, raw))
        if raw.key is None and raw.value is None:
            # The Python client cannot send a record with neither key nor value.
            log.warning(
                "not writing a null-key tombstone from %s-%d@%d to the dead letter queue %s",
                raw.topic,
                raw.partition,
                raw.offset,
                self.topic,
            )
            return
        try:
            await self._send(self.topic, raw.key, raw.value, headers)
            self.reported += 1
        except Exception:
            self.failures += 1
            log.exception(
                "could not write a failed record of %s-%d@%d to the dead letter queue %s",
                raw.topic,
                raw.partition,
                raw.offset,
                self.topic,
            )

    def context_headers(self, context: ErrorContext, raw: RawRecord) -> list[tuple[str, bytes]]:
        error = context.error
        values = {
            "topic": raw.topic,
            "partition": str(raw.partition),
            "offset": str(raw.offset),
            "connector.name": self._connector,
            "task.id": str(context.task.task),
            "stage": context.stage.value,
            "class.name": context.executing_class,
            "exception.class.name": _java_like_class_name(error),
            "exception.message": str(error),
            "exception.stacktrace": "".join(traceback.format_exception(error)),
        }
        return [(ERROR_HEADER_PREFIX + key, value.encode()) for key, value in values.items()]


def _java_like_class_name(error: BaseException) -> str:
    cls = type(error)
    return f"{cls.__module__}.{cls.__qualname__}"
