"""Operating a loaded 3-worker cluster: full restart, pause/stop/resume/restart, reconfiguration,
the offsets API, a dead letter queue under load, and a connector whose ``start`` never returns.

Every request goes to a worker that does *not* own the connector (forwarding to the owner or the
leader is part of what is tested), and every scenario ends by draining the pipeline and counting
records: nothing lost, and, since every stop here is clean, nothing duplicated.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka import AIOKafkaProducer

from distconnect.local.cluster import WorkerProcess
from system_tests.results import Figures, Results
from system_tests.services import ConnectService
from system_tests.verify import Pipeline
from tests.integration.cluster.cluster_support import (
    EventLog,
    all_in_state,
    end_offsets,
    read_topic,
    safe_status,
    source_config,
    start_workers,
    task_key,
    wait_state,
)
from tests.support import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.system, pytest.mark.system_full]


async def non_owner(connect: ConnectService, name: str) -> WorkerProcess:
    status = await connect.status(name)
    assert status is not None
    owners = {status["connector"]["worker_id"], *(t["worker_id"] for t in status["tasks"])}
    others = [w for w in connect.running() if w.worker_id not in owners]
    return others[0] if others else connect.running()[-1]


async def test_full_cluster_restart_resumes_from_committed_offsets(
    connect: ConnectService, events: EventLog, topic: str, results: Results, figures: Figures
) -> None:
    await start_workers(connect, 3)
    pipeline = Pipeline(connect, events, topic)
    await pipeline.create()
    paused = "vsrc-paused"
    await pipeline.put(paused, source_config(f"{topic}-paused", events.path, 2, 50))
    await connect.wait_running(paused, 2)
    await pipeline.wait_progress(beyond=20)
    code, _ = await connect.call("PUT", f"/connectors/{paused}/pause")
    assert code == 202
    await wait_state(connect, paused, "PAUSED", 2, deadline_s=30)
    paused_events = events.count(paused, "sent")

    old = connect.running()
    await asyncio.gather(*(connect.stop_node(w, clean=True) for w in old))
    before = pipeline.analysis()
    began = time.monotonic()
    await start_workers(connect, 3)
    recover = await pipeline.wait_running() + (time.monotonic() - began)
    await wait_state(connect, paused, "PAUSED", 2, deadline_s=30)
    await pipeline.wait_progress(beyond=20)

    old_pids = {w.process.pid for w in old}
    for task in pipeline.task_ids:
        resumed = min(
            e["seqno"]
            for e in events.events(pipeline.source, "sent")
            if e["task"] == task and e["pid"] not in old_pids
        )
        assert resumed == before.report(task).max_committed + 1, f"task {task} resumed at {resumed}"
    assert events.count(paused, "sent") == paused_events, "the paused connector produced after the restart"
    analysis = await pipeline.drain()
    results.record(
        figures.scenario,
        analysis,
        pipeline.task_ids,
        recover_s=[recover],
        notes="SIGTERM all 3, start 3 new; each task resumed at committed + 1; "
        "the paused connector stayed PAUSED",
    )
    assert analysis.errors(pipeline.task_ids, require_complete=True) == []


async def test_pause_stop_resume_restart_across_workers(
    connect: ConnectService, events: EventLog, topic: str, results: Results, figures: Figures
) -> None:
    await start_workers(connect, 3)
    pipeline = Pipeline(connect, events, topic)
    await pipeline.create()
    await pipeline.wait_progress(beyond=10)
    src, n = pipeline.source, pipeline.source_tasks
    timings: list[float] = []

    async def act(method: str, path: str, state: str, tasks: int, expect: int) -> None:
        via = await non_owner(connect, src)
        began = time.monotonic()
        code, body = await connect.call(method, f"/connectors/{src}{path}", worker=via)
        assert code == expect, f"{method} {path} via {via.worker_id}: {code} {body}"
        await wait_state(connect, src, state, tasks, deadline_s=30)
        timings.append(time.monotonic() - began)

    await act("PUT", "/pause", "PAUSED", n, 202)
    await act("PUT", "/resume", "RUNNING", n, 202)
    await pipeline.wait_progress(beyond=10)
    await act("PUT", "/stop", "STOPPED", 0, 204)
    stopped = events.count(src, "sent")
    await act("PUT", "/resume", "RUNNING", n, 202)
    assert events.count(src, "sent") >= stopped
    await pipeline.wait_progress(beyond=10)

    status_topic = f"{connect.group}-status"
    mark = await end_offsets(connect.bootstrap, status_topic)
    via = await non_owner(connect, src)
    code, body = await connect.call(
        "POST", f"/connectors/{src}/restart?includeTasks=true&onlyFailed=false", worker=via
    )
    assert code == 202, f"restart: {code} {body}"
    code, body = await connect.call("POST", f"/connectors/{src}/tasks/1/restart", worker=via)
    assert code == 204, f"task restart: {code} {body}"

    async def restarted() -> bool:
        fresh = await read_topic(connect.bootstrap, status_topic, since=mark)
        running = {r.key for r in fresh if (v := r.json()) and v["state"] == "RUNNING"}
        return {task_key(src, t) for t in pipeline.task_ids} <= running

    await eventually(restarted, deadline_s=30, what="every task restarted (new RUNNING status)")
    await pipeline.wait_running()
    await pipeline.wait_progress(beyond=10)
    analysis = await pipeline.drain()
    results.record(
        figures.scenario,
        analysis,
        pipeline.task_ids,
        recover_s=timings,
        notes="pause, resume, stop, resume (each via a non-owner), restart?includeTasks=true, task restart",
    )
    assert analysis.errors(pipeline.task_ids, require_complete=True) == []


async def test_reconfiguration_under_load(
    connect: ConnectService, events: EventLog, topic: str, results: Results, figures: Figures
) -> None:
    await start_workers(connect, 3)
    pipeline = Pipeline(connect, events, topic)
    await pipeline.create()
    await pipeline.wait_progress(beyond=10)
    timings = []
    for tasks in (5, 2, 3):
        began = time.monotonic()
        pipeline.source_tasks = tasks
        await pipeline.put(pipeline.source, source_config(topic, events.path, tasks, pipeline.throughput))
        await pipeline.wait_running()
        timings.append(time.monotonic() - began)
        await pipeline.wait_progress(beyond=10)
    analysis = await pipeline.drain()
    every = range(5)
    results.record(
        figures.scenario,
        analysis,
        every,
        recover_s=timings,
        notes="source tasks.max 3 -> 5 -> 2 -> 3 under load; recover = PUT config to all RUNNING",
    )
    assert analysis.errors(every, require_complete=True) == []


async def test_offsets_api_across_workers(
    connect: ConnectService, events: EventLog, topic: str, results: Results, figures: Figures
) -> None:
    await start_workers(connect, 3)
    pipeline = Pipeline(connect, events, topic)
    await pipeline.create()
    await pipeline.wait_progress(beyond=10)
    src = pipeline.source
    code, body = await connect.call("PATCH", f"/connectors/{src}/offsets", {"offsets": []})
    assert code == 400, f"PATCH while RUNNING: {code} {body}"
    code, body = await connect.call("PUT", f"/connectors/{src}/stop", worker=await non_owner(connect, src))
    assert code == 204, body
    await wait_state(connect, src, "STOPPED", 0, deadline_s=30)
    stopped = pipeline.analysis()

    async def offsets_match() -> dict[int, int] | None:
        code, body = await connect.call("GET", f"/connectors/{src}/offsets")
        assert code == 200, body
        got = {o["partition"]["id"]: o["offset"]["seqno"] for o in body["offsets"]}
        want = {t: stopped.report(t).max_committed for t in pipeline.task_ids}
        return got if got == want else None

    await eventually(offsets_match, deadline_s=15, what="GET offsets = the last committed seqnos")
    jump = stopped.report(0).max_committed + 1000
    patch = {"offsets": [{"partition": {"id": 0}, "offset": {"seqno": jump}}]}
    code, body = await connect.call("PATCH", f"/connectors/{src}/offsets", patch)
    assert code == 200, f"PATCH offsets: {code} {body}"
    await pipeline.resume()
    await pipeline.wait_running()
    await pipeline.wait_progress(beyond=10)
    after = [
        e["seqno"] for e in events.events(src, "committed") if e["task"] == 0 and e["seqno"] > jump - 1000
    ]
    assert min(after) == jump + 1, f"task 0 resumed at {min(after)}, not {jump + 1}"
    analysis = await pipeline.drain()
    results.record(
        figures.scenario,
        analysis,
        range(1, pipeline.source_tasks),
        notes=f"GET = last committed per task; PATCH while RUNNING 400; "
        f"PATCH task 0 to {jump} -> resumed at {jump + 1}",
    )
    assert analysis.errors(range(1, pipeline.source_tasks), require_complete=True) == []
    report0 = analysis.report(0)
    assert set(report0.source_gaps) == set(range(stopped.report(0).max_committed + 1, jump + 1))


async def test_dead_letter_queue_under_load(
    connect: ConnectService, events: EventLog, topic: str, results: Results, figures: Figures
) -> None:
    await start_workers(connect, 3)
    pipeline = Pipeline(connect, events, topic)
    dlq = f"{topic}-dlq"
    await pipeline.create(
        **{
            "errors.tolerance": "all",
            "errors.deadletterqueue.topic.name": dlq,
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true",
        }
    )
    await pipeline.wait_progress(beyond=10)
    poison = 100
    producer = AIOKafkaProducer(bootstrap_servers=connect.bootstrap)
    await producer.start()
    try:
        for i in range(poison):
            await producer.send_and_wait(topic, f"not json {i}".encode(), key=b"{", partition=i % 3)
            await asyncio.sleep(0.02)
    finally:
        await producer.stop()
    await pipeline.wait_progress(beyond=20)

    async def dead_lettered() -> int | None:
        try:
            total = sum((await end_offsets(connect.bootstrap, dlq)).values())
        except AssertionError:
            return None
        return total if total >= poison else None

    total = await eventually(dead_lettered, deadline_s=60, what=f"{poison} records in {dlq}")
    values = sorted(r.value or b"" for r in await read_topic(connect.bootstrap, dlq))
    assert total == poison
    assert values == sorted(f"not json {i}".encode() for i in range(poison))
    assert await pipeline.running_on_live_workers(), "a sink task died on the poison records"
    analysis = await pipeline.drain()
    results.record(
        figures.scenario,
        analysis,
        pipeline.task_ids,
        notes=f"{poison} unparsable records interleaved; DLQ holds exactly them; sink tasks stayed RUNNING",
    )
    assert analysis.errors(pipeline.task_ids, require_complete=True) == []


async def test_a_connector_blocked_in_start_hangs_nothing(
    connect: ConnectService, events: EventLog, topic: str, results: Results, figures: Figures
) -> None:
    await start_workers(connect, 3)
    pipeline = Pipeline(connect, events, topic)
    await pipeline.create()
    blocker = {
        "connector.class": "system_tests.plugins.BlockingStartSourceConnector",
        "tasks.max": "1",
        "topic": topic,
    }
    await pipeline.put("blocker", blocker)

    def assigned() -> WorkerProcess | None:
        # No status yet while start() runs: the owner is the worker that logged creating it.
        created = "Creating connector blocker of type"
        return next((w for w in connect.running() if created in w.log.read_text(errors="replace")), None)

    owner = await eventually(assigned, deadline_s=30, what="the blocking connector assigned")
    slowest = 0.0
    probe_until = time.monotonic() + 12  # longer than the health check's 10 s herder timeout
    while time.monotonic() < probe_until:
        for worker in connect.running():
            began = time.monotonic()
            code, body = await connect.rest("GET", "/health", worker=worker)
            slowest = max(slowest, time.monotonic() - began)
            assert code == 200, f"/health of {worker.worker_id}: {code} {body}"
            assert (await connect.rest("GET", "/connectors", worker=worker))[0] == 200
        await asyncio.sleep(0.5)
    await pipeline.put("after", source_config(f"{topic}-after", events.path, 3, 10))
    await connect.wait_running("after", 3, timeout_s=30)
    await pipeline.wait_progress(beyond=10)

    began = time.monotonic()
    code, body = await connect.call("DELETE", "/connectors/blocker", worker=owner)
    assert code == 204, f"DELETE: {code} {body}"
    deleted_s = time.monotonic() - began

    async def gone() -> bool:
        codes = [
            (await connect.rest("GET", "/connectors/blocker/status", worker=w))[0] for w in connect.running()
        ]
        return all(code == 404 for code in codes)

    await eventually(gone, deadline_s=30, what="the blocking connector deleted everywhere")
    exit_s = await connect.stop_node(owner, clean=True, timeout_s=60)
    await pipeline.wait_running()
    analysis = await pipeline.drain()
    results.record(
        figures.scenario,
        analysis,
        pipeline.task_ids,
        recover_s=[exit_s],
        notes=f"slowest /health or GET while blocked {slowest:.2f} s; DELETE {deleted_s:.2f} s; "
        f"owner exit after SIGTERM {exit_s:.1f} s (recover column)",
    )
    assert all_in_state(await safe_status(connect, "after"), "RUNNING", 3)
    assert analysis.errors(pipeline.task_ids, require_complete=True) == []
