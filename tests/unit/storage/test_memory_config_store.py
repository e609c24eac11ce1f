"""The config-topic fold through MemoryConfigStore: commit visibility, tombstones, snapshots."""

from __future__ import annotations

import pytest

from distconnect.runtime.states import TargetState, TaskId
from distconnect.storage.cluster_state import ConfigUpdateListener
from distconnect.storage.config_records import (
    commit_key,
    connector_key,
    restart_key,
    target_state_key,
    task_key,
)
from distconnect.storage.config_store import MemoryConfigLog, MemoryConfigStore
from distconnect.storage.config_types import RestartRequest, SessionKey

CONFIG = {"connector.class": "FileStreamSource", "tasks.max": "2"}


class Recorder(ConfigUpdateListener):
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def on_connector_config_update(self, connector: str) -> None:
        self.events.append(("config", connector))

    def on_connector_config_remove(self, connector: str) -> None:
        self.events.append(("remove", connector))

    def on_task_config_update(self, tasks: list[TaskId]) -> None:
        self.events.append(("tasks", tasks))

    def on_target_state_change(self, connector: str) -> None:
        self.events.append(("target", connector))

    def on_restart_request(self, request: RestartRequest) -> None:
        self.events.append(("restart", request))


async def started(log: MemoryConfigLog | None = None) -> MemoryConfigStore:
    store = MemoryConfigStore(log)
    await store.start()
    return store


async def test_task_configs_become_visible_only_with_their_commit() -> None:
    store = await started()
    await store.put_connector_config("c", CONFIG)
    codec = store.codec
    store.topic.append([(task_key(TaskId("c", n)), codec.task_config({"task": str(n)})) for n in range(2)])
    await store.refresh()
    snap = store.snapshot()
    assert snap.tasks("c") == []
    assert snap.task_config(TaskId("c", 0)) is None
    store.topic.append([(commit_key("c"), codec.commit(2))])
    await store.refresh()
    snap = store.snapshot()
    assert snap.tasks("c") == [TaskId("c", 0), TaskId("c", 1)]
    assert snap.task_config(TaskId("c", 1)) == {"task": "1"}
    assert snap.task_config_generations["c"] == 0


async def test_an_incomplete_commit_marks_the_connector_inconsistent() -> None:
    store = await started()
    await store.put_connector_config("c", CONFIG)
    await store.put_task_configs("c", [{"v": "1"}])
    codec = store.codec
    # task 1 was lost (compaction, or a leader that died mid-write)
    store.topic.append(
        [(task_key(TaskId("c", 0)), codec.task_config({"v": "2"})), (commit_key("c"), codec.commit(2))]
    )
    await store.refresh()
    snap = store.snapshot()
    assert snap.inconsistent_connectors() == {"c"}
    assert snap.tasks("c") == []
    assert snap.task_config(TaskId("c", 0)) == {"v": "1"}  # nothing of the broken set was applied
    await store.put_task_configs("c", [{"v": "3"}, {"v": "4"}])
    snap = store.snapshot()
    assert snap.inconsistent_connectors() == set()
    assert [snap.task_config(t) for t in snap.tasks("c")] == [{"v": "3"}, {"v": "4"}]


async def test_fewer_tasks_drop_the_configs_of_the_others() -> None:
    store = await started()
    await store.put_connector_config("c", CONFIG)
    await store.put_task_configs("c", [{"v": "a"}, {"v": "b"}, {"v": "c"}])
    await store.put_task_configs("c", [{"v": "d"}])
    snap = store.snapshot()
    assert snap.tasks("c") == [TaskId("c", 0)]
    assert snap.task_config(TaskId("c", 2)) is None
    assert snap.task_config_generations["c"] == 1
    await store.put_task_configs("c", [])  # a STOPPED connector: still a new generation, as in Java
    snap = store.snapshot()
    assert snap.tasks("c") == []
    assert snap.task_config_generations["c"] == 2
    assert snap.applied_connector_configs["c"] == CONFIG


async def test_deleting_a_connector_tombstones_config_and_target_state() -> None:
    store = await started()
    await store.put_connector_config("c", CONFIG, TargetState.PAUSED)
    await store.put_task_configs("c", [{"v": "a"}])
    assert store.snapshot().target_state("c") is TargetState.PAUSED
    await store.remove_connector_config("c")
    assert store.topic.records[-2:] == [(connector_key("c"), None), (target_state_key("c"), None)]
    snap = store.snapshot()
    assert not snap.contains("c")
    assert snap.target_state("c") is None
    assert snap.tasks("c") == []
    assert snap.task_config(TaskId("c", 0)) is None


async def test_target_states() -> None:
    store = await started()
    await store.put_connector_config("c", CONFIG)
    assert store.snapshot().target_state("c") is TargetState.STARTED
    await store.put_target_state("c", TargetState.STOPPED)
    assert store.snapshot().target_state("c") is TargetState.STOPPED
    store.topic.append([(target_state_key("c"), None)])  # a stray tombstone: back to the default
    await store.refresh()
    assert store.snapshot().target_state("c") is TargetState.STARTED


async def test_a_commit_for_an_unknown_connector_is_ignored() -> None:
    store = await started()
    codec = store.codec
    store.topic.append(
        [(task_key(TaskId("gone", 0)), codec.task_config({})), (commit_key("gone"), codec.commit(1))]
    )
    await store.refresh()
    snap = store.snapshot()
    assert snap.tasks("gone") == []
    assert snap.task_counts == {}


async def test_offsets_listener_and_restart_requests() -> None:
    log = MemoryConfigLog()
    first = await started(log)
    await first.put_connector_config("c", CONFIG)
    await first.put_restart_request(RestartRequest("c", only_failed=True))  # before the second started
    second = MemoryConfigStore(log)
    recorder = Recorder()
    second.set_listener(recorder)
    await second.start()
    assert recorder.events == []
    assert second.snapshot().restart_requests == {}
    assert second.offset == first.offset == 2

    await first.put_task_configs("c", [{"v": "a"}])
    await first.put_target_state("c", TargetState.PAUSED)
    await first.put_restart_request(RestartRequest("c", include_tasks=True))
    await first.put_session_key(SessionKey(b"k" * 32, "HmacSHA256", 5))
    await second.refresh()
    assert recorder.events == [
        ("tasks", [TaskId("c", 0)]),
        ("target", "c"),
        ("restart", RestartRequest("c", include_tasks=True)),
    ]
    assert second.snapshot() == first.snapshot()
    snap = second.snapshot()
    assert snap.offset == first.offset == 7
    assert snap.session_key == SessionKey(b"k" * 32, "HmacSHA256", 5)
    assert snap.restart_requests == {"c": RestartRequest("c", include_tasks=True)}
    assert log.records[-2][0] == restart_key("c")


async def test_snapshots_are_immutable_copies() -> None:
    store = await started()
    await store.put_connector_config("c", CONFIG)
    snap = store.snapshot()
    await store.put_connector_config("d", CONFIG)
    assert snap.connectors() == ["c"]
    assert store.snapshot().connectors() == ["c", "d"]
    with pytest.raises(TypeError):
        snap.connector_configs["x"] = {}  # type: ignore[index]
    config = snap.connector_config("c")
    assert config is not None
    with pytest.raises(TypeError):
        config["x"] = "y"  # type: ignore[index]
