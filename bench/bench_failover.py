"""Failover and rebalance times of a distributed cluster of ``distconnect worker`` processes.

Everything runs on one machine: a real KRaft broker (:class:`distconnect.local.kafka.LocalKafka`,
a temporary directory, a free port) and :class:`distconnect.local.cluster.LocalCluster` workers,
each a separate OS process with its REST API on 127.0.0.1, killed with real signals. Every
repetition uses a fresh cluster (its own group and internal topics). Workers run Apache's defaults
``session.timeout.ms=10000`` and ``heartbeat.interval.ms=3000``; the other settings are given per
scenario. Times are taken from the moment the signal is sent (or the worker process started) by
polling ``GET /connectors?expand=status`` on a surviving worker every 100 ms, so each figure
includes up to ~0.1 s of polling granularity. Repetitions 1, 2 and 3 send their signal 0, 1 and 2 s
after the cluster settled, to sample different points of the heartbeat cycle.

Scenarios (one VerifiableSource, ``tasks.max=6``, 10 records/s per task, on 3 workers unless said):

* **kill**: SIGKILL a follower (not the group leader: a new leader has no memory of the lost work
  and reassigns it at once); time until the connector and all 6 tasks are RUNNING on the two
  survivors. Static membership off and on (``group.instance.id`` per worker) x
  ``scheduled.rebalance.max.delay.ms`` 0 and 10000 (Apache's default, 300000, would hold the work
  back for 5 minutes). "noticed" is the first rebalance the survivors completed after the kill
  (from their logs): the coordinator's session timeout.
* **restart**: static membership, delay 0: SIGKILL a follower and start it again at once with the
  same ``group.instance.id`` and REST port (a Kubernetes pod restart); time until each of its
  connectors/tasks has a new RUNNING status from it, and, once a full session has passed since the
  kill, how many connectors/tasks changed worker and how many rebalances the survivors completed.
* **sigterm**: SIGTERM a follower (static membership off: it stops its tasks, commits offsets and
  sends LeaveGroup); time until its work is RUNNING on the survivors, delay 0 and 10000.
* **join**: 2 workers, 50 VerifiableSource connectors x 2 tasks (1 record/s per task), created
  one POST at a time (latency per POST); then a third worker starts: when it joined the group (its
  log), when its first task ran, and when the cluster was balanced (connectors and tasks each
  within one per worker) with all 150 connectors and tasks RUNNING; how many moved, and how many
  of those that did not move were stopped or started anyway (should be 0).

"Restarted" is read from the status topic, consumed from its end just before the event: every
start of a connector or task writes a RUNNING record for it and every stop an UNASSIGNED one, so
an instance with no new record was neither stopped nor started.

Run: ``.venv/bin/python bench/bench_failover.py [--reps 3] [--only kill restart sigterm join]
[--connectors 50] [--quick]`` (the whole bench takes about 7 minutes on 2 cores with 3
repetitions; ``--quick`` is one repetition). Results go to ``bench/results/failover-<date>.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from distconnect import __version__
from distconnect.local import process
from distconnect.local.assignments import Placement, leader_of, rebalances_since, wait_placement
from distconnect.local.cluster import LocalCluster, WorkerProcess
from distconnect.local.kafka import LocalKafka
from distconnect.local.kafka_layout import KAFKA_VERSION

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SCENARIOS = ("kill", "restart", "sigterm", "join")
SESSION_MS = 10_000
#: Apache's defaults, spelled out so the results file shows them.
BASE_SETTINGS = {"session.timeout.ms": str(SESSION_MS), "heartbeat.interval.ms": "3000"}
TASKS = 6
POLL_S = 0.1
HEARTBEAT_S = 3.0


def phase(rep: int) -> float:
    """How long to wait, once the cluster has settled, before the signal of repetition ``rep``:
    0, 1 or 2 s, so that the repetitions hit different points of the 3 s heartbeat cycle (right
    after a rebalance every member's heartbeats are in step, and the timing depends on it)."""
    return (rep % 3) * HEARTBEAT_S / 3


READING = (
    "Reading the figures. The coordinator drops a SIGKILLed worker `session.timeout.ms` after its last "
    "heartbeat, and the survivors learn of the rebalance on their next heartbeat (every "
    "`heartbeat.interval.ms`), so 'noticed' lies between about 7 and 13 s after the kill; then the "
    "leader holds the lost work back for `scheduled.rebalance.max.delay.ms` (Apache's default, 300000, "
    "would add 5 minutes). "
    "A SIGTERMed worker leaves the group at once; the survivors learn of it on their next heartbeat, "
    "and the leader still holds its work back for the delay, as Apache's assignor does. Static "
    "membership changes nothing for a worker that does not come back (it is dropped after the session "
    "timeout like any other); a worker that restarts within the session gets its assignment back "
    "without a rebalance. A joining worker takes two rebalance rounds (the leader revokes, then "
    "assigns), each reaching the existing workers through a heartbeat."
)


# -- the status topic ---------------------------------------------------------------------------------
class StatusWatch:
    """Records written to a cluster's status topic from the moment :meth:`start` returns."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.records: list[tuple[float, str, dict[str, Any] | None]] = []  # (monotonic, key, value)
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            [described] = await admin.describe_topics([self.topic])
        finally:
            await admin.close()
        partitions = [TopicPartition(self.topic, p["partition"]) for p in described["partitions"]]
        if not partitions:
            raise RuntimeError(f"status topic {self.topic} has no partitions")
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        consumer.assign(partitions)
        for tp, end in (await consumer.end_offsets(partitions)).items():
            consumer.seek(tp, end)
        self._consumer = consumer
        self._task = asyncio.create_task(self._run(consumer))

    async def _run(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=100)
            now = time.monotonic()
            for batch in batches.values():
                for r in batch:
                    value = None if r.value is None else orjson.loads(r.value)
                    self.records.append((now, r.key.decode() if r.key else "", value))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    def touched(self) -> set[str]:
        """Instances (``"name"`` / ``"name/3"``) with any new status record."""
        return {i for _, key, _ in self.records if (i := instance_of(key))}

    def running_since(self, since: float, worker_id: str) -> dict[str, float]:
        """Instance -> when a RUNNING record from ``worker_id`` arrived after ``since`` (first one)."""
        out: dict[str, float] = {}
        for when, key, value in self.records:
            i = instance_of(key)
            if (
                i
                and when >= since
                and value
                and value.get("state") == "RUNNING"
                and value.get("worker_id") == worker_id
            ):
                out.setdefault(i, when)
        return out


def instance_of(key: str) -> str | None:
    """``status-connector-x`` -> ``x``, ``status-task-x-3`` -> ``x/3`` (None for other keys)."""
    if key.startswith("status-connector-"):
        return key.removeprefix("status-connector-")
    if key.startswith("status-task-"):
        name, _, task = key.removeprefix("status-task-").rpartition("-")
        return f"{name}/{task}" if name and task.isdigit() else None
    return None


# -- clusters -----------------------------------------------------------------------------------------
@dataclass
class Bench:
    bootstrap: str
    work: Path
    failures: list[str] = field(default_factory=list)
    _clusters: int = 0

    def cluster(self, label: str, **settings: str) -> LocalCluster:
        self._clusters += 1
        group = f"bench-{self._clusters:02d}-{label}-{uuid.uuid4().hex[:6]}"
        return LocalCluster(
            self.bootstrap, self.work / group, group=group, settings={**BASE_SETTINGS, **settings}
        )

    async def create_topic(self, topic: str, partitions: int) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
        finally:
            await admin.close()


def source(cluster: LocalCluster, topic: str, tasks: int, throughput: int) -> dict[str, str]:
    return {
        "connector.class": "VerifiableSource",
        "tasks.max": str(tasks),
        "topic": topic,
        "throughput": str(throughput),
        "verifiable.log.file": str(cluster.directory / "verifiable-events.jsonl"),
    }


async def start_workers(cluster: LocalCluster, count: int, *, static: bool) -> list[WorkerProcess]:
    workers = []
    for _ in range(count):
        extra: dict[str, Any] = (
            {"group.instance.id": f"{cluster.group}-w{len(cluster.workers)}"} if static else {}
        )
        workers.append(cluster.start_worker(**extra))
    await asyncio.gather(*(cluster.wait_ready(w) for w in workers))
    return workers


async def post(
    cluster: LocalCluster, name: str, config: dict[str, str], worker: WorkerProcess | None = None
) -> float:
    """Create a connector; the POST's latency in seconds."""
    started = time.monotonic()
    code, body = await cluster.rest("POST", "/connectors", {"name": name, "config": config}, worker=worker)
    took = time.monotonic() - started
    if code != 201:
        raise RuntimeError(f"POST /connectors {name}: {code} {body}")
    return took


async def exit_time(worker: WorkerProcess) -> tuple[int, float]:
    """(exit code, monotonic time of the exit) of ``worker``, polled every 20 ms."""
    deadline = time.monotonic() + 60
    while worker.process.poll() is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"worker {worker.index} still running 60 s after the signal")
        await asyncio.sleep(0.02)
    return worker.process.returncode, time.monotonic()


def spread_ok(p: Placement, workers: Sequence[WorkerProcess]) -> bool:
    """Connectors and tasks each within one of each other per worker."""
    ids = [w.worker_id for w in workers]
    for kind in (False, True):
        counts = dict.fromkeys(ids, 0)
        for instance, (_, worker) in p.states.items():
            if ("/" in instance) == kind:
                counts[worker] = counts.get(worker, 0) + 1
        if max(counts.values()) - min(counts.values()) > 1 or set(counts) != set(ids):
            return False
    return True


async def balanced_single(cluster: LocalCluster, workers: list[WorkerProcess]) -> Placement:
    """The 1 + 6 instances RUNNING, tasks 2/2/2 over ``workers``."""
    ids = {w.worker_id for w in workers}

    def done(p: Placement) -> bool:
        tasks = [p.worker(t) for t in p.tasks()]
        return p.running_on(ids, 1 + TASKS) and all(tasks.count(i) == TASKS // len(ids) for i in ids)

    return await wait_placement(cluster, done, timeout_s=60, what="1 + 6 RUNNING, tasks 2/2/2")


async def follower(cluster: LocalCluster, now: Placement) -> WorkerProcess:
    """A worker that is not the leader (whose logs all agree on), with work."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        leader = leader_of(cluster)
        if leader is not None:
            return max(
                (w for w in cluster.running() if w is not leader), key=lambda w: len(now.on(w.worker_id))
            )
        await asyncio.sleep(0.1)
    raise RuntimeError("the workers do not agree on a leader")


# -- scenarios ----------------------------------------------------------------------------------------
async def leave(
    bench: Bench, rep: int, *, sig: signal.Signals, static: bool, delay_ms: int
) -> dict[str, float]:
    """SIGKILL or SIGTERM a follower; seconds until its work is RUNNING on the two others."""
    label = f"{sig.name.lower()}-{'static' if static else 'dynamic'}-{delay_ms}"
    cluster = bench.cluster(label, **{"scheduled.rebalance.max.delay.ms": str(delay_ms)})
    try:
        await start_workers(cluster, 3, static=static)
        await post(cluster, "vs", source(cluster, f"{cluster.group}-data", TASKS, 10))
        before = await balanced_single(cluster, cluster.running())
        victim = await follower(cluster, before)
        survivors = [w for w in cluster.running() if w is not victim]
        ids = {w.worker_id for w in survivors}
        watch = StatusWatch(bench.bootstrap, f"{cluster.group}-status")
        await watch.start()
        await asyncio.sleep(phase(rep))
        try:
            sent, sent_wall = time.monotonic(), time.time()
            victim.signal(sig)
            exit_at = asyncio.ensure_future(exit_time(victim))
            after = await wait_placement(
                cluster,
                lambda p: p.running_on(ids, 1 + TASKS),
                timeout_s=(SESSION_MS + delay_ms) / 1000 + 60,
                poll_s=POLL_S,
                worker=survivors[0],
                what="the work RUNNING on the survivors",
            )
            took = time.monotonic() - sent
            exited, exit_s = await exit_at
            moved = set(after.moved(before))
        finally:
            await watch.stop()
        noticed = rebalances_since(survivors, sent_wall)
        bystanders = watch.touched() - moved
        if sig == signal.SIGTERM and exited != 0:
            bench.failures.append(f"{label}: SIGTERM exit code {exited}")
        return {
            "failover_s": took,
            "noticed_s": (noticed[0] - sent_wall) if noticed else float("nan"),
            "moved": len(moved),
            "others_restarted": len(bystanders),
            "exit_s": exit_s - sent if sig == signal.SIGTERM else float("nan"),
        }
    finally:
        await cluster.stop(grace_s=20)


async def static_restart(bench: Bench, rep: int) -> dict[str, float]:
    """SIGKILL a static follower and restart it at once with the same identity."""
    cluster = bench.cluster("restart-static", **{"scheduled.rebalance.max.delay.ms": "0"})
    try:
        await start_workers(cluster, 3, static=True)
        await post(cluster, "vs", source(cluster, f"{cluster.group}-data", TASKS, 10))
        before = await balanced_single(cluster, cluster.running())
        victim = await follower(cluster, before)
        survivors = [w for w in cluster.running() if w is not victim]
        own = set(before.on(victim.worker_id))
        watch = StatusWatch(bench.bootstrap, f"{cluster.group}-status")
        await watch.start()
        await asyncio.sleep(phase(rep))
        try:
            killed, killed_wall = time.monotonic(), time.time()
            victim.signal(signal.SIGKILL)
            await cluster.wait_exit(victim, 10)
            restarted_at = time.monotonic()
            again = cluster.restart_worker(victim)
            await cluster.wait_ready(again)
            ready = time.monotonic()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if set(watch.running_since(restarted_at, again.worker_id)) >= own:
                    break
                await asyncio.sleep(0.05)
            running = watch.running_since(restarted_at, again.worker_id)
            if not set(running) >= own:
                raise RuntimeError(f"the restarted worker runs {sorted(running)}, not {sorted(own)}")
            back = max(running[i] for i in own)
            # Past a full session since the kill: an eviction would have caused a rebalance by now.
            settle = killed + SESSION_MS / 1000 + 3 - time.monotonic()
            await asyncio.sleep(max(settle, 0))
            everyone = {w.worker_id for w in cluster.running()}
            after = await wait_placement(
                cluster, lambda p: p.running_on(everyone, 1 + TASKS), worker=survivors[0]
            )
            others = watch.touched() - own
        finally:
            await watch.stop()
        return {
            "restart_to_ready_s": ready - restarted_at,
            "restart_to_running_s": back - restarted_at,
            "kill_to_running_s": back - killed,
            "own": len(own),
            "moved": len(after.moved(before)),
            "others_restarted": len(others),
            "survivor_rebalances": len(rebalances_since(survivors, killed_wall)),
        }
    finally:
        await cluster.stop(grace_s=20)


async def join(bench: Bench, rep: int, connectors: int) -> dict[str, Any]:
    """A third worker joins two that run ``connectors`` x (1 connector + 2 tasks)."""
    cluster = bench.cluster("join", **{"scheduled.rebalance.max.delay.ms": "10000"})
    total = connectors * 3
    try:
        old = await start_workers(cluster, 2, static=False)
        topic = f"{cluster.group}-data"
        await bench.create_topic(topic, 3)
        created = time.monotonic()
        latencies = [
            await post(cluster, f"vs-{n:03d}", source(cluster, topic, 2, 1), worker=old[n % 2])
            for n in range(connectors)
        ]
        ids = {w.worker_id for w in old}
        before = await wait_placement(
            cluster, lambda p: p.running_on(ids, total), timeout_s=120, what=f"{total} RUNNING on 2 workers"
        )
        all_running = time.monotonic() - created
        watch = StatusWatch(bench.bootstrap, f"{cluster.group}-status")
        await watch.start()
        try:
            started, started_wall = time.monotonic(), time.time()
            new = cluster.start_worker()
            everyone = [*old, new]
            ids3 = {w.worker_id for w in everyone}
            first_task: float | None = None

            def done(p: Placement) -> bool:
                nonlocal first_task
                if first_task is None and any(p.states[i] == ("RUNNING", new.worker_id) for i in p.tasks()):
                    first_task = time.monotonic() - started
                return p.running_on(ids3, total) and spread_ok(p, everyone)

            after = await wait_placement(
                cluster, done, timeout_s=120, poll_s=POLL_S, worker=old[0], what="a balanced cluster"
            )
            balanced = time.monotonic() - started
            moved = set(after.moved(before))
        finally:
            await watch.stop()
        joined = rebalances_since([new], started_wall)
        touched = watch.touched()
        return {
            "post_p50_ms": statistics.median(latencies) * 1000,
            "post_p95_ms": percentile(latencies, 95) * 1000,
            "create_all_s": all_running,
            "joined_s": (joined[0] - started_wall) if joined else float("nan"),
            "first_task_s": first_task if first_task is not None else float("nan"),
            "balanced_s": balanced,
            "moved_connectors": sum(1 for i in moved if "/" not in i),
            "moved_tasks": sum(1 for i in moved if "/" in i),
            "restarted_not_moved": len(touched - moved),
            "moved_not_restarted": len(moved - touched),
            "per_worker": sorted(after.counts(ids3).values()),
        }
    finally:
        await cluster.stop(grace_s=60)


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


# -- running and reporting ----------------------------------------------------------------------------
@dataclass
class Case:
    scenario: str
    label: str
    params: dict[str, str] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def values(self, key: str) -> list[float]:
        return [r[key] for r in self.runs if r[key] == r[key]]  # drops NaN

    def stat(self, key: str, fmt: str = "{:.1f}", unit: str = " s") -> str:
        vals = self.values(key)
        if not vals:
            return "n/a"
        med = fmt.format(statistics.median(vals)) + unit
        if len(vals) == 1:
            return med
        return f"{med} ({fmt.format(min(vals))}-{fmt.format(max(vals))})"

    def total(self, key: str) -> str:
        vals = [int(v) for v in self.values(key)]
        return " / ".join(str(v) for v in vals) or "n/a"


async def repeat(
    case: Case, reps: int, run: Callable[[int], Any], bench: Bench, log: Callable[[str], None]
) -> Case:
    for rep in range(reps):
        started = time.monotonic()
        try:
            result = await run(rep)
        except Exception as err:  # a failed repetition is reported, the others still run
            case.errors.append(f"{type(err).__name__}: {err}")
            bench.failures.append(f"{case.label} rep {rep + 1}: {err}")
            log(f"  {case.label} rep {rep + 1}: FAILED: {err}")
            continue
        case.runs.append(result)
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in result.items())
        log(f"  {case.label} rep {rep + 1} ({time.monotonic() - started:.0f} s): {shown}")
    return case


def _fmt(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


async def run_all(bench: Bench, scenarios: Sequence[str], reps: int, connectors: int) -> list[Case]:
    def log(line: str) -> None:
        print(line, flush=True)

    cases: list[Case] = []
    if "kill" in scenarios:
        for static in (False, True):
            for delay in (0, 10_000):
                label = f"SIGKILL, static {'on' if static else 'off'}, delay {delay}"

                def kill(rep: int, static: bool = static, delay: int = delay) -> Any:
                    return leave(bench, rep, sig=signal.SIGKILL, static=static, delay_ms=delay)

                params = {"static": "on" if static else "off", "delay": str(delay)}
                cases.append(await repeat(Case("kill", label, params), reps, kill, bench, log))
    if "restart" in scenarios:
        cases.append(
            await repeat(
                Case("restart", "static restart"), reps, lambda rep: static_restart(bench, rep), bench, log
            )
        )
    if "sigterm" in scenarios:
        for delay in (0, 10_000):

            def term(rep: int, delay: int = delay) -> Any:
                return leave(bench, rep, sig=signal.SIGTERM, static=False, delay_ms=delay)

            case = Case("sigterm", f"SIGTERM, static off, delay {delay}", {"delay": str(delay)})
            cases.append(await repeat(case, reps, term, bench, log))
    if "join" in scenarios:
        case = Case("join", f"join: {connectors} connectors x 2 tasks")
        cases.append(await repeat(case, reps, lambda rep: join(bench, rep, connectors), bench, log))
    return cases


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A markdown table under a ``###`` title; the first column left-aligned, the others right."""
    return [
        f"### {title}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---", *(["---:"] * (len(header) - 1))]) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]


def runs(case: Case) -> str:
    return f"{len(case.runs)}" + (f" ({len(case.errors)} failed)" if case.errors else "")


def render(cases: list[Case], connectors: int) -> str:
    out: list[str] = []
    of = {kind: [c for c in cases if c.scenario == kind] for kind in SCENARIOS}
    if of["kill"]:
        out += table(
            "SIGKILL a follower: time until its work is RUNNING on the 2 survivors",
            [
                "static membership",
                "scheduled.rebalance.max.delay.ms",
                "failover",
                "coordinator noticed",
                "moved (per run)",
                "other instances restarted",
                "runs",
            ],
            [
                [
                    c.params["static"],
                    c.params["delay"],
                    c.stat("failover_s"),
                    c.stat("noticed_s"),
                    c.total("moved"),
                    c.total("others_restarted"),
                    runs(c),
                ]
                for c in of["kill"]
            ],
        )
    if of["restart"]:
        out += table(
            "Static membership: SIGKILL a follower and restart it at once with the same group.instance.id",
            [
                "restart -> REST up",
                "restart -> its work RUNNING again",
                "kill -> its work RUNNING again",
                "its instances",
                "instances that changed worker",
                "other instances restarted",
                "rebalances on the survivors",
                "runs",
            ],
            [
                [
                    c.stat("restart_to_ready_s"),
                    c.stat("restart_to_running_s"),
                    c.stat("kill_to_running_s"),
                    c.total("own"),
                    c.total("moved"),
                    c.total("others_restarted"),
                    c.total("survivor_rebalances"),
                    runs(c),
                ]
                for c in of["restart"]
            ],
        )
    if of["sigterm"]:
        out += table(
            "SIGTERM a follower (a graceful stop: it leaves the group), static membership off",
            [
                "scheduled.rebalance.max.delay.ms",
                "failover",
                "worker exited (code 0)",
                "moved (per run)",
                "other instances restarted",
                "runs",
            ],
            [
                [
                    c.params["delay"],
                    c.stat("failover_s"),
                    c.stat("exit_s"),
                    c.total("moved"),
                    c.total("others_restarted"),
                    runs(c),
                ]
                for c in of["sigterm"]
            ],
        )
    total = connectors * 3
    for c in of["join"]:
        per_worker = " / ".join("-".join(map(str, r["per_worker"])) for r in c.runs) or "n/a"
        out += table(
            f"A third worker joins 2 workers running {connectors} connectors x 2 tasks ({total} instances)",
            ["", "median (range) or per run"],
            [
                ["POST /connectors latency p50", c.stat("post_p50_ms", "{:.0f}", " ms")],
                ["POST /connectors latency p95", c.stat("post_p95_ms", "{:.0f}", " ms")],
                [f"first POST -> all {total} RUNNING on 2 workers", c.stat("create_all_s")],
                ["new worker's start -> it joined the group (its log)", c.stat("joined_s")],
                ["new worker's start -> first task RUNNING on it", c.stat("first_task_s")],
                [f"new worker's start -> balanced, all {total} RUNNING", c.stat("balanced_s")],
                ["connectors moved", c.total("moved_connectors")],
                ["tasks moved", c.total("moved_tasks")],
                ["instances stopped or started without moving", c.total("restarted_not_moved")],
                ["moved without a new status record", c.total("moved_not_restarted")],
                ["instances per worker after", per_worker],
                ["runs", runs(c)],
            ],
        )
    return "\n".join(out)


def machine() -> list[str]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(HERE.parent), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    changed = git("status", "--porcelain", "--", "distconnect")
    cpu = platform.machine()
    with contextlib.suppress(OSError, AttributeError):
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1)  # type: ignore[union-attr]
    return [
        f"- distconnect {__version__} (git {git('rev-parse', '--short', 'HEAD') or '?'}, "
        f"{'uncommitted changes in distconnect/' if changed else 'clean'}), "
        f"Python {platform.python_version()}",
        f"- Apache Kafka {KAFKA_VERSION} broker (one KRaft node, same machine)",
        f"- {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each case (default 3)")
    parser.add_argument("--quick", action="store_true", help="one repetition of each case")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=SCENARIOS)
    parser.add_argument("--connectors", type=int, default=50, help="connectors of the join scenario")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (worker logs)")
    parser.add_argument("--output", type=Path, help="results file (default bench/results/failover-DATE.md)")
    parser.add_argument(
        "--bootstrap", help="use this running broker instead of starting one (for development)"
    )
    args = parser.parse_args()
    reps = 1 if args.quick else args.reps

    started = time.monotonic()
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="distconnect-failover-"))
    broker = None if args.bootstrap else LocalKafka(work / "kafka", port=process.free_port())
    try:
        bootstrap = args.bootstrap if broker is None else broker.start().bootstrap
        assert bootstrap is not None
        print(f"broker at {bootstrap}, work dir {work}", flush=True)
        bench = Bench(bootstrap, work)
        cases = asyncio.run(run_all(bench, args.only, reps, args.connectors))
    finally:
        if broker is not None:
            broker.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    minutes = (time.monotonic() - started) / 60
    command = shlex.join([".venv/bin/python", "bench/bench_failover.py", *sys.argv[1:]])
    text = "\n".join(
        [
            f"# Failover and rebalance times ({datetime.date.today().isoformat()})",
            "",
            f"Command: `{command}` ({minutes:.1f} min in all, {reps} repetition(s) per case)",
            "",
            *machine(),
            f"- load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f}",
            "",
            "Workers: `distconnect worker` processes on 127.0.0.1, `session.timeout.ms=10000` and "
            "`heartbeat.interval.ms=3000` (Apache's defaults). Times: median (min-max) over the runs, "
            "from the signal (or the new process's start) to the first 100 ms status poll that showed "
            "the result. 'Other instances restarted': connectors/tasks that did not move but got a "
            "new status record (were stopped or started); should be 0. Method: `bench/bench_failover.py`'s "
            "docstring.",
            "",
            READING,
            "",
            render(cases, args.connectors),
            *(["## Failures", "", *(f"- {f}" for f in bench.failures), ""] if bench.failures else []),
        ]
    )
    print()
    print(text)
    suffix = "-quick" if args.quick else ""
    saved = args.output or RESULTS / f"failover-{datetime.date.today().isoformat()}{suffix}.md"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(text)
    print(f"saved {saved}")
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
