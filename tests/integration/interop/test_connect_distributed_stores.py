"""Apache Kafka Connect's distributed worker and distconnect's stores on the same internal topics.

Apache's ``ConnectDistributed`` 4.3.0 (Maven Central jars, :mod:`distconnect.local.connect`) runs
a ``FileStreamSource`` on the session broker, is paused, restarted and stopped. Then:

* **reading**: distconnect's ``KafkaConfigStore``/``KafkaOffsetStore``/``KafkaStatusStore``, built
  from the very same ``worker.properties``, start on Java's three topics and must decode every
  record: the connector and task configs, the commit, the PAUSED target state, the session key,
  the restart request, the source offset and every status;
* **writing**: every record Java wrote is replayed through our stores' *write* paths (the decoded
  logical values, nothing copied) into fresh topics with the same partition counts, and each
  partition of each topic must come out byte-for-byte identical to Java's, in the same order;
  that covers key bytes, value bytes and the partition the murmur2 partitioner picks.

And the reverse: our stores write a connector config, task configs, a commit, a target state, a
session key, a source offset and statuses; Java started on those topics serves our configs over
REST, runs our task config unchanged, resumes the file from our offset (the lines before it are
not produced again), keeps our session key, and deletes the statuses of a connector that does not
exist, which it can only do after decoding them.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import NewTopic

from distconnect.api.records import FrozenMapping
from distconnect.local.connect import ApacheConnectDistributed, RestResponse
from distconnect.local.errors import LocalServiceError
from distconnect.local.maven import gather_classpath, shipped_pom
from distconnect.runtime.states import State, Status, TargetState, TaskId
from distconnect.runtime.worker_config import DistributedConfig
from distconnect.storage.config_records import ConfigRecordCodec
from distconnect.storage.config_store import KafkaConfigStore
from distconnect.storage.config_types import (
    ConnectorConfigRecord,
    Properties,
    RestartRequest,
    RestartRequestRecord,
    SessionKey,
    SessionKeyRecord,
    TargetStateRecord,
    TaskCommitRecord,
    TaskConfigRecord,
)
from distconnect.storage.factory import KafkaStores, kafka_stores
from distconnect.storage.offset_store import KafkaOffsetStore, default_offset_codec
from distconnect.storage.records import internal_converter
from distconnect.storage.status_records import (
    ConnectorStatusRecord,
    StatusRecordCodec,
    TaskStatusRecord,
    TopicStatus,
    TopicStatusRecord,
)
from distconnect.storage.status_store import KafkaStatusStore
from distconnect.storage.topics import TopicSpec
from tests.integration.storage.storage_support import admin_client, raw_records
from tests.support import consume_all, eventually

pytestmark = [pytest.mark.kafka, pytest.mark.java]

CONNECTOR_CLASS = "org.apache.kafka.connect.file.FileStreamSourceConnector"
TASK_CLASS = "org.apache.kafka.connect.file.FileStreamSourceTask"
LINES = 60
RESUME_AT = 25  # the reverse test's offset: the first 25 lines count as already produced
DEADLINE_S = 60.0

Partitions = dict[int, list[tuple[bytes | None, bytes | None]]]


@pytest.fixture(scope="module")
def connect_libs() -> Path:
    if shutil.which("java") is None:
        pytest.skip("needs a JDK 17+ (java) to run Apache Kafka Connect")
    try:
        return gather_classpath(shipped_pom("connect.xml"))
    except LocalServiceError as err:
        pytest.skip(f"Apache Kafka Connect's jars could not be gathered: {err}")


# -- helpers ------------------------------------------------------------------------------------


def write_lines(path: Path) -> list[str]:
    lines = [f"line {n:04d} of a file read by FileStreamSource" for n in range(LINES)]
    path.write_text("".join(line + "\n" for line in lines), encoding="ascii")
    return lines


async def rest(java: ApacheConnectDistributed, method: str, path: str, body: Any = None) -> RestResponse:
    return await asyncio.to_thread(java.request, method, path, body)


async def states_are(java: ApacheConnectDistributed, name: str, expected: Sequence[str]) -> bool:
    """Whether REST shows the connector and then its tasks in ``expected`` states."""
    response = await rest(java, "GET", f"/connectors/{name}/status")
    if response.status != 200:
        return False
    found = [response.body["connector"]["state"], *(t["state"] for t in response.body["tasks"])]
    return found == list(expected)


async def create_topic(bootstrap: str, topic: str) -> None:
    async with admin_client(bootstrap) as admin:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])


async def partition_count(bootstrap: str, topic: str) -> int:
    async with admin_client(bootstrap) as admin:
        (described,) = await admin.describe_topics([topic])
    return len(described["partitions"])


async def partitions(bootstrap: str, topic: str) -> Partitions:
    """Every partition's (key, value) pairs in offset order."""
    found: Partitions = defaultdict(list)
    for record in sorted(await raw_records(bootstrap, topic), key=lambda r: (r.partition, r.offset)):
        found[record.partition].append((record.key, record.value))
    return dict(found)


def in_order(parts: Partitions) -> Iterator[tuple[bytes | None, bytes | None]]:
    for partition in sorted(parts):
        yield from parts[partition]


async def committed_position(bootstrap: str, topic: str, connector: str, path: Path) -> int | None:
    """The last position committed for ``path`` in the offsets topic, read from the raw records."""
    position = None
    for key, value in in_order(await partitions(bootstrap, topic)):
        if key is not None and json.loads(key) == [connector, {"filename": str(path)}] and value is not None:
            position = json.loads(value)["position"]
    return position


async def position_committed(bootstrap: str, topic: str, connector: str, path: Path, position: int) -> bool:
    return await committed_position(bootstrap, topic, connector, path) == position


async def restarted_then_paused(bootstrap: str, topic: str, keys: Sequence[bytes]) -> bool:
    """Whether every key's statuses show RESTARTING followed, later, by PAUSED."""
    history: dict[bytes, list[str]] = defaultdict(list)
    for key, value in in_order(await partitions(bootstrap, topic)):
        if key in keys and value is not None:
            history[key].append(json.loads(value)["state"])
    for key in keys:
        states = history[key]
        if "RESTARTING" not in states:
            return False
        last = len(states) - 1 - states[::-1].index("RESTARTING")
        if "PAUSED" not in states[last + 1 :]:
            return False
    return True


async def start_stores(stack: AsyncExitStack, stores: KafkaStores) -> KafkaStores:
    await stack.enter_async_context(stores.config)
    await stack.enter_async_context(stores.offsets)
    await stack.enter_async_context(stores.status)
    return stores


def java_status(value: bytes) -> Status:
    """A status record's value read independently of our codec (plain JSON, Java's field names)."""
    fields = json.loads(value)
    return Status(
        State[fields["state"]], fields["worker_id"], fields["trace"], fields["generation"], fields["version"]
    )


def java_view(topic: Partitions, key: str) -> Status | None:
    """A status key's status as Java's ``KafkaStatusBackingStore`` folds it, from plain JSON: the
    last record, except that a task's UNASSIGNED over a RUNNING of the same or a later generation
    is ignored (``readTaskStatus``: a late report from a worker that lost the task)."""
    current: Status | None = None
    for k, value in in_order(topic):
        if k != key.encode():
            continue
        status = None if value is None else java_status(value)
        if (
            key.startswith("status-task-")
            and status is not None
            and status.state is State.UNASSIGNED
            and current is not None
            and current.state is State.RUNNING
            and current.generation >= status.generation
        ):
            continue
        current = status
    return current


# -- replaying Java's records through our stores' write paths -----------------------------------


async def replay_config(topic: Partitions, store: KafkaConfigStore) -> None:
    """Write what every config record means through the config store's API, in Java's order."""
    pending: dict[str, list[Properties]] = defaultdict(list)
    for key, value in in_order(topic):
        assert key is not None
        record = store.codec.decode(key.decode(), value)
        if isinstance(record, ConnectorConfigRecord):
            assert record.properties is not None
            await store.put_connector_config(record.connector, record.properties)
        elif isinstance(record, TaskConfigRecord):
            assert record.task.task == len(pending[record.task.connector])
            pending[record.task.connector].append(record.properties)
        elif isinstance(record, TaskCommitRecord):
            assert record.tasks == len(pending[record.connector])
            await store.put_task_configs(record.connector, pending.pop(record.connector))
        elif isinstance(record, TargetStateRecord):
            assert record.state is not None
            await store.put_target_state(record.connector, record.state)
        elif isinstance(record, SessionKeyRecord):
            await store.put_session_key(record.session_key)
        elif isinstance(record, RestartRequestRecord):
            await store.put_restart_request(record.request)
        else:
            raise AssertionError(f"unexpected config record {key!r}: {value!r}")


async def replay_offsets(topic: Partitions, store: KafkaOffsetStore) -> None:
    codec = default_offset_codec()
    for key, value in in_order(topic):
        assert key is not None
        connector, partition = codec.decode_key(key)
        await store.write(connector, {partition: codec.decode_value(value)})


async def replay_statuses(topic: Partitions, store: KafkaStatusStore) -> None:
    for key, value in in_order(topic):
        assert key is not None
        record = store.codec.decode(key.decode(), value)
        if isinstance(record, ConnectorStatusRecord):
            assert record.status is not None
            store.on_connector_status(record.connector, record.status)
        elif isinstance(record, TaskStatusRecord):
            assert record.status is not None
            store.on_task_status(record.task, record.status)
        elif isinstance(record, TopicStatusRecord):
            assert record.status is not None
            store.put_topic_status(record.status)
        else:
            raise AssertionError(f"unexpected status record {key!r}: {value!r}")
    await store.flush()


def compare(java: Partitions, ours: Partitions) -> tuple[int, int]:
    """(records Java wrote, records ours wrote byte-identical at the same partition and position)."""
    total = sum(len(records) for records in java.values())
    same = sum(
        1
        for partition, records in java.items()
        for n, record in enumerate(records)
        if n < len(ours.get(partition, [])) and ours[partition][n] == record
    )
    return total, same


# -- Java writes, we read and write the same bytes -----------------------------------------------


async def test_our_stores_decode_apache_connects_topics_and_write_identical_records(
    kafka_bootstrap: str, tmp_path: Path, topic_factory: Callable[[str], str], connect_libs: Path
) -> None:
    data_topic = topic_factory("lines")
    await create_topic(kafka_bootstrap, data_topic)
    # The one paused and restarted, and two more so that offsets and statuses have several keys
    # spread over the partitions. Dashes: keys must be split into name and task as Java splits them.
    name, others = "file-source-from-java", ["file-source-b", "file-source-c"]
    sources = {n: tmp_path / f"{n}.txt" for n in (name, *others)}
    configs = {
        n: {"connector.class": CONNECTOR_CLASS, "tasks.max": "1", "file": str(path), "topic": data_topic}
        for n, path in sources.items()
    }
    for path in sources.values():
        write_lines(path)
    size = sources[name].stat().st_size
    java = ApacheConnectDistributed(
        tmp_path / "java", kafka_bootstrap, topic_factory("java"), libs=connect_libs
    )
    started_ms = int(time.time() * 1000)

    await asyncio.to_thread(java.start)
    try:
        for n, config in configs.items():
            created = await rest(java, "POST", "/connectors", {"name": n, "config": config})
            assert created.status == 201, created.body
            assert created.body["config"] == {**config, "name": n}
        for n in configs:
            await eventually(lambda n=n: states_are(java, n, ["RUNNING", "RUNNING"]), what=f"{n} RUNNING")
        await consume_all(kafka_bootstrap, data_topic, LINES * len(configs))
        for n, path in sources.items():
            await eventually(
                lambda n=n, path=path: position_committed(kafka_bootstrap, java.offsets_topic, n, path, size),
                deadline_s=DEADLINE_S,
                what=f"Java's offset commit at position {size} for {n}",
            )
        paused = await rest(java, "PUT", f"/connectors/{name}/pause")
        assert paused.status == 202, paused.body
        await eventually(lambda: states_are(java, name, ["PAUSED", "PAUSED"]), what="connector PAUSED")
        restart = await rest(java, "POST", f"/connectors/{name}/restart?includeTasks=true&onlyFailed=false")
        assert restart.status == 202, restart.body
        status_keys = [f"status-connector-{name}".encode(), f"status-task-{name}-0".encode()]
        await eventually(
            lambda: restarted_then_paused(kafka_bootstrap, java.status_topic, status_keys),
            what="the restart (RESTARTING, then PAUSED again)",
        )
    finally:
        await asyncio.to_thread(java.stop)

    config_topic = await partitions(kafka_bootstrap, java.config_topic)
    offsets_topic = await partitions(kafka_bootstrap, java.offsets_topic)
    status_topic = await partitions(kafka_bootstrap, java.status_topic)
    worker = DistributedConfig(java.settings)  # Java's own worker.properties configure our stores

    async with AsyncExitStack() as stack:
        stores = await start_stores(stack, kafka_stores(worker))

        # -- config topic: everything decoded, folded as Java folds it
        snapshot = stores.config.snapshot()
        assert snapshot.offset == len(config_topic[0])  # the config offset: the next record to read
        assert snapshot.connectors() == sorted(configs)
        for n, config in configs.items():
            assert snapshot.connector_config(n) == {**config, "name": n}
            assert snapshot.target_state(n) is (TargetState.PAUSED if n == name else TargetState.STARTED)
            assert snapshot.tasks(n) == [TaskId(n, 0)]
            # Java's task config: the connector's config plus the task class
            assert snapshot.task_config(TaskId(n, 0)) == {**config, "name": n, "task.class": TASK_CLASS}
        assert snapshot.inconsistent_connectors() == frozenset()
        assert snapshot.task_config_generations == dict.fromkeys(configs, 0)
        session = snapshot.session_key
        assert session is not None
        assert session.algorithm == "HmacSHA256"
        assert len(session.key) == 32
        assert started_ms - 60_000 <= session.creation_timestamp <= int(time.time() * 1000)
        # Restart requests read at start-up are history (Java ignores them too); decode the record
        assert snapshot.restart_requests == {}
        codec = ConfigRecordCodec(internal_converter())
        restart_values = [v for k, v in config_topic[0] if k == f"restart-connector-{name}".encode()]
        assert [codec.decode(f"restart-connector-{name}", v) for v in restart_values] == [
            RestartRequestRecord(RestartRequest(name, only_failed=False, include_tasks=True))
        ]
        assert all(codec.decode(k.decode(), v) is not None for k, v in in_order(config_topic) if k)
        # Configs encoded from scratch. Java keeps the REST request's key order for a connector
        # config (Jackson's LinkedHashMap, "name" appended), so ours are the same bytes; a task config
        # is a HashMap copy with "task.class" added, serialised in hash order, so compare the JSON:
        # the same keys with the same string values (key order inside a config means nothing).
        java_configs = dict(config_topic[0])
        for n, config in configs.items():
            assert codec.connector_config({**config, "name": n}) == java_configs[f"connector-{n}".encode()]
            java_task = json.loads(java_configs[f"task-{n}-0".encode()] or b"null")
            ours_task = json.loads(codec.task_config({**config, "name": n, "task.class": TASK_CLASS}))
            assert ours_task == java_task
            assert all(isinstance(v, str) for v in java_task["properties"].values())

        # -- offsets topic: the offsets Java committed, in bytes of the file
        for n, path in sources.items():
            partition = FrozenMapping({"filename": str(path)})
            assert await stores.offsets.read(n, [partition]) == {partition: {"position": size}}
            assert stores.offsets.connector_offsets(n) == {partition: {"position": size}}

        # -- status topic: each key's status as Java's own store shows it
        last: dict[bytes, bytes | None] = {k: v for k, v in in_order(status_topic) if k is not None}
        for n in configs:
            connector_status = stores.status.connector_status(n)
            assert connector_status is not None
            assert connector_status == java_view(status_topic, f"status-connector-{n}")
            assert connector_status.state is State.UNASSIGNED  # a stopping Java worker's last word
            task_status = stores.status.task_status(TaskId(n, 0))
            assert task_status is not None
            assert task_status == java_view(status_topic, f"status-task-{n}-0")
            for status in (connector_status, task_status):
                assert status.worker_id == java.worker_id
                assert status.generation >= 1
            topic_value = last[f"status-topic-{data_topic}:connector-{n}".encode()]
            assert topic_value is not None
            discovered = json.loads(topic_value)["topic"]["discoverTimestamp"]
            assert stores.status.topics(n) == {data_topic: TopicStatus(data_topic, n, 0, discovered)}
        status_codec = StatusRecordCodec(internal_converter())
        history = [status_codec.decode(k.decode(), v) for k, v in in_order(status_topic) if k]
        assert None not in history
        seen = [r.status.state for r in history if isinstance(r, ConnectorStatusRecord) and r.status]
        assert {State.RUNNING, State.PAUSED, State.RESTARTING, State.UNASSIGNED} <= set(seen)
        assert {r.status.version for r in history if isinstance(r, TaskStatusRecord) and r.status} == {
            "4.3.0",
            None,
        }

        # -- the same logical records written by our stores: identical topics, partition by partition
        # fresh topics with the partition counts Java gave its own (config 1, offsets 25, status 5)
        counts = [await partition_count(kafka_bootstrap, t) for t in (java.offsets_topic, java.status_topic)]
        assert counts == [25, 5]
        replay_config_store = await stack.enter_async_context(
            KafkaConfigStore(TopicSpec(topic_factory("replay-configs"), 1, 1), java.settings)
        )
        replay_offset_store = await stack.enter_async_context(
            KafkaOffsetStore(TopicSpec(topic_factory("replay-offsets"), counts[0], 1), java.settings)
        )
        replay_status_store = await stack.enter_async_context(
            KafkaStatusStore(TopicSpec(topic_factory("replay-status"), counts[1], 1), java.settings)
        )
        await replay_config(config_topic, replay_config_store)
        await replay_offsets(offsets_topic, replay_offset_store)
        await replay_statuses(status_topic, replay_status_store)

    figures = {}
    for what, java_topic, ours_name in (
        ("config", config_topic, replay_config_store.spec.name),
        ("offsets", offsets_topic, replay_offset_store.spec.name),
        ("status", status_topic, replay_status_store.spec.name),
    ):
        ours = await partitions(kafka_bootstrap, ours_name)
        # Exact bytes everywhere, connector and task configs included: Jackson writes a map in its
        # iteration order and our decoder keeps the order it read, so the replay reproduces it. (A
        # config built from scratch may order its keys differently from Java's HashMap: equal JSON,
        # other bytes. Only offset keys must be byte-stable, and OffsetCodec sorts partition keys.)
        figures[what] = compare(java_topic, ours)
        assert ours == java_topic, f"{what}: {figures[what][1]} of {figures[what][0]} records identical"
    used = {what: sorted(parts) for what, parts in (("offsets", offsets_topic), ("status", status_topic))}
    print(f"\nrecords Java wrote / byte-identical when written by our stores: {figures}; partitions: {used}")
    # session key; connector, task and commit x 3; target state; restart request
    assert figures["config"][0] == 12
    assert figures["offsets"][0] >= len(configs)
    assert figures["status"][0] >= 6 * len(configs)


# -- we write, Java reads ------------------------------------------------------------------------


async def test_apache_connect_runs_from_what_our_stores_wrote(
    kafka_bootstrap: str, tmp_path: Path, topic_factory: Callable[[str], str], connect_libs: Path
) -> None:
    source = tmp_path / "input.txt"
    lines = write_lines(source)
    size = source.stat().st_size
    resume_position = sum(len(line) + 1 for line in lines[:RESUME_AT])
    data_topic = topic_factory("lines")
    await create_topic(kafka_bootstrap, data_topic)
    name = "file-source-from-python"
    config = {
        "connector.class": CONNECTOR_CLASS,
        "tasks.max": "1",
        "file": str(source),
        "topic": data_topic,
        "name": name,
    }
    task_config = {**config, "task.class": TASK_CLASS}  # what Java's leader would generate itself
    session = SessionKey(secrets.token_bytes(32), "HmacSHA256", int(time.time() * 1000))
    java = ApacheConnectDistributed(
        tmp_path / "java", kafka_bootstrap, topic_factory("py"), libs=connect_libs
    )
    ghost_connector = Status(State.RUNNING, "10.1.2.3:8083", None, 7, "0.1.0")
    ghost_task = Status(State.FAILED, "10.1.2.3:8083", 'Traceback:\n  File "x.py"\nValueError: "no"', 7)

    async with AsyncExitStack() as stack:
        stores = await start_stores(stack, kafka_stores(DistributedConfig(java.settings)))
        await stores.config.put_session_key(session)
        await stores.config.put_connector_config(name, config, TargetState.STARTED)
        await stores.config.put_task_configs(name, [task_config])
        await stores.offsets.write(
            name, {FrozenMapping({"filename": str(source)}): {"position": resume_position}}
        )
        # Statuses of a connector that is not configured: Java's leader deletes them once it has read them
        stores.status.on_connector_status("ghost", ghost_connector)
        stores.status.on_task_status(TaskId("ghost", 0), ghost_task)
        await stores.status.flush()
    ours = list(in_order(await partitions(kafka_bootstrap, java.config_topic)))
    assert [key for key, _ in ours] == [
        b"session-key",
        f"target-state-{name}".encode(),
        f"connector-{name}".encode(),
        f"task-{name}-0".encode(),
        f"commit-{name}".encode(),
    ]

    await asyncio.to_thread(java.start)
    try:
        assert (await rest(java, "GET", "/connectors")).body == [name]
        assert (await rest(java, "GET", f"/connectors/{name}/config")).body == config
        tasks = await rest(java, "GET", f"/connectors/{name}/tasks")
        assert tasks.body == [{"id": {"connector": name, "task": 0}, "config": task_config}]
        await eventually(lambda: states_are(java, name, ["RUNNING", "RUNNING"]), what="connector RUNNING")
        produced = await consume_all(kafka_bootstrap, data_topic, LINES - RESUME_AT)
        assert [json.loads(r.value) for r in produced] == lines[RESUME_AT:]
        await eventually(
            lambda: position_committed(kafka_bootstrap, java.offsets_topic, name, source, size),
            deadline_s=DEADLINE_S,
            what=f"Java's offset commit at position {size}",
        )
        ghost_keys = {b"status-connector-ghost", b"status-task-ghost-0"}

        async def ghost_tombstoned() -> bool:
            records = in_order(await partitions(kafka_bootstrap, java.status_topic))
            return {key for key, value in records if key in ghost_keys and value is None} == ghost_keys

        await eventually(ghost_tombstoned, what="Java deleting the statuses it read from us")
        status = await rest(java, "GET", f"/connectors/{name}/status")
        assert status.body["connector"]["worker_id"] == java.worker_id
    finally:
        await asyncio.to_thread(java.stop)

    # Nothing before the offset was produced again: exactly the lines after it, once
    data = await raw_records(kafka_bootstrap, data_topic)
    assert [json.loads(r.value) for r in data] == lines[RESUME_AT:]
    # Java kept our session key and our task configs: it wrote nothing to the config topic
    assert list(in_order(await partitions(kafka_bootstrap, java.config_topic))) == ours
    # and our stores read what Java wrote after us
    async with AsyncExitStack() as stack:
        stores = await start_stores(stack, kafka_stores(DistributedConfig(java.settings)))
        offsets = await stores.offsets.read(name, [{"filename": str(source)}])
        assert offsets == {FrozenMapping({"filename": str(source)}): {"position": size}}
        assert stores.status.connector_status("ghost") is None
        assert stores.status.task_statuses("ghost") == {}
        final = stores.status.connector_status(name)
        assert final is not None
        assert (final.state, final.worker_id) == (State.UNASSIGNED, java.worker_id)
        codec = StatusRecordCodec(internal_converter())
        key = f"status-connector-{name}"
        running = [
            codec.decode(key, value)
            for k, value in in_order(await partitions(kafka_bootstrap, java.status_topic))
            if k == key.encode() and value is not None and b'"RUNNING"' in value
        ]
        assert running
        for record in running:
            assert isinstance(record, ConnectorStatusRecord)
            assert record.status is not None
            assert (record.status.worker_id, record.status.version) == (java.worker_id, "4.3.0")
            assert record.status.generation >= 1
