"""Distributed herders in one process on the real broker: assignment, reconfiguration, failover."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from distconnect.runtime.states import State, TargetState
from tests.integration.distributed.herder_support import Cluster
from tests.support import eventually

pytestmark = pytest.mark.kafka


@pytest.fixture
async def cluster(kafka_bootstrap: str) -> AsyncIterator[Cluster]:
    c = Cluster(kafka_bootstrap)
    try:
        yield c
    finally:
        await c.stop_all()


def source(topic: str, tasks: int) -> dict[str, str]:
    return {
        "connector.class": "VerifiableSourceConnector",
        "tasks.max": str(tasks),
        "topic": topic,
        "throughput": "50",
    }


async def test_two_workers_share_a_connector_s_tasks(cluster: Cluster, topic: str) -> None:
    first = await cluster.add()
    second = await cluster.add()
    await cluster.put("vsrc", source(topic, 4))
    await cluster.wait_running("vsrc", 4)
    await eventually(
        lambda: sorted(cluster.assignments().values()) == [(0, 2), (1, 2)],
        deadline_s=30,
        what="2 tasks per worker",
    )
    # Every worker sees the same statuses; the tasks report the worker that runs them.
    status = await second.connector_status("vsrc")
    owners = {s.worker_id for s in status.tasks.values()}
    assert owners == {first.worker_id, second.worker_id}


async def test_reconfigure_pause_and_delete(cluster: Cluster, topic: str) -> None:
    await cluster.add()
    other = await cluster.add()
    await cluster.put("vsrc", source(topic, 2))
    await cluster.wait_running("vsrc", 2)
    await cluster.put("vsrc", source(topic, 3))
    await cluster.wait_running("vsrc", 3)

    await other.set_target_state("vsrc", TargetState.PAUSED)  # any worker may pause

    async def paused() -> bool:
        info = await other.connector_status("vsrc")
        return info.connector.state is State.PAUSED and all(s.state is State.PAUSED for s in info.tasks.values())

    await eventually(paused, deadline_s=30, what="connector and tasks PAUSED")

    await cluster.leader().delete_connector("vsrc")

    async def gone() -> bool:
        return not any(h.owned for h in cluster.herders) and other.statuses.connector_status("vsrc") is None

    await eventually(gone, deadline_s=30, what="work stopped and statuses tombstoned")
    assert await other.connectors() == []
