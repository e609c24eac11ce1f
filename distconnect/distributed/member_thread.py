"""Runs the group member on its own event loop in its own thread (DESIGN-NOTES §1).

Tasks convert and transform records on the worker's event loop; a long CPU-bound stretch there
must never delay a heartbeat past ``session.timeout.ms`` (the coordinator would evict the worker
and rebalance the whole cluster). So the :class:`~distconnect.distributed.member.WorkerGroupMember`
lives on a dedicated loop in a daemon thread, like Java's heartbeat thread, and the herder talks
to it through :class:`MemberThread`, whose coroutines are awaited from the herder's loop.

Lifecycle: nothing starts in ``__init__``; :meth:`start` starts the thread and the member (its
constructor runs on the member's loop), :meth:`stop` stops the member (LeaveGroup unless
static), then the loop and the thread. Callbacks given to the member (``metadata``, ``assign``,
``on_rejoin_needed``) run on the member's thread; the factory must make them thread-safe.
Cancelling a coroutine of this class cancels the work on the member's loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from distconnect.api.errors import ConnectError
from distconnect.distributed.member import JoinResult, WorkerGroupMember

T = TypeVar("T")

_STOP_TIMEOUT_S = 30.0


class MemberThread:
    """A :class:`WorkerGroupMember` on its own loop; see the module docstring."""

    def __init__(self, factory: Callable[[], WorkerGroupMember], name: str = "group-member") -> None:
        self._factory = factory
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._member: WorkerGroupMember | None = None

    @property
    def member(self) -> WorkerGroupMember:
        """The member (read its plain attributes only; call its coroutines through this class)."""
        if self._member is None:
            raise ConnectError(f"{self._name} is not started")
        return self._member

    async def start(self) -> None:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()
        await asyncio.to_thread(ready.wait)
        self._loop = loop

        async def create_and_start() -> WorkerGroupMember:
            member = self._factory()
            await member.start()
            return member

        try:
            self._member = await self._call(create_and_start())
        except BaseException:
            await self._shutdown_loop()
            raise

    async def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            coro.close()
            raise ConnectError(f"{self._name} is not started")
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        # wrap_future cancels the member-side task when this await is cancelled.
        return await asyncio.wrap_future(future)

    def _soon(self, fn: Callable[[], object]) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(fn)

    async def join(self, timeout_ms: int | None = None) -> JoinResult:
        return await self._call(self.member.join(timeout_ms))

    async def leave(self) -> None:
        await self._call(self.member.leave())

    def request_rejoin(self) -> None:
        member = self.member
        self._soon(member.request_rejoin)

    def rejoin_needed(self) -> bool:
        return self._member is not None and self._member.rejoin_needed.is_set()

    def session_expired(self, margin_ms: int = 0) -> bool:
        # Reads two floats the member's thread writes; a stale read only delays the answer by
        # one check, and the herder checks several times per heartbeat interval.
        return self._member is not None and self._member.session_expired(margin_ms=margin_ms)

    def fatal_error(self) -> ConnectError | None:
        return None if self._member is None else self._member.fatal_error

    async def stop(self) -> None:
        if self._loop is None:
            return
        member, self._member = self._member, None
        try:
            if member is not None:
                await asyncio.wait_for(self._call(member.stop()), _STOP_TIMEOUT_S)
        finally:
            await self._shutdown_loop()

    async def _shutdown_loop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, _STOP_TIMEOUT_S)
            self._thread = None

    async def __aenter__(self) -> MemberThread:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
