"""Retry and error tolerance for the stages a record passes through (Connect's KIP-298).

Per connector: ``errors.retry.timeout`` (ms, -1 forever) bounds how long a *retriable* failure is
retried, with exponential back-off starting at 300 ms and capped at ``errors.retry.delay.max.ms``.
Once retries are exhausted (or the error is not retriable), ``errors.tolerance`` decides: ``none``
fails the task with :class:`ToleranceExceededError` (the cause chained), ``all`` skips the record
and hands the failure to the reporters (a log line with ``errors.log.enable``, the dead letter
queue for sinks).

Synchronous stages (converters, transforms) are pure and run on the event loop, so they are never
retried with a sleep; asynchronous stages (``prepare_*`` hooks, produce) are retried with tenacity.
Reports are collected and awaited by :meth:`RetryWithTolerance.flush_reports`, which a runner calls
before it commits offsets, so an offset is never committed ahead of its record's DLQ write.
"""

from __future__ import annotations

import enum
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, stop_never, wait_exponential

from distconnect.api.errors import ConnectError
from distconnect.runtime.states import TaskId

log = logging.getLogger(__name__)
T = TypeVar("T")


class Stage(enum.Enum):
    TASK_POLL = "TASK_POLL"
    TASK_PUT = "TASK_PUT"
    TRANSFORMATION = "TRANSFORMATION"
    KEY_CONVERTER = "KEY_CONVERTER"
    VALUE_CONVERTER = "VALUE_CONVERTER"
    HEADER_CONVERTER = "HEADER_CONVERTER"
    KAFKA_PRODUCE = "KAFKA_PRODUCE"
    KAFKA_CONSUME = "KAFKA_CONSUME"


class ToleranceExceededError(ConnectError):
    """A record failed a stage and ``errors.tolerance`` is ``none``: the task must fail."""


@dataclass(frozen=True, slots=True)
class ErrorPolicy:
    retry_timeout_ms: int = 0
    retry_delay_max_ms: int = 60_000
    tolerate_all: bool = False
    log_enable: bool = False
    log_include_messages: bool = False


@dataclass(frozen=True, slots=True)
class RawRecord:
    """The record as it was consumed (sinks) - what a dead letter queue re-publishes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class ErrorContext:
    task: TaskId
    stage: Stage
    executing_class: str
    error: BaseException
    raw: RawRecord | None = None
    #: A description of the Connect record (sources) for log lines; shown only with include.messages.
    record: Any = None


class ErrorReporter(ABC):
    @abstractmethod
    async def report(self, context: ErrorContext) -> None:
        """Record one tolerated failure. May do I/O; must not raise for the record's sake."""


class LogReporter(ErrorReporter):
    """``errors.log.enable``: one error line per failure, with the record only if asked for."""

    def __init__(self, include_messages: bool) -> None:
        self._include = include_messages
        #: Errors logged so far (Apache's total-errors-logged).
        self.logged = 0

    async def report(self, context: ErrorContext) -> None:
        self.logged += 1
        where = ""
        if context.raw is not None:
            raw = context.raw
            where = (
                f", where consumed record is {{topic='{raw.topic}', partition={raw.partition}, "
                f"offset={raw.offset}"
            )
            if self._include:
                where += f", key={raw.key!r}, value={raw.value!r}"
            where += "}"
        elif context.record is not None and self._include:
            where = f", where source record is {context.record!r}"
        log.error(
            "Error encountered in task %s. Executing stage '%s' with class '%s'%s.",
            context.task,
            context.stage.value,
            context.executing_class,
            where,
            exc_info=context.error,
        )


def retriable(error: BaseException) -> bool:
    return isinstance(error, ConnectError) and error.retriable


class RetryWithTolerance:
    """One per task. Not thread-safe: used from the task's coroutine only."""

    def __init__(self, task: TaskId, policy: ErrorPolicy, reporters: list[ErrorReporter]) -> None:
        self.task = task
        self.policy = policy
        self.reporters = reporters
        self._pending: list[ErrorContext] = []
        self.total_errors = 0
        self.records_skipped = 0
        self.retries = 0
        #: Wall-clock time (s) of the last failure, 0 if none (Apache's last-error-timestamp).
        self.last_error_at = 0.0

    def failed(
        self,
        stage: Stage,
        executing_class: str,
        error: BaseException,
        *,
        raw: RawRecord | None = None,
        record: Any = None,
        report_first: bool = False,
    ) -> None:
        """Account for a record that failed ``stage``: raise if not tolerated, else queue a report.

        ``report_first`` (the errant record reporter) queues the report even when the error is
        not tolerated, as Java's ``executeFailed`` does; the caller flushes reports, then fails.
        """
        self.total_errors += 1
        self.last_error_at = time.time()
        context = ErrorContext(self.task, stage, executing_class, error, raw, record)
        if report_first:
            self._pending.append(context)
        if not self.policy.tolerate_all:
            where = f" in stage {stage.value} with class {executing_class}"
            if raw is not None:
                where += f" for record topic={raw.topic} partition={raw.partition} offset={raw.offset}"
            elif record is not None:
                where += f" for a source record bound for topic {getattr(record, 'topic', '?')}"
            raise ToleranceExceededError(f"Tolerance exceeded in error handler{where}: {error}") from error
        self.records_skipped += 1
        if not report_first:
            self._pending.append(context)

    async def execute(self, stage: Stage, executing_class: str, op: Callable[[], Awaitable[T]]) -> T:
        """Run an async stage, retrying retriable errors within ``errors.retry.timeout``.

        Raises the last error once retries are exhausted; the caller decides whether the record is
        tolerated (:meth:`failed`) or the task fails.
        """
        timeout = self.policy.retry_timeout_ms
        if timeout == 0:
            return await op()
        retrying = AsyncRetrying(
            retry=retry_if_exception(retriable),
            stop=stop_never if timeout < 0 else stop_after_delay(timeout / 1000),
            wait=wait_exponential(multiplier=0.3, min=0.3, max=max(self.policy.retry_delay_max_ms, 1) / 1000),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        return await retrying(op)

    def _before_sleep(self, state: Any) -> None:
        self.retries += 1
        log.warning(
            "task %s: retriable error, retrying (attempt %d): %s",
            self.task,
            state.attempt_number,
            state.outcome.exception(),
        )

    async def flush_reports(self) -> None:
        """Deliver every queued report; awaited before offsets are committed."""
        pending, self._pending = self._pending, []
        for context in pending:
            for reporter in self.reporters:
                await reporter.report(context)
