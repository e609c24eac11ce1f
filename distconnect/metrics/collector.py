"""One worker's Prometheus metrics: a custom collector over counters the runtime already keeps.

:class:`WorkerCollector` registers in a :class:`~prometheus_client.CollectorRegistry` of its own
(one per worker — never the process-wide default registry, so several workers can share a process
in tests). Nothing is recorded through prometheus_client on the data path: runners count batches in
plain integers (:mod:`distconnect.runtime.task_stats`) and :meth:`WorkerCollector.collect` reads
them, the worker's counters, the statuses and the auto-restart schedule when ``/metrics`` is
scraped. A scrape therefore costs time proportional to the connectors and tasks of this worker,
and nothing between scrapes.

Concurrency: ``collect`` runs on the worker's event loop (the REST handler calls it), where every
counter it reads is written; it never blocks or awaits.

Names, types and the Apache Kafka Connect JMX metric each mirrors: ``docs/metrics.md``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from distconnect.metrics.tasks import TASK_STATES, task_families
from distconnect.metrics.workers import rebalance_families, startup_families
from distconnect.runtime.auto_restart import AutoRestarter
from distconnect.runtime.states import State, StatusView, TaskId
from distconnect.runtime.worker import Worker

#: The states a connector can report.
CONNECTOR_STATES = (
    State.UNASSIGNED,
    State.RUNNING,
    State.PAUSED,
    State.FAILED,
    State.RESTARTING,
    State.STOPPED,
)


class WorkerCollector(Collector):
    """See the module docstring. ``statuses`` is the herder's status view (the object the worker
    reports to); ``auto_restart`` adds the auto-restart families when it is enabled."""

    def __init__(
        self,
        worker: Worker,
        statuses: StatusView,
        auto_restart: AutoRestarter | None = None,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._worker = worker
        self._statuses = statuses
        self._auto_restart = auto_restart
        self._wall = wall_clock

    def describe(self) -> list[Metric]:
        # Nothing up front: registering must not scrape (the worker may not have started yet).
        return []

    def collect(self) -> Iterator[Metric]:
        worker = self._worker
        connector_states = {name: self._connector_state(name) for name in worker.connector_names()}
        task_states = {t: r.state for t in worker.task_ids() if (r := worker.task_runner(t)) is not None}
        yield _by_state(
            "distconnect_worker_connectors",
            "Connectors run by this worker, by state.",
            Counter(connector_states.values()),
            CONNECTOR_STATES,
        )
        yield _by_state(
            "distconnect_worker_tasks",
            "Tasks run by this worker, by state.",
            Counter(task_states.values()),
            TASK_STATES,
        )
        yield from startup_families(worker.metrics)
        yield from rebalance_families(worker.metrics.rebalance)
        yield from self._connector_families(connector_states, task_states)
        yield from task_families(worker)
        if self._auto_restart is not None and self._auto_restart.enabled:
            yield from self._auto_restart_families(self._auto_restart)

    def _connector_state(self, name: str) -> State:
        status = self._statuses.connector_status(name)
        if status is None or status.worker_id != self._worker.worker_id:
            return State.UNASSIGNED
        return status.state

    def _connector_families(
        self, connector_states: dict[str, State], task_states: dict[TaskId, State]
    ) -> Iterator[Metric]:
        status = GaugeMetricFamily(
            "distconnect_connector_status",
            "The connector's state: 1 for the current state, 0 for the others.",
            labels=["connector", "state"],
        )
        info = InfoMetricFamily(
            "distconnect_connector", "The connector's class, type and version.", labels=["connector"]
        )
        for name, current in sorted(connector_states.items()):
            for state in CONNECTOR_STATES:
                status.add_metric([name, state.value], 1.0 if current is state else 0.0)
            details = self._worker.connector_details(name)
            if details is not None:
                cls, kind, version = details
                info.add_metric([name], {"class": cls, "type": kind, "version": version or ""})
        tasks = GaugeMetricFamily(
            "distconnect_connector_tasks",
            "This worker's tasks of the connector, by state.",
            labels=["connector", "state"],
        )
        per_connector: dict[str, Counter[State]] = {}
        for task, state in task_states.items():
            per_connector.setdefault(task.connector, Counter())[state] += 1
        for name, counts in sorted(per_connector.items()):
            for state in TASK_STATES:
                tasks.add_metric([name, state.value], counts[state])
        yield from (status, info, tasks)

    def _auto_restart_families(self, restarter: AutoRestarter) -> Iterator[Metric]:
        restarts = CounterMetricFamily(
            "distconnect_auto_restarts",
            'Automatic restarts of a FAILED connector (task="") or task.',
            labels=["connector", "task"],
        )
        upcoming = GaugeMetricFamily(
            "distconnect_auto_restart_next_attempt_timestamp_seconds",
            'Unix time of the pending automatic restart of a FAILED connector (task="") or task.',
            labels=["connector", "task"],
        )
        now = self._wall()
        for key, entry in sorted(
            restarter.schedule.states.items(), key=lambda kv: (kv[0][0], kv[0][1] or -1)
        ):
            labels = [key[0], "" if key[1] is None else str(key[1])]
            restarts.add_metric(labels, entry.total)
            due_in = restarter.next_attempt_in_s(key)
            if due_in is not None:
                upcoming.add_metric(labels, now + max(due_in, 0.0))
        yield from (restarts, upcoming)


def _by_state(name: str, doc: str, counts: Counter[State], states: tuple[State, ...]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=["state"])
    for state in states:
        family.add_metric([state.value], counts[state])
    return family


def register_worker(
    registry: CollectorRegistry,
    worker: Worker,
    statuses: StatusView,
    auto_restart: AutoRestarter | None = None,
) -> WorkerCollector:
    """Add ``worker``'s collector to ``registry`` (the worker's own, created before the worker
    because the REST server that serves it starts first)."""
    collector = WorkerCollector(worker, statuses, auto_restart)
    registry.register(collector)
    return collector


__all__ = ["CONNECTOR_STATES", "WorkerCollector", "register_worker"]
