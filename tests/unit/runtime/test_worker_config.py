"""Worker settings: Apache's names, defaults and importance; required keys; validators."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from distconnect.api.config import Importance
from distconnect.api.errors import ConfigError
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.worker_config import DistributedConfig, StandaloneConfig, WorkerConfig

POLICY_PACKAGE = "org.apache.kafka.connect.connector.policy."
COMMON = {"key.converter": "JsonConverter", "value.converter": "JsonConverter"}
STANDALONE = {**COMMON, "offset.storage.file.filename": "/tmp/connect.offsets"}
DISTRIBUTED = {
    **COMMON,
    "group.id": "connect-cluster",
    "config.storage.topic": "connect-configs",
    "offset.storage.topic": "connect-offsets",
    "status.storage.topic": "connect-status",
}


@pytest.mark.parametrize(
    ("cls", "props", "missing"),
    [
        (StandaloneConfig, STANDALONE, "key.converter"),
        (StandaloneConfig, STANDALONE, "value.converter"),
        (StandaloneConfig, STANDALONE, "offset.storage.file.filename"),
        (DistributedConfig, DISTRIBUTED, "group.id"),
        (DistributedConfig, DISTRIBUTED, "config.storage.topic"),
        (DistributedConfig, DISTRIBUTED, "offset.storage.topic"),
        (DistributedConfig, DISTRIBUTED, "status.storage.topic"),
    ],
)
def test_missing_required_key_names_it(cls: type[WorkerConfig], props: dict[str, str], missing: str) -> None:
    with pytest.raises(ConfigError) as caught:
        cls({k: v for k, v in props.items() if k != missing})
    assert caught.value.name == missing
    assert str(caught.value) == f'Missing required configuration "{missing}" which has no default value.'


APACHE_DEFAULTS: dict[str, Any] = {
    "bootstrap.servers": ["localhost:9092"],
    "header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    "task.shutdown.graceful.timeout.ms": 5000,
    "offset.flush.interval.ms": 60000,
    "offset.flush.timeout.ms": 5000,
    "plugin.path": None,
    "plugin.discovery": "hybrid_warn",
    "config.providers": [],
    "connector.client.config.override.policy": "All",
    "topic.creation.enable": True,
    "topic.tracking.enable": True,
    "topic.tracking.allow.reset": True,
    "listeners": ["http://:8083"],
    "rest.advertised.host.name": None,
    "rest.advertised.port": None,
    "rest.advertised.listener": None,
    "admin.listeners": None,
    "access.control.allow.origin": "",
    "access.control.allow.methods": "",
    "response.http.headers.config": "",
    "rest.extension.classes": [],
    # distributed only
    "session.timeout.ms": 10000,
    "heartbeat.interval.ms": 3000,
    "rebalance.timeout.ms": 60000,
    "worker.sync.timeout.ms": 3000,
    "worker.unsync.backoff.ms": 300000,
    "scheduled.rebalance.max.delay.ms": 300000,
    "connect.protocol": "sessioned",
    "exactly.once.source.support": "disabled",
    "config.storage.replication.factor": 3,
    "offset.storage.partitions": 25,
    "offset.storage.replication.factor": 3,
    "status.storage.partitions": 5,
    "status.storage.replication.factor": 3,
    "inter.worker.key.ttl.ms": 3600000,
    "inter.worker.key.generation.algorithm": "HmacSHA256",
    "inter.worker.key.size": None,
    "inter.worker.signature.algorithm": "HmacSHA256",
    "inter.worker.verification.algorithms": ["HmacSHA256"],
    "metadata.max.age.ms": 300000,
    "request.timeout.ms": 40000,
    "connections.max.idle.ms": 540000,
    "reconnect.backoff.ms": 50,
    "reconnect.backoff.max.ms": 1000,
    "group.instance.id": None,
}


@pytest.mark.parametrize(("key", "default"), APACHE_DEFAULTS.items(), ids=list(APACHE_DEFAULTS))
def test_defaults_match_apache(key: str, default: Any) -> None:
    assert DistributedConfig(DISTRIBUTED).get(key) == default
    if key in WorkerConfig.CONFIG_DEF.config_keys:  # a common key: standalone has the same default
        assert StandaloneConfig(STANDALONE).get(key) == default


def test_standalone_has_no_distributed_keys() -> None:
    keys = StandaloneConfig.CONFIG_DEF.config_keys
    assert "offset.storage.file.filename" in keys
    assert "group.id" not in keys
    assert "offset.storage.file.filename" not in DistributedConfig.CONFIG_DEF.config_keys


@pytest.mark.parametrize(
    ("key", "importance"),
    [
        ("bootstrap.servers", Importance.HIGH),
        ("key.converter", Importance.HIGH),
        ("value.converter", Importance.HIGH),
        ("header.converter", Importance.LOW),
        ("group.id", Importance.HIGH),
        ("config.storage.topic", Importance.HIGH),
        ("session.timeout.ms", Importance.HIGH),
        ("exactly.once.source.support", Importance.HIGH),
        ("connector.client.config.override.policy", Importance.MEDIUM),
        ("worker.sync.timeout.ms", Importance.MEDIUM),
        ("offset.storage.partitions", Importance.LOW),
        ("scheduled.rebalance.max.delay.ms", Importance.LOW),
    ],
)
def test_importance_matches_apache(key: str, importance: Importance) -> None:
    assert DistributedConfig.CONFIG_DEF.config_keys[key].importance is importance


def test_typed_accessors() -> None:
    config = StandaloneConfig(
        {**STANDALONE, "bootstrap.servers": "a:1, b:2", "rest.advertised.port": "8084", "admin.listeners": ""}
    )
    assert config.bootstrap_servers == "a:1,b:2"
    assert config.key_converter == "JsonConverter"
    assert config.header_converter == "org.apache.kafka.connect.storage.SimpleHeaderConverter"
    assert config.offset_flush_interval_ms == 60000
    assert config.offset_flush_timeout_ms == 5000
    assert config.task_shutdown_graceful_timeout_ms == 5000
    assert config.offset_storage_file_filename == "/tmp/connect.offsets"
    assert config.rest_advertised_port == 8084
    assert config.admin_listeners == []  # empty disables the admin endpoints
    assert config.listeners == ["http://:8083"]
    assert config.topic_creation_enable is True
    assert config.exactly_once_source_enabled is False
    assert config.group_id is None


def test_client_configs_pass_prefixed_settings_through() -> None:
    config = StandaloneConfig(
        {
            **STANDALONE,
            "bootstrap.servers": "k:9092",
            "producer.acks": "1",
            "producer.bootstrap.servers": "other:9092",
            "consumer.max.poll.records": "10",
            "admin.request.timeout.ms": "5",
            "admin.listeners": "http://:9999",
        }
    )
    assert config.client_configs("producer") == {"bootstrap.servers": "other:9092", "acks": "1"}
    assert config.client_configs("consumer") == {"bootstrap.servers": "k:9092", "max.poll.records": "10"}
    assert config.client_configs("admin") == {"bootstrap.servers": "k:9092", "request.timeout.ms": "5"}
    with pytest.raises(ValueError, match="unknown client kind"):
        config.client_configs("streams")


def test_converter_settings_carry_the_converter_type() -> None:
    config = StandaloneConfig({**STANDALONE, "value.converter.schemas.enable": "false"})
    assert config.converter_settings("value.converter") == {
        "schemas.enable": "false",
        "converter.type": "value",
    }
    assert config.converter_settings("header.converter") == {"converter.type": "header"}


def test_plugin_path_is_accepted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="distconnect.runtime.worker_config"):
        config = StandaloneConfig({**STANDALONE, "plugin.path": "/usr/share/java,/opt/connectors"})
    assert config.get("plugin.path") == ["/usr/share/java", "/opt/connectors"]
    assert any("plugin.path" in r.getMessage() and "entry points" in r.getMessage() for r in caplog.records)


def test_converters_are_checked_against_the_registry() -> None:
    from distconnect.transforms.filter import Filter

    registry = PluginRegistry([("distconnect.transforms", "f", Filter)], include_installed=False)
    with pytest.raises(ConfigError) as caught:
        StandaloneConfig(STANDALONE, registry=registry)
    assert caught.value.name == "key.converter"
    assert "Failed to find any class that implements Converter" in str(caught.value)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("listeners", "", "at least one URL is expected"),
        ("listeners", "http://:8083,,", "Empty URL found when parsing listeners list."),
        ("admin.listeners", "http://:1, ", "Empty URL found when parsing admin.listeners list."),
        ("offset.storage.partitions", "0", "Number of partitions must be positive"),
        ("status.storage.replication.factor", "0", "Replication factor must be positive"),
        ("connect.protocol", "bogus", "Invalid Connect protocol compatibility"),
        ("exactly.once.source.support", "ENABLED", "String must be one of: disabled, preparing, enabled"),
        ("scheduled.rebalance.max.delay.ms", "-1", "Value must be at least 0"),
        ("inter.worker.key.generation.algorithm", "Rot13", "the algorithm is not supported"),
        ("inter.worker.verification.algorithms", "", "At least one signature verification algorithm"),
        ("connector.client.config.override.policy", "Some", "expected one of All, None, Principal"),
        ("session.timeout.ms", "ten", "Not a number of type INT"),
    ],
)
def test_invalid_values_are_rejected(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        DistributedConfig({**DISTRIBUTED, key: value})
    assert caught.value.name == key
    assert message in str(caught.value)


def test_minus_one_means_broker_default_for_internal_topics() -> None:
    config = DistributedConfig(
        {**DISTRIBUTED, "offset.storage.partitions": "-1", "offset.storage.replication.factor": "-1"}
    )
    assert config.get("offset.storage.partitions") == -1
    assert config.get("offset.storage.replication.factor") == -1


def test_signature_algorithm_must_be_verifiable() -> None:
    with pytest.raises(ConfigError) as caught:
        DistributedConfig({**DISTRIBUTED, "inter.worker.signature.algorithm": "HmacSHA512"})
    assert caught.value.name == "inter.worker.signature.algorithm"
    assert "must be present in inter.worker.verification.algorithms list" in str(caught.value)
    config = DistributedConfig(
        {
            **DISTRIBUTED,
            "inter.worker.signature.algorithm": "HmacSHA512",
            "inter.worker.verification.algorithms": "HmacSHA256,HmacSHA512",
        }
    )
    assert config.hmac_digest() == "sha512"


def test_distributed_accessors() -> None:
    config = DistributedConfig(
        {
            **DISTRIBUTED,
            "connect.protocol": "EAGER",
            "exactly.once.source.support": "enabled",
            "group.instance.id": "pod-0",
            "connector.client.config.override.policy": POLICY_PACKAGE
            + "PrincipalConnectorClientConfigOverridePolicy",
        }
    )
    assert config.group_id == "connect-cluster"
    assert config.group_instance_id == "pod-0"
    assert config.connect_protocol == "eager"
    assert config.exactly_once_source_enabled is True
    assert config.connector_client_config_override_policy == "Principal"
    assert config.hmac_digest() == "sha256"


def test_internal_topic_settings_drop_what_connect_controls(caplog: pytest.LogCaptureFixture) -> None:
    config = DistributedConfig(
        {
            **DISTRIBUTED,
            "config.storage.partitions": "3",
            "config.storage.cleanup.policy": "delete",
            "config.storage.min.insync.replicas": "2",
        }
    )
    with caplog.at_level(logging.WARNING, logger="distconnect.runtime.worker_config"):
        assert config.topic_settings("config.storage.") == {"min.insync.replicas": "2"}
    assert len(caplog.records) == 2
