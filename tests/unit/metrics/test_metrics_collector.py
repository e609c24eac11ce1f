"""The worker's Prometheus collector without a broker: names, labels and values after simulated events.

A real :class:`Worker` runs source task runners over a fake producer that acknowledges at once;
connectors are started through the worker; rebalances and auto-restarts are simulated on the
structures the herder and the auto-restarter update. Values are read back with
``CollectorRegistry.get_sample_value``, i.e. through the exposition names.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from distconnect.api import ConfigDef, SourceConnector, SourceRecord, SourceTask
from distconnect.api.context import ConnectorContext
from distconnect.metrics import register_worker
from distconnect.runtime.auto_restart import AutoRestarter
from distconnect.runtime.offsets import MemoryOffsetStore
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.restart_schedule import Backoff
from distconnect.runtime.source_task import SourceTaskRunner
from distconnect.runtime.states import MemoryStatusListener, State, Status, TargetState, TaskId
from distconnect.runtime.task_runner import TaskSettings
from distconnect.runtime.tolerance import ErrorPolicy, LogReporter, Stage
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import StandaloneConfig
from tests.support import eventually
from tests.unit.runtime.fake_producer import AutoAckProducer

STRING = "org.apache.kafka.connect.storage.StringConverter"
BATCHES = (3, 7, 60)


class CountingTask(SourceTask):
    """Returns the batches of BATCHES, then idles; ``fail`` in its config makes poll() raise."""

    async def start(self, props: Mapping[str, str]) -> None:
        self.fail = props.get("fail") == "true"
        self.batches = list(BATCHES)

    async def poll(self) -> list[SourceRecord]:
        if self.fail:
            raise RuntimeError("the source is gone")
        if not self.batches:
            await asyncio.sleep(0.05)  # idle like a real source between polls
            return []
        size = self.batches.pop(0)
        return [
            SourceRecord(topic="t", value=f"v{i}", source_partition={"p": 0}, source_offset={"o": i})
            for i in range(size)
        ]

    async def stop(self) -> None:
        pass

    def version(self) -> str:
        return "1"


class CountingConnector(SourceConnector):
    def start(self, props: Mapping[str, str]) -> None:
        if props.get("fail.start") == "true":
            raise RuntimeError("cannot reach the source system")

    def task_class(self) -> type[SourceTask]:
        return CountingTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [{}]

    def stop(self) -> None:
        pass

    def config(self) -> ConfigDef:
        return ConfigDef()

    def version(self) -> str:
        return "2.5"


class _Context(ConnectorContext):
    def request_task_reconfiguration(self) -> None:  # pragma: no cover - not called here
        pass

    def raise_error(self, exc: Exception) -> None:  # pragma: no cover - not called here
        pass


class _Herder:
    """What the auto-restarter needs of a herder: the connectors, and restarts (recorded only)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.restarted: list[Any] = []

    async def connectors(self) -> list[str]:
        return self.names

    async def restart_connector(self, name: str) -> None:
        self.restarted.append(name)

    async def restart_task(self, task: TaskId) -> None:
        self.restarted.append(task)


def _settings(task: TaskId, config: dict[str, str], worker: Worker) -> TaskSettings:
    return TaskSettings(
        task_id=task,
        task_config=config,
        worker_id=worker.worker_id,
        key_converter=worker.builder._converter({}, "key.converter", True),
        value_converter=worker.builder._converter({}, "value.converter", False),
        header_converter=worker.builder._header_converter({}),
        stages=(),
        policy=ErrorPolicy(log_enable=True),
        offset_flush_interval_ms=50,
    )


@pytest.fixture
async def worker() -> AsyncIterator[tuple[Worker, MemoryStatusListener]]:
    statuses = MemoryStatusListener()
    config = StandaloneConfig(
        {"key.converter": STRING, "value.converter": STRING, "offset.storage.file.filename": "/dev/null"}
    )
    registry = PluginRegistry([("distconnect.connectors", "tests.Counting", CountingConnector)])
    worker = Worker("w1", config, registry, MemoryOffsetStore(), statuses)

    async def build(
        task: TaskId, connector_config: Any, task_config: Any, target: Any, generation: int
    ) -> Any:
        if task_config.get("unbuildable") == "true":
            raise ValueError("no such converter")
        return SourceTaskRunner(
            _settings(task, task_config, worker),
            CountingTask(),
            AutoAckProducer(),  # type: ignore[arg-type]
            worker.offsets,
            statuses,
            reporters=[LogReporter(False)],
        )

    worker.builder.build = build  # type: ignore[method-assign]
    yield worker, statuses
    for task in worker.task_ids():
        await worker.stop_task(task)
    for name in worker.connector_names():
        await worker.stop_connector(name)


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


async def test_task_counters_and_states_after_records_flow_and_a_task_fails(
    worker: tuple[Worker, MemoryStatusListener],
) -> None:
    w, statuses = worker
    registry = CollectorRegistry()
    register_worker(registry, w, statuses)
    ok, bad = TaskId("src", 0), TaskId("src", 1)
    assert await w.start_task(ok, {}, {}, TargetState.STARTED)
    assert await w.start_task(bad, {}, {"fail": "true"}, TargetState.STARTED)
    assert not await w.start_task(TaskId("src", 2), {}, {"unbuildable": "true"}, TargetState.STARTED)

    labels = {"connector": "src", "task": "0"}
    await eventually(
        lambda: _value(registry, "distconnect_source_task_records_written_total", **labels) == sum(BATCHES),
        deadline_s=5,
        what="every record acknowledged",
    )
    assert _value(registry, "distconnect_source_task_records_polled_total", **labels) == sum(BATCHES)
    assert _value(registry, "distconnect_task_batch_size_count", **labels) == len(BATCHES)
    assert _value(registry, "distconnect_task_batch_size_sum", **labels) == sum(BATCHES)
    assert _value(registry, "distconnect_task_batch_size_bucket", le="5.0", **labels) == 1
    assert _value(registry, "distconnect_task_batch_size_bucket", le="10.0", **labels) == 2
    assert _value(registry, "distconnect_task_batch_size_bucket", le="+Inf", **labels) == 3
    assert _value(registry, "distconnect_task_batch_size_max", **labels) == 60
    assert _value(registry, "distconnect_source_task_poll_batch_seconds_count", **labels) == 3
    await eventually(
        lambda: (
            (_value(registry, "distconnect_task_offset_commits_total", result="success", **labels) or 0) >= 1
        ),
        deadline_s=5,
        what="an offset commit",
    )
    assert _value(registry, "distconnect_task_offset_commits_total", result="failure", **labels) == 0
    assert (_value(registry, "distconnect_task_offset_commit_seconds_count", **labels) or 0) >= 1
    assert _value(registry, "distconnect_task_status", state="RUNNING", **labels) == 1
    assert _value(registry, "distconnect_task_status", state="FAILED", **labels) == 0

    failed = {"connector": "src", "task": "1"}
    await eventually(lambda: w.task_runner(bad).state is State.FAILED, deadline_s=5, what="task 1 FAILED")  # type: ignore[union-attr]
    assert _value(registry, "distconnect_task_status", state="FAILED", **failed) == 1
    assert _value(registry, "distconnect_task_status", state="RUNNING", **failed) == 0
    assert _value(registry, "distconnect_worker_tasks", state="RUNNING") == 1
    assert _value(registry, "distconnect_worker_tasks", state="FAILED") == 1
    assert _value(registry, "distconnect_connector_tasks", connector="src", state="FAILED") == 1
    assert _value(registry, "distconnect_worker_task_startup_attempts_total") == 3
    assert _value(registry, "distconnect_worker_task_startup_failures_total") == 1
    assert _value(registry, "distconnect_worker_task_startup_successes_total") == 2
    # No group in standalone mode: no rebalance families at all.
    assert b"distconnect_worker_rebalances_total" not in generate_latest(registry)

    # A removed task's metrics disappear; the failed one's stay until it is stopped.
    await w.stop_task(ok)
    assert _value(registry, "distconnect_source_task_records_polled_total", **labels) is None
    assert _value(registry, "distconnect_task_status", state="FAILED", **failed) == 1


async def test_error_counters_follow_the_tolerance_policy(
    worker: tuple[Worker, MemoryStatusListener],
) -> None:
    w, statuses = worker
    registry = CollectorRegistry()
    register_worker(registry, w, statuses)
    task = TaskId("src", 0)
    assert await w.start_task(task, {}, {}, TargetState.STARTED)
    runner = w.task_runner(task)
    assert isinstance(runner, SourceTaskRunner)
    runner.tolerance.policy = ErrorPolicy(tolerate_all=True, log_enable=True)
    for _ in range(2):  # what the data path does with a record that fails a converter
        runner.tolerance.failed(Stage.VALUE_CONVERTER, "Conv", ValueError("bad"))
    await runner.tolerance.flush_reports()
    labels = {"connector": "src", "task": "0"}
    assert _value(registry, "distconnect_task_record_errors_total", **labels) == 2
    assert _value(registry, "distconnect_task_records_skipped_total", **labels) == 2
    assert _value(registry, "distconnect_task_errors_logged_total", **labels) == 2
    assert _value(registry, "distconnect_task_dlq_records_produced_total", **labels) == 0
    assert (_value(registry, "distconnect_task_last_error_timestamp_seconds", **labels) or 0) > 1.7e9


async def test_connector_status_info_and_startup_counters(
    worker: tuple[Worker, MemoryStatusListener],
) -> None:
    w, statuses = worker
    registry = CollectorRegistry()
    register_worker(registry, w, statuses)
    config = {"connector.class": "tests.Counting"}
    assert await w.start_connector("good", config, _Context(), TargetState.STARTED)
    assert not await w.start_connector(
        "bad", {**config, "fail.start": "true"}, _Context(), TargetState.STARTED
    )
    assert _value(registry, "distconnect_connector_status", connector="good", state="RUNNING") == 1
    assert _value(registry, "distconnect_connector_status", connector="bad", state="FAILED") == 1
    assert _value(registry, "distconnect_connector_status", connector="bad", state="RUNNING") == 0
    assert (
        _value(
            registry,
            "distconnect_connector_info",
            connector="good",
            **{"class": "tests.Counting", "type": "source", "version": "2.5"},
        )
        == 1
    )
    assert _value(registry, "distconnect_worker_connectors", state="RUNNING") == 1
    assert _value(registry, "distconnect_worker_connectors", state="FAILED") == 1
    assert _value(registry, "distconnect_worker_connector_startup_attempts_total") == 2
    assert _value(registry, "distconnect_worker_connector_startup_failures_total") == 1

    await w.set_connector_target("good", TargetState.PAUSED)
    assert _value(registry, "distconnect_connector_status", connector="good", state="PAUSED") == 1
    await w.stop_connector("good")
    assert _value(registry, "distconnect_connector_status", connector="good", state="PAUSED") is None


def test_rebalance_metrics_of_a_group_member() -> None:
    statuses = MemoryStatusListener()
    config = StandaloneConfig(
        {"key.converter": STRING, "value.converter": STRING, "offset.storage.file.filename": "/dev/null"}
    )
    w = Worker("w1", config, PluginRegistry(), MemoryOffsetStore(), statuses)
    registry = CollectorRegistry()
    register_worker(registry, w, statuses)
    stats = w.metrics.rebalance
    stats.started()
    assert _value(registry, "distconnect_worker_rebalancing") == 1
    assert _value(registry, "distconnect_worker_rebalances_total") == 0
    assert _value(registry, "distconnect_worker_seconds_since_last_rebalance") == -1
    stats.completed_now(leader=True, generation=4)
    stats.started()
    stats.completed_now(leader=False, generation=5)
    assert _value(registry, "distconnect_worker_rebalancing") == 0
    assert _value(registry, "distconnect_worker_rebalances_total") == 2
    assert _value(registry, "distconnect_worker_rebalance_seconds_count") == 2
    assert (_value(registry, "distconnect_worker_rebalance_max_seconds") or -1) >= 0
    assert (_value(registry, "distconnect_worker_seconds_since_last_rebalance") or -1) >= 0
    assert _value(registry, "distconnect_worker_leader") == 0
    assert _value(registry, "distconnect_worker_generation") == 5


async def test_auto_restart_counters_and_the_next_attempt_time() -> None:
    statuses = MemoryStatusListener()
    config = StandaloneConfig(
        {"key.converter": STRING, "value.converter": STRING, "offset.storage.file.filename": "/dev/null"}
    )
    w = Worker("w1", config, PluginRegistry(), MemoryOffsetStore(), statuses)
    herder = _Herder(["c"])
    now = [100.0]
    restarter = AutoRestarter(
        herder,  # type: ignore[arg-type]
        w,
        statuses,
        enabled=True,
        backoff=Backoff(unit_ms=1000, max_ms=60_000),
        clock=lambda: now[0],
    )
    registry = CollectorRegistry()
    register_worker(registry, w, statuses, restarter)
    statuses.on_connector_status("c", Status(State.FAILED, "w1", "trace"))
    statuses.on_task_status(TaskId("c", 0), Status(State.FAILED, "other-worker", "trace"))
    await restarter.check()
    assert herder.restarted == ["c"], "only this worker's work is restarted"
    assert _value(registry, "distconnect_auto_restarts_total", connector="c", task="") == 1
    assert _value(registry, "distconnect_auto_restarts_total", connector="c", task="0") is None
    now[0] = 101.0
    await restarter.check()  # still FAILED: the second restart waits 2 s after the first
    assert herder.restarted == ["c"]
    due = _value(registry, "distconnect_auto_restart_next_attempt_timestamp_seconds", connector="c", task="")
    assert due is not None
    assert due > 1.7e9
    now[0] = 102.0
    await restarter.check()
    assert herder.restarted == ["c", "c"]
    assert _value(registry, "distconnect_auto_restarts_total", connector="c", task="") == 2
    assert (
        _value(registry, "distconnect_auto_restart_next_attempt_timestamp_seconds", connector="c", task="")
        is None
    )
