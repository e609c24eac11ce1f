"""Plugins that hang never hang the worker (issue 4 "Lifecycle", DESIGN-NOTES §7).

The worker runs with ``task.shutdown.graceful.timeout.ms=1000``; stopping a connector whose plugin
hangs must return within that plus a small margin, while the worker's other connectors keep
moving data. Every "forever" here is an event the test sets in its cleanup, so a failing test
still ends.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from distconnect.runtime.states import State, TargetState, TaskId
from tests.integration.runtime.conftest import StandaloneFactory
from tests.integration.runtime.test_lifecycle import (
    PLUGINS,
    RUNNING1,
    TopicWatch,
    connector_state,
    grows,
    new_probe,
    open_watch,
    produce,
    sink_config,
    source_config,
    wait_states,
    worker_tasks,
)
from tests.support import eventually

GRACEFUL_MS = 1000
#: Slack over the graceful timeout for scheduling and client shutdown on a loaded 2-core box.
MARGIN_S = 1.5
BOUND_S = GRACEFUL_MS / 1000 + MARGIN_S
WORKER = {"task_shutdown_graceful_timeout_ms": str(GRACEFUL_MS)}


@pytest.fixture
async def watch(kafka_bootstrap: str) -> AsyncIterator[TopicWatch]:
    async with open_watch(kafka_bootstrap) as topic_watch:
        yield topic_watch


async def _bounded(coro: Any, bound_s: float, what: str, release: Any = None) -> float:
    """Run ``coro``; fail if it has not returned after ``bound_s``. ``release()`` ends the hang."""
    began = time.monotonic()
    running = asyncio.ensure_future(coro)
    try:
        done, _ = await asyncio.wait({running}, timeout=bound_s)
        assert done, f"{what} did not return within {bound_s:.1f} s"
        return time.monotonic() - began
    finally:
        if release is not None:
            release()
        await running


async def test_stopping_a_connector_whose_poll_never_returns_is_bounded_and_others_keep_flowing(
    standalone: StandaloneFactory, topic_factory: Any, watch: TopicWatch
) -> None:
    steady_topic, stuck_topic = topic_factory("steady"), topic_factory("stuck")
    steady, stuck = new_probe(), new_probe(hang_poll=True)
    async with standalone(extra_plugins=PLUGINS, **WORKER) as herder:
        await herder.put_connector_config("steady", source_config(steady, steady_topic))
        await herder.put_connector_config("stuck", source_config(stuck, stuck_topic))
        await wait_states(herder, "stuck", State.RUNNING, RUNNING1)
        await eventually(lambda: stuck.poll_calls[0] == 1, deadline_s=10, what="the stuck poll")
        await grows(watch, steady_topic, 30, "the steady connector to produce")

        elapsed = await _bounded(
            herder.set_target_state("stuck", TargetState.STOPPED), BOUND_S, "stopping the stuck connector"
        )
        assert connector_state(herder, "stuck") is State.STOPPED
        assert worker_tasks(herder, "stuck") == []
        assert stuck.stops[0] == 1, "the task was asked to stop"
        assert elapsed < GRACEFUL_MS / 1000, "stop() + cancelling the pending poll needs no timeout"

        await grows(watch, steady_topic, 30, "the steady connector to keep producing")
        await wait_states(herder, "steady", State.RUNNING, RUNNING1)
        assert steady.starts[0] == 1
        assert steady.stops[0] == 0


async def test_stopping_a_connector_whose_task_stop_hangs_is_bounded_and_others_keep_flowing(
    standalone: StandaloneFactory, topic_factory: Any, watch: TopicWatch
) -> None:
    steady_topic, stuck_topic = topic_factory("steady"), topic_factory("stuck")
    steady, stuck = new_probe(), new_probe(hang_stop=asyncio.Event())
    assert stuck.hang_stop is not None
    async with standalone(extra_plugins=PLUGINS, **WORKER) as herder:
        await herder.put_connector_config("steady", source_config(steady, steady_topic))
        await herder.put_connector_config("stuck", source_config(stuck, stuck_topic))
        await wait_states(herder, "stuck", State.RUNNING, RUNNING1)
        await grows(watch, steady_topic, 30, "the steady connector to produce")

        stopping = herder.set_target_state("stuck", TargetState.STOPPED)
        await _bounded(stopping, BOUND_S, "stopping the connector whose stop() hangs", stuck.hang_stop.set)
        assert connector_state(herder, "stuck") is State.STOPPED
        assert worker_tasks(herder, "stuck") == []
        await grows(watch, steady_topic, 30, "the steady connector to keep producing")


async def _close_leaked_consumer(runner: Any) -> None:
    """Close any consumer an abandoned runner left open, so the session broker stays clean."""
    if runner is not None and not runner.consumer._closed:
        await runner.consumer.stop()


async def _two_partition_topic(bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        await admin.close()


async def test_stopping_a_sink_whose_put_hangs_is_bounded(
    standalone: StandaloneFactory, topic: str, kafka_bootstrap: str
) -> None:
    probe = new_probe(hang_first_put=asyncio.Event())
    assert probe.hang_first_put is not None
    await produce(kafka_bootstrap, topic, [f"v{i}" for i in range(10)])
    async with standalone(extra_plugins=PLUGINS, **WORKER) as herder:
        await herder.put_connector_config("hung-sink", sink_config(probe, topic))
        await eventually(probe.put_entered.is_set, deadline_s=20, what="put() to hang")
        abandoned = herder.worker.task_runner(TaskId("hung-sink", 0))
        assert abandoned is not None
        elapsed = await _bounded(
            herder.set_target_state("hung-sink", TargetState.STOPPED),
            2 * GRACEFUL_MS / 1000 + MARGIN_S,
            "stopping the sink whose put() hangs",
            probe.hang_first_put.set,
        )
        assert elapsed >= GRACEFUL_MS / 1000 * 0.9, "the hung task was given its graceful timeout"
        assert worker_tasks(herder, "hung-sink") == []
        assert connector_state(herder, "hung-sink") is State.STOPPED
        assert probe.received == [], "the hung put() never completed"
        await _close_leaked_consumer(abandoned)


async def test_sink_restarted_after_its_hung_put_was_abandoned_gets_every_record(
    standalone: StandaloneFactory, topic: str, kafka_bootstrap: str
) -> None:
    probe = new_probe(hang_first_put=asyncio.Event())
    assert probe.hang_first_put is not None
    await _two_partition_topic(kafka_bootstrap, topic)
    values = [f"v{i}" for i in range(20)]
    await produce(kafka_bootstrap, topic, values, partitions=2)
    abandoned = None
    try:
        async with standalone(extra_plugins=PLUGINS, **WORKER) as herder:
            await herder.put_connector_config("zombie", sink_config(probe, topic))
            await eventually(probe.put_entered.is_set, deadline_s=20, what="put() to hang")
            abandoned = herder.worker.task_runner(TaskId("zombie", 0))
            await herder.set_target_state("zombie", TargetState.STOPPED)
            await herder.set_target_state("zombie", TargetState.STARTED)
            await eventually(
                lambda: set(probe.received) >= set(values),
                deadline_s=8,
                what="the restarted sink task to receive both partitions",
            )
    finally:
        probe.hang_first_put.set()
        await _close_leaked_consumer(abandoned)


async def test_a_connector_whose_start_blocks_does_not_block_other_connectors(
    standalone: StandaloneFactory, topic_factory: Any, watch: TopicWatch
) -> None:
    blocked = new_probe(block_start=threading.Event())
    assert blocked.block_start is not None
    other = new_probe()
    other_topic = topic_factory("other")
    async with standalone(extra_plugins=PLUGINS, **WORKER) as herder:
        creating = asyncio.ensure_future(
            herder.put_connector_config("blocked", source_config(blocked, topic_factory("blocked")))
        )
        try:
            await eventually(blocked.start_entered.is_set, deadline_s=10, what="start() to block")
            # Apache runs Connector.start on the worker's executor and the herder stays responsive:
            # another connector can be created and runs while this one's start() blocks.
            await _bounded(
                herder.put_connector_config("other", source_config(other, other_topic)),
                5.0,
                "creating another connector while one start() blocks",
            )
            await wait_states(herder, "other", State.RUNNING, RUNNING1, deadline_s=10)
            await grows(watch, other_topic, 30, "the other connector to produce")
            assert connector_state(herder, "blocked") is not State.RUNNING
        finally:
            blocked.block_start.set()
            await creating
        await wait_states(herder, "blocked", State.RUNNING, RUNNING1)
