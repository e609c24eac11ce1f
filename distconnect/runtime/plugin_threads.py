"""Running blocking plugin code (a connector's ``start``/``stop``) in a thread of its own.

``asyncio.to_thread`` uses the loop's default executor, whose threads ``asyncio.run`` joins on
the way out: one connector whose ``start`` never returns would then keep the worker process
from exiting on SIGTERM. :func:`call_in_daemon_thread` runs the call in a new daemon thread
instead and hands its outcome back to the loop. Cancelling the awaiting coroutine abandons the
call (a thread cannot be interrupted); its late outcome is dropped, and if the loop is gone by
then, so is the thread, with the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller gave up (cancelled)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


async def call_in_daemon_thread(name: str, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a daemon thread called ``name``; see the module docstring."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = fn(*args)
        except BaseException as err:  # handed to the awaiting coroutine, whatever it is
            error = err
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(_settle, future, result, error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await future


__all__ = ["call_in_daemon_thread"]
