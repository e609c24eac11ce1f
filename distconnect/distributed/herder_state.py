"""Small pieces of the distributed herder's state, kept apart so the herder reads in one sitting.

* :class:`ConfigChanges` collects what the config topic told us between two ticks (it is the
  config store's :class:`~distconnect.storage.cluster_state.ConfigUpdateListener`);
* :class:`Backoffs` schedules retries per key with exponential back-off;
* :func:`connector_type` names a connector's type for REST without failing on unknown classes.

Everything here runs on the herder's event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from distconnect.runtime.states import TaskId
from distconnect.runtime.worker import Worker
from distconnect.storage.cluster_state import ConfigUpdateListener
from distconnect.storage.config_types import Properties, RestartRequest, SessionKey


@dataclass(frozen=True)
class ChangeBatch:
    """Changes taken out of :class:`ConfigChanges` by one tick."""

    restart_requests: list[RestartRequest]
    updated_connectors: frozenset[str]
    committed_tasks: frozenset[TaskId]
    target_state_changes: frozenset[str]


@dataclass
class ConfigChanges(ConfigUpdateListener):
    """What changed in the config topic since the herder last looked; ``wake`` is called on each."""

    wake: Callable[[], None]
    #: The config store's offset (the next record to read); read when a change arrives.
    offset: Callable[[], int] = lambda: -1
    known_connectors: set[str] = field(default_factory=set)
    #: A connector appeared or disappeared, or a task set was committed: the leader must reassign.
    rebalance_needed: bool = False
    #: The config offset just after the newest change that needs a rebalance.
    rebalance_offset: int = -1
    updated_connectors: set[str] = field(default_factory=set)
    #: Connectors with a new task-config commit; ``tasks`` the task ids whose configs it replaced.
    committed_connectors: set[str] = field(default_factory=set)
    committed_tasks: set[TaskId] = field(default_factory=set)
    target_state_changes: set[str] = field(default_factory=set)
    restart_requests: list[RestartRequest] = field(default_factory=list)
    #: Applies a cluster-wide log level (KIP-976) at once: it touches nothing the tick owns.
    apply_logger_level: Callable[[str, str], object] = lambda namespace, level: None

    def drain(self) -> ChangeBatch:
        """Take the changes to apply now (call it with no await between it and the snapshot the
        changes are applied against, so no change is consumed against an older snapshot)."""
        batch = ChangeBatch(
            self.restart_requests,
            frozenset(self.updated_connectors),
            frozenset(self.committed_tasks),
            frozenset(self.target_state_changes),
        )
        self.restart_requests = []
        self.updated_connectors.clear()
        self.committed_tasks.clear()
        self.committed_connectors.clear()
        self.target_state_changes.clear()
        return batch

    def on_connector_config_update(self, connector: str) -> None:
        if connector in self.known_connectors:
            self.updated_connectors.add(connector)
        else:
            self.known_connectors.add(connector)
            self._needs_rebalance()
        self.wake()

    def on_connector_config_remove(self, connector: str) -> None:
        self.known_connectors.discard(connector)
        self.updated_connectors.discard(connector)
        self._needs_rebalance()
        self.wake()

    def on_task_config_update(self, tasks: list[TaskId]) -> None:
        self.committed_tasks.update(tasks)
        self.committed_connectors.update(t.connector for t in tasks)
        self._needs_rebalance()
        self.wake()

    def _needs_rebalance(self) -> None:
        self.rebalance_needed = True
        self.rebalance_offset = self.offset()

    def reflected_in(self, config_offset: int) -> None:
        """An assignment computed at ``config_offset`` already covers changes read up to it."""
        if self.rebalance_needed and self.rebalance_offset <= config_offset:
            self.rebalance_needed = False

    def on_target_state_change(self, connector: str) -> None:
        self.target_state_changes.add(connector)
        self.wake()

    def on_session_key_update(self, session_key: SessionKey) -> None:
        self.wake()

    def on_restart_request(self, request: RestartRequest) -> None:
        self.restart_requests.append(request)
        self.wake()

    def on_logger_level_update(self, namespace: str, level: str) -> None:
        self.apply_logger_level(namespace, level)


class Backoffs:
    """Per-key retry times with exponential back-off (Java's 250 ms, x2, up to 60 s)."""

    def __init__(
        self, initial_s: float = 0.25, maximum_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._initial = initial_s
        self._maximum = maximum_s
        self._clock = clock
        self._due: dict[str, float] = {}
        self._delay: dict[str, float] = {}

    def now(self, key: str) -> None:
        """Due at once (a fresh request resets the back-off)."""
        self._due[key] = self._clock()
        self._delay.pop(key, None)

    def failed(self, key: str) -> float:
        """Due after the next back-off step; returns that delay."""
        delay = min(self._delay.get(key, self._initial / 2) * 2, self._maximum)
        self._delay[key] = delay
        self._due[key] = self._clock() + delay
        return delay

    def succeeded(self, key: str) -> None:
        self._due.pop(key, None)
        self._delay.pop(key, None)

    def take_due(self) -> list[str]:
        """Keys due now, removed from the schedule (their back-off step is remembered)."""
        now = self._clock()
        due = sorted(k for k, at in self._due.items() if at <= now)
        for key in due:
            del self._due[key]
        return due

    def next_due(self) -> float | None:
        return min(self._due.values(), default=None)

    def discard(self, key: str) -> None:
        self.succeeded(key)


def connector_type(worker: Worker, config: Mapping[str, str | None] | None) -> str:
    """``source``, ``sink`` or ``unknown`` (no config, or a class this worker does not have)."""
    if not config or not config.get("connector.class"):
        return "unknown"
    try:
        return "sink" if worker.is_sink(str(config["connector.class"])) else "source"
    except Exception:
        return "unknown"


def plain(properties: Properties | None) -> dict[str, str]:
    """A stored config as plain strings (Java keeps null values; plugins never see them)."""
    return {k: v for k, v in (properties or {}).items() if v is not None}
