"""Per-task metric families (labels ``connector`` and ``task``), built from a worker's runners.

Every family lists the tasks this worker has a runner for: a task that FAILED keeps its runner
(and so its metrics, with ``state="FAILED"``) until it is restarted, reassigned or deleted; a task
that is stopped or removed has no runner and disappears from the scrape. Counters start at zero
for each new runner, as Apache's task metrics do ("since the task was last restarted").
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
    SummaryMetricFamily,
)

from distconnect.runtime.sink_context import DeadLetterQueueReporter
from distconnect.runtime.sink_task import SinkTaskRunner
from distconnect.runtime.source_task import SourceTaskRunner
from distconnect.runtime.states import State
from distconnect.runtime.task_runner import TaskRunner
from distconnect.runtime.task_stats import Timing
from distconnect.runtime.tolerance import LogReporter, RetryWithTolerance
from distconnect.runtime.worker import Worker

TASK_LABELS = ["connector", "task"]
#: The states a task can report (its status gauge has one series per state, 1 for the current one).
TASK_STATES = (State.UNASSIGNED, State.RUNNING, State.PAUSED, State.FAILED, State.RESTARTING)


def _labels(runner: TaskRunner) -> list[str]:
    return [runner.id.connector, str(runner.id.task)]


def _counter(name: str, doc: str, extra: list[str] | None = None) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, labels=TASK_LABELS + (extra or []))


def _gauge(name: str, doc: str, extra: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=TASK_LABELS + (extra or []))


class _Timed:
    """A duration as a summary (``_count``/``_sum``) plus a ``_max_seconds`` gauge."""

    def __init__(self, base: str, doc: str) -> None:
        self.summary = SummaryMetricFamily(f"{base}_seconds", doc, labels=TASK_LABELS)
        self.max = _gauge(f"{base}_max_seconds", f"The longest {doc[0].lower()}{doc[1:]}")

    def add(self, labels: list[str], timing: Timing) -> None:
        self.summary.add_metric(labels, count_value=timing.count, sum_value=timing.sum)
        self.max.add_metric(labels, timing.max)

    def families(self) -> tuple[Metric, Metric]:
        return self.summary, self.max


def task_families(worker: Worker) -> Iterator[Metric]:
    """Every per-task family, for the runners ``worker`` has now (empty families included)."""
    runners = [r for r in (worker.task_runner(t) for t in worker.task_ids()) if r is not None]
    yield from _common(runners)
    yield from _errors(runners)
    yield from _source([r for r in runners if isinstance(r, SourceTaskRunner)])
    yield from _sink([r for r in runners if isinstance(r, SinkTaskRunner)])


def _common(runners: list[TaskRunner]) -> Iterator[Metric]:
    status = _gauge(
        "distconnect_task_status", "The task's state: 1 for the current state, 0 for the others.", ["state"]
    )
    batch = HistogramMetricFamily(
        "distconnect_task_batch_size",
        "Records per non-empty batch the task processed (source: per poll, sink: per put).",
        labels=TASK_LABELS,
    )
    batch_max = _gauge("distconnect_task_batch_size_max", "The largest batch the task processed.")
    commits = _counter(
        "distconnect_task_offset_commits", "Offset commit attempts by result (success, failure).", ["result"]
    )
    commit_time = _Timed("distconnect_task_offset_commit", "Time the task took to commit offsets.")
    for runner in runners:
        labels = _labels(runner)
        for state in TASK_STATES:
            status.add_metric([*labels, state.value], 1.0 if runner.state is state else 0.0)
        sizes = runner.batch_sizes
        batch.add_metric(labels, buckets=sizes.cumulative(), sum_value=sizes.sum)
        batch_max.add_metric(labels, sizes.max)
        stats = runner.offset_commits
        commits.add_metric([*labels, "success"], stats.successes)
        commits.add_metric([*labels, "failure"], stats.failures)
        commit_time.add(labels, stats.time)
    yield from (status, batch, batch_max, commits, *commit_time.families())


def _errors(runners: list[TaskRunner]) -> Iterator[Metric]:
    errors = _counter(
        "distconnect_task_record_errors", "Records that failed a stage (converter, transform...)."
    )
    skipped = _counter("distconnect_task_records_skipped", "Records skipped under errors.tolerance=all.")
    retries = _counter("distconnect_task_retries", "Operations retried within errors.retry.timeout.")
    logged = _counter("distconnect_task_errors_logged", "Errors logged (errors.log.enable).")
    dlq = _counter("distconnect_task_dlq_records_produced", "Records written to the dead letter queue.")
    dlq_failed = _counter("distconnect_task_dlq_produce_failures", "Failed writes to the dead letter queue.")
    last = _gauge(
        "distconnect_task_last_error_timestamp_seconds",
        "Unix time of the task's last record error (0: none).",
    )
    for runner in runners:
        tolerance: RetryWithTolerance | None = getattr(runner, "tolerance", None)
        if tolerance is None:
            continue
        labels = _labels(runner)
        errors.add_metric(labels, tolerance.total_errors)
        skipped.add_metric(labels, tolerance.records_skipped)
        retries.add_metric(labels, tolerance.retries)
        last.add_metric(labels, tolerance.last_error_at)
        reporters = tolerance.reporters
        logged.add_metric(labels, sum(r.logged for r in reporters if isinstance(r, LogReporter)))
        queues = [r for r in reporters if isinstance(r, DeadLetterQueueReporter)]
        dlq.add_metric(labels, sum(r.reported for r in queues))
        dlq_failed.add_metric(labels, sum(r.failures for r in queues))
    yield from (errors, skipped, retries, logged, dlq, dlq_failed, last)


def _source(runners: list[SourceTaskRunner]) -> Iterator[Metric]:
    polled = _counter(
        "distconnect_source_task_records_polled", "Records returned by poll(), before transformations."
    )
    written = _counter(
        "distconnect_source_task_records_written", "Records written to Kafka and acknowledged by it."
    )
    active = _gauge(
        "distconnect_source_task_records_active", "Records handed to the producer, not yet acknowledged."
    )
    poll_time = _Timed("distconnect_source_task_poll_batch", "Time poll() took to return a batch.")
    for runner in runners:
        labels = _labels(runner)
        polled.add_metric(labels, runner.records_polled)
        written.add_metric(labels, runner.records_written)
        active.add_metric(labels, runner.records_in_flight)
        poll_time.add(labels, runner.poll_time)
    yield from (polled, written, active, *poll_time.families())


def _sink(runners: list[SinkTaskRunner]) -> Iterator[Metric]:
    read = _counter("distconnect_sink_task_records_read", "Records read from Kafka, before transformations.")
    sent = _counter("distconnect_sink_task_records_sent", "Records handed to put() after transformations.")
    partitions = _gauge("distconnect_sink_task_partitions", "Topic partitions assigned to the task.")
    lag_max = _gauge(
        "distconnect_sink_task_records_lag_max",
        "The largest consumer lag (records) of any assigned partition.",
    )
    lag = _gauge(
        "distconnect_sink_task_records_lag", "Consumer lag (records) summed over assigned partitions."
    )
    put_time = _Timed("distconnect_sink_task_put_batch", "Time put() took for a non-empty batch.")
    for runner in runners:
        labels = _labels(runner)
        read.add_metric(labels, runner.records_read)
        sent.add_metric(labels, runner.records_put)
        partitions.add_metric(labels, runner.partition_count)
        lags = runner.consumer_lag().values()
        lag_max.add_metric(labels, max(lags, default=0))
        lag.add_metric(labels, sum(lags))
        put_time.add(labels, runner.put_time)
    yield from (read, sent, partitions, lag_max, lag, *put_time.families())


__all__ = ["TASK_STATES", "task_families"]
