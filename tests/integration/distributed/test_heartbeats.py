"""DESIGN-NOTES §1: work that hogs the worker's event loop never costs the group a heartbeat.

A source task whose ``poll`` blocks the event loop for longer than a whole session (a plain
``time.sleep``, standing in for a CPU-bound conversion or a plugin calling a blocking library on
the loop) runs on one of two herders for three polls. Because the group member heartbeats from
its own thread, the coordinator never evicts either worker: no rebalance happens, the generation
stays the same and heartbeats keep being answered while the loop is blocked.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Mapping

import pytest

from distconnect.api.config import ConfigDef
from distconnect.api.connector import SourceConnector
from distconnect.api.records import SourceRecord
from distconnect.api.task import SourceTask
from tests.integration.distributed.herder_support import Cluster
from tests.support import eventually

pytestmark = pytest.mark.kafka

SESSION_MS = 6000
#: Each poll blocks the loop for longer than the session timeout.
HOG_S = 7.0
POLLS = 3
#: Blocking polls done so far (the task runs in this process).
DONE: list[float] = []
#: Set by the test once the cluster has settled; the task hogs the loop only after that.
GO = threading.Event()


class LoopHoggingTask(SourceTask):
    async def start(self, props: Mapping[str, str]) -> None:
        self.topic = props["topic"]
        self.polls = 0

    async def poll(self) -> list[SourceRecord]:
        if self.polls >= POLLS or not GO.is_set():
            await asyncio.sleep(0.1)
            return []
        self.polls += 1
        time.sleep(HOG_S)  # noqa: ASYNC251  (deliberately blocks the event loop)
        DONE.append(time.monotonic())
        return [
            SourceRecord(
                topic=self.topic,
                value=f"poll-{self.polls}",
                source_partition={"p": 0},
                source_offset={"n": self.polls},
            )
        ]

    async def stop(self) -> None:
        pass

    def version(self) -> str:
        return "1"


class LoopHoggingSource(SourceConnector):
    def start(self, props: Mapping[str, str]) -> None:
        self.props = dict(props)

    def task_class(self) -> type[SourceTask]:
        return LoopHoggingTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.props)]

    def stop(self) -> None:
        pass

    def config(self) -> ConfigDef:
        return ConfigDef()

    def version(self) -> str:
        return "1"


@pytest.fixture
async def cluster(kafka_bootstrap: str) -> AsyncIterator[Cluster]:
    c = Cluster(kafka_bootstrap, session_timeout_ms=SESSION_MS, heartbeat_interval_ms=1000)
    try:
        yield c
    finally:
        await c.stop_all()


async def test_a_task_blocking_the_loop_for_longer_than_a_session_causes_no_rebalance(
    cluster: Cluster, topic: str
) -> None:
    DONE.clear()
    GO.clear()
    herders = [await cluster.add(), await cluster.add()]
    await eventually(
        lambda: all(h.rebalances and not h.member.rejoin_needed() for h in herders),  # type: ignore[union-attr]
        deadline_s=30,
        what="both workers joined",
    )
    await cluster.put(
        "hog", {"connector.class": f"{__name__}.LoopHoggingSource", "tasks.max": "1", "topic": topic}
    )
    await cluster.wait_running("hog", 1)
    generations = [h.generation for h in herders]
    members = [h.member.member for h in herders]  # type: ignore[union-attr]
    heartbeats = [m.heartbeats for m in members]

    started = time.monotonic()
    GO.set()
    await eventually(
        lambda: len(DONE) >= POLLS, deadline_s=HOG_S * POLLS + 30, what=f"{POLLS} blocking polls"
    )
    blocked_for = time.monotonic() - started
    assert blocked_for >= HOG_S * (POLLS - 1), "the loop was not blocked as long as the test assumes"
    assert [h.generation for h in herders] == generations
    assert all(not m.session_expired() for m in members)
    # Heartbeats went on while the loop was blocked: about one per second, not one per poll.
    assert all(
        m.heartbeats - before >= (HOG_S * (POLLS - 1)) / 2
        for m, before in zip(members, heartbeats, strict=True)
    )
