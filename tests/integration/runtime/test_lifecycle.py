"""Connector and task lifecycle on a real broker: pause/resume, stop/resume, failures and restarts,
reconfiguration. The plugins here are scripted through a per-test :class:`Probe` (looked up by the
``probe`` config key), which also counts every lifecycle call so a test can prove what was (not)
restarted. ``test_lifecycle_hangs.py`` reuses them for plugins that hang.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition as KafkaTP

from distconnect.api import (
    ConfigDef,
    SinkConnector,
    SinkRecord,
    SinkTask,
    SourceConnector,
    SourceRecord,
    SourceTask,
)
from distconnect.runtime.standalone import StandaloneHerder
from distconnect.runtime.states import State, TargetState, TaskId
from tests.integration.runtime.conftest import StandaloneFactory
from tests.support import eventually

STRING = "org.apache.kafka.connect.storage.StringConverter"
#: Records per poll of the scripted source, and the pause between polls (rate limit, not sync).
BATCH = 10
POLL_PAUSE_S = 0.02
#: How long "nothing happens" is watched for (measured by polling, see :func:`assert_steady`).
QUIET_WINDOW_S = 1.5


# -- scripted plugins -----------------------------------------------------------------------------
@dataclass
class Probe:
    """What one test's plugins do and what happened to them (per task index)."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # scripting
    fail_task_first_run: dict[int, str] = field(default_factory=dict)  # index -> "start" | "poll"
    fail_connector_first_start: bool = False
    hang_poll: bool = False
    hang_stop: asyncio.Event | None = None  # task stop() awaits it
    hang_first_put: asyncio.Event | None = None  # the first sink task instance's put() awaits it
    block_start: threading.Event | None = None  # connector start() blocks (in its thread) until set
    # observations
    connector: Any = None
    connector_starts: int = 0
    connector_stops: int = 0
    task_configs_calls: int = 0
    start_entered: threading.Event = field(default_factory=threading.Event)
    put_entered: asyncio.Event = field(default_factory=asyncio.Event)
    starts: collections.Counter[int] = field(default_factory=collections.Counter)
    stops: collections.Counter[int] = field(default_factory=collections.Counter)
    poll_calls: collections.Counter[int] = field(default_factory=collections.Counter)
    polled: collections.Counter[int] = field(default_factory=collections.Counter)
    started_configs: list[dict[str, str]] = field(default_factory=list)
    put_calls: int = 0
    received: list[str] = field(default_factory=list)


PROBES: dict[str, Probe] = {}


def new_probe(**script: Any) -> Probe:
    probe = Probe(**script)
    PROBES[probe.id] = probe
    return probe


class _ScriptedConnector:
    """The connector half both scripted connectors share (mixed into Source/SinkConnector)."""

    props: dict[str, str]
    probe: Probe
    generation: int

    def start(self, props: Mapping[str, str]) -> None:
        self.props = dict(props)
        self.probe = probe = PROBES[props["probe"]]
        probe.connector = self
        probe.connector_starts += 1
        self.generation = 0
        if probe.block_start is not None and not probe.block_start.is_set():
            probe.start_entered.set()
            probe.block_start.wait()  # a plain blocking call, as a JDBC-style driver would make
        if probe.fail_connector_first_start and probe.connector_starts == 1:
            raise RuntimeError("connector cannot list the source tables: permission denied")

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        self.probe.task_configs_calls += 1
        return [
            {**self.props, "task.index": str(i), "generation": str(self.generation)} for i in range(max_tasks)
        ]

    def stop(self) -> None:
        self.probe.connector_stops += 1

    def config(self) -> ConfigDef:
        return ConfigDef()

    def version(self) -> str:
        return "1"


class ScriptedSourceTask(SourceTask):
    """Emits ``<generation>:<task>:<seq>`` strings, BATCH per poll, unless scripted otherwise."""

    async def start(self, props: Mapping[str, str]) -> None:
        self.probe = probe = PROBES[props["probe"]]
        self.index = int(props["task.index"])
        self.generation = props["generation"]
        self.topic = props["topic"]
        self.seq = 0
        probe.starts[self.index] += 1
        probe.started_configs.append(dict(props))
        self.first_run = probe.starts[self.index] == 1
        if self.first_run and probe.fail_task_first_run.get(self.index) == "start":
            raise RuntimeError(f"task {self.index} fails in start() on its first run")

    async def poll(self) -> list[SourceRecord]:
        probe = self.probe
        probe.poll_calls[self.index] += 1
        if self.first_run and probe.fail_task_first_run.get(self.index) == "poll":
            raise RuntimeError(f"task {self.index} fails in poll() on its first run")
        if probe.hang_poll:
            await asyncio.Event().wait()  # never set: the poll never returns by itself
        await asyncio.sleep(POLL_PAUSE_S)
        records = [
            SourceRecord(
                topic=self.topic,
                value=f"{self.generation}:{self.index}:{self.seq + i}",
                source_partition={"task": self.index},
                source_offset={"seq": self.seq + i},
            )
            for i in range(BATCH)
        ]
        self.seq += BATCH
        probe.polled[self.index] += BATCH
        return records

    async def stop(self) -> None:
        if not hasattr(self, "probe"):
            return  # stopped before start() ran (see test_runner_lifecycle.py for that bug)
        self.probe.stops[self.index] += 1
        if self.probe.hang_stop is not None:
            await self.probe.hang_stop.wait()

    def version(self) -> str:
        return "1"


class ScriptedSourceConnector(_ScriptedConnector, SourceConnector):
    def task_class(self) -> type[SourceTask]:
        return ScriptedSourceTask


class ScriptedSinkTask(SinkTask):
    """Appends every value it is given to ``probe.received``."""

    async def start(self, props: Mapping[str, str]) -> None:
        self.probe = probe = PROBES[props["probe"]]
        self.index = int(props["task.index"])
        probe.starts[self.index] += 1
        self.first_run = probe.starts[self.index] == 1

    async def put(self, records: list[SinkRecord]) -> None:
        probe = self.probe
        if not records:
            return
        probe.put_calls += 1
        if self.first_run and probe.hang_first_put is not None:
            probe.put_entered.set()
            await probe.hang_first_put.wait()
        probe.received.extend(r.value for r in records)

    async def stop(self) -> None:
        self.probe.stops[self.index] += 1

    def version(self) -> str:
        return "1"


class ScriptedSinkConnector(_ScriptedConnector, SinkConnector):
    def task_class(self) -> type[SinkTask]:
        return ScriptedSinkTask


PLUGINS = (
    ("distconnect.connectors", "tests.ScriptedSourceConnector", ScriptedSourceConnector),
    ("distconnect.connectors", "tests.ScriptedSinkConnector", ScriptedSinkConnector),
)


def source_config(probe: Probe, topic: str, tasks: int = 1) -> dict[str, str]:
    return {
        "connector.class": "tests.ScriptedSourceConnector",
        "tasks.max": str(tasks),
        "topic": topic,
        "probe": probe.id,
        "key.converter": STRING,
        "value.converter": STRING,
    }


def sink_config(probe: Probe, topic: str, tasks: int = 1) -> dict[str, str]:
    return {
        "connector.class": "tests.ScriptedSinkConnector",
        "tasks.max": str(tasks),
        "topics": topic,
        "probe": probe.id,
        "key.converter": STRING,
        "value.converter": STRING,
    }


# -- broker-side observation ----------------------------------------------------------------------
class TopicWatch:
    """End offsets and contents of topics, read with one long-lived consumer."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)

    async def _partitions(self, topic: str) -> list[KafkaTP]:
        partitions = self.consumer.partitions_for_topic(topic)
        if not partitions:
            await self.consumer._client.force_metadata_update()
            partitions = self.consumer.partitions_for_topic(topic) or set()
        return [KafkaTP(topic, p) for p in sorted(partitions)]

    async def end(self, topic: str) -> int:
        """Sum of the topic's end offsets (0 while it does not exist)."""
        tps = await self._partitions(topic)
        if not tps:
            return 0
        return sum((await self.consumer.end_offsets(tps)).values())

    async def values(self, topic: str) -> list[str]:
        """Every value in ``topic`` up to its current end, partition by partition."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer._client.force_metadata_update()
            tps = [KafkaTP(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
            if not tps:
                return []
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            end = await consumer.end_offsets(tps)
            values: list[str] = []
            deadline = time.monotonic() + 30
            while [tp for tp in tps if await consumer.position(tp) < end[tp]]:
                assert time.monotonic() < deadline, f"could not read {topic} to its end"
                batches = await consumer.getmany(*tps, timeout_ms=300)
                for tp in tps:
                    values.extend(r.value.decode() for r in batches.get(tp, []))
            return values
        finally:
            await consumer.stop()


@asynccontextmanager
async def open_watch(bootstrap: str) -> AsyncIterator[TopicWatch]:
    topic_watch = TopicWatch(bootstrap)
    await topic_watch.consumer.start()
    try:
        yield topic_watch
    finally:
        await topic_watch.consumer.stop()


@pytest.fixture
async def watch(kafka_bootstrap: str) -> AsyncIterator[TopicWatch]:
    async with open_watch(kafka_bootstrap) as topic_watch:
        yield topic_watch


async def produce(bootstrap: str, topic: str, values: list[str], partitions: int = 1) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value=v.encode(), partition=i % partitions)
            for i, v in enumerate(values)
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def assert_steady(read: Callable[[], Awaitable[Any]], window_s: float = QUIET_WINDOW_S) -> Any:
    """Poll ``read`` over ``window_s`` and fail if its value changes; return the value."""
    first = await read()
    deadline = time.monotonic() + window_s
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        now = await read()
        assert now == first, f"changed from {first!r} to {now!r} while it should stand still"
    return first


# -- status helpers -------------------------------------------------------------------------------
# Synchronous reads of the in-memory statuses, for polling conditions and quick asserts.
def connector_state(herder: StandaloneHerder, name: str) -> State | None:
    status = herder.status.connectors.get(name)
    return None if status is None else status.state


def task_states(herder: StandaloneHerder, name: str) -> dict[int, State]:
    return {task.task: s.state for task, s in herder.status.tasks.items() if task.connector == name}


def worker_tasks(herder: StandaloneHerder, name: str) -> list[int]:
    return [t.task for t in herder.worker.task_ids() if t.connector == name]


async def wait_states(
    herder: StandaloneHerder,
    name: str,
    connector: State,
    tasks: dict[int, State],
    deadline_s: float = 20,
) -> None:
    def reached() -> bool:
        return connector_state(herder, name) is connector and task_states(herder, name) == tasks

    def seen() -> str:
        return f"connector {connector_state(herder, name)}, tasks {task_states(herder, name)}"

    try:
        await eventually(reached, deadline_s=deadline_s, what=f"{name}: {connector} with tasks {tasks}")
    except AssertionError as err:
        raise AssertionError(f"{err}; saw {seen()}") from None


async def grows(watch: TopicWatch, topic: str, by: int, what: str, deadline_s: float = 20) -> int:
    """Wait until ``topic``'s end offset grew by ``by`` from now; return the new end."""
    start = await watch.end(topic)

    async def grown() -> int:
        end = await watch.end(topic)
        return end if end >= start + by else 0

    return await eventually(grown, deadline_s=deadline_s, what=what)


RUNNING1 = {0: State.RUNNING}


# -- pause / resume -------------------------------------------------------------------------------
async def test_paused_source_produces_nothing_and_resumes_without_gaps(
    standalone: StandaloneFactory, topic: str, watch: TopicWatch
) -> None:
    probe = new_probe()
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("src", source_config(probe, topic))
        await wait_states(herder, "src", State.RUNNING, RUNNING1)
        await grows(watch, topic, 50, "the source to produce")

        await herder.set_target_state("src", TargetState.PAUSED)
        await wait_states(herder, "src", State.PAUSED, {0: State.PAUSED})

        # Every polled record is acknowledged, then for a whole window nothing is polled or written.
        async def all_polled_written() -> bool:
            return await watch.end(topic) == probe.polled[0]

        await eventually(all_polled_written, deadline_s=10, what="in-flight records to land")

        async def progress() -> tuple[int, int, int]:
            return await watch.end(topic), probe.polled[0], probe.poll_calls[0]

        paused_at, _, _ = await assert_steady(progress)

        await herder.set_target_state("src", TargetState.STARTED)
        await wait_states(herder, "src", State.RUNNING, RUNNING1)
        await grows(watch, topic, 50, "the source to produce again after resume")
        await herder.delete_connector("src")
    values = await watch.values(topic)
    assert len(values) > paused_at + 50
    assert values == [f"0:0:{i}" for i in range(len(values))], "a gap or duplicate around the pause"
    assert len(values) == probe.polled[0], "every polled record was written exactly once"
    assert probe.starts[0] == 1, "pause/resume must not restart the task"
    assert probe.stops[0] == 1


async def test_paused_sink_gets_no_put_and_receives_everything_after_resume(
    standalone: StandaloneFactory, topic: str, kafka_bootstrap: str
) -> None:
    probe = new_probe()
    before = [f"a{i}" for i in range(20)]
    during = [f"b{i}" for i in range(30)]
    await produce(kafka_bootstrap, topic, before)
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("snk", sink_config(probe, topic))
        await eventually(lambda: len(probe.received) >= 20, deadline_s=20, what="the first records")

        await herder.set_target_state("snk", TargetState.PAUSED)
        await wait_states(herder, "snk", State.PAUSED, {0: State.PAUSED})
        await produce(kafka_bootstrap, topic, during)

        async def puts() -> tuple[int, int]:
            return probe.put_calls, len(probe.received)

        await assert_steady(puts)
        assert probe.received == before

        await herder.set_target_state("snk", TargetState.STARTED)
        await wait_states(herder, "snk", State.RUNNING, RUNNING1)
        await eventually(
            lambda: len(probe.received) >= 50, deadline_s=20, what="the records sent while paused"
        )
    assert probe.received == before + during, "records produced while paused were lost or duplicated"
    assert probe.starts[0] == 1


# -- stop / resume --------------------------------------------------------------------------------
async def test_stopped_connector_has_no_tasks_and_resume_brings_them_back(
    standalone: StandaloneFactory, topic: str, watch: TopicWatch
) -> None:
    probe = new_probe()
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("stp", source_config(probe, topic, tasks=2))
        await wait_states(herder, "stp", State.RUNNING, {0: State.RUNNING, 1: State.RUNNING})
        await grows(watch, topic, 40, "both tasks to produce")

        await herder.set_target_state("stp", TargetState.STOPPED)
        assert connector_state(herder, "stp") is State.STOPPED
        assert worker_tasks(herder, "stp") == []
        assert herder.task_configs("stp") == []
        assert "stp" in herder.worker.connector_names()
        assert probe.stops == {0: 1, 1: 1}
        assert probe.connector_stops == 1
        assert State.RUNNING not in task_states(herder, "stp").values()
        # Stopped tasks drained what they polled, and nothing more is written.
        assert await watch.end(topic) == sum(probe.polled.values())

        async def progress() -> tuple[int, int]:
            return await watch.end(topic), sum(probe.poll_calls.values())

        await assert_steady(progress, 0.5)

        await herder.set_target_state("stp", TargetState.STARTED)
        await wait_states(herder, "stp", State.RUNNING, {0: State.RUNNING, 1: State.RUNNING})
        assert sorted(worker_tasks(herder, "stp")) == [0, 1]
        assert probe.starts == {0: 2, 1: 2}
        assert probe.connector_starts == 2
        await grows(watch, topic, 40, "the resumed tasks to produce")


async def test_removed_tasks_disappear_from_the_status(standalone: StandaloneFactory, topic: str) -> None:
    probe = new_probe()
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("gone", source_config(probe, topic, tasks=3))
        await wait_states(herder, "gone", State.RUNNING, dict.fromkeys(range(3), State.RUNNING))
        await herder.put_connector_config("gone", source_config(probe, topic, tasks=2))

        def first_two_running() -> bool:
            states = task_states(herder, "gone")
            return states.get(0) is State.RUNNING and states.get(1) is State.RUNNING

        await eventually(first_two_running, deadline_s=10, what="tasks 0 and 1 RUNNING")
        assert set(task_states(herder, "gone")) == {0, 1}, "task 2 no longer exists"
        # With a stale task 2 in the status, restarting "all tasks" even fails with NotFoundError.
        await herder.restart_connector("gone", include_tasks=True)
        await herder.set_target_state("gone", TargetState.STOPPED)
        assert task_states(herder, "gone") == {}, "a STOPPED connector has no tasks (KIP-875)"


# -- failures and restarts ------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["start", "poll"])
async def test_failed_task_has_its_trace_and_restart_task_brings_it_back(
    standalone: StandaloneFactory, topic: str, watch: TopicWatch, where: str
) -> None:
    probe = new_probe(fail_task_first_run={0: where})
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("flaky", source_config(probe, topic))
        await wait_states(herder, "flaky", State.RUNNING, {0: State.FAILED})
        trace = (await herder.task_status(TaskId("flaky", 0))).trace
        assert trace is not None
        assert f"RuntimeError: task 0 fails in {where}() on its first run" in trace
        assert await watch.end(topic) == 0

        await herder.restart_task(TaskId("flaky", 0))
        await wait_states(herder, "flaky", State.RUNNING, RUNNING1)
        assert (await herder.connector_status("flaky")).tasks[0].trace is None
        assert probe.starts[0] == 2
        await grows(watch, topic, 30, "the restarted task to produce")


async def test_restart_connector_only_failed_restarts_just_the_failed_task(
    standalone: StandaloneFactory, topic: str, watch: TopicWatch
) -> None:
    probe = new_probe(fail_task_first_run={1: "poll"})
    both_running = {0: State.RUNNING, 1: State.RUNNING}
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("mixed", source_config(probe, topic, tasks=2))
        await wait_states(herder, "mixed", State.RUNNING, {0: State.RUNNING, 1: State.FAILED})
        healthy = herder.worker.task_runner(TaskId("mixed", 0))
        await grows(watch, topic, 30, "the healthy task to keep producing")

        await herder.restart_connector("mixed", include_tasks=True, only_failed=True)
        await wait_states(herder, "mixed", State.RUNNING, both_running)
        assert probe.starts == {0: 1, 1: 2}, "only the failed task is started again"
        assert probe.stops[0] == 0, "the running sibling was not stopped"
        assert herder.worker.task_runner(TaskId("mixed", 0)) is healthy
        assert probe.connector_starts == 1, "a RUNNING connector is not restarted with only_failed"

        async def task1_produced() -> bool:
            return any(v.startswith("0:1:") for v in await watch.values(topic))

        await eventually(task1_produced, deadline_s=20, what="records of the restarted task 1")

        # Without only_failed, the connector and every task restart.
        await herder.restart_connector("mixed", include_tasks=True)
        await wait_states(herder, "mixed", State.RUNNING, both_running)
        assert probe.starts == {0: 2, 1: 3}
        assert probe.connector_starts == 2


async def test_connector_failing_to_start_is_failed_with_its_trace_and_has_no_tasks(
    standalone: StandaloneFactory, topic: str, watch: TopicWatch
) -> None:
    probe = new_probe(fail_connector_first_start=True)
    other = new_probe()
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("cfail", source_config(probe, topic))
        info = await herder.connector_status("cfail")
        status, tasks = info.connector, info.tasks
        assert status.state is State.FAILED
        assert status.trace is not None
        assert "RuntimeError: connector cannot list the source tables: permission denied" in status.trace
        assert tasks == {}
        assert worker_tasks(herder, "cfail") == []
        # The worker carries on: another connector runs beside the failed one.
        await herder.put_connector_config("cok", source_config(other, topic))
        await wait_states(herder, "cok", State.RUNNING, RUNNING1)
        assert connector_state(herder, "cfail") is State.FAILED


async def test_restarting_a_connector_that_failed_to_start_brings_up_its_tasks(
    standalone: StandaloneFactory, topic: str
) -> None:
    probe = new_probe(fail_connector_first_start=True)
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("cfail", source_config(probe, topic))
        assert connector_state(herder, "cfail") is State.FAILED
        await herder.restart_connector("cfail")
        assert connector_state(herder, "cfail") is State.RUNNING
        assert len(herder.task_configs("cfail")) == 1, "the restarted connector was asked for tasks"
        assert worker_tasks(herder, "cfail") == [0]
        await wait_states(herder, "cfail", State.RUNNING, RUNNING1, deadline_s=5)


# -- reconfiguration ------------------------------------------------------------------------------
async def test_request_task_reconfiguration_restarts_tasks_with_the_new_configs(
    standalone: StandaloneFactory, topic: str, watch: TopicWatch
) -> None:
    probe = new_probe()
    both_running = {0: State.RUNNING, 1: State.RUNNING}
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("rcfg", source_config(probe, topic, tasks=2))
        await wait_states(herder, "rcfg", State.RUNNING, both_running)
        assert [c["generation"] for c in herder.task_configs("rcfg")] == ["0", "0"]

        # Unchanged task configs: the request is served, yet no task restarts.
        calls = probe.task_configs_calls
        await asyncio.to_thread(probe.connector.context.request_task_reconfiguration)
        await eventually(lambda: probe.task_configs_calls > calls, deadline_s=10, what="task_configs()")
        await herder.set_target_state("rcfg", TargetState.STARTED)  # queues behind the reconfiguration
        assert probe.starts == {0: 1, 1: 1}

        def bump() -> None:  # as a connector's monitoring thread would
            probe.connector.generation = 1
            probe.connector.context.request_task_reconfiguration()

        await asyncio.to_thread(bump)
        await eventually(
            lambda: [c["generation"] for c in herder.task_configs("rcfg")] == ["1", "1"],
            deadline_s=10,
            what="the new task configs",
        )
        await wait_states(herder, "rcfg", State.RUNNING, both_running)
        assert probe.stops == {0: 1, 1: 1}
        assert probe.starts == {0: 2, 1: 2}
        assert sorted((c["task.index"], c["generation"]) for c in probe.started_configs[-2:]) == [
            ("0", "1"),
            ("1", "1"),
        ]
        assert probe.connector_starts == 1, "reconfiguring tasks does not restart the connector"

        async def new_generation_written() -> bool:
            values = await watch.values(topic)
            return {v.rsplit(":", 1)[0] for v in values} >= {"1:0", "1:1"}

        await eventually(new_generation_written, deadline_s=20, what="records from both new tasks")


async def test_changing_tasks_max_changes_the_number_of_tasks(
    standalone: StandaloneFactory, topic: str, watch: TopicWatch
) -> None:
    probe = new_probe()
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("scale", source_config(probe, topic, tasks=1))
        await wait_states(herder, "scale", State.RUNNING, RUNNING1)

        await herder.put_connector_config("scale", source_config(probe, topic, tasks=3))
        assert sorted(worker_tasks(herder, "scale")) == [0, 1, 2]
        assert len(herder.task_configs("scale")) == 3
        await wait_states(herder, "scale", State.RUNNING, dict.fromkeys(range(3), State.RUNNING))

        async def all_three_wrote() -> bool:
            return {v.split(":")[1] for v in await watch.values(topic)} >= {"0", "1", "2"}

        await eventually(all_three_wrote, deadline_s=20, what="records from all three tasks")

        await herder.put_connector_config("scale", source_config(probe, topic, tasks=2))
        assert sorted(worker_tasks(herder, "scale")) == [0, 1]
        assert len(herder.task_configs("scale")) == 2
        assert probe.stops[2] == 1

        def first_two_running() -> bool:
            states = task_states(herder, "scale")
            return states.get(0) is State.RUNNING and states.get(1) is State.RUNNING

        await eventually(first_two_running, deadline_s=10, what="tasks 0 and 1 RUNNING")
        assert probe.starts == {0: 3, 1: 2, 2: 1}, "every change of tasks.max restarts the tasks"
