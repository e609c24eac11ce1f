"""The VerifiableSource -> VerifiableSink pipeline every scenario runs, and how its records are counted.

Counting follows Apache's ``ConnectDistributedTest.test_bounce``: per source task, no committed
seqno may be missing below the largest one, no flushed seqno may be missing below the largest
flushed one, and after a clean shutdown nothing may be committed or flushed twice
(:mod:`distconnect.connectors.verifiable.analysis`). Before counting, the pipeline is *drained*:
the source is paused and the sink must have flushed every committed seqno, so a tail in flight is
not mistaken for a loss. The REST helpers of ``tests/integration/cluster`` are reused.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from distconnect.connectors.verifiable.analysis import Analysis
from system_tests.services import ConnectService
from tests.integration.cluster.cluster_support import (
    EventLog,
    all_in_state,
    create_topic,
    safe_status,
    sink_config,
    source_config,
    wait_stable,
)
from tests.support import eventually


@dataclass
class Pipeline:
    """One VerifiableSource (``source_tasks`` tasks) feeding one VerifiableSink through ``topic``."""

    connect: ConnectService
    events: EventLog
    topic: str
    source: str = "vsrc"
    sink: str = "vsink"
    source_tasks: int = 3
    sink_tasks: int = 3
    throughput: int = 100
    last_seen: Any = None  # what the last failed check saw (for the failure message)

    @property
    def task_ids(self) -> range:
        return range(self.source_tasks)

    async def create(self, partitions: int = 3, **sink_extra: str) -> None:
        await create_topic(self.connect.bootstrap, self.topic, partitions)
        await self.put(
            self.source, source_config(self.topic, self.events.path, self.source_tasks, self.throughput)
        )
        await self.put(
            self.sink, {**sink_config(self.topic, self.events.path, self.sink_tasks), **sink_extra}
        )
        await self.wait_running()

    async def put(self, name: str, config: dict[str, str]) -> None:
        code, body = await self.connect.call("PUT", f"/connectors/{name}/config", config)
        assert code in (200, 201), f"PUT /connectors/{name}/config: {code} {body}"

    async def running_on_live_workers(self) -> list[dict[str, Any]] | None:
        """Both statuses, if every live worker reports both connectors and all their tasks RUNNING
        on live workers (the same placement everywhere)."""
        live = {w.worker_id for w in self.connect.running()}
        seen: list[list[dict[str, Any]]] = []
        for worker in self.connect.running():
            statuses = []
            for name, tasks in ((self.source, self.source_tasks), (self.sink, self.sink_tasks)):
                status = await safe_status(self.connect, name, worker)
                self.last_seen = {"from": worker.worker_id, "status": status}
                if not all_in_state(status, "RUNNING", tasks):
                    return None
                assert status is not None
                if not all(s["worker_id"] in live for s in [status["connector"], *status["tasks"]]):
                    return None
                statuses.append(status)
            seen.append(statuses)
        if not seen or any(s != seen[0] for s in seen):
            self.last_seen = {"disagree": seen}
            return None
        return seen[0]

    async def wait_running(self, deadline_s: float = 90) -> float:
        """Seconds until every live worker reports everything RUNNING on live workers."""
        began = time.monotonic()
        try:
            await eventually(
                self.running_on_live_workers,
                deadline_s=deadline_s,
                interval=0.25,
                what="both connectors RUNNING",
            )
        except AssertionError as err:
            raise AssertionError(f"{err}; last seen: {self.last_seen}") from None
        return time.monotonic() - began

    def analysis(self) -> Analysis:
        return self.events.analysis(self.source, self.sink)

    async def wait_progress(self, beyond: int = 20, deadline_s: float = 60) -> None:
        """Every source task commits, and the sink flushes, ``beyond`` seqnos past where it is now."""
        now = self.analysis()
        target = {t: now.report(t).max_committed + beyond for t in self.task_ids}

        def progressed() -> bool:
            later = self.analysis()
            return all(
                later.report(t).max_committed >= target[t] and later.report(t).max_flushed >= target[t]
                for t in self.task_ids
            )

        await eventually(
            progressed, deadline_s=deadline_s, what=f"every task {beyond} seqnos further end to end"
        )

    async def drain(self, deadline_s: float = 60) -> Analysis:
        """Pause the source, wait for its commits to stop and for the sink to flush all of them."""
        code, body = await self.connect.call("PUT", f"/connectors/{self.source}/pause")
        assert code == 202, f"pause: {code} {body}"

        async def paused() -> bool:
            status = await safe_status(self.connect, self.source)
            return all_in_state(status, "PAUSED", self.source_tasks)

        await eventually(paused, deadline_s=deadline_s, what=f"{self.source} PAUSED")
        await wait_stable(
            lambda: self.events.count(self.source, "committed"),
            window_s=1.5,
            deadline_s=deadline_s,
            what="the source's commits",
        )

        def complete() -> Analysis | None:
            analysis = self.analysis()
            return None if any(analysis.report(t).undelivered for t in self.task_ids) else analysis

        return await eventually(
            complete, deadline_s=deadline_s, what="the sink to flush every committed seqno"
        )

    async def resume(self) -> None:
        code, body = await self.connect.call("PUT", f"/connectors/{self.source}/resume")
        assert code == 202, f"resume: {code} {body}"


def event_times(events: EventLog, name: str, kinds: Iterable[str]) -> list[dict[str, Any]]:
    """Events of connector ``name`` of the given kinds (with ``pid``, ``task``, ``time_ms``)."""
    found: list[dict[str, Any]] = []
    for kind in kinds:
        found += events.events(name, kind)
    return found
