"""Retry and tolerance policy: what fails a task, what is reported, and in which order."""

from __future__ import annotations

import logging

import pytest

from distconnect.api.errors import DataError, RetriableError
from distconnect.runtime.states import TaskId
from distconnect.runtime.tolerance import (
    ErrorContext,
    ErrorPolicy,
    ErrorReporter,
    LogReporter,
    RawRecord,
    RetryWithTolerance,
    Stage,
    ToleranceExceededError,
)

RAW = RawRecord("orders", 2, 41, b"k", b"v")


class Collect(ErrorReporter):
    def __init__(self) -> None:
        self.seen: list[ErrorContext] = []

    async def report(self, context: ErrorContext) -> None:
        self.seen.append(context)


async def test_tolerance_none_fails_naming_stage_class_and_record() -> None:
    reporter = Collect()
    tolerance = RetryWithTolerance(TaskId("c", 0), ErrorPolicy(), [reporter])
    with pytest.raises(ToleranceExceededError) as raised:
        tolerance.failed(Stage.VALUE_CONVERTER, "pkg.Conv", DataError("bad"), raw=RAW)
    text = str(raised.value)
    assert "VALUE_CONVERTER" in text
    assert "pkg.Conv" in text
    assert "topic=orders partition=2 offset=41" in text
    await tolerance.flush_reports()
    assert reporter.seen == []


async def test_tolerance_all_skips_and_reports_after_flush() -> None:
    reporter = Collect()
    tolerance = RetryWithTolerance(TaskId("c", 0), ErrorPolicy(tolerate_all=True), [reporter])
    tolerance.failed(Stage.TRANSFORMATION, "pkg.T", DataError("bad"), raw=RAW)
    assert reporter.seen == []
    await tolerance.flush_reports()
    assert [c.raw for c in reporter.seen] == [RAW]
    assert tolerance.records_skipped == 1


async def test_report_first_reports_even_when_not_tolerated() -> None:
    reporter = Collect()
    tolerance = RetryWithTolerance(TaskId("c", 0), ErrorPolicy(), [reporter])
    with pytest.raises(ToleranceExceededError):
        tolerance.failed(Stage.TASK_PUT, "SinkTask", DataError("bad"), raw=RAW, report_first=True)
    await tolerance.flush_reports()
    assert len(reporter.seen) == 1


async def test_execute_retries_retriable_errors_until_success() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise RetriableError("try again")
        return "ok"

    tolerance = RetryWithTolerance(
        TaskId("c", 0), ErrorPolicy(retry_timeout_ms=10_000, retry_delay_max_ms=1), []
    )
    assert await tolerance.execute(Stage.KEY_CONVERTER, "pkg.C", flaky) == "ok"
    assert calls == 3
    assert tolerance.retries == 2


async def test_execute_does_not_retry_without_a_retry_timeout_or_for_data_errors() -> None:
    calls = 0

    async def failing() -> None:
        nonlocal calls
        calls += 1
        raise DataError("never")

    tolerance = RetryWithTolerance(TaskId("c", 0), ErrorPolicy(retry_timeout_ms=10_000), [])
    with pytest.raises(DataError):
        await tolerance.execute(Stage.KEY_CONVERTER, "pkg.C", failing)
    assert calls == 1


async def test_log_reporter_hides_record_contents_unless_asked(caplog: pytest.LogCaptureFixture) -> None:
    context = ErrorContext(TaskId("c", 0), Stage.VALUE_CONVERTER, "pkg.C", DataError("bad"), RAW)
    with caplog.at_level(logging.ERROR):
        await LogReporter(include_messages=False).report(context)
        await LogReporter(include_messages=True).report(context)
    first, second = (r.getMessage() for r in caplog.records)
    assert "topic='orders', partition=2, offset=41" in first
    assert "b'v'" not in first
    assert "value=b'v'" in second
