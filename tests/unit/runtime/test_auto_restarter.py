"""The auto-restarter against a fake herder: settings, what it restarts and what it leaves alone."""

from __future__ import annotations

from typing import Any

import pytest

from distconnect.api.errors import ConfigError, NotFoundError
from distconnect.converters.string import StringConverter
from distconnect.runtime.auto_restart import AutoRestarter
from distconnect.runtime.offsets import MemoryOffsetStore
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.restart_schedule import Backoff
from distconnect.runtime.states import MemoryStatusListener, State, Status, TaskId
from distconnect.runtime.task_runner import TaskRunner, TaskSettings
from distconnect.runtime.tolerance import ErrorPolicy
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import StandaloneConfig

STRING = "org.apache.kafka.connect.storage.StringConverter"
BASE = {"key.converter": STRING, "value.converter": STRING, "offset.storage.file.filename": "/dev/null"}


class FakeHerder:
    def __init__(self, names: list[str], refuse: bool = False) -> None:
        self.names = names
        self.refuse = refuse
        self.restarted: list[Any] = []

    async def connectors(self) -> list[str]:
        return self.names

    async def restart_connector(self, name: str) -> None:
        self.restarted.append(name)
        if self.refuse:
            raise NotFoundError(f"Unknown connector: {name}")

    async def restart_task(self, task: TaskId) -> None:
        self.restarted.append(task)


def _worker(statuses: MemoryStatusListener, **props: str) -> Worker:
    config = StandaloneConfig({**BASE, **props})
    return Worker("me", config, PluginRegistry(), MemoryOffsetStore(), statuses)


def test_settings_default_to_off_with_strimzis_minute_unit_and_hour_cap() -> None:
    statuses = MemoryStatusListener()
    worker = _worker(statuses)
    restarter = AutoRestarter.from_config(worker.config, FakeHerder([]), worker, statuses)  # type: ignore[arg-type]
    assert not restarter.enabled
    assert restarter.schedule.backoff == Backoff(unit_ms=60_000, max_ms=3_600_000)
    worker = _worker(
        statuses,
        **{
            "auto.restart.enable": "true",
            "auto.restart.backoff.unit.ms": "100",
            "auto.restart.max.backoff.ms": "5000",
        },
    )
    restarter = AutoRestarter.from_config(worker.config, FakeHerder([]), worker, statuses)  # type: ignore[arg-type]
    assert restarter.enabled
    assert restarter.schedule.backoff == Backoff(unit_ms=100, max_ms=5000)


def test_a_zero_back_off_unit_is_rejected_naming_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        StandaloneConfig({**BASE, "auto.restart.backoff.unit.ms": "0"})
    assert caught.value.name == "auto.restart.backoff.unit.ms"


def _settings(task: TaskId) -> TaskSettings:
    converters = [StringConverter() for _ in range(3)]
    return TaskSettings(task, {}, "me", converters[0], converters[1], converters[2], (), ErrorPolicy())


class _Runner(TaskRunner):
    async def execute(self) -> None:  # pragma: no cover - never started here
        pass


async def test_a_restarted_task_s_old_failed_status_is_not_taken_for_a_new_failure() -> None:
    statuses = MemoryStatusListener()
    worker = _worker(statuses)
    herder = FakeHerder(["c"])
    now = [0.0]
    restarter = AutoRestarter(
        herder,  # type: ignore[arg-type]
        worker,
        statuses,
        enabled=True,
        backoff=Backoff(unit_ms=1000),
        clock=lambda: now[0],
    )
    task = TaskId("c", 0)
    statuses.on_task_status(task, Status(State.FAILED, "me", "boom"))
    await restarter.check()
    assert herder.restarted == [task]
    # The herder replaced the runner; the status still says FAILED until the new one reports.
    runner = _Runner(_settings(task), statuses)
    assert runner.state is State.UNASSIGNED
    worker._tasks[task] = runner
    now[0] = 10.0  # long past the 2 s back-off
    await restarter.check()
    assert herder.restarted == [task], "a task that is starting again is not restarted"
    runner.state = State.FAILED  # the new incarnation failed too: restarted after 2 s
    now[0] = 11.0
    await restarter.check()
    assert herder.restarted == [task, task]


async def test_refused_restarts_are_logged_and_counted_and_other_workers_work_is_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    statuses = MemoryStatusListener()
    worker = _worker(statuses)
    herder = FakeHerder(["gone", "theirs", "paused"], refuse=True)
    restarter = AutoRestarter(herder, worker, statuses, enabled=True)  # type: ignore[arg-type]
    statuses.on_connector_status("gone", Status(State.FAILED, "me", "boom"))
    statuses.on_connector_status("theirs", Status(State.FAILED, "someone-else", "boom"))
    statuses.on_connector_status("paused", Status(State.PAUSED, "me"))
    with caplog.at_level("INFO", logger="distconnect.auto_restart"):
        await restarter.check()
    assert herder.restarted == ["gone"]
    assert "Auto-restarting FAILED connector gone (restart 1 in a row, 1 in all)" in caplog.text
    assert "Auto-restart of connector gone did not happen: Unknown connector: gone" in caplog.text
    assert set(restarter.schedule.states) == {("gone", None), ("paused", None)}
    assert restarter.next_attempt_in_s(("gone", None)) is None  # restarted; nothing pending yet
