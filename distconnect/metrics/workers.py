"""Worker-level metric families: start-up counters and (distributed mode) rebalances."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric, SummaryMetricFamily

from distconnect.runtime.task_stats import RebalanceStats
from distconnect.runtime.worker import WorkerMetrics


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, value=value)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def startup_families(metrics: WorkerMetrics) -> Iterator[Metric]:
    for kind, attempts, failures, successes in (
        (
            "connector",
            metrics.connector_startup_attempts,
            metrics.connector_startup_failures,
            metrics.connectors_started,
        ),
        ("task", metrics.task_startup_attempts, metrics.task_startup_failures, metrics.tasks_started),
    ):
        prefix = f"distconnect_worker_{kind}_startup"
        yield _counter(f"{prefix}_attempts", f"{kind.title()} starts this worker attempted.", attempts)
        yield _counter(f"{prefix}_successes", f"{kind.title()} starts that succeeded.", successes)
        yield _counter(f"{prefix}_failures", f"{kind.title()} starts that failed.", failures)


def rebalance_families(stats: RebalanceStats, now: float | None = None) -> Iterator[Metric]:
    """Nothing in standalone mode (no group); ``now`` is a :func:`time.monotonic` reading."""
    if not stats.member:
        return
    now = time.monotonic() if now is None else now
    since = -1.0 if stats.last_completed_at is None else now - stats.last_completed_at
    duration = SummaryMetricFamily(
        "distconnect_worker_rebalance_seconds", "Time this worker spent in completed rebalances."
    )
    duration.add_metric([], count_value=stats.time.count, sum_value=stats.time.sum)
    yield from (
        _counter("distconnect_worker_rebalances", "Rebalances this worker completed.", stats.completed),
        _gauge("distconnect_worker_rebalancing", "1 while this worker is rebalancing.", stats.in_progress),
        duration,
        _gauge(
            "distconnect_worker_rebalance_max_seconds",
            "The longest rebalance this worker completed.",
            stats.time.max,
        ),
        _gauge(
            "distconnect_worker_seconds_since_last_rebalance",
            "Time since this worker completed its last rebalance (-1: none yet).",
            since,
        ),
        _gauge("distconnect_worker_leader", "1 if this worker is the group's leader.", stats.leader),
        _gauge(
            "distconnect_worker_generation", "The group generation of the last rebalance.", stats.generation
        ),
    )


__all__ = ["rebalance_families", "startup_families"]
