"""Helpers for the multi-process cluster tests: connector configs, REST waits, raw topic reads.

Everything polls with a deadline (``tests.support.eventually``); nothing sleeps a fixed time.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from distconnect.connectors.verifiable.analysis import Analysis, analyze, read_events
from distconnect.local.cluster import LocalCluster, WorkerProcess
from tests.support import eventually, stop_consumer

#: Worker settings of every test cluster: failures are detected and handled in seconds.
FAST_SETTINGS: dict[str, str] = {
    "session.timeout.ms": "6000",  # the broker's group.min.session.timeout.ms
    "heartbeat.interval.ms": "1000",
    "rebalance.timeout.ms": "20000",
    "scheduled.rebalance.max.delay.ms": "3000",
    "offset.flush.interval.ms": "500",
}


def source_config(topic: str, log: Path, tasks: int = 6, throughput: int = 50) -> dict[str, str]:
    return {
        "connector.class": "VerifiableSourceConnector",
        "tasks.max": str(tasks),
        "topic": topic,
        "throughput": str(throughput),
        "verifiable.log.file": str(log),
    }


def sink_config(topic: str, log: Path, tasks: int = 3) -> dict[str, str]:
    return {
        "connector.class": "VerifiableSinkConnector",
        "tasks.max": str(tasks),
        "topics": topic,
        "verifiable.log.file": str(log),
    }


async def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def start_workers(cluster: LocalCluster, count: int, **overrides: str) -> list[WorkerProcess]:
    """Start ``count`` more workers; wait until each serves REST and the group is stable with
    every running worker in it (a worker answers reads before it has joined)."""
    workers = [cluster.start_worker(**overrides) for _ in range(count)]
    for worker in workers:
        await cluster.wait_ready(worker)
    await wait_group(cluster)
    return workers


async def wait_group(cluster: LocalCluster, deadline_s: float = 30.0) -> None:
    """The coordinator reports the group Stable with exactly the running workers as members."""
    wanted = {member_client_id(cluster, w) for w in cluster.running()}

    async def stable() -> bool:
        state, members = await group_members(cluster.bootstrap, cluster.group)
        return state == "Stable" and members == wanted

    await eventually(
        stable, deadline_s=deadline_s, what=f"group {cluster.group} Stable with {sorted(wanted)}"
    )


def member_client_id(cluster: LocalCluster, worker: WorkerProcess) -> str:
    """The client id a worker's group member uses (how the coordinator names it)."""
    return f"{cluster.group}-{worker.worker_id}-member"


async def group_members(bootstrap: str, group: str) -> tuple[str, set[str]]:
    """The Connect group's state and its members' client ids, as the coordinator sees them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
        [described] = response.to_object()["groups"]
        return described["state"], {m["client_id"] for m in described["members"]}
    finally:
        await admin.close()


async def create(
    cluster: LocalCluster, name: str, config: Mapping[str, str], worker: WorkerProcess | None = None
) -> None:
    code, body = await cluster.rest(
        "POST", "/connectors", {"name": name, "config": dict(config)}, worker=worker
    )
    assert code == 201, f"POST /connectors {name}: {code} {body}"


# -- statuses -------------------------------------------------------------------------------------
def placement(status: Mapping[str, Any]) -> dict[int, str]:
    """Task id -> the worker its status names."""
    return {t["id"]: t["worker_id"] for t in status["tasks"]}


def all_in_state(status: Mapping[str, Any] | None, state: str, tasks: int) -> bool:
    return (
        status is not None
        and status["connector"]["state"] == state
        and len(status["tasks"]) == tasks
        and all(t["state"] == state for t in status["tasks"])
    )


async def safe_status(
    cluster: LocalCluster, name: str, worker: WorkerProcess | None = None
) -> dict[str, Any] | None:
    try:
        return await cluster.status(name, worker)
    except (aiohttp.ClientError, OSError):
        return None


async def wait_state(
    cluster: LocalCluster, name: str, state: str, tasks: int, *, deadline_s: float = 60.0
) -> None:
    """Every running worker reports ``name`` and exactly ``tasks`` tasks in ``state``."""

    async def agreed() -> bool:
        for worker in cluster.running():
            if not all_in_state(await safe_status(cluster, name, worker), state, tasks):
                return False
        return True

    await eventually(agreed, deadline_s=deadline_s, what=f"{name} and {tasks} tasks {state} on every worker")


def per_worker(statuses: Iterable[Mapping[str, Any]]) -> tuple[Counter[str], Counter[str]]:
    """(connectors per worker id, tasks per worker id) over the given connector statuses."""
    connectors: Counter[str] = Counter()
    tasks: Counter[str] = Counter()
    for status in statuses:
        connectors[status["connector"]["worker_id"]] += 1
        tasks.update(t["worker_id"] for t in status["tasks"])
    return connectors, tasks


def spread(counts: Counter[str], workers: Iterable[str]) -> int:
    """max - min of ``counts`` over ``workers`` (a worker with nothing counts 0)."""
    values = [counts.get(w, 0) for w in workers]
    return max(values) - min(values)


# -- the leader -----------------------------------------------------------------------------------
_GENERATION_LINE = re.compile(r"Generation (\d+) \(leader (\S+)\)")


def generations_completed(worker: WorkerProcess) -> list[int]:
    """The generations whose rebalance ``worker`` completed, from its log."""
    return [int(g) for g, _ in _GENERATION_LINE.findall(worker.log.read_text(errors="replace"))]


async def leader_of(cluster: LocalCluster, deadline_s: float = 15.0) -> WorkerProcess:
    """The leader, once every running worker's log names the same one for the same generation.

    REST does not say who leads; each worker logs ``Generation N (leader URL)`` after every
    rebalance it completes.
    """

    def agreed() -> WorkerProcess | None:
        newest = set()
        for worker in cluster.running():
            found = _GENERATION_LINE.findall(worker.log.read_text(errors="replace"))
            if not found:
                return None
            generation, url = found[-1]
            newest.add((int(generation), url.rstrip("/")))
        if len(newest) != 1:
            return None
        [(_, url)] = newest
        return next((w for w in cluster.running() if w.url == url), None)

    return await eventually(agreed, deadline_s=deadline_s, what="the workers to agree on a leader")


# -- the verifiable event log ---------------------------------------------------------------------
@dataclass(frozen=True)
class EventLog:
    """The event log shared by every worker of a test (one file, appended with O_APPEND)."""

    path: Path

    def analysis(self, source: str | None = None, sink: str | None = None) -> Analysis:
        if not self.path.exists():
            return analyze([])
        events, skipped = read_events([str(self.path)])
        return analyze(events, source_name=source, sink_name=sink, skipped=skipped)

    def events(self, name: str, kind: str) -> list[dict[str, Any]]:
        """Raw event objects of connector ``name`` and ``kind`` (sent, committed, ...), in file order."""
        if not self.path.exists():
            return []
        found = []
        with open(self.path, "rb") as lines:
            for line in lines:
                try:
                    event = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if isinstance(event, dict) and event.get("name") == name and event.get("event") == kind:
                    found.append(event)
        return found

    def count(self, name: str, kind: str) -> int:
        return len(self.events(name, kind))


async def wait_stable(check: Any, *, window_s: float, deadline_s: float, what: str) -> Any:
    """Poll ``check()`` until its value has not changed for ``window_s`` seconds; return it."""
    deadline = time.monotonic() + deadline_s
    value = check()
    since = time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        current = check()
        if current != value:
            value, since = current, time.monotonic()
        elif time.monotonic() - since >= window_s:
            return value
    raise AssertionError(f"{what} still changing after {deadline_s:.0f} s (last {value!r})")


# -- raw topic reads ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawRecord:
    partition: int
    offset: int
    key: str | None
    value: bytes | None

    def json(self) -> Any:
        """The value as JSON (None for a tombstone)."""
        return None if self.value is None else orjson.loads(self.value)


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert described["error_code"] == 0, f"cannot describe {topic}: {described}"
    partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await stop_consumer(consumer)


async def read_topic(bootstrap: str, topic: str, since: Mapping[int, int] | None = None) -> list[RawRecord]:
    """Every record of ``topic`` (from ``since`` offsets per partition, else the beginning) up to
    its current end, keys decoded as UTF-8 and values raw (None for a tombstone)."""
    ends = await end_offsets(bootstrap, topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    records: list[RawRecord] = []
    try:
        partitions = [TopicPartition(topic, p) for p in ends]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, (since or {}).get(tp.partition, 0))
        deadline = time.monotonic() + 30
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp.partition]]:
            assert time.monotonic() < deadline, f"could not read {topic} to its end in 30 s"
            batches = await consumer.getmany(timeout_ms=500)
            for tp, batch in batches.items():
                for r in batch:
                    if r.offset < ends[tp.partition]:
                        key = None if r.key is None else r.key.decode()
                        records.append(RawRecord(tp.partition, r.offset, key, r.value))
    finally:
        await stop_consumer(consumer)
    return records


def latest(records: Iterable[RawRecord]) -> dict[str, Any]:
    """The last value of each key, as JSON (None for a tombstone)."""
    return {r.key: r.json() for r in records if r.key is not None}


def task_key(connector: str, task: int) -> str:
    return f"status-task-{connector}-{task}"


def connector_key(connector: str) -> str:
    return f"status-connector-{connector}"


@asynccontextmanager
async def three_workers(bootstrap: str, directory: Path) -> AsyncIterator[LocalCluster]:
    """A 3-worker cluster with :data:`FAST_SETTINGS` for a module-scoped fixture (which should be
    named ``cluster``, so a failure attaches the workers' logs); stopped on the way out."""
    local = LocalCluster(bootstrap, directory, settings=FAST_SETTINGS)
    try:
        await start_workers(local, 3)
        yield local
    finally:
        await local.stop(grace_s=20)


async def a_follower(cluster: LocalCluster) -> WorkerProcess:
    """A worker that is not the leader: where tests send writes, so forwarding is on the path."""
    leader = await leader_of(cluster)
    return next(w for w in cluster.running() if w is not leader)
