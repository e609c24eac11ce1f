"""Rolling bounces of a 3-worker cluster under load (Apache's ``ConnectDistributedTest.test_bounce``).

Three ``distconnect worker`` processes run a VerifiableSource (3 tasks, 100 records/s each) into a
VerifiableSink (3 tasks) through a 3-partition topic. Three rounds, each bouncing the three
workers one after the other: SIGKILL (hard) or SIGTERM (clean), then a replacement process; the
next bounce waits until every connector and task is RUNNING on live workers again (the time from
the signal to that moment is the recovery time). Then the pipeline is drained and every record
counted: no seqno may ever be missing; after clean bounces none may be committed or flushed twice
either (a clean stop commits the source offsets after the producer flush, and the sink commits
its consumer offsets when its partitions are closed). These two run in CI.
"""

from __future__ import annotations

import time

import pytest

from system_tests.results import Figures, Results
from system_tests.services import ConnectService
from system_tests.verify import Pipeline
from tests.integration.cluster.cluster_support import EventLog, start_workers

pytestmark = [pytest.mark.kafka, pytest.mark.system]

ROUNDS, WORKERS = 3, 3


async def rolling_bounce(connect: ConnectService, pipeline: Pipeline, *, clean: bool) -> list[float]:
    recover: list[float] = []
    for round_ in range(ROUNDS):
        for slot in range(WORKERS):
            victim = connect.running()[0]  # the oldest live worker: each slot in turn
            began = time.monotonic()
            await connect.bounce(victim, clean=clean)
            await pipeline.wait_running(deadline_s=90)
            recover.append(time.monotonic() - began)
            print(f"round {round_ + 1}, bounce {slot + 1}: RUNNING again after {recover[-1]:.1f} s")
        await pipeline.wait_progress(beyond=20)
    return recover


@pytest.mark.parametrize("clean", [False, True], ids=["hard", "clean"])
async def test_rolling_bounce(
    connect: ConnectService, events: EventLog, topic: str, results: Results, figures: Figures, clean: bool
) -> None:
    await start_workers(connect, WORKERS)
    pipeline = Pipeline(connect, events, topic)
    await pipeline.create()
    await pipeline.wait_progress(beyond=20)

    recover = await rolling_bounce(connect, pipeline, clean=clean)
    assert len(connect.running()) == WORKERS
    assert await pipeline.running_on_live_workers(), "not everything RUNNING after the bounces"
    analysis = await pipeline.drain()
    kind = "SIGTERM" if clean else "SIGKILL"
    results.record(
        figures.scenario,
        analysis,
        pipeline.task_ids,
        recover_s=recover,
        notes=f"{ROUNDS} rounds x {WORKERS} workers, {kind}; source 3 tasks x 100/s, sink 3 tasks",
    )
    # A hard kill loses the records sent since the last offset commit: they are sent again
    # (at least once). Nothing is ever skipped.
    problems = analysis.errors(
        pipeline.task_ids, allow_duplicates=not clean, require_complete=True, min_progress=500
    )
    assert problems == []
