"""Metrics and auto-restart on distributed herders (in one process, on the session broker): rebalance
metrics per worker, exactly one leader, and a failing task restarted by the worker that owns it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prometheus_client import CollectorRegistry

from distconnect.metrics import register_worker
from distconnect.runtime.auto_restart import AutoRestarter
from distconnect.runtime.restart_schedule import Backoff
from distconnect.runtime.states import State
from tests.integration.distributed.herder_support import Cluster
from tests.integration.runtime.rest_worker import FLAKY, new_flaky
from tests.support import eventually

pytestmark = pytest.mark.kafka

FLAKY_CLASS = "tests.integration.runtime.rest_worker.FlakySourceConnector"


@pytest.fixture
async def cluster(kafka_bootstrap: str) -> AsyncIterator[Cluster]:
    c = Cluster(kafka_bootstrap)
    try:
        yield c
    finally:
        await c.stop_all()


async def test_rebalance_metrics_leader_and_auto_restart_on_the_owner(cluster: Cluster, topic: str) -> None:
    registries: list[CollectorRegistry] = []
    restarters: list[AutoRestarter] = []
    try:
        for _ in range(2):
            herder = await cluster.add()
            registry = CollectorRegistry()
            restarter = AutoRestarter(
                herder, herder.worker, herder.statuses, enabled=True, backoff=Backoff(unit_ms=100)
            )
            register_worker(registry, herder.worker, herder.statuses, restarter)
            await restarter.start()
            registries.append(registry)
            restarters.append(restarter)

        def value(i: int, name: str, **labels: str) -> float:
            found = registries[i].get_sample_value(name, labels)
            assert found is not None, name
            return found

        def settled() -> bool:
            return (
                all(
                    value(i, "distconnect_worker_rebalancing") == 0
                    and value(i, "distconnect_worker_generation") == cluster.herders[i].generation
                    for i in range(2)
                )
                and len({h.generation for h in cluster.herders}) == 1
            )

        await eventually(settled, deadline_s=30, what="both workers done rebalancing in one generation")
        assert sorted(value(i, "distconnect_worker_leader") for i in range(2)) == [0, 1]
        leader = next(i for i in range(2) if cluster.herders[i].is_leader)
        assert value(leader, "distconnect_worker_leader") == 1
        for i in range(2):
            assert value(i, "distconnect_worker_rebalances_total") >= 1
            assert value(i, "distconnect_worker_rebalance_seconds_count") == value(
                i, "distconnect_worker_rebalances_total"
            )
            assert value(i, "distconnect_worker_seconds_since_last_rebalance") >= 0

        key = new_flaky()
        config = {"connector.class": FLAKY_CLASS, "flaky.id": key, "topic": topic, "fail.task.runs": "2"}
        await cluster.put("flaky", config)
        await cluster.wait_running("flaky", 1)
        assert len(FLAKY[key].task_starts) == 3, "two failed runs, each restarted automatically"
        owner = next(
            i for i in range(2) if any(t.connector == "flaky" for t in cluster.herders[i].owned.tasks)
        )
        assert value(owner, "distconnect_auto_restarts_total", connector="flaky", task="0") == 2
        assert (
            registries[1 - owner].get_sample_value(
                "distconnect_auto_restarts_total", {"connector": "flaky", "task": "0"}
            )
            is None
        ), "only the owner restarts a task"
        status = await cluster.herders[1 - owner].connector_status("flaky")
        assert [s.state for s in status.tasks.values()] == [State.RUNNING]
    finally:
        for restarter in restarters:
            await restarter.stop()
