"""Service lifecycle: nothing runs before start, background work is owned and cancelled on stop."""

from __future__ import annotations

import asyncio

import pytest

from distconnect.runtime.service import Service


class Recorder(Service):
    def __init__(self) -> None:
        super().__init__("recorder")
        self.events: list[str] = []
        self.loop_started = asyncio.Event()
        self.loop_cancelled = False

    async def on_start(self) -> None:
        self.events.append("on_start")

    async def on_started(self) -> None:
        self.events.append("on_started")
        self.spawn(self._loop(), name="loop")

    async def _loop(self) -> None:
        self.loop_started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.loop_cancelled = True
            raise

    async def on_stop(self) -> None:
        self.events.append("on_stop")


async def test_constructing_starts_nothing() -> None:
    service = Recorder()
    assert service.events == []
    assert not service.running
    with pytest.raises(RuntimeError, match="not running"):
        service.spawn(asyncio.sleep(0))


async def test_context_manager_runs_hooks_and_cancels_background_work() -> None:
    async with Recorder() as service:
        async with asyncio.timeout(5):
            await service.loop_started.wait()
        assert service.running
    assert service.events == ["on_start", "on_started", "on_stop"]
    assert service.loop_cancelled
    assert not service.running


async def test_stop_is_idempotent_and_start_twice_fails() -> None:
    service = Recorder()
    await service.start()
    with pytest.raises(RuntimeError, match="already started"):
        await service.start()
    await service.stop()
    await service.stop()
    assert service.events.count("on_stop") == 1


async def test_a_crash_in_background_work_is_reported_not_lost() -> None:
    service = Service("crashy")
    await service.start()
    sibling_cancelled = asyncio.Event()

    async def sibling() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            sibling_cancelled.set()

    async def boom() -> None:
        raise ValueError("kaboom")

    service.spawn(sibling())
    service.spawn(boom())
    async with asyncio.timeout(5):
        reason = await service.wait_crashed()
    assert isinstance(reason, ValueError)
    assert sibling_cancelled.is_set()
    await service.stop()
