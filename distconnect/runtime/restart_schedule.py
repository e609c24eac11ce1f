"""When to restart a FAILED connector or task automatically: pure, synchronous back-off logic.

The back-off is Strimzi's: before the ``n``-th automatic restart since the counter was last reset,
wait ``n * (n + 1)`` units after the previous restart (0, 2, 6, 12, 20, 30, 42, 56 … minutes with
the default one-minute unit), capped at ``auto.restart.max.backoff.ms``.

The counter resets once the connector or task has been seen RUNNING without interruption for as
long as the next back-off would be (``n * (n + 1)`` units, capped, and at least one unit): a
failure after that is treated as a new problem and restarted at once again.

:class:`RestartSchedule` knows nothing of herders or clocks: the caller feeds it what it observes
(:meth:`RestartSchedule.observe`) with a monotonic time in seconds, and reports the restarts it made
(:meth:`RestartSchedule.restarted`). Not thread-safe; used from one event loop.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from distconnect.runtime.states import State

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Backoff:
    """``unit_ms`` (tests shorten it) and the cap, both in milliseconds."""

    unit_ms: int = 60_000
    max_ms: int = 3_600_000

    def delay_ms(self, restarts: int) -> int:
        """How long after the previous restart the next one may happen, ``restarts`` restarts in."""
        return min(restarts * (restarts + 1) * self.unit_ms, self.max_ms)

    def reset_after_ms(self, restarts: int) -> int:
        """How long RUNNING without interruption resets the counter (at least one unit)."""
        return max(self.delay_ms(restarts), self.unit_ms)


@dataclass
class RestartState:
    """What the schedule remembers about one connector or task (times: monotonic seconds)."""

    #: Restarts since the counter was last reset: drives the back-off.
    restarts: int = 0
    #: Restarts ever made (a monotonic counter for metrics).
    total: int = 0
    last_restart_at: float | None = None
    #: When the pending restart is due; None unless the instance is FAILED now.
    next_attempt_at: float | None = None
    running_since: float | None = None


class RestartSchedule(Generic[K]):
    """Per-key back-off state; see the module docstring for the rules."""

    def __init__(self, backoff: Backoff) -> None:
        self.backoff = backoff
        self.states: dict[K, RestartState] = {}

    def observe(self, key: K, state: State, now: float) -> bool:
        """Record ``key``'s current state; True when it is FAILED and a restart is due now."""
        entry = self.states.setdefault(key, RestartState())
        if state is State.FAILED:
            entry.running_since = None
            if entry.next_attempt_at is None:
                base = now if entry.last_restart_at is None else entry.last_restart_at
                entry.next_attempt_at = max(now, base + self.backoff.delay_ms(entry.restarts) / 1000)
            return now >= entry.next_attempt_at
        entry.next_attempt_at = None
        if state is not State.RUNNING:
            entry.running_since = None
        elif entry.running_since is None:
            entry.running_since = now
        elif (
            entry.restarts and now - entry.running_since >= self.backoff.reset_after_ms(entry.restarts) / 1000
        ):
            entry.restarts = 0
        return False

    def restarted(self, key: K, now: float) -> RestartState:
        """The caller restarted ``key`` at ``now``; returns its updated state."""
        entry = self.states.setdefault(key, RestartState())
        entry.restarts += 1
        entry.total += 1
        entry.last_restart_at = now
        entry.next_attempt_at = None
        entry.running_since = None
        return entry

    def retain(self, keys: Iterable[K]) -> None:
        """Forget every key not in ``keys`` (deleted, or now run by another worker)."""
        keep = set(keys)
        for key in [k for k in self.states if k not in keep]:
            del self.states[key]


__all__ = ["Backoff", "RestartSchedule", "RestartState"]
