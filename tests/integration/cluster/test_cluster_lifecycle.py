"""Connector lifecycle on a real multi-process cluster: reconfigure, delete, pause across a full
restart, and REST writes sent to workers that are not the leader (issue 5's "Done when").

Ported from Apache Kafka's ``ConnectWorkerIntegrationTest.testTaskStatuses`` (stale task statuses
disappear), ``connect_distributed_test.py`` ``test_pause_state_persistent`` and the file
source/sink restart test (resume from committed offsets), and the REST forwarding tests
(ducktape sends every call to a random worker; ``RestForwardingIntegrationTest``).
"""

from __future__ import annotations

import signal
from typing import Any

import pytest

from distconnect.local.cluster import LocalCluster
from tests.integration.cluster.cluster_support import (
    EventLog,
    all_in_state,
    connector_key,
    create,
    create_topic,
    end_offsets,
    latest,
    leader_of,
    placement,
    read_topic,
    safe_status,
    source_config,
    start_workers,
    task_key,
    wait_group,
    wait_stable,
    wait_state,
)
from tests.support import eventually

pytestmark = pytest.mark.kafka

SOURCE = "vsrc"


def status_topic(cluster: LocalCluster) -> str:
    return f"{cluster.group}-status"


async def wait_committed(events: EventLog, name: str, tasks: int, seqno: int) -> None:
    def progressed() -> bool:
        analysis = events.analysis(name)
        return all(analysis.report(t).max_committed >= seqno for t in range(tasks))

    await eventually(progressed, deadline_s=30, what=f"every task of {name} past seqno {seqno}")


def sent_per_task(events: EventLog, name: str) -> dict[int, int]:
    counts: dict[int, int] = {}
    for event in events.events(name, "sent"):
        counts[event["task"]] = counts.get(event["task"], 0) + 1
    return counts


# -- 5. tasks.max 6 -> 3 ----------------------------------------------------------------------------
async def test_fewer_tasks_removes_the_extra_tasks_and_their_statuses(
    cluster: LocalCluster, events: EventLog, topic: str
) -> None:
    await start_workers(cluster, 3)
    config = source_config(topic, events.path, tasks=6)
    await create(cluster, SOURCE, config)
    await cluster.wait_running(SOURCE, 6)
    await wait_committed(events, SOURCE, 6, 5)

    code, body = await cluster.rest(
        "PUT", f"/connectors/{SOURCE}/config", {**config, "tasks.max": "3"}, worker=cluster.running()[1]
    )
    assert code == 200, body  # replaced, not created
    assert body["config"]["tasks.max"] == "3"

    # Exactly tasks 0..2, RUNNING, on every worker: the statuses of 3..5 are gone.
    await wait_state(cluster, SOURCE, "RUNNING", 3, deadline_s=30)
    for worker in cluster.running():
        status = await cluster.status(SOURCE, worker)
        assert status is not None
        assert sorted(placement(status)) == [0, 1, 2], status
    code, tasks = await cluster.rest("GET", f"/connectors/{SOURCE}/tasks")
    assert code == 200
    assert [t["id"]["task"] for t in tasks] == [0, 1, 2]
    assert all(t["config"]["tasks.max"] == "3" for t in tasks), tasks

    # On the status topic they are tombstoned, not merely hidden.
    async def tombstoned() -> bool:
        statuses = latest(await read_topic(cluster.bootstrap, status_topic(cluster)))
        removed = [task_key(SOURCE, t) for t in range(3, 6)]
        kept = [task_key(SOURCE, t) for t in range(3)]
        return all(k in statuses and statuses[k] is None for k in removed) and all(
            statuses.get(k) and statuses[k]["state"] == "RUNNING" for k in kept
        )

    await eventually(tombstoned, deadline_s=20, what="tombstones for the statuses of tasks 3..5")
    # The removed tasks stopped producing; the others go on.
    removed_sent = await wait_stable(
        lambda: {t: n for t, n in sent_per_task(events, SOURCE).items() if t >= 3},
        window_s=1.5,
        deadline_s=15,
        what="sent events of tasks 3..5",
    )
    kept_before = {t: n for t, n in sent_per_task(events, SOURCE).items() if t < 3}
    await eventually(
        lambda: all(sent_per_task(events, SOURCE)[t] > kept_before[t] for t in range(3)),
        deadline_s=15,
        what="tasks 0..2 still producing",
    )
    assert {t: n for t, n in sent_per_task(events, SOURCE).items() if t >= 3} == removed_sent
    assert events.analysis(SOURCE).errors(range(6)) == []


# -- 6. DELETE --------------------------------------------------------------------------------------
async def test_delete_stops_the_tasks_and_tombstones_every_status(
    cluster: LocalCluster, events: EventLog, topic: str
) -> None:
    await start_workers(cluster, 3)
    await create(cluster, SOURCE, source_config(topic, events.path, tasks=6))
    await cluster.wait_running(SOURCE, 6)
    await wait_committed(events, SOURCE, 6, 5)
    before = latest(await read_topic(cluster.bootstrap, status_topic(cluster)))
    keys = [connector_key(SOURCE)] + [task_key(SOURCE, t) for t in range(6)]
    assert all(before.get(k) for k in keys), f"statuses missing before the delete: {before}"

    code, body = await cluster.rest("DELETE", f"/connectors/{SOURCE}", worker=cluster.running()[2])
    assert code == 204, body

    async def gone_everywhere() -> bool:
        for worker in cluster.running():
            status_code, _ = await cluster.rest("GET", f"/connectors/{SOURCE}/status", worker=worker)
            info_code, _ = await cluster.rest("GET", f"/connectors/{SOURCE}", worker=worker)
            _, names = await cluster.rest("GET", "/connectors", worker=worker)
            if (status_code, info_code, names) != (404, 404, []):
                return False
        return True

    await eventually(gone_everywhere, deadline_s=30, what=f"{SOURCE} gone (404) on every worker")

    # Its tasks stopped: the event log stops growing (stable for 2 s) and stays so.
    sent = await wait_stable(
        lambda: events.count(SOURCE, "sent"), window_s=2, deadline_s=15, what="the source's sent events"
    )

    async def tombstoned() -> dict[str, Any] | None:
        statuses = latest(await read_topic(cluster.bootstrap, status_topic(cluster)))
        return statuses if all(k in statuses and statuses[k] is None for k in keys) else None

    await eventually(tombstoned, deadline_s=20, what=f"tombstones for {keys}")
    assert events.count(SOURCE, "sent") == sent, "a deleted connector's task is still producing"
    assert events.analysis(SOURCE).errors(range(6)) == []


# -- 7. paused across a full restart ----------------------------------------------------------------
async def test_pause_survives_a_full_cluster_restart_and_running_work_resumes_exactly(
    cluster: LocalCluster, events: EventLog, topic: str
) -> None:
    paused, running, tasks = "vpaused", "vrunning", 3
    await start_workers(cluster, 3)
    await create(cluster, paused, source_config(topic, events.path, tasks=tasks))
    await create(cluster, running, source_config(topic, events.path, tasks=tasks))
    await cluster.wait_running(paused, tasks)
    await cluster.wait_running(running, tasks)
    await wait_committed(events, paused, tasks, 5)
    await wait_committed(events, running, tasks, 5)

    code, _ = await cluster.rest("PUT", f"/connectors/{paused}/pause", worker=cluster.running()[1])
    assert code == 202
    await wait_state(cluster, paused, "PAUSED", tasks, deadline_s=30)
    paused_sent = await wait_stable(
        lambda: events.count(paused, "sent"), window_s=1, deadline_s=10, what="sent events while paused"
    )

    # Stop the whole cluster: every worker exits 0 after committing its offsets.
    old = cluster.running()
    for worker in old:
        worker.signal(signal.SIGTERM)
    for worker in old:
        assert await cluster.wait_exit(worker, 30) == 0, f"worker {worker.index} exit code"
    last_committed = {t: events.analysis(running).report(t).max_committed for t in range(tasks)}
    old_pids = {w.process.pid for w in old}

    # Start it again: same settings and ports, new processes.
    for worker in old:
        cluster.restart_worker(worker)
    for worker in cluster.running():
        await cluster.wait_ready(worker)
    await wait_group(cluster)
    new_pids = {w.process.pid for w in cluster.running()}
    assert not new_pids & old_pids

    # The paused connector comes back PAUSED (target state from the config topic) on every worker.
    await wait_state(cluster, paused, "PAUSED", tasks, deadline_s=60)
    await wait_state(cluster, running, "RUNNING", tasks, deadline_s=60)
    await wait_committed(events, running, tasks, max(last_committed.values()) + 10)

    # The running one resumed from its committed offsets: after the restart each task's first
    # record is exactly the one after its last committed before the stop (> 0: not from the start).
    for task in range(tasks):
        resumed = [
            e["seqno"] for e in events.events(running, "sent") if e["task"] == task and e["pid"] in new_pids
        ]
        assert resumed, f"task {task} sent nothing after the restart"
        assert resumed[0] > 0
        assert resumed[0] == last_committed[task] + 1, f"task {task}: resumed at {resumed[0]}"
    # Clean stops: no committed seqno missing, none committed twice.
    assert events.analysis(running).errors(range(tasks)) == []
    # The paused connector produced nothing across the restart.
    assert events.count(paused, "sent") == paused_sent
    status = await safe_status(cluster, paused)
    assert all_in_state(status, "PAUSED", tasks), status


# -- 8. REST writes on non-leaders ------------------------------------------------------------------
async def test_rest_writes_to_any_worker_succeed(cluster: LocalCluster, events: EventLog, topic: str) -> None:
    await create_topic(cluster.bootstrap, topic, partitions=1)
    workers = await start_workers(cluster, 3)
    leader = await leader_of(cluster)
    followers = [w for w in workers if w is not leader]
    assert len(followers) == 2

    # Create through every worker in turn: the followers forward to the leader.
    names = [f"rest-{w.index}" for w in workers]
    for worker, name in zip(workers, names, strict=True):
        code, body = await cluster.rest(
            "POST",
            "/connectors",
            {"name": name, "config": source_config(topic, events.path, tasks=2, throughput=10)},
            worker=worker,
        )
        assert code == 201, f"POST to {'leader' if worker is leader else 'follower'} {worker.url}: {body}"
        assert body["name"] == name
    for name in names:
        await cluster.wait_running(name, 2)
    for worker in workers:
        _, listed = await cluster.rest("GET", "/connectors", worker=worker)
        assert sorted(listed) == sorted(names), f"{worker.url} lists {listed}"

    # A duplicate create sent to a follower fails with the leader's 409.
    code, body = await cluster.rest(
        "POST",
        "/connectors",
        {"name": names[0], "config": source_config(topic, events.path)},
        worker=followers[0],
    )
    assert code == 409, body

    # PUT config on a follower: replace (200) and create (201).
    target = names[0]
    code, body = await cluster.rest(
        "PUT",
        f"/connectors/{target}/config",
        source_config(topic, events.path, tasks=3, throughput=10),
        worker=followers[0],
    )
    assert code == 200, body
    await cluster.wait_running(target, 3)
    code, body = await cluster.rest(
        "PUT",
        "/connectors/rest-put/config",
        source_config(topic, events.path, tasks=1, throughput=10),
        worker=followers[1],
    )
    assert code == 201, body
    await cluster.wait_running("rest-put", 1)

    # Restarts sent to followers reach the connector's and tasks' owners.
    mark = await end_offsets(cluster.bootstrap, status_topic(cluster))
    code, _ = await cluster.rest("POST", f"/connectors/{target}/restart", worker=followers[1])
    assert code == 204
    code, plan = await cluster.rest(
        "POST", f"/connectors/{names[1]}/restart?includeTasks=true", worker=followers[0]
    )
    assert code == 202, plan
    assert plan["connector"]["state"] == "RESTARTING"
    assert [t["state"] for t in plan["tasks"]] == ["RESTARTING", "RESTARTING"]
    code, _ = await cluster.rest("POST", f"/connectors/{names[2]}/tasks/1/restart", worker=followers[1])
    assert code == 204
    expected = {
        connector_key(target),
        connector_key(names[1]),
        task_key(names[1], 0),
        task_key(names[1], 1),
        task_key(names[2], 1),
    }

    async def restarted() -> bool:
        records = await read_topic(cluster.bootstrap, status_topic(cluster), since=mark)
        seen = {r.key for r in records if (value := r.json()) and value["state"] == "RESTARTING"}
        return expected <= seen

    await eventually(restarted, deadline_s=30, what=f"RESTARTING statuses for {sorted(expected)}")
    for name, count in ((target, 3), (names[1], 2), (names[2], 2)):
        await cluster.wait_running(name, count)

    # Pause and resume through a follower.
    code, _ = await cluster.rest("PUT", f"/connectors/{names[2]}/pause", worker=followers[0])
    assert code == 202
    await wait_state(cluster, names[2], "PAUSED", 2, deadline_s=30)
    code, _ = await cluster.rest("PUT", f"/connectors/{names[2]}/resume", worker=followers[1])
    assert code == 202
    await wait_state(cluster, names[2], "RUNNING", 2, deadline_s=30)

    # DELETE through a follower.
    code, _ = await cluster.rest("DELETE", f"/connectors/{names[1]}", worker=followers[1])
    assert code == 204

    async def deleted() -> bool:
        for worker in workers:
            code, _ = await cluster.rest("GET", f"/connectors/{names[1]}", worker=worker)
            if code != 404:
                return False
        return True

    await eventually(deleted, deadline_s=30, what=f"{names[1]} gone on every worker")

    # A worker that answers REST but has not joined the group yet: the write waits for the
    # join and is forwarded, instead of failing with 409 "no known leader".
    fresh = cluster.start_worker()
    await cluster.wait_ready(fresh)
    code, body = await cluster.rest(
        "POST",
        "/connectors",
        {"name": "rest-fresh", "config": source_config(topic, events.path, tasks=1, throughput=10)},
        worker=fresh,
    )
    assert code == 201, body
    await cluster.wait_running("rest-fresh", 1)
