"""Connect's internal topics: how each is described, created and checked before a store uses it.

As Apache Kafka Connect does (``KafkaTopicBasedBackingStore.topicInitializer``), a store creates
its topic when it is missing, always with ``cleanup.policy=compact``, and refuses to start on an
existing topic whose cleanup policy is anything but ``compact``: a deleting topic silently loses
connector configurations, offsets or statuses once retention passes. A partition count or
replication factor of -1 means the broker's default; aiokafka's CreateTopics (v0-v3) cannot
express that, so the defaults are read from the broker's configuration first.

Only the client settings that concern the connection (:data:`CONNECTION_SETTINGS`) are taken from
the worker's configuration, because Java passes every worker setting to these clients and most
of them (``group.id``, converters...) mean nothing to a producer or consumer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError, for_code

from distconnect.api.errors import ConnectError
from distconnect.runtime.kafka_clients import kafka_errors
from distconnect.runtime.worker_config import DistributedConfig

log = logging.getLogger(__name__)

#: Worker settings (Java names, or prefixes) that the internal topics' clients inherit.
CONNECTION_SETTINGS = (
    "bootstrap.servers",
    "client.id",
    "request.timeout.ms",
    "metadata.max.age.ms",
    "retry.backoff.ms",
    "connections.max.idle.ms",
    "security.protocol",
    "sasl.",
    "ssl.",
)
CLEANUP_POLICY = "cleanup.policy"
COMPACT = "compact"
#: How long creation and metadata propagation may take before start-up fails.
SETUP_TIMEOUT_S = 60.0
_BACKOFF_S = 0.2


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """One internal topic as the worker configuration describes it."""

    name: str
    #: -1 = the broker's ``num.partitions``.
    partitions: int
    #: -1 = the broker's ``default.replication.factor``.
    replication_factor: int
    #: The worker setting that named the topic (``config.storage.topic``), for error messages.
    setting: str = "topic"
    #: What the topic holds (``connector configurations``), for error messages.
    purpose: str = "data"
    #: Extra topic configs (``<prefix>.storage.*`` settings); ``cleanup.policy`` is always compact.
    configs: Mapping[str, str] = field(default_factory=dict)


def connection_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of worker ``settings`` that the internal topics' clients use."""
    return {
        key: value
        for key, value in settings.items()
        if value is not None
        and any(key == name or (name.endswith(".") and key.startswith(name)) for name in CONNECTION_SETTINGS)
    }


def internal_topic_specs(config: DistributedConfig) -> tuple[TopicSpec, TopicSpec, TopicSpec]:
    """The config, offsets and status topics of a distributed worker (in that order)."""

    def spec(prefix: str, purpose: str, partitions: int) -> TopicSpec:
        extra = {k: str(v) for k, v in config.topic_settings(f"{prefix}.storage.").items()}
        return TopicSpec(
            name=str(config.get_string(f"{prefix}.storage.topic")),
            partitions=partitions,
            replication_factor=int(config.get_short(f"{prefix}.storage.replication.factor") or -1),
            setting=f"{prefix}.storage.topic",
            purpose=purpose,
            configs=extra,
        )

    return (
        spec("config", "connector configurations", 1),
        spec("offset", "source connector offsets", int(config.get_int("offset.storage.partitions") or -1)),
        spec("status", "connector and task statuses", int(config.get_int("status.storage.partitions") or -1)),
    )


async def ensure_topic(
    admin: AIOKafkaAdminClient, spec: TopicSpec, timeout_s: float = SETUP_TIMEOUT_S
) -> int:
    """Create ``spec`` if missing, else check it is compacted; return its partition count."""
    deadline = time.monotonic() + timeout_s
    if not await _create(admin, spec, deadline):
        await verify_compacted(admin, spec)
    return await partition_count(admin, spec.name, deadline)


async def _create(admin: AIOKafkaAdminClient, spec: TopicSpec, deadline: float) -> bool:
    partitions, replication = spec.partitions, spec.replication_factor
    if partitions == -1 or replication == -1:
        defaults = await _broker_defaults(admin)
        partitions = defaults["num.partitions"] if partitions == -1 else partitions
        replication = defaults["default.replication.factor"] if replication == -1 else replication
    configs = {**spec.configs, CLEANUP_POLICY: COMPACT}
    new = NewTopic(
        spec.name, num_partitions=partitions, replication_factor=replication, topic_configs=configs
    )
    while True:
        with kafka_errors(f"creating topic {spec.name}"):
            response = await admin.create_topics([new])
        code, message = 0, None
        for entry in getattr(response, "topic_errors", ()):
            if entry[0] == spec.name:
                code, message = entry[1], entry[2] if len(entry) > 2 else None
        if code == 0:
            log.info(
                "Created topic %s for %s (%d partitions, replication factor %d, cleanup.policy=compact)",
                spec.name,
                spec.purpose,
                partitions,
                replication,
            )
            return True
        if code == TopicAlreadyExistsError.errno:
            return False
        error = for_code(code)
        if not getattr(error, "retriable", False) or time.monotonic() > deadline:
            raise ConnectError(
                f"Unable to create topic '{spec.name}' supplied via the '{spec.setting}' property "
                f"({partitions} partitions, replication factor {replication}): "
                f"{error.__name__}: {message or error.description}"
            )
        await asyncio.sleep(_BACKOFF_S)


async def _broker_defaults(admin: AIOKafkaAdminClient) -> dict[str, int]:
    with kafka_errors("reading the broker's topic defaults"):
        cluster = await admin.describe_cluster()
        broker = str(cluster["brokers"][0]["node_id"])
        wanted = {"num.partitions": None, "default.replication.factor": None}
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, broker, wanted)])
    found = {"num.partitions": 1, "default.replication.factor": 1}
    for response in responses:
        for resource in response.resources:
            for entry in resource[4]:
                if entry[0] in found and entry[1] is not None:
                    found[entry[0]] = int(entry[1])
    return found


async def cleanup_policies(admin: AIOKafkaAdminClient, topic: str) -> set[str]:
    """The topic's ``cleanup.policy`` values; empty when they cannot be read (as Java's)."""
    with kafka_errors(f"describing topic {topic}"):
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, {CLEANUP_POLICY: None})]
        )
    for response in responses:
        for resource in response.resources:
            if resource[0] != 0:
                continue
            for entry in resource[4]:
                if entry[0] == CLEANUP_POLICY and entry[1] is not None:
                    return {p.strip().lower() for p in str(entry[1]).split(",") if p.strip()}
    return set()


async def verify_compacted(admin: AIOKafkaAdminClient, spec: TopicSpec) -> None:
    """Refuse a topic whose cleanup policy is not exactly ``compact`` (``TopicAdmin``'s check)."""
    policies = await cleanup_policies(admin, spec.name)
    if not policies:
        log.info(
            "Unable to verify that the cleanup policy of topic '%s' is '%s': the broker did not report it",
            spec.name,
            COMPACT,
        )
        return
    if policies != {COMPACT}:
        found = ",".join(sorted(policies))
        raise ConnectError(
            f"Topic '{spec.name}' supplied via the '{spec.setting}' property is required to have "
            f"'{CLEANUP_POLICY}={COMPACT}' to guarantee consistency and durability of {spec.purpose}, "
            f"but found the topic currently has '{CLEANUP_POLICY}={found}'. Continuing would likely "
            f"result in eventually losing {spec.purpose} and problems restarting this Connect cluster "
            f"in the future. Change the '{spec.setting}' property in the Connect worker configurations "
            f"to use a topic with '{CLEANUP_POLICY}={COMPACT}'."
        )


async def partition_count(admin: AIOKafkaAdminClient, topic: str, deadline: float) -> int:
    """Partitions of ``topic``, waiting for a just-created topic's metadata to propagate."""
    while True:
        with kafka_errors(f"describing topic {topic}"):
            described = await admin.describe_topics([topic])
        for entry in described:
            partitions = entry.get("partitions") or []
            # wait for every partition to have a leader, so the first fetches do not fail
            led = all(p.get("leader", -1) >= 0 for p in partitions) or time.monotonic() > deadline
            if entry.get("topic") == topic and entry.get("error_code") == 0 and partitions and led:
                return len(partitions)
        if time.monotonic() > deadline:
            raise ConnectError(f"Topic '{topic}' did not appear in the cluster metadata")
        await asyncio.sleep(_BACKOFF_S)
