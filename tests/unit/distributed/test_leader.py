"""The leader's round: full cooperative assignments, eager rounds, status cleanup (no broker)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distconnect.distributed.assignment import ConnectorsAndTasks
from distconnect.distributed.leader import LeaderAssignor, cluster_snapshot, gone_statuses
from distconnect.distributed.protocol import (
    CONFIG_MISMATCH,
    ExtendedWorkerState,
    decode_extended_assignment,
)
from distconnect.runtime.states import TargetState, TaskId
from distconnect.storage.config_store import MemoryConfigStore


async def config_with(**tasks: int) -> MemoryConfigStore:
    store = MemoryConfigStore()
    await store.start()
    for name, count in tasks.items():
        await store.put_connector_config(name, {"connector.class": "X"}, TargetState.STARTED)
        await store.put_task_configs(name, [{"n": str(i)} for i in range(count)])
    return store


def members(offset: int, **running: ConnectorsAndTasks | None) -> dict[str, ExtendedWorkerState]:
    from distconnect.distributed.protocol import NO_ERROR, ExtendedAssignment

    out: dict[str, ExtendedWorkerState] = {}
    for member, work in running.items():
        assignment = None
        if work is not None:
            assignment = ExtendedAssignment(
                NO_ERROR, "a", "http://a/", offset, tuple(work.connectors), tuple(work.tasks), version=2
            )
        out[member] = ExtendedWorkerState(f"http://{member}/", offset, assignment)
    return out


async def test_cooperative_assignments_list_everything_the_member_keeps() -> None:
    store = await config_with(c1=2, c2=2)
    snapshot = store.snapshot()
    leader = LeaderAssignor(max_delay_ms=0)
    first = leader.assign(
        "a",
        "sessioned",
        members(snapshot.offset, a=None),
        snapshot,
        0,
        generation=1,
        last_completed_generation=-1,
    )
    only = decode_extended_assignment(first.encoded["a"])
    assert set(only.connectors) == {"c1", "c2"}
    assert len(only.tasks) == 4
    # A second member joins: 'a' keeps part of its work; its assignment still lists all it keeps.
    owned_a = first.owners["a"]
    second = leader.assign(
        "a",
        "sessioned",
        members(snapshot.offset, a=owned_a, b=None),
        snapshot,
        1,
        generation=2,
        last_completed_generation=1,
    )
    a = decode_extended_assignment(second.encoded["a"])
    kept = owned_a - ConnectorsAndTasks.of(a.revoked_connectors, a.revoked_tasks)
    assert ConnectorsAndTasks.of(a.connectors, a.tasks) == kept == second.owners["a"]
    assert a.revoked_connectors or a.revoked_tasks  # 'a' holds more than its share
    assert second.running_anywhere == owned_a
    assert second.urls == {"a": "http://a/", "b": "http://b/"}


async def test_eager_rounds_hand_out_everything_and_a_stale_leader_reports_a_mismatch() -> None:
    store = await config_with(c1=3)
    snapshot = store.snapshot()
    leader = LeaderAssignor(max_delay_ms=0)
    round_ = leader.assign(
        "a",
        "default",
        members(snapshot.offset, a=None, b=None),
        snapshot,
        0,
        generation=1,
        last_completed_generation=-1,
    )
    assert round_.ok
    owned = round_.owners["a"] | round_.owners["b"]
    assert owned == ConnectorsAndTasks.of(["c1"], [TaskId("c1", i) for i in range(3)])
    ahead = leader.assign(
        "a",
        "sessioned",
        members(snapshot.offset + 5, a=None),
        snapshot,
        0,
        generation=2,
        last_completed_generation=1,
    )
    assert not ahead.ok
    assert decode_extended_assignment(ahead.encoded["a"]).error == CONFIG_MISMATCH


async def test_cluster_snapshot_counts_no_tasks_for_inconsistent_connectors() -> None:
    store = await config_with(c1=2, c2=1)
    store.topic.append(
        [("task-c2-0", store.codec.task_config({"n": "x"})), ("commit-c2", store.codec.commit(3))]
    )
    await store.refresh()
    snapshot = cluster_snapshot(store.snapshot())
    assert snapshot.connectors == {"c1": 2, "c2": 0}


async def test_gone_statuses_spare_work_still_running_and_inconsistent_connectors() -> None:
    store = await config_with(kept=2, shrunk=1)
    await store.put_task_configs("stopped", [])  # unknown connector: ignored
    with_status = {
        "kept": [TaskId("kept", 0), TaskId("kept", 1)],
        "shrunk": [TaskId("shrunk", 0), TaskId("shrunk", 1), TaskId("shrunk", 2)],
        "deleted": [TaskId("deleted", 0)],
        "deleted-but-running": [],
    }
    running = ConnectorsAndTasks.of(["deleted-but-running"], [TaskId("shrunk", 2)])
    connectors, tasks = gone_statuses(with_status, store.snapshot(), running)
    assert connectors == ["deleted"]
    assert tasks == [TaskId("deleted", 0), TaskId("shrunk", 1)]


@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 4), max_size=6), st.integers(1, 4))
async def test_every_item_has_exactly_one_owner_after_any_first_round(
    tasks: dict[str, int], workers: int
) -> None:
    store = await config_with(**tasks)
    snapshot = store.snapshot()
    names = [f"w{i}" for i in range(workers)]
    round_ = LeaderAssignor(max_delay_ms=0).assign(
        names[0],
        "sessioned",
        members(snapshot.offset, **dict.fromkeys(names)),
        snapshot,
        0,
        generation=1,
        last_completed_generation=-1,
    )
    items = [i for o in round_.owners.values() for i in (*o.connectors, *o.tasks)]
    assert len(items) == len(set(items))
    assert set(items) == set(tasks) | {TaskId(c, n) for c, k in tasks.items() for n in range(k)}
    loads = [len(o) for o in round_.owners.values()]
    assert max(loads) - min(loads) <= 2  # connectors and tasks are balanced separately
