"""Polling helpers for integration tests: wait on a condition with a deadline, never a bare sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T] | T],
    *,
    deadline_s: float = 60.0,
    interval: float = 0.2,
    what: str = "condition",
) -> T:
    """Poll ``check`` until it returns a truthy value; fail with ``what`` after ``deadline_s`` s."""
    deadline = time.monotonic() + deadline_s
    last: Any = None
    while time.monotonic() < deadline:
        result = check()
        if asyncio.iscoroutine(result) or isinstance(result, Awaitable):
            result = await result  # type: ignore[misc]
        if result:
            return result  # type: ignore[return-value]
        last = result
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {deadline_s:.0f} s waiting for {what} (last: {last!r})")


async def consume_all(bootstrap: str, topic: str, expected: int, deadline_s: float = 60.0) -> list[Any]:
    """Read ``topic`` from the beginning until ``expected`` records arrived (or fail)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + deadline_s
        while len(records) < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=300)
            records.extend(r for rs in batches.values() for r in rs)
    finally:
        await consumer.stop()
    assert len(records) >= expected, f"only {len(records)} of {expected} records arrived on {topic}"
    return records
