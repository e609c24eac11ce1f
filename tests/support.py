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


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """``consumer.stop()``, made safe against an aiokafka race seen under load: ``stop`` can
    re-raise the cancellation of one of the consumer's own tasks (``_reset_committed_routine``),
    leaving its connections open (they then warn when garbage-collected, in a later test). The
    client is closed anyway; only a cancellation of the calling task itself propagates."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
        await consumer._client.close()


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
        await stop_consumer(consumer)
    assert len(records) >= expected, f"only {len(records)} of {expected} records arrived on {topic}"
    return records
