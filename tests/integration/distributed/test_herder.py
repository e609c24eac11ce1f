"""Distributed herders in one process on the real broker: assignment, reconfiguration, failover."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from distconnect.connectors.common import VERSION
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
    # KIP-891: statuses carry the plugin's version.
    assert status.connector.version == VERSION
    assert {s.version for s in status.tasks.values()} == {VERSION}


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
        return info.connector.state is State.PAUSED and all(
            s.state is State.PAUSED for s in info.tasks.values()
        )

    await eventually(paused, deadline_s=30, what="connector and tasks PAUSED")

    await cluster.leader().delete_connector("vsrc")

    async def gone() -> bool:
        return not any(h.owned for h in cluster.herders) and other.statuses.connector_status("vsrc") is None

    await eventually(gone, deadline_s=30, what="work stopped and statuses tombstoned")
    assert await other.connectors() == []


async def test_the_eager_protocol_balances_too(kafka_bootstrap: str, topic: str) -> None:
    cluster = Cluster(kafka_bootstrap, connect_protocol="eager")
    try:
        herders = [await cluster.add(), await cluster.add()]
        await cluster.put("vsrc", source(topic, 3))
        await cluster.wait_running("vsrc", 3)
        # Round robin over sorted members: the connector and one task, then two tasks.
        await eventually(
            lambda: sorted(cluster.assignments().values()) == [(0, 2), (1, 1)],
            deadline_s=30,
            what="eager split",
        )
        assert {h.protocol_version for h in herders} == {0}
    finally:
        await cluster.stop_all()


async def test_a_worker_that_loses_the_coordinator_stops_its_work_then_gets_it_back(
    cluster: Cluster, topic: str, caplog: pytest.LogCaptureFixture
) -> None:
    lonely = await cluster.add()
    await cluster.put("vsrc", source(topic, 2))
    await cluster.wait_running("vsrc", 2)
    member = lonely.member
    assert member is not None
    started = lonely.worker.metrics.tasks_started
    real = member.session_expired
    expired_once = [True]

    def session_expired(margin_ms: int = 0) -> bool:
        # One answer as if heartbeats had failed for a whole session, then the truth again.
        return expired_once.pop() if expired_once else real(margin_ms)

    member.session_expired = session_expired  # type: ignore[method-assign]
    caplog.set_level("WARNING", logger="distconnect.herder")
    lonely._wake.set()
    await eventually(lambda: not expired_once, deadline_s=10, what="the herder checks the session")
    # It stopped everything (tasks report UNASSIGNED), rejoined, and was given its work again.
    await eventually(
        lambda: lonely.worker.metrics.tasks_started == started + 2, deadline_s=30, what="tasks restarted"
    )
    await cluster.wait_running("vsrc", 2)
    lost = [r for r in caplog.records if "Lost contact with the group coordinator" in r.getMessage()]
    assert len(lost) == 1


async def test_restarts_run_on_the_owner_and_stop_then_resume(cluster: Cluster, topic: str) -> None:
    first = await cluster.add()
    second = await cluster.add()
    await cluster.put("vsrc", source(topic, 2))
    await cluster.wait_running("vsrc", 2)
    starts = first.worker.metrics.tasks_started + second.worker.metrics.tasks_started
    non_leader = second if cluster.leader() is first else first
    plan = await cluster.leader().restart_connector("vsrc", include_tasks=True)
    assert plan is not None
    assert plan.connector.state is State.RESTARTING
    assert {s.state for s in plan.tasks.values()} == {State.RESTARTING}
    await eventually(
        lambda: first.worker.metrics.tasks_started + second.worker.metrics.tasks_started == starts + 2,
        deadline_s=30,
        what="both tasks restarted by their owners",
    )
    await cluster.wait_running("vsrc", 2)

    # Only the leader may stop a connector; stopping removes its tasks, resuming brings them back.
    from distconnect.runtime.herder import NotLeaderError

    with pytest.raises(NotLeaderError):
        await non_leader.set_target_state("vsrc", TargetState.STOPPED)
    await cluster.leader().set_target_state("vsrc", TargetState.STOPPED)

    async def stopped() -> bool:
        info = await first.connector_status("vsrc")
        return info.connector.state is State.STOPPED and not info.tasks

    await eventually(stopped, deadline_s=30, what="connector STOPPED without tasks")
    assert (await first.connector_info("vsrc")).tasks == []
    await non_leader.set_target_state("vsrc", TargetState.STARTED)  # resume: any worker
    await cluster.wait_running("vsrc", 2)


async def test_exactly_once_source_support_is_refused_until_implemented(kafka_bootstrap: str) -> None:
    from distconnect.api.errors import ConfigError

    cluster = Cluster(kafka_bootstrap, exactly_once_source_support="enabled")
    with pytest.raises(ConfigError, match=r"exactly\.once\.source\.support"):
        await cluster.add()


async def test_invalid_configs_name_the_key_and_never_echo_values(cluster: Cluster) -> None:
    from distconnect.runtime.herder import ConfigValidationError, ConnectRestError

    leader = await cluster.add()
    await eventually(lambda: leader.is_leader, deadline_s=30, what="a leader")
    with pytest.raises(ConnectRestError) as missing:
        await leader.put_connector_config("c", {"tasks.max": "1", "some.password": "hunter2"})
    assert missing.value.status == 400
    assert "'connector.class' is missing" in missing.value.message
    assert "hunter2" not in missing.value.message
    with pytest.raises(ConfigValidationError) as unknown:
        await leader.put_connector_config("c", {"connector.class": "NoSuchConnector"})
    assert list(unknown.value.errors) == ["connector.class"]
