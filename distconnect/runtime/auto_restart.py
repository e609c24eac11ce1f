"""Automatic restarts of FAILED connectors and tasks (``auto.restart.enable``, a distconnect addition).

:class:`AutoRestarter` watches what *this* worker runs: connectors and tasks whose latest status
names this worker. When one is FAILED it restarts it through the herder's own restart paths
(:meth:`Herder.restart_connector` — the plain form, the connector instance only — and
:meth:`Herder.restart_task`), spaced by :mod:`~distconnect.runtime.restart_schedule`'s back-off.
Each worker restarts only its own work, so a cluster never restarts one task twice; work that
moved to another worker meanwhile is refused by the herder (logged, nothing else happens).

A task's state is read from its runner while this worker has one (the runner of a restarted task
is replaced before the restart returns, so the old FAILED status is never mistaken for a new
failure), else from the status.

Statuses keep Apache's shape; restarts show in the log (one INFO line each, with the next
back-off) and in metrics (:attr:`schedule`, read by :mod:`distconnect.metrics`).

Lifecycle: a :class:`Service`; started after the herder, stopped before it. It checks every
quarter unit (between 25 ms and 5 s). Disabled, it does nothing at all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from distconnect.api.errors import ConnectError
from distconnect.runtime.herder import Herder
from distconnect.runtime.restart_schedule import Backoff, RestartSchedule
from distconnect.runtime.service import Service
from distconnect.runtime.states import State, StatusView, TaskId
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import WorkerConfig

log = logging.getLogger("distconnect.auto_restart")

#: A connector (task None) or one of its tasks.
RestartKey = tuple[str, int | None]


class AutoRestarter(Service):
    """See the module docstring. All methods run on the worker's event loop."""

    def __init__(
        self,
        herder: Herder,
        worker: Worker,
        statuses: StatusView,
        *,
        enabled: bool,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("auto-restart")
        self.enabled = enabled
        self._herder = herder
        self._worker = worker
        self._statuses = statuses
        self._clock = clock
        self.schedule: RestartSchedule[RestartKey] = RestartSchedule(backoff or Backoff())
        unit_s = self.schedule.backoff.unit_ms / 1000
        self._interval_s = min(max(unit_s / 4, 0.025), 5.0)

    @classmethod
    def from_config(
        cls, config: WorkerConfig, herder: Herder, worker: Worker, statuses: StatusView
    ) -> AutoRestarter:
        backoff = Backoff(
            unit_ms=int(config.get("auto.restart.backoff.unit.ms")),
            max_ms=int(config.get("auto.restart.max.backoff.ms")),
        )
        return cls(herder, worker, statuses, enabled=bool(config.get("auto.restart.enable")), backoff=backoff)

    async def on_started(self) -> None:
        if self.enabled:
            self.spawn(self._run(), name="auto-restart-loop")

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # never let one odd status end auto-restarts for the worker
                log.exception("Auto-restart check failed; trying again")
            await asyncio.sleep(self._interval_s)

    def next_attempt_in_s(self, key: RestartKey) -> float | None:
        """Seconds until ``key``'s pending restart (negative: overdue), or None if none is pending."""
        entry = self.schedule.states.get(key)
        if entry is None or entry.next_attempt_at is None:
            return None
        return entry.next_attempt_at - self._clock()

    async def check(self) -> None:
        """Look at every connector and task of this worker once; restart those that are due."""
        seen: list[RestartKey] = []
        for name in await self._herder.connectors():
            status = self._statuses.connector_status(name)
            if status is not None and status.worker_id == self._worker.worker_id:
                seen.append((name, None))
                await self._observe((name, None), status.state)
            for task, task_status in self._statuses.task_statuses(name).items():
                runner = self._worker.task_runner(task)
                if runner is not None:
                    state = runner.state
                elif task_status.worker_id == self._worker.worker_id:
                    state = task_status.state
                else:
                    continue
                seen.append((name, task.task))
                await self._observe((name, task.task), state)
        self.schedule.retain(seen)

    async def _observe(self, key: RestartKey, state: State) -> None:
        now = self._clock()
        if not self.schedule.observe(key, state, now):
            return
        entry = self.schedule.restarted(key, now)
        name, task = key
        what = f"connector {name}" if task is None else f"task {TaskId(name, task)}"
        log.info(
            "Auto-restarting FAILED %s (restart %d in a row, %d in all); if it fails again, the next "
            "restart waits %d ms",
            what,
            entry.restarts,
            entry.total,
            self.schedule.backoff.delay_ms(entry.restarts),
        )
        try:
            if task is None:
                await self._herder.restart_connector(name)
            else:
                await self._herder.restart_task(TaskId(name, task))
        except ConnectError as err:  # deleted, or moved to another worker meanwhile
            log.info("Auto-restart of %s did not happen: %s", what, err)


__all__ = ["AutoRestarter", "RestartKey"]
