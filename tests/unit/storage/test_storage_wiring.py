"""Wiring the stores from a distributed worker's configuration (no I/O: nothing is started)."""

from __future__ import annotations

from distconnect.runtime.states import TaskId
from distconnect.runtime.worker_config import DistributedConfig
from distconnect.storage.factory import client_id_base, kafka_stores
from distconnect.storage.records import parse_task_key
from distconnect.storage.topics import TopicSpec, connection_settings

JSON = "org.apache.kafka.connect.json.JsonConverter"


def worker_config(**extra: str) -> DistributedConfig:
    props = {
        "bootstrap.servers": "broker:9092",
        "group.id": "connect-cluster",
        "key.converter": JSON,
        "value.converter": JSON,
        "config.storage.topic": "connect-configs",
        "offset.storage.topic": "connect-offsets",
        "status.storage.topic": "connect-status",
    }
    return DistributedConfig({**props, **extra})


def test_specs_follow_the_worker_config_and_javas_defaults() -> None:
    stores = kafka_stores(
        worker_config(
            **{
                "config.storage.replication.factor": "1",
                "config.storage.partitions": "3",  # ignored: the config topic has one partition
                "status.storage.min.insync.replicas": "2",
                "offset.storage.cleanup.policy": "delete",  # ignored: always compact
            }
        )
    )
    assert stores.config.spec == TopicSpec(
        "connect-configs", 1, 1, "config.storage.topic", "connector configurations", {}
    )
    assert stores.offsets.spec == TopicSpec(
        "connect-offsets", 25, 3, "offset.storage.topic", "source connector offsets", {}
    )
    assert stores.status.spec == TopicSpec(
        "connect-status",
        5,
        3,
        "status.storage.topic",
        "connector and task statuses",
        {"min.insync.replicas": "2"},
    )
    assert not stores.config.log.running


def test_client_ids_are_javas() -> None:
    assert client_id_base(worker_config()) == "connect-cluster-"
    assert client_id_base(worker_config(**{"client.id": "w1"})) == "connect-cluster-w1-"


def test_only_connection_settings_reach_the_clients() -> None:
    settings = {
        "bootstrap.servers": "b:1",
        "group.id": "g",
        "security.protocol": "SSL",
        "ssl.truststore.location": "/x",
        "sasl.mechanism": "PLAIN",
        "offset.flush.interval.ms": "10",
        "sslx": "no",
        "request.timeout.ms": None,
    }
    assert connection_settings(settings) == {
        "bootstrap.servers": "b:1",
        "security.protocol": "SSL",
        "ssl.truststore.location": "/x",
        "sasl.mechanism": "PLAIN",
    }


def test_task_keys_parse_as_in_java() -> None:
    assert parse_task_key("task-a-b-c-3", 1) == TaskId("a-b-c", 3)
    assert parse_task_key("status-task-a-b-3", 2) == TaskId("a-b", 3)
    assert parse_task_key("task--1", 1) == TaskId("", 1)
    assert parse_task_key("task-a-", 1) is None  # Java's split drops the trailing empty part
    assert parse_task_key("task-a-99999999999", 1) is None  # not an int
    assert parse_task_key("task-a-\u0661", 1) is None  # ARABIC-INDIC DIGIT ONE: int() takes it, Java not
    assert parse_task_key("status-task-3", 2) is None
