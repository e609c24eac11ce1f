"""Status-topic records: golden bytes written by hand from ``KafkaStatusBackingStore``'s schemas.

Values go through the worker's internal converter (``JsonConverter``, ``schemas.enable=false``):
bare JSON objects in schema order with optional fields present as null.
"""

from __future__ import annotations

import pytest

from distconnect.runtime.states import State, Status, TaskId
from distconnect.storage.records import internal_converter
from distconnect.storage.status_records import (
    ConnectorStatusRecord,
    StatusRecordCodec,
    TaskStatusRecord,
    TopicStatus,
    TopicStatusRecord,
    connector_status_key,
    task_status_key,
    topic_status_key,
)


@pytest.fixture(scope="module")
def codec() -> StatusRecordCodec:
    return StatusRecordCodec(internal_converter())


def test_keys_are_javas() -> None:
    assert connector_status_key("my-conn") == "status-connector-my-conn"
    assert task_status_key(TaskId("my-conn", 3)) == "status-task-my-conn-3"
    assert topic_status_key("my-conn", "orders") == "status-topic-orders:connector-my-conn"


def test_status_follows_status_schema_v0(codec: StatusRecordCodec) -> None:
    # STATUS_SCHEMA_V0 = struct{state: string, trace: optional string, worker_id: string,
    #                           generation: int32, version: optional string (KIP-891, Kafka 4.1+)}
    running = Status(State.RUNNING, "10.0.0.1:8083", None, 7)
    golden = b'{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":7,"version":null}'
    assert codec.status(running) == golden
    assert codec.decode("status-connector-c", golden) == ConnectorStatusRecord("c", running)

    failed = Status(State.FAILED, "w:8083", 'boom "x"\n\tat Foo.bar', 2, "4.3.0")
    golden = (
        b'{"state":"FAILED","trace":"boom \\"x\\"\\n\\tat Foo.bar","worker_id":"w:8083","generation":2,'
        b'"version":"4.3.0"}'
    )
    assert codec.status(failed) == golden
    assert codec.decode("status-task-my-conn-0", golden) == TaskStatusRecord(TaskId("my-conn", 0), failed)


def test_status_version_is_written_as_apache_kafka_4_3_writes_it(codec: StatusRecordCodec) -> None:
    # Bytes copied from the status topic of Apache Kafka Connect 4.3.0's distributed worker
    # (FileStreamSource): the plugin version while running, null for UNASSIGNED/RESTARTING.
    java_running = (
        b'{"state":"RUNNING","trace":null,"worker_id":"127.0.0.1:18083","generation":2,"version":"4.3.0"}'
    )
    java_unassigned = (
        b'{"state":"UNASSIGNED","trace":null,"worker_id":"127.0.0.1:18083","generation":3,"version":null}'
    )
    running = Status(State.RUNNING, "127.0.0.1:18083", None, 2, "4.3.0")
    unassigned = Status(State.UNASSIGNED, "127.0.0.1:18083", None, 3)
    assert codec.decode("status-connector-fs", java_running) == ConnectorStatusRecord("fs", running)
    assert codec.decode("status-task-fs-0", java_unassigned) == TaskStatusRecord(TaskId("fs", 0), unassigned)
    assert codec.status(running) == java_running
    assert codec.status(unassigned) == java_unassigned


def test_statuses_written_before_kip_891_have_no_version(codec: StatusRecordCodec) -> None:
    # Apache Kafka <= 4.0 writes four fields; the version reads as null, as in Java.
    old = b'{"state":"RUNNING","trace":null,"worker_id":"w:1","generation":1}'
    assert codec.decode("status-connector-c", old) == ConnectorStatusRecord(
        "c", Status(State.RUNNING, "w:1", None, 1)
    )


def test_destroyed_is_a_tombstone(codec: StatusRecordCodec) -> None:
    assert codec.status(Status(State.DESTROYED, "w:1", None, 1)) is None
    assert codec.decode("status-connector-c", None) == ConnectorStatusRecord("c", None)
    assert codec.decode("status-task-c-1", None) == TaskStatusRecord(TaskId("c", 1), None)


def test_topic_status_follows_topic_status_schema_v0(codec: StatusRecordCodec) -> None:
    # TOPIC_STATUS_SCHEMA_V0 = map<string, struct{name, connector, task: int32, discoverTimestamp: int64}>
    status = TopicStatus("orders", "my-conn", 1, 1600000000000)
    golden = b'{"topic":{"name":"orders","connector":"my-conn","task":1,"discoverTimestamp":1600000000000}}'
    assert codec.topic_status(status) == golden
    key = topic_status_key("my-conn", "orders")
    assert codec.decode(key, golden) == TopicStatusRecord("my-conn", "orders", status)
    assert codec.decode(key, None) == TopicStatusRecord("my-conn", "orders", None)


def test_decoding_is_tolerant_of_extra_fields(codec: StatusRecordCodec) -> None:
    value = b'{"state":"PAUSED","worker_id":"w:1","generation":3,"version":"3.9.0","extra":[1]}'
    assert codec.decode("status-connector-c", value) == ConnectorStatusRecord(
        "c", Status(State.PAUSED, "w:1", None, 3, "3.9.0")
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("status-connector-", b'{"state":"RUNNING","worker_id":"w","generation":1}'),
        ("status-task-c", b'{"state":"RUNNING","worker_id":"w","generation":1}'),
        ("status-task-c-x", b'{"state":"RUNNING","worker_id":"w","generation":1}'),
        ("status-connector-c", b'{"state":"SLEEPING","worker_id":"w","generation":1}'),
        ("status-connector-c", b'{"state":"RUNNING","worker_id":"w"}'),
        ("status-connector-c", b'{"state":"RUNNING","worker_id":"w","generation":1,"trace":5}'),
        ("status-connector-c", b'{"state":"RUNNING","worker_id":"w","generation":1,"version":4}'),
        ("status-connector-c", b"[1,2]"),
        ("status-topic-orders", b"{}"),
        ("status-topic-:connector-c", b"{}"),
        ("elsewhere", b"{}"),
    ],
)
def test_records_java_would_discard(codec: StatusRecordCodec, key: str, value: bytes) -> None:
    assert codec.decode(key, value) is None


def test_connector_names_with_dashes(codec: StatusRecordCodec) -> None:
    value = b'{"state":"RUNNING","trace":null,"worker_id":"w","generation":1}'
    record = codec.decode("status-task-my-long-name-12", value)
    assert isinstance(record, TaskStatusRecord)
    assert record.task == TaskId("my-long-name", 12)
