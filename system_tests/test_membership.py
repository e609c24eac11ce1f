"""Workers joining and leaving under load: 3 -> 5 -> 3 (two SIGTERMed) -> 5 (two new ones).

After each change, once the cluster settled: every live worker reports the same placement, each
task runs on exactly one worker (the event log is checked too: in a window after the change every
source task's records come from one process only, the one its status names), and connectors and
tasks are spread within one per worker (Apache's ``RebalanceSourceConnectorsIntegrationTest``
asserts the same balance). Everything moves by clean hand-over, so the drained pipeline must show
no loss and no duplicate.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from system_tests.results import Figures, Results
from system_tests.services import ConnectService
from system_tests.verify import Pipeline
from tests.integration.cluster.cluster_support import EventLog, per_worker, spread, start_workers, wait_group
from tests.support import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.system, pytest.mark.system_full]


async def balanced(pipeline: Pipeline) -> list[dict[str, Any]] | None:
    statuses = await pipeline.running_on_live_workers()
    if statuses is None:
        return None
    live = {w.worker_id for w in pipeline.connect.running()}
    connectors, tasks = per_worker(statuses)
    ok = spread(tasks, live) <= 1 and spread(connectors, live) <= 1
    return statuses if ok else None


async def check_ownership(pipeline: Pipeline, events: EventLog) -> float:
    """Wait for a balanced placement; then require one process per source task in the event log."""
    began = time.monotonic()
    statuses = await eventually(
        lambda: balanced(pipeline), deadline_s=90, interval=0.25, what="a balanced cluster"
    )
    settled = time.monotonic() - began
    since_ms = time.time() * 1000
    await pipeline.wait_progress(beyond=10)
    source = statuses[0]
    pid_of = {w.worker_id: w.process.pid for w in pipeline.connect.running()}
    for task in source["tasks"]:
        pids = {
            e["pid"]
            for e in events.events(pipeline.source, "sent")
            if e["task"] == task["id"] and e["time_ms"] > since_ms
        }
        assert pids == {pid_of[task["worker_id"]]}, f"source task {task['id']} produced from {pids}"
    return settled


async def test_workers_join_and_leave(
    connect: ConnectService, events: EventLog, topic: str, results: Results, figures: Figures
) -> None:
    await start_workers(connect, 3)
    pipeline = Pipeline(connect, events, topic, source_tasks=6, throughput=50)
    await pipeline.create()
    recover = [await check_ownership(pipeline, events)]

    began = time.monotonic()
    await start_workers(connect, 2)  # 3 -> 5
    recover.append(time.monotonic() - began + await check_ownership(pipeline, events))

    began = time.monotonic()
    for worker in connect.running()[:2]:  # 5 -> 3: two leave cleanly
        await connect.stop_node(worker, clean=True)
    await wait_group(connect)
    recover.append(time.monotonic() - began + await check_ownership(pipeline, events))

    began = time.monotonic()
    await start_workers(connect, 2)  # 3 -> 5: two come back
    recover.append(time.monotonic() - began + await check_ownership(pipeline, events))

    analysis = await pipeline.drain()
    results.record(
        figures.scenario,
        analysis,
        pipeline.task_ids,
        recover_s=recover,
        notes="3 -> 5 -> 3 (SIGTERM 2) -> 5; source 6 tasks x 50/s, sink 3 tasks; "
        "recover = change to balanced",
    )
    assert analysis.errors(pipeline.task_ids, require_complete=True) == []
