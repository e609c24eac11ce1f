"""The broker stopped and started again under load (this module's own broker).

Three workers run the Verifiable pipeline; the broker is stopped cleanly for longer than a group
session, then started again on the same data and port. While it is down, ``GET /health`` is
polled on every worker; once it is back, everything must be RUNNING again without anyone touching
the cluster, every worker healthy, and the drained pipeline must show no lost record (the
records in flight when the broker went away are sent again: duplicates are allowed).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import aiohttp
import pytest

from system_tests.results import Figures, Results
from system_tests.services import ConnectService, KafkaService
from system_tests.verify import Pipeline
from tests.integration.cluster.cluster_support import EventLog, start_workers
from tests.support import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.system, pytest.mark.system_full]

OUTAGE_S = 20.0


async def health_codes(connect: ConnectService, until: float) -> Counter[int]:
    """``GET /health`` of every worker, over and over until ``until`` (-1: no answer)."""
    seen: Counter[int] = Counter()
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def probe(url: str) -> None:
            while time.monotonic() < until:
                try:
                    async with session.get(url + "/health") as response:
                        seen[response.status] += 1
                except (aiohttp.ClientError, OSError, TimeoutError):
                    seen[-1] += 1
                await asyncio.sleep(0.5)

        await asyncio.gather(*(probe(w.url) for w in connect.running()))
    return seen


async def test_broker_restart_under_load(
    kafka: KafkaService,
    connect: ConnectService,
    events: EventLog,
    topic: str,
    results: Results,
    figures: Figures,
) -> None:
    await start_workers(connect, 3)
    pipeline = Pipeline(connect, events, topic)
    await pipeline.create()
    await pipeline.wait_progress(beyond=20)

    await asyncio.to_thread(kafka.stop)
    down = await health_codes(connect, time.monotonic() + OUTAGE_S)
    await asyncio.to_thread(kafka.start)
    back = time.monotonic()
    await pipeline.wait_running(deadline_s=120)
    await pipeline.wait_progress(beyond=20, deadline_s=120)
    recover = time.monotonic() - back

    async def all_healthy() -> bool:
        codes = [(await connect.rest("GET", "/health", worker=w))[0] for w in connect.running()]
        return all(code == 200 for code in codes)

    await eventually(all_healthy, deadline_s=30, what="every worker healthy again")
    analysis = await pipeline.drain()
    results.record(
        figures.scenario,
        analysis,
        pipeline.task_ids,
        recover_s=[recover],
        notes=f"broker down {OUTAGE_S:.0f} s; /health during the outage {dict(down)} (-1 = no answer); "
        "recover = broker up to RUNNING and 20 more seqnos end to end",
    )
    assert any(code != 200 for code in down), f"every worker stayed healthy without a broker: {dict(down)}"
    assert analysis.errors(pipeline.task_ids, allow_duplicates=True, require_complete=True) == []
