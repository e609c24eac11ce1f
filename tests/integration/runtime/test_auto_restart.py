"""Auto-restart on a standalone worker against the session broker, with a 100 ms back-off unit:
a connector and a task that fail a few times are restarted with the growing back-off until they
run; with ``auto.restart.enable=false`` (the default) a failure stays a failure."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from distconnect.runtime.states import State, TaskId
from tests.integration.runtime.rest_worker import FLAKY, new_flaky, rest_worker, sample, scrape
from tests.support import eventually

UNIT_MS = 100
#: Slack for scheduling on a loaded 2-core machine when checking that a restart was not early.
EARLY_SLACK_S = 0.1


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _config(key: str, topic: str, **fails: int) -> dict[str, str]:
    return {
        "connector.class": "tests.FlakySource",
        "flaky.id": key,
        "topic": topic,
        **{k.replace("_", "."): str(v) for k, v in fails.items()},
    }


async def _states(herder: object, name: str) -> tuple[State, list[State]]:
    info = await herder.connector_status(name)  # type: ignore[attr-defined]
    return info.connector.state, [s.state for _, s in sorted(info.tasks.items())]


async def test_failed_connector_and_task_are_restarted_with_back_off_until_they_run(
    kafka_bootstrap: str, tmp_path: Path, topic: str, http: aiohttp.ClientSession
) -> None:
    key = new_flaky()
    props = {"auto_restart_enable": "true", "auto_restart_backoff_unit_ms": str(UNIT_MS)}
    async with rest_worker(kafka_bootstrap, tmp_path, **props) as worker:
        await worker.herder.put_connector_config(
            "flaky", _config(key, topic, fail_connector_starts=1, fail_task_runs=3)
        )

        async def running() -> bool:
            return await _states(worker.herder, "flaky") == (State.RUNNING, [State.RUNNING])

        await eventually(running, deadline_s=30, what="connector and task RUNNING after restarts")
        flaky = FLAKY[key]
        assert len(flaky.connector_starts) == 2, "one failed start, one automatic restart"
        assert len(flaky.task_starts) == 4, "three failed runs, then the one that runs"
        # Restarts 2 and 3 of the task wait 2 and 6 units after the previous restart.
        gaps = [b - a for a, b in zip(flaky.task_starts[1:], flaky.task_starts[2:], strict=False)]
        assert gaps[0] >= 2 * UNIT_MS / 1000 - EARLY_SLACK_S, gaps
        assert gaps[1] >= 6 * UNIT_MS / 1000 - EARLY_SLACK_S, gaps

        samples = await scrape(http, worker.url)
        assert sample(samples, "distconnect_auto_restarts_total", connector="flaky", task="") == 1
        assert sample(samples, "distconnect_auto_restarts_total", connector="flaky", task="0") == 3
        assert sample(samples, "distconnect_task_status", connector="flaky", task="0", state="RUNNING") == 1
        assert (
            sample(
                samples,
                "distconnect_auto_restart_next_attempt_timestamp_seconds",
                connector="flaky",
                task="0",
            )
            is None
        ), "nothing is pending once the task runs"
        assert worker.herder.worker.task_runner(TaskId("flaky", 0)) is not None


async def test_with_auto_restart_disabled_a_failed_task_stays_failed(
    kafka_bootstrap: str, tmp_path: Path, topic: str, http: aiohttp.ClientSession
) -> None:
    key = new_flaky()
    async with rest_worker(kafka_bootstrap, tmp_path, auto_restart_backoff_unit_ms=str(UNIT_MS)) as worker:
        assert not worker.restarter.enabled, "auto.restart.enable defaults to false"
        await worker.herder.put_connector_config("flaky", _config(key, topic, fail_task_runs=1))

        async def failed() -> bool:
            return await _states(worker.herder, "flaky") == (State.RUNNING, [State.FAILED])

        await eventually(failed, deadline_s=30, what="the task FAILED")
        # Watch for 20 back-off units: an enabled auto-restart would have restarted it at once.
        deadline = time.monotonic() + 20 * UNIT_MS / 1000
        while time.monotonic() < deadline:
            assert await failed()
            assert len(FLAKY[key].task_starts) == 1
            await asyncio.sleep(0.05)  # the polling interval of this watch
        samples = await scrape(http, worker.url)
        assert sample(samples, "distconnect_auto_restarts_total", connector="flaky", task="0") is None
        assert sample(samples, "distconnect_task_status", connector="flaky", task="0", state="FAILED") == 1
