"""KafkaConfigStore on the real broker: commit visibility, convergence of two workers, Java's bytes."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import pytest
from aiokafka.admin import NewTopic

from distconnect.api.errors import ConnectError
from distconnect.runtime.states import TargetState, TaskId
from distconnect.storage.cluster_state import ConfigUpdateListener
from distconnect.storage.config_records import commit_key, task_key
from distconnect.storage.config_store import KafkaConfigStore
from distconnect.storage.config_types import RestartRequest, SessionKey
from distconnect.storage.topics import TopicSpec
from tests.integration.storage.storage_support import SpecFactory, admin_client, raw_records
from tests.support import eventually

CONFIG = {"connector.class": "FileStreamSource", "tasks.max": "2", "file": "/tmp/in.txt", "topic": "lines"}


def config_spec(spec: SpecFactory) -> TopicSpec:
    return spec("configs", setting="config.storage.topic", purpose="connector configurations")


class Changes(ConfigUpdateListener):
    def __init__(self) -> None:
        self.connectors: list[str] = []
        self.tasks: list[TaskId] = []

    def on_connector_config_update(self, connector: str) -> None:
        self.connectors.append(connector)

    def on_task_config_update(self, tasks: list[TaskId]) -> None:
        self.tasks.extend(tasks)


async def test_task_configs_are_visible_only_with_their_commit(
    settings: dict[str, Any], spec: SpecFactory
) -> None:
    async with KafkaConfigStore(config_spec(spec), settings) as store:
        await store.put_connector_config("c", CONFIG)
        codec = store.codec
        # what a leader that died between the task records and the commit leaves behind
        await store.log.send_all(
            [(task_key(TaskId("c", n)).encode(), codec.task_config({"n": str(n)})) for n in range(2)]
        )
        await store.refresh()
        snap = store.snapshot()
        assert snap.contains("c")
        assert snap.tasks("c") == []
        assert snap.task_config(TaskId("c", 0)) is None

        await store.log.send(commit_key("c").encode(), codec.commit(2))
        await store.refresh()
        snap = store.snapshot()
        assert snap.tasks("c") == [TaskId("c", 0), TaskId("c", 1)]
        assert snap.task_config(TaskId("c", 1)) == {"n": "1"}

        # a commit for 3 tasks with task 2 missing: inconsistent, nothing applied
        await store.log.send_all(
            [
                (task_key(TaskId("c", 0)).encode(), codec.task_config({"n": "x"})),
                (commit_key("c").encode(), codec.commit(3)),
            ]
        )
        await store.refresh()
        snap = store.snapshot()
        assert snap.inconsistent_connectors() == {"c"}
        assert snap.tasks("c") == []
        assert snap.task_config(TaskId("c", 0)) == {"n": "0"}
        assert snap.offset == 6


async def test_two_workers_converge(
    kafka_bootstrap: str, settings: dict[str, Any], spec: SpecFactory
) -> None:
    topic = config_spec(spec)
    changes = Changes()
    async with AsyncExitStack() as stack:
        leader = await stack.enter_async_context(KafkaConfigStore(topic, settings))
        follower = KafkaConfigStore(topic, settings)
        follower.set_listener(changes)
        await stack.enter_async_context(follower)

        await leader.put_connector_config("c", CONFIG, TargetState.PAUSED)
        await leader.put_task_configs("c", [{"task": "0"}, {"task": "1"}])
        await leader.put_session_key(SessionKey(b"\x01" * 32, "HmacSHA256", 1700000000000))
        await leader.put_restart_request(RestartRequest("c", only_failed=True, include_tasks=True))
        await follower.put_target_state("c", TargetState.STOPPED)  # any worker may write this

        await follower.refresh()
        await leader.refresh()
        assert follower.snapshot() == leader.snapshot()
        snap = follower.snapshot()
        assert snap.offset == 8
        assert snap.target_state("c") is TargetState.STOPPED
        assert [snap.task_config(t) for t in snap.tasks("c")] == [{"task": "0"}, {"task": "1"}]
        assert snap.restart_requests == {"c": RestartRequest("c", only_failed=True, include_tasks=True)}
        assert changes.connectors == ["c"]
        assert changes.tasks == [TaskId("c", 0), TaskId("c", 1)]

        await leader.remove_connector_config("c")
        await eventually(
            lambda: not follower.contains("c"), deadline_s=10, what="the deletion to reach the follower"
        )

    # the records have Apache Kafka Connect's keys and bytes, in write order
    records = [(r.key, r.value) for r in await raw_records(kafka_bootstrap, topic.name)]
    assert records[:4] == [
        (b"target-state-c", b'{"state":"PAUSED","state.v2":"PAUSED"}'),
        (
            b"connector-c",
            b'{"properties":{"connector.class":"FileStreamSource","tasks.max":"2","file":"/tmp/in.txt","topic":"lines"}}',
        ),
        (b"task-c-0", b'{"properties":{"task":"0"}}'),
        (b"task-c-1", b'{"properties":{"task":"1"}}'),
    ]
    assert records[4] == (b"commit-c", b'{"tasks":2}')
    assert records[5][0] == b"session-key"
    assert records[6] == (b"restart-connector-c", b'{"include-tasks":true,"only-failed":true}')
    assert records[7] == (b"target-state-c", b'{"state":"PAUSED","state.v2":"STOPPED"}')
    assert records[8:] == [(b"connector-c", None), (b"target-state-c", None)]

    # a worker started later rebuilds the same state from the topic
    async with KafkaConfigStore(topic, settings) as late:
        snap = late.snapshot()
        assert not snap.contains("c")
        assert snap.session_key == SessionKey(b"\x01" * 32, "HmacSHA256", 1700000000000)
        assert snap.restart_requests == {}  # history: only requests read after start are acted upon
        assert snap.offset == 10


async def test_refuses_a_config_topic_with_more_than_one_partition(
    kafka_bootstrap: str, settings: dict[str, Any], spec: SpecFactory
) -> None:
    topic = config_spec(spec)
    async with admin_client(kafka_bootstrap) as admin:
        await admin.create_topics(
            [
                NewTopic(
                    topic.name,
                    num_partitions=2,
                    replication_factor=1,
                    topic_configs={"cleanup.policy": "compact"},
                )
            ]
        )
    store = KafkaConfigStore(topic, settings)
    with pytest.raises(ConnectError, match=r"required to have a single partition.*but found 2 partitions"):
        await store.start()
