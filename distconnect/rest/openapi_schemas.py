"""JSON Schemas of the REST entities, for ``/openapi.json`` (``components.schemas``).

They describe what Apache Kafka Connect's Jackson entities serialise to, so a client generated
from this spec reads Apache's workers too. Config maps accept JSON scalars (Jackson turns
numbers and booleans into their text); answers always carry strings.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


STRING_MAP: Schema = {"type": "object", "additionalProperties": {"type": "string"}}
SCALAR: Schema = {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}
SCALAR_MAP: Schema = {"type": "object", "additionalProperties": SCALAR}
NULLABLE_STRING: Schema = {"type": "string", "nullable": True}
STATES = ["UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING"]

_STATE_FIELDS: Schema = {
    "state": {"type": "string", "enum": STATES},
    "worker_id": {"type": "string"},
    "trace": {"type": "string"},
    "version": {"type": "string"},
}

SCHEMAS: dict[str, Schema] = {
    "ErrorMessage": {
        "type": "object",
        "required": ["error_code", "message"],
        "properties": {"error_code": {"type": "integer"}, "message": NULLABLE_STRING},
    },
    "ServerInfo": {
        "type": "object",
        "required": ["version", "commit", "kafka_cluster_id"],
        "properties": {
            "version": {"type": "string"},
            "commit": {"type": "string"},
            "kafka_cluster_id": NULLABLE_STRING,
        },
    },
    "Health": {
        "type": "object",
        "required": ["status", "message"],
        "properties": {
            "status": {"type": "string", "enum": ["healthy", "starting", "unhealthy"]},
            "message": {"type": "string"},
        },
    },
    "ConnectorTaskId": {
        "type": "object",
        "required": ["connector", "task"],
        "properties": {"connector": {"type": "string"}, "task": {"type": "integer"}},
    },
    "ConnectorInfo": {
        "type": "object",
        "required": ["name", "config", "tasks"],
        "properties": {
            "name": {"type": "string"},
            "config": STRING_MAP,
            "tasks": {"type": "array", "items": ref("ConnectorTaskId")},
            "type": {"type": "string", "enum": ["source", "sink", "unknown"]},
        },
    },
    "CreateConnectorRequest": {
        "type": "object",
        "required": ["config"],
        "properties": {
            "name": {"type": "string"},
            "config": SCALAR_MAP,
            "initial_state": {"type": "string", "enum": ["RUNNING", "PAUSED", "STOPPED"]},
        },
    },
    "ConnectorConfig": SCALAR_MAP,
    "ConnectorConfigPatch": {"type": "object", "additionalProperties": {"nullable": True, **SCALAR}},
    "ConnectorState": {"type": "object", "required": ["state", "worker_id"], "properties": _STATE_FIELDS},
    "TaskState": {
        "type": "object",
        "required": ["id", "state", "worker_id"],
        "properties": {"id": {"type": "integer"}, **_STATE_FIELDS},
    },
    "ConnectorStateInfo": {
        "type": "object",
        "required": ["name", "connector", "tasks"],
        "properties": {
            "name": {"type": "string"},
            "connector": ref("ConnectorState"),
            "tasks": {"type": "array", "items": ref("TaskState")},
            "type": {"type": "string"},
        },
    },
    "TaskInfo": {
        "type": "object",
        "required": ["id", "config"],
        "properties": {"id": ref("ConnectorTaskId"), "config": STRING_MAP},
    },
    "ConnectorExpanded": {
        "type": "object",
        "properties": {"status": ref("ConnectorStateInfo"), "info": ref("ConnectorInfo")},
    },
    "ConnectorTopics": {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "required": ["topics"],
            "properties": {"topics": {"type": "array", "items": {"type": "string"}}},
        },
    },
    "ConnectorOffsets": {
        "type": "object",
        "required": ["offsets"],
        "properties": {
            "offsets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["partition"],
                    "properties": {
                        "partition": {"type": "object"},
                        "offset": {"type": "object", "nullable": True},
                    },
                },
            }
        },
    },
    "Message": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
    "PluginInfo": {
        "type": "object",
        "required": ["class", "type"],
        "properties": {"class": {"type": "string"}, "type": {"type": "string"}, "version": NULLABLE_STRING},
    },
    "ConfigKeyInfo": {
        "type": "object",
        "required": ["name", "type"],
        "properties": {
            "name": {"type": "string"},
            "type": {"type": "string"},
            "required": {"type": "boolean"},
            "default_value": NULLABLE_STRING,
            "importance": NULLABLE_STRING,
            "documentation": NULLABLE_STRING,
            "group": NULLABLE_STRING,
            "order_in_group": {"type": "integer"},
            "width": NULLABLE_STRING,
            "display_name": NULLABLE_STRING,
            "dependents": {"type": "array", "items": {"type": "string"}},
        },
    },
    "ConfigValueInfo": {
        "type": "object",
        "required": ["name", "errors"],
        "properties": {
            "name": {"type": "string"},
            "value": NULLABLE_STRING,
            "recommended_values": {"type": "array", "items": {"type": "string"}},
            "errors": {"type": "array", "items": {"type": "string"}},
            "visible": {"type": "boolean"},
        },
    },
    "ConfigInfos": {
        "type": "object",
        "required": ["name", "error_count", "groups", "configs"],
        "properties": {
            "name": {"type": "string"},
            "error_count": {"type": "integer"},
            "groups": {"type": "array", "items": {"type": "string"}},
            "configs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"definition": ref("ConfigKeyInfo"), "value": ref("ConfigValueInfo")},
                },
            },
        },
    },
    "LoggerLevel": {
        "type": "object",
        "required": ["level"],
        "properties": {"level": {"type": "string"}, "last_modified": {"type": "integer", "nullable": True}},
    },
    "LoggerLevelRequest": {
        "type": "object",
        "required": ["level"],
        "properties": {"level": {"type": "string"}},
    },
}

__all__ = ["SCHEMAS", "STRING_MAP", "Schema", "ref"]
