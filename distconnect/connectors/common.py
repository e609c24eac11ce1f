"""Small helpers shared by the bundled connectors: the version string, a stop-aware wait, a
rate pacer and the "one task per id" connector body.

Everything here is either pure (``Pacer``) or a thin wrapper over ``asyncio`` primitives; none of
it does I/O, so it is safe to call on the event loop.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import ClassVar

from distconnect.api.config import AbstractConfig, ConfigDef

#: How long a task waits for new data before ``poll`` returns an empty batch (seconds). Bounded so
#: that the runtime regains control regularly even if nothing happens.
POLL_INTERVAL_S = 1.0


def _package_version() -> str:
    try:
        return version("distconnect")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


#: The version every bundled connector reports: distconnect's own (as Apache's bundled
#: connectors report the Kafka version).
VERSION = _package_version()


async def wait_stopped(stopped: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds``, returning early once ``stopped`` is set.

    Returns ``True`` if the event is set. Tasks use this instead of ``asyncio.sleep`` so that a
    back-off never delays ``stop``.
    """
    if stopped.is_set():
        return True
    if seconds <= 0:
        return False
    try:
        await asyncio.wait_for(stopped.wait(), seconds)
    except TimeoutError:
        return False
    return True


class Pacer:
    """Spreads events evenly at ``rate`` per second from a start instant (Java's
    ``ThroughputThrottler`` in batch form).

    A negative rate means unthrottled, zero means nothing is ever due. Pure and clock-free: the
    caller passes ``now`` (seconds, any monotonic clock) so it can be tested without waiting.
    """

    __slots__ = ("_rate", "_start")

    def __init__(self, rate: float, start: float) -> None:
        self._rate = rate
        self._start = start

    @property
    def unthrottled(self) -> bool:
        return self._rate < 0

    def allowance(self, emitted: int, now: float) -> int:
        """How many more events may be emitted at ``now``, given ``emitted`` so far.

        The first event is due at the start instant and event ``n`` at ``start + n / rate``.
        Unthrottled pacers return a very large number (callers cap it by their batch size).
        """
        if self._rate < 0:
            return 2**62
        if self._rate == 0:
            return 0
        due = math.floor(max(0.0, now - self._start) * self._rate) + 1
        return max(0, due - emitted)

    def delay(self, emitted: int, now: float) -> float:
        """Seconds from ``now`` until event number ``emitted`` (0-based) is due; ``inf`` if never."""
        if self._rate < 0:
            return 0.0
        if self._rate == 0:
            return math.inf
        return max(0.0, self._start + emitted / self._rate - now)


__all__ = ["POLL_INTERVAL_S", "VERSION", "Pacer", "wait_stopped"]


class NumberedTasks:
    """Connector body that runs exactly ``tasks.max`` tasks, each given the connector's settings
    plus its id (0..n-1) under :attr:`TASK_ID_KEY`. Mix in before the connector base class, set
    both class attributes and define ``task_class``."""

    CONFIG_DEF: ClassVar[ConfigDef]
    TASK_ID_KEY: ClassVar[str]

    def __init__(self) -> None:
        self._props: dict[str, str] = {}

    def version(self) -> str:
        return VERSION

    def start(self, props: Mapping[str, str]) -> None:
        AbstractConfig(self.CONFIG_DEF, props)  # fail fast on a bad configuration
        self._props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [{**self._props, self.TASK_ID_KEY: str(i)} for i in range(max_tasks)]

    def stop(self) -> None:
        pass

    def config(self) -> ConfigDef:
        return self.CONFIG_DEF
