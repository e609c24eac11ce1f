"""Records of the status topic, byte-compatible with Apache Kafka Connect's.

Keys are UTF-8 strings; values are ``KafkaStatusBackingStore``'s structs rendered by the internal
JSON converter (``schemas.enable=false``, :mod:`distconnect.storage.records`):

* ``status-connector-<name>`` and ``status-task-<name>-<n>``: STATUS_SCHEMA_V0
  ``{"state":"RUNNING","trace":null,"worker_id":"host:port","generation":5,"version":"1.0"}``
  (``trace`` and ``version`` are optional and written as null when absent). ``version``, the
  plugin's version, arrived with KIP-891 in Apache Kafka 4.1 under the same schema name; older
  workers ignore it and records without it read as version null, so writing it is compatible
  both ways. DESTROYED is never written: it becomes a tombstone.
* ``status-topic-<topic>:connector-<name>``: TOPIC_STATUS_SCHEMA_V0, a map with one entry
  ``{"topic":{"name":..,"connector":..,"task":N,"discoverTimestamp":ms}}`` (KIP-558 active topics);
  a tombstone forgets the topic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from distconnect.api.data import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from distconnect.api.errors import DataError
from distconnect.api.plugins import Converter
from distconnect.api.struct import Struct
from distconnect.runtime.states import State, Status, TaskId
from distconnect.storage.records import decode_map, int_value, parse_task_key

log = logging.getLogger(__name__)

CONNECTOR_STATUS_PREFIX = "status-connector-"
TASK_STATUS_PREFIX = "status-task-"
TOPIC_STATUS_PREFIX = "status-topic-"
TOPIC_STATUS_SEPARATOR = ":connector-"

STATUS_SCHEMA_V0: Schema = (
    SchemaBuilder.struct()
    .field("state", STRING_SCHEMA)
    .field("trace", OPTIONAL_STRING_SCHEMA)
    .field("worker_id", STRING_SCHEMA)
    .field("generation", INT32_SCHEMA)
    .field("version", OPTIONAL_STRING_SCHEMA)
    .build()
)
TOPIC_STATUS_VALUE_SCHEMA_V0: Schema = (
    SchemaBuilder.struct()
    .field("name", STRING_SCHEMA)
    .field("connector", STRING_SCHEMA)
    .field("task", INT32_SCHEMA)
    .field("discoverTimestamp", INT64_SCHEMA)
    .build()
)
TOPIC_STATUS_SCHEMA_V0: Schema = SchemaBuilder.map(STRING_SCHEMA, TOPIC_STATUS_VALUE_SCHEMA_V0).build()


def connector_status_key(connector: str) -> str:
    return CONNECTOR_STATUS_PREFIX + connector


def task_status_key(task: TaskId) -> str:
    return f"{TASK_STATUS_PREFIX}{task.connector}-{task.task}"


def topic_status_key(connector: str, topic: str) -> str:
    return f"{TOPIC_STATUS_PREFIX}{topic}{TOPIC_STATUS_SEPARATOR}{connector}"


@dataclass(frozen=True, slots=True)
class TopicStatus:
    """A topic a connector's task used (KIP-558)."""

    topic: str
    connector: str
    task: int
    discover_timestamp: int


@dataclass(frozen=True, slots=True)
class ConnectorStatusRecord:
    connector: str
    #: None: a tombstone (the connector and all its tasks' statuses are gone)
    status: Status | None


@dataclass(frozen=True, slots=True)
class TaskStatusRecord:
    task: TaskId
    status: Status | None


@dataclass(frozen=True, slots=True)
class TopicStatusRecord:
    connector: str
    topic: str
    #: None: a tombstone
    status: TopicStatus | None


StatusRecord = ConnectorStatusRecord | TaskStatusRecord | TopicStatusRecord


class StatusRecordCodec:
    """Encodes and decodes status-topic values with a (schemaless) JSON converter."""

    def __init__(self, converter: Converter, topic: str = "") -> None:
        self._converter = converter
        self._topic = topic

    def status(self, status: Status) -> bytes | None:
        """The value for ``status``; None (a tombstone) for DESTROYED."""
        if status.state is State.DESTROYED:
            return None
        struct = Struct(STATUS_SCHEMA_V0)
        struct.put("state", status.state.value)
        struct.put("trace", status.trace)
        struct.put("worker_id", status.worker_id)
        struct.put("generation", status.generation)
        struct.put("version", status.version)
        return self._converter.from_connect_data(self._topic, STATUS_SCHEMA_V0, struct)

    def topic_status(self, status: TopicStatus | None) -> bytes | None:
        if status is None:
            return None
        struct = Struct(TOPIC_STATUS_VALUE_SCHEMA_V0)
        struct.put("name", status.topic)
        struct.put("connector", status.connector)
        struct.put("task", status.task)
        struct.put("discoverTimestamp", status.discover_timestamp)
        return self._converter.from_connect_data(self._topic, TOPIC_STATUS_SCHEMA_V0, {"topic": struct})

    # -- reading -------------------------------------------------------------------------------

    def decode(self, key: str | None, value: bytes | None) -> StatusRecord | None:
        """The record ``key``/``value`` means, or None if Java would discard it (logged)."""
        if key is None:
            log.warning("Discarding status record without a key")
            return None
        if key.startswith(CONNECTOR_STATUS_PREFIX):
            connector = key[len(CONNECTOR_STATUS_PREFIX) :]
            if not connector:
                log.warning("Discarding record with invalid connector status key %s", key)
                return None
            if value is None:
                return ConnectorStatusRecord(connector, None)
            status = self._status(key, value)
            return None if status is None else ConnectorStatusRecord(connector, status)
        if key.startswith(TASK_STATUS_PREFIX):
            task = parse_task_key(key, 2)
            if task is None:
                log.warning("Discarding record with invalid task status key %s", key)
                return None
            if value is None:
                return TaskStatusRecord(task, None)
            status = self._status(key, value)
            return None if status is None else TaskStatusRecord(task, status)
        if key.startswith(TOPIC_STATUS_PREFIX):
            return self._topic_record(key, value)
        log.warning("Discarding record with invalid key %s", key)
        return None

    def _status(self, key: str, value: bytes) -> Status | None:
        try:
            fields = decode_map(self._converter, self._topic, value)
        except DataError as err:
            log.error("Failed to deserialize status %s: %s", key, err)
            return None
        state, trace, worker = fields.get("state"), fields.get("trace"), fields.get("worker_id")
        generation, version = int_value(fields.get("generation")), fields.get("version")
        if (
            not isinstance(state, str)
            or state not in State.__members__
            or not isinstance(worker, str)
            or generation is None
            or not (trace is None or isinstance(trace, str))
            or not (version is None or isinstance(version, str))  # Java's (String) cast would throw
        ):
            log.error("Failed to deserialize status %s: unexpected fields %s", key, sorted(fields))
            return None
        return Status(State[state], worker, trace, generation, version)

    def _topic_record(self, key: str, value: bytes | None) -> TopicStatusRecord | None:
        delimiter = key.find(":")
        topic = key[len(TOPIC_STATUS_PREFIX) : delimiter] if delimiter >= len(TOPIC_STATUS_PREFIX) else ""
        connector = key[delimiter + len(TOPIC_STATUS_SEPARATOR) :] if topic else ""
        if not topic or not connector:
            log.warning("Discarding record with invalid topic status key %s", key)
            return None
        if value is None:
            return TopicStatusRecord(connector, topic, None)
        try:
            inner = decode_map(self._converter, self._topic, value).get("topic")
        except DataError as err:
            log.error("Failed to deserialize topic status %s: %s", key, err)
            return None
        if not isinstance(inner, dict):
            log.error("Invalid topic status value for %s", key)
            return None
        name, owner = inner.get("name"), inner.get("connector")
        task, discovered = int_value(inner.get("task")), int_value(inner.get("discoverTimestamp"))
        if not isinstance(name, str) or not isinstance(owner, str) or task is None or discovered is None:
            log.error("Invalid topic status value for %s", key)
            return None
        return TopicStatusRecord(connector, topic, TopicStatus(name, owner, task, discovered))
