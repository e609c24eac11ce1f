"""A worker cut off from the broker stops its tasks before their new owners start them.

One of three workers reaches the broker only through a :class:`TcpProxy` the test controls (the
broker has an extra listener advertised at the proxy's port, so every connection of that worker,
not only its bootstrap, goes through the proxy). ``ip netns`` would do the same with iproute2, but
the broker listens on loopback only; the proxy needs no privileges. The test cuts the proxy:
the cut-off worker can neither heartbeat nor produce. It must stop all its work when its session
with the coordinator has run out (``session.timeout.ms`` minus a heartbeat), while the others get
its tasks only after the coordinator expired it and the leader's scheduled rebalance delay
passed. The overlap is measured on the Verifiable event log's timestamps: per moved source task,
the last record the cut-off process handed to the runtime against the first one of the new owner;
any overlap fails the test. Then the link is healed and the worker rejoins; the drained pipeline
must show no loss (duplicates are allowed: the cut-off worker could not commit its last offsets).
"""

from __future__ import annotations

import datetime
import re
import time

import pytest

from distconnect.local.process import free_port
from system_tests.results import Figures, Results
from system_tests.services import ConnectService, TcpProxy
from system_tests.verify import Pipeline
from tests.integration.cluster.cluster_support import EventLog, leader_of, placement, start_workers
from tests.support import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.system, pytest.mark.system_full]

PROXY_PORT, PROXIED_LISTENER_PORT = free_port(), free_port()
_LOST = re.compile(
    r"^\[(\S+ \S+)\] WARNING distconnect.herder: Lost contact with the group coordinator", re.M
)


def lost_contact_ms(log: str) -> float | None:
    """When the worker logged that it stops its work for lack of a coordinator (epoch ms)."""
    found = _LOST.search(log)
    if found is None:
        return None
    stamp = datetime.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f").astimezone()
    return stamp.timestamp() * 1000


@pytest.fixture(scope="module")
def kafka_listeners() -> dict[str, tuple[int, int]]:
    return {"PROXIED": (PROXIED_LISTENER_PORT, PROXY_PORT)}


async def test_cut_off_worker_stops_before_new_owners_start(
    connect: ConnectService, events: EventLog, topic: str, results: Results, figures: Figures
) -> None:
    proxy = TcpProxy(PROXY_PORT, PROXIED_LISTENER_PORT)
    await proxy.start()
    try:
        await start_workers(connect, 2)
        [victim] = await start_workers(connect, 1, **{"bootstrap.servers": f"127.0.0.1:{PROXY_PORT}"})
        assert (await leader_of(connect)) is not victim, (
            "the proxied worker leads; the scenario needs a follower"
        )
        pipeline = Pipeline(connect, events, topic, source_tasks=6, throughput=50)
        await pipeline.create()
        await pipeline.wait_progress(beyond=20)
        status = await connect.status(pipeline.source)
        assert status is not None
        moved = sorted(t for t, w in placement(status).items() if w == victim.worker_id)
        assert moved, f"the proxied worker runs no source task: {placement(status)}"
        survivors = {w.worker_id for w in connect.running() if w is not victim}

        proxy.cut()
        cut_ms = time.time() * 1000
        began = time.monotonic()

        async def taken_over() -> bool:
            seen = await connect.status(pipeline.source, worker=connect.running()[0])
            return seen is not None and all(
                t["state"] == "RUNNING" and t["worker_id"] in survivors for t in seen["tasks"]
            )

        await eventually(
            taken_over, deadline_s=60, interval=0.1, what="the survivors running every source task"
        )
        recover = time.monotonic() - began
        await pipeline.wait_progress(beyond=10)  # (the victim's sink partitions move too)
        sent = events.events(pipeline.source, "sent")
        overlaps = {}
        for task in moved:
            old = [e["time_ms"] for e in sent if e["task"] == task and e["pid"] == victim.process.pid]
            new = [
                e["time_ms"]
                for e in sent
                if e["task"] == task and e["pid"] != victim.process.pid and e["time_ms"] > cut_ms
            ]
            overlaps[task] = (max(old) - min(new)) / 1000
        stopped_ms = lost_contact_ms(victim.log.read_text(errors="replace"))
        first_new_ms = min(
            e["time_ms"]
            for e in sent
            if e["task"] in moved and e["pid"] != victim.process.pid and e["time_ms"] > cut_ms
        )

        proxy.heal()
        await pipeline.wait_running(deadline_s=90)
        await pipeline.wait_progress(beyond=10)
        analysis = await pipeline.drain()
        worst = max(overlaps.values())
        results.record(
            figures.scenario,
            analysis,
            pipeline.task_ids,
            recover_s=[recover],
            notes=f"{len(moved)} source tasks moved; old owner's last record vs new owner's first: "
            f"{worst:+.1f} s worst (negative = a gap, no overlap); the cut-off worker began stopping its "
            f"work {(stopped_ms or 0) / 1000 - cut_ms / 1000:.1f} s after the cut, "
            f"{(first_new_ms - (stopped_ms or 0)) / 1000:.1f} s before the first new owner's record; "
            "healed and rejoined",
        )
        assert stopped_ms is not None, "the cut-off worker never logged that it stopped its work"
        assert stopped_ms < first_new_ms
        assert all(o < 0 for o in overlaps.values()), f"overlap (s) per task: {overlaps}"
        assert analysis.errors(pipeline.task_ids, allow_duplicates=True, require_complete=True) == []
    finally:
        await proxy.stop()
