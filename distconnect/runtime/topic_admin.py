"""Topic administration and the worker's shared producer for dead letter queues.

Creates topics that must exist before a task uses them (a sink's dead letter queue, a source's
new topics under ``topic.creation.*``) and sends the occasional record that belongs to no task's
own producer (DLQ writes). One per worker; started and stopped with it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from distconnect.api.errors import ConnectError
from distconnect.runtime.kafka_clients import admin_kwargs, kafka_errors, producer_kwargs

log = logging.getLogger(__name__)


class TopicAdmin:
    def __init__(self, settings: Mapping[str, Any]) -> None:
        self._settings = dict(settings)
        self._admin: AIOKafkaAdminClient | None = None
        self._producer: AIOKafkaProducer | None = None
        self._known: set[str] = set()

    async def start(self) -> None:
        with kafka_errors("starting the admin client"):
            self._admin = AIOKafkaAdminClient(**admin_kwargs(self._settings))
            await self._admin.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        if self._admin is not None:
            await self._admin.close()
            self._admin = None

    async def cluster_id(self) -> str | None:
        """The Kafka cluster's id (``GET /`` shows it as ``kafka_cluster_id``)."""
        assert self._admin is not None, "TopicAdmin.start() was not awaited"
        with kafka_errors("reading the Kafka cluster id"):
            cluster = await self._admin.describe_cluster()
        found = cluster.get("cluster_id")
        return str(found) if found else None

    async def existing(self, topics: list[str]) -> set[str]:
        assert self._admin is not None, "TopicAdmin.start() was not awaited"
        with kafka_errors("listing topics"):
            names = set(await self._admin.list_topics())
        self._known |= names
        return {t for t in topics if t in names}

    async def ensure_topic(
        self,
        topic: str,
        *,
        partitions: int,
        replication_factor: int,
        configs: Mapping[str, str] | None = None,
    ) -> bool:
        """Create ``topic`` unless it exists. True if this call created it.

        A replication factor or partition count of -1 means the broker's default.
        """
        if topic in self._known or await self.existing([topic]):
            return False
        assert self._admin is not None
        with kafka_errors(f"creating topic {topic}"):
            new = NewTopic(
                topic,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs=dict(configs or {}),
            )
            response = await self._admin.create_topics([new])
        # Errors come back per topic in the response, not as exceptions.
        for entry in getattr(response, "topic_errors", ()):
            name, code = entry[0], entry[1]
            message = entry[2] if len(entry) > 2 else None
            if name != topic or code == 0:
                continue
            if code == TopicAlreadyExistsError.errno:
                self._known.add(topic)
                return False
            error = for_code(code)
            raise ConnectError(
                f"could not create topic {topic} ({partitions} partitions, replication factor "
                f"{replication_factor}): {error.__name__}: {message or error.description}"
            )
        self._known.add(topic)
        log.info(
            "created topic %s (%d partitions, replication factor %d)", topic, partitions, replication_factor
        )
        return True

    async def send(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        """Send one record and wait for its acknowledgement (dead letter queue writes)."""
        if self._producer is None:
            self._producer = AIOKafkaProducer(**producer_kwargs({**self._settings, "acks": "all"}))
            with kafka_errors("starting the dead letter queue producer"):
                await self._producer.start()
        with kafka_errors(f"writing to {topic}"):
            await self._producer.send_and_wait(topic, value=value, key=key, headers=headers)


async def lookup_kafka_cluster_id(settings: Mapping[str, Any]) -> str | None:
    """Apache's ``ConnectUtils.lookupKafkaClusterId``: one short admin connection at start-up."""
    admin = TopicAdmin(settings)
    await admin.start()
    try:
        cluster_id = await admin.cluster_id()
    finally:
        await admin.stop()
    log.info("Kafka cluster ID: %s", cluster_id)
    return cluster_id
