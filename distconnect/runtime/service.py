"""The lifecycle every long-lived runtime component shares.

A :class:`Service` does nothing in ``__init__``. ``await start()`` runs :meth:`on_start` and then
opens an :class:`asyncio.TaskGroup` inside a supervisor task that the service owns; background work
goes into that group through :meth:`spawn`, never through a bare ``create_task``. ``await stop()``
runs :meth:`on_stop`, cancels whatever background work is left, waits for it, and is idempotent.
``async with service:`` does both. A service with :attr:`abandon_after_s` set stops within a bound
even if its background work swallows cancellation (that work is left running, detached, and logged).

If a background task fails, the task group cancels its siblings, the service records the error as
:attr:`crash_reason` and :meth:`wait_crashed` wakes up, so an owner can decide (restart, fail the
worker) instead of the error vanishing in an unobserved task.

Concurrency contract: all methods are called from the event loop that started the service.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self

log = logging.getLogger(__name__)


class Service:
    """Base class: subclasses override :meth:`on_start` / :meth:`on_stop` and call :meth:`spawn`."""

    #: If set, :meth:`stop` waits at most this long for cancelled background work to finish and
    #: then abandons it (logged): plugin code that swallows cancellation cannot hang its owner.
    abandon_after_s: float | None = None

    def __init__(self, name: str | None = None) -> None:
        self.name = name or type(self).__name__
        self._group: asyncio.TaskGroup | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self._crashed = asyncio.Event()
        self._started = False
        self._stopped = False
        self.crash_reason: BaseException | None = None

    async def on_start(self) -> None:
        """Acquire resources; runs before background work may be spawned. Override as needed."""

    async def on_started(self) -> None:
        """Runs once the task group is open; spawn background loops here. Override as needed."""

    async def on_stop(self) -> None:
        """Release resources gracefully; background tasks are still running. Override as needed."""

    @property
    def running(self) -> bool:
        return self._started and not self._stopped

    async def start(self) -> None:
        if self._started:
            raise RuntimeError(f"{self.name} was already started")
        self._started = True
        await self.on_start()
        opened = asyncio.Event()
        self._supervisor = asyncio.create_task(self._supervise(opened), name=f"{self.name}-supervisor")
        await opened.wait()
        await self.on_started()

    async def _supervise(self, opened: asyncio.Event) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                opened.set()
                await self._closing.wait()
                raise _Closing
        except* _Closing:
            pass
        except* Exception as failures:
            self.crash_reason = failures.exceptions[0]
            log.error("%s crashed", self.name, exc_info=self.crash_reason)
            self._crashed.set()
        finally:
            self._group = None
            opened.set()

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task[Any]:
        """Run ``coro`` in this service's task group; it is cancelled when the service stops."""
        if self._group is None:
            coro.close()
            raise RuntimeError(f"{self.name} is not running; cannot spawn {name or coro!r}")
        return self._group.create_task(coro, name=name)

    async def wait_crashed(self) -> BaseException | None:
        """Return once background work has failed, with the error that brought it down."""
        await self._crashed.wait()
        return self.crash_reason

    async def stop(self) -> None:
        if not self._started or self._stopped:
            return
        self._stopped = True
        try:
            await self.on_stop()
        finally:
            self._closing.set()
            if self._supervisor is not None:
                if self.abandon_after_s is None:
                    await self._supervisor
                else:
                    done, _ = await asyncio.wait({self._supervisor}, timeout=self.abandon_after_s)
                    if not done:
                        log.error(
                            "%s: background work ignored cancellation for %.1f s; abandoning it",
                            self.name,
                            self.abandon_after_s,
                        )

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


class _Closing(Exception):
    """Raised inside the task group to cancel the remaining background work on stop."""
