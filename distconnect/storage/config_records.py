"""Records of the config topic, byte-compatible with Apache Kafka Connect's.

Keys are plain UTF-8 strings, values are Connect structs rendered by the internal converter
(:mod:`distconnect.storage.records`). The schemas are those of ``KafkaConfigBackingStore``:

* ``connector-<name>``: CONNECTOR_CONFIGURATION_V0 ``{"properties":{...}}``; null = deleted
* ``task-<name>-<n>``: TASK_CONFIGURATION_V0 ``{"properties":{...}}``
* ``commit-<name>``: CONNECTOR_TASKS_COMMIT_V0 ``{"tasks":N}``
* ``target-state-<name>``: TARGET_STATE_V1 ``{"state":..,"state.v2":..}``; null = removed
* ``session-key``: SESSION_KEY_V0 ``{"key":<base64>,"algorithm":..,"creation-timestamp":<ms>}``
* ``restart-connector-<name>``: RESTART_REQUEST_V0 ``{"include-tasks":..,"only-failed":..}``
* ``tasks-fencing-<name>``: TASK_COUNT_RECORD_V0 ``{"task-count":N}`` (exactly-once support)
* ``logger-cluster-<namespace>``: LOGGER_LEVEL_V0 ``{"level":..}`` (KIP-976)

:meth:`ConfigRecordCodec.decode` turns a record into one of the classes of
:mod:`~distconnect.storage.config_types`, or None (logged) for what Java would discard: an
unknown key, an unparseable value, a wrong field type. Unknown fields are ignored.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping

from distconnect.api.data import (
    BOOLEAN_SCHEMA,
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
from distconnect.runtime.states import TargetState, TaskId
from distconnect.storage.config_types import (
    ConfigRecord,
    ConnectorConfigRecord,
    LoggerLevelRecord,
    Properties,
    RestartRequest,
    RestartRequestRecord,
    SessionKey,
    SessionKeyRecord,
    TargetStateRecord,
    TaskCommitRecord,
    TaskConfigRecord,
    TaskCountRecord,
)
from distconnect.storage.records import decode_map, int_value, parse_task_key, string_properties

log = logging.getLogger(__name__)

CONNECTOR_PREFIX = "connector-"
TASK_PREFIX = "task-"
COMMIT_TASKS_PREFIX = "commit-"
TARGET_STATE_PREFIX = "target-state-"
SESSION_KEY_KEY = "session-key"
RESTART_PREFIX = "restart-connector-"
TASK_COUNT_RECORD_PREFIX = "tasks-fencing-"
LOGGER_CLUSTER_PREFIX = "logger-cluster-"

_PROPERTIES: Schema = SchemaBuilder.map(STRING_SCHEMA, OPTIONAL_STRING_SCHEMA).build()
CONNECTOR_CONFIGURATION_V0: Schema = SchemaBuilder.struct().field("properties", _PROPERTIES).build()
TASK_CONFIGURATION_V0: Schema = CONNECTOR_CONFIGURATION_V0
CONNECTOR_TASKS_COMMIT_V0: Schema = SchemaBuilder.struct().field("tasks", INT32_SCHEMA).build()
TARGET_STATE_V0: Schema = SchemaBuilder.struct().field("state", STRING_SCHEMA).build()
TARGET_STATE_V1: Schema = (
    SchemaBuilder.struct().field("state", STRING_SCHEMA).field("state.v2", OPTIONAL_STRING_SCHEMA).build()
)
TASK_COUNT_RECORD_V0: Schema = SchemaBuilder.struct().field("task-count", INT32_SCHEMA).build()
SESSION_KEY_V0: Schema = (
    SchemaBuilder.struct()
    .field("key", STRING_SCHEMA)
    .field("algorithm", STRING_SCHEMA)
    .field("creation-timestamp", INT64_SCHEMA)
    .build()
)
RESTART_REQUEST_V0: Schema = (
    SchemaBuilder.struct().field("include-tasks", BOOLEAN_SCHEMA).field("only-failed", BOOLEAN_SCHEMA).build()
)
LOGGER_LEVEL_V0: Schema = SchemaBuilder.struct().field("level", STRING_SCHEMA).build()


def connector_key(connector: str) -> str:
    return CONNECTOR_PREFIX + connector


def task_key(task: TaskId) -> str:
    return f"{TASK_PREFIX}{task.connector}-{task.task}"


def commit_key(connector: str) -> str:
    return COMMIT_TASKS_PREFIX + connector


def target_state_key(connector: str) -> str:
    return TARGET_STATE_PREFIX + connector


def restart_key(connector: str) -> str:
    return RESTART_PREFIX + connector


def task_count_record_key(connector: str) -> str:
    return TASK_COUNT_RECORD_PREFIX + connector


class ConfigRecordCodec:
    """Encodes and decodes config-topic values with a (schemaless) JSON converter."""

    def __init__(self, converter: Converter, topic: str = "") -> None:
        self._converter = converter
        self._topic = topic

    def _encode(self, schema: Schema, **fields: object) -> bytes:
        struct = Struct(schema)
        for name, value in fields.items():
            struct.put(name, value)
        data = self._converter.from_connect_data(self._topic, schema, struct)
        if data is None:
            raise DataError("the internal converter returned null for a config record")
        return data

    def connector_config(self, properties: Properties) -> bytes:
        return self._encode(CONNECTOR_CONFIGURATION_V0, properties=dict(properties))

    def task_config(self, properties: Properties) -> bytes:
        return self._encode(TASK_CONFIGURATION_V0, properties=dict(properties))

    def commit(self, tasks: int) -> bytes:
        return self._encode(CONNECTOR_TASKS_COMMIT_V0, tasks=tasks)

    def target_state(self, state: TargetState) -> bytes:
        # Workers older than STOPPED read only "state": they see PAUSED instead.
        legacy = TargetState.PAUSED if state is TargetState.STOPPED else state
        return self._encode(TARGET_STATE_V1, **{"state": legacy.value, "state.v2": state.value})

    def session_key(self, key: SessionKey) -> bytes:
        return self._encode(
            SESSION_KEY_V0,
            **{
                "key": base64.b64encode(key.key).decode("ascii"),
                "algorithm": key.algorithm,
                "creation-timestamp": key.creation_timestamp,
            },
        )

    def restart_request(self, request: RestartRequest) -> bytes:
        return self._encode(
            RESTART_REQUEST_V0, **{"include-tasks": request.include_tasks, "only-failed": request.only_failed}
        )

    def task_count_record(self, task_count: int) -> bytes:
        return self._encode(TASK_COUNT_RECORD_V0, **{"task-count": task_count})

    def logger_level(self, level: str) -> bytes:
        return self._encode(LOGGER_LEVEL_V0, level=level)

    # -- reading -------------------------------------------------------------------------------

    def decode(self, key: str | None, value: bytes | None) -> ConfigRecord | None:
        """The record ``key``/``value`` means, or None if Java would discard it (logged)."""
        if key is None:
            log.error("Discarding config record without a key")
            return None
        try:
            fields = None if value is None else decode_map(self._converter, self._topic, value)
        except DataError as err:
            log.error("Failed to convert config record %s: %s", key, err)
            return None
        # Prefix order matters: "target-state-" is tested before "connector-", as in Java.
        if key.startswith(TARGET_STATE_PREFIX):
            return _target_state(key[len(TARGET_STATE_PREFIX) :], fields)
        if key.startswith(CONNECTOR_PREFIX):
            name = key[len(CONNECTOR_PREFIX) :]
            if fields is None:
                return ConnectorConfigRecord(name, None)
            props = _properties(key, fields)
            return None if props is None else ConnectorConfigRecord(name, props)
        if key.startswith(TASK_PREFIX):
            task = parse_task_key(key, 1)
            if task is None:
                log.error("Ignoring task configuration: %s couldn't be parsed as a task config key", key)
                return None
            if fields is None:
                log.error("Ignoring task configuration for task %s because it is unexpectedly null", task)
                return None
            props = _properties(key, fields)
            return None if props is None else TaskConfigRecord(task, props)
        if key.startswith(COMMIT_TASKS_PREFIX):
            tasks = None if fields is None else int_value(fields.get("tasks"))
            return TaskCommitRecord(key[len(COMMIT_TASKS_PREFIX) :], tasks)
        if key.startswith(RESTART_PREFIX):
            return _restart_request(key[len(RESTART_PREFIX) :], fields)
        if key.startswith(TASK_COUNT_RECORD_PREFIX):
            count = None if fields is None else int_value(fields.get("task-count"))
            if count is None:
                log.error("Ignoring task count record %s: no integer 'task-count'", key)
                return None
            return TaskCountRecord(key[len(TASK_COUNT_RECORD_PREFIX) :], count)
        if key == SESSION_KEY_KEY:
            return _session_key(fields)
        if key.startswith(LOGGER_CLUSTER_PREFIX):
            level = None if fields is None else fields.get("level")
            if not isinstance(level, str):
                log.error("Ignoring logging level record %s: 'level' should be a string", key)
                return None
            return LoggerLevelRecord(key[len(LOGGER_CLUSTER_PREFIX) :], level)
        log.error("Discarding config update record with invalid key: %s", key)
        return None


def _properties(key: str, fields: Mapping[str, object]) -> dict[str, str | None] | None:
    props = string_properties(fields.get("properties"))
    if props is None:
        log.error("Invalid data for %s: 'properties' field should be a map", key)
    return props


def _target_state(connector: str, fields: Mapping[str, object] | None) -> TargetStateRecord | None:
    if fields is None:
        return TargetStateRecord(connector, None)
    name = fields.get("state.v2")
    if not isinstance(name, str):
        name = fields.get("state")  # written by a worker that predates STOPPED
    if not isinstance(name, str) or name not in TargetState.__members__:
        log.error("Invalid target state for connector '%s': %r", connector, name)
        return None
    return TargetStateRecord(connector, TargetState[name])


def _restart_request(connector: str, fields: Mapping[str, object] | None) -> RestartRequestRecord | None:
    if fields is None:
        log.error("Ignoring restart request for connector '%s' because the value is not a map", connector)
        return None
    only_failed, include_tasks = fields.get("only-failed"), fields.get("include-tasks")
    # A missing or non-boolean field takes its default (false), as in Java.
    return RestartRequestRecord(
        RestartRequest(
            connector,
            only_failed=only_failed if isinstance(only_failed, bool) else False,
            include_tasks=include_tasks if isinstance(include_tasks, bool) else False,
        )
    )


def _session_key(fields: Mapping[str, object] | None) -> SessionKeyRecord | None:
    if fields is None:
        log.error("Ignoring session key because it is unexpectedly null")
        return None
    key, algorithm = fields.get("key"), fields.get("algorithm")
    created = int_value(fields.get("creation-timestamp"))
    if not isinstance(key, str) or not isinstance(algorithm, str) or created is None:
        log.error("Ignoring session key with invalid 'key', 'algorithm' or 'creation-timestamp'")
        return None
    try:
        secret = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        log.error("Ignoring session key whose 'key' is not base64")
        return None
    return SessionKeyRecord(SessionKey(secret, algorithm, created))
