"""What ``/openapi.json`` says about each route: summary, query parameters, body and answers.

Keyed by ``(METHOD, openapi path)``; :mod:`distconnect.rest.openapi` takes the set of routes
from the router and looks each one up here. Status codes every operation may answer (Apache's
error shape) are added by the builder: :data:`COMMON_ERRORS`, plus 415 when there is a body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from distconnect.rest.openapi_schemas import STRING_MAP, Schema, ref

JSON = "application/json"
#: (description, schema or None for no body, media type)
Response = tuple[str, Schema | None, str]
COMMON_ERRORS = frozenset({400, 401, 404, 405, 409, 500, 503})
HIDDEN = frozenset({("POST", "/connectors/{name}/tasks"), ("PUT", "/connectors/{name}/fence")})

#: JAX-RS reads a ``Boolean`` query parameter as ``true`` (any case) or false for anything else,
#: and ignores unknown ``expand`` values: the spec says what is accepted, not what is meant.
BOOL: Schema = {"type": "string", "description": "'true' (any case) enables; anything else is false"}


def ok(text: str, schema: Schema | None = None, code: int = 200, media: str = JSON) -> dict[int, Response]:
    return {code: (text, schema, media)}


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    tag: str
    responses: dict[int, Response]
    query: tuple[tuple[str, Schema], ...] = ()
    body: Schema | None = None
    errors: frozenset[int] = field(default_factory=frozenset)


def _op(
    method: str, path: str, op_id: str, summary: str, tag: str, responses: dict[int, Response], **more: Any
) -> tuple[tuple[str, str], Operation]:
    return (method, path), Operation(op_id, summary, tag, responses, **more)


C = "/connectors/{name}"
EXPAND: Schema = {
    "type": "array",
    "items": {"type": "string"},
    "description": "status and/or info; others are ignored",
}


def array_of(item: Schema) -> Schema:
    return {"type": "array", "items": item}


OPERATIONS: dict[tuple[str, str], Operation] = dict(
    [
        _op(
            "GET",
            "/",
            "serverInfo",
            "Version, commit and Kafka cluster id",
            "server",
            ok("Server info", ref("ServerInfo")),
        ),
        _op(
            "GET",
            "/health",
            "healthCheck",
            "Worker health (KIP-1017)",
            "server",
            {
                **ok("Healthy", ref("Health")),
                500: ("Unhealthy", ref("Health"), JSON),
                503: ("Starting", ref("Health"), JSON),
            },
        ),
        _op(
            "GET",
            "/openapi.json",
            "openApi",
            "This document",
            "server",
            ok("OpenAPI 3 document", {"type": "object"}),
        ),
        _op(
            "GET",
            "/metrics",
            "metrics",
            "Prometheus metrics (text exposition format)",
            "server",
            ok("Metrics", {"type": "string"}, media="text/plain"),
        ),
        _op(
            "GET",
            "/connectors",
            "listConnectors",
            "Connector names, or with expand=status|info a map of details",
            "connectors",
            ok(
                "Names, or name → expanded details",
                {
                    "oneOf": [
                        array_of({"type": "string"}),
                        {"type": "object", "additionalProperties": ref("ConnectorExpanded")},
                    ]
                },
            ),
            query=(("expand", EXPAND),),
        ),
        _op(
            "POST",
            "/connectors",
            "createConnector",
            "Create a connector",
            "connectors",
            ok("Created", ref("ConnectorInfo"), 201),
            body=ref("CreateConnectorRequest"),
        ),
        _op(
            "GET",
            C,
            "getConnector",
            "A connector's config, tasks and type",
            "connectors",
            ok("Connector", ref("ConnectorInfo")),
        ),
        _op("DELETE", C, "destroyConnector", "Delete a connector", "connectors", ok("Deleted", code=204)),
        _op(
            "GET",
            f"{C}/config",
            "getConnectorConfig",
            "A connector's config",
            "connectors",
            ok("Config", STRING_MAP),
        ),
        _op(
            "PUT",
            f"{C}/config",
            "putConnectorConfig",
            "Create or replace a connector's config",
            "connectors",
            {**ok("Updated", ref("ConnectorInfo")), **ok("Created", ref("ConnectorInfo"), 201)},
            body=ref("ConnectorConfig"),
        ),
        _op(
            "PATCH",
            f"{C}/config",
            "patchConnectorConfig",
            "Merge keys into a connector's config (null removes a key)",
            "connectors",
            ok("Updated", ref("ConnectorInfo")),
            body=ref("ConnectorConfigPatch"),
        ),
        _op(
            "GET",
            f"{C}/status",
            "getConnectorStatus",
            "Connector and task states",
            "connectors",
            ok("Status", ref("ConnectorStateInfo")),
        ),
        _op(
            "GET",
            f"{C}/tasks",
            "getTaskConfigs",
            "The connector's task configs",
            "tasks",
            ok("Tasks", array_of(ref("TaskInfo"))),
        ),
        _op(
            "GET",
            f"{C}/tasks/{{task}}/status",
            "getTaskStatus",
            "One task's state",
            "tasks",
            ok("Task state", ref("TaskState")),
        ),
        _op(
            "POST",
            f"{C}/restart",
            "restartConnector",
            "Restart the connector, and with includeTasks its tasks (KIP-745)",
            "connectors",
            {**ok("Restarted (plain form)", code=204), **ok("Restart plan", ref("ConnectorStateInfo"), 202)},
            query=(("includeTasks", BOOL), ("onlyFailed", BOOL)),
        ),
        _op(
            "POST",
            f"{C}/tasks/{{task}}/restart",
            "restartTask",
            "Restart one task",
            "tasks",
            ok("Restarted", code=204),
        ),
        _op(
            "PUT",
            f"{C}/pause",
            "pauseConnector",
            "Pause the connector and its tasks",
            "connectors",
            ok("Accepted", code=202),
        ),
        _op(
            "PUT",
            f"{C}/resume",
            "resumeConnector",
            "Resume a paused or stopped connector",
            "connectors",
            ok("Accepted", code=202),
        ),
        _op(
            "PUT",
            f"{C}/stop",
            "stopConnector",
            "Stop the connector and shut its tasks down (KIP-875)",
            "connectors",
            ok("Stopped", code=204),
        ),
        _op(
            "GET",
            f"{C}/topics",
            "getConnectorActiveTopics",
            "Topics the connector has used (KIP-558)",
            "topics",
            ok("Active topics", ref("ConnectorTopics")),
            errors=frozenset({403}),
        ),
        _op(
            "PUT",
            f"{C}/topics/reset",
            "resetConnectorActiveTopics",
            "Forget the connector's active topics",
            "topics",
            ok("Reset", code=202),
            errors=frozenset({403}),
        ),
        _op(
            "GET",
            f"{C}/offsets",
            "getOffsets",
            "The connector's committed offsets (KIP-875)",
            "offsets",
            ok("Offsets", ref("ConnectorOffsets")),
        ),
        _op(
            "PATCH",
            f"{C}/offsets",
            "alterConnectorOffsets",
            "Alter a STOPPED connector's offsets",
            "offsets",
            ok("Altered", ref("Message")),
            body=ref("ConnectorOffsets"),
        ),
        _op(
            "DELETE",
            f"{C}/offsets",
            "resetConnectorOffsets",
            "Reset a STOPPED connector's offsets",
            "offsets",
            ok("Reset", ref("Message")),
        ),
        _op(
            "GET",
            "/connector-plugins",
            "listConnectorPlugins",
            "Installed plugins",
            "plugins",
            ok("Plugins", array_of(ref("PluginInfo"))),
            query=(("connectorsOnly", BOOL),),
        ),
        _op(
            "GET",
            "/connector-plugins/{pluginName}/config",
            "getConnectorConfigDef",
            "A plugin's config definition",
            "plugins",
            ok("Config keys", array_of(ref("ConfigKeyInfo"))),
        ),
        _op(
            "PUT",
            "/connector-plugins/{pluginName}/config/validate",
            "validateConfigs",
            "Validate a connector config",
            "plugins",
            ok("Validation result, per key", ref("ConfigInfos")),
            body=ref("ConnectorConfig"),
        ),
        _op(
            "GET",
            "/admin/loggers",
            "listLoggers",
            "Log levels of the worker's loggers",
            "loggers",
            ok("Logger → level", {"type": "object", "additionalProperties": ref("LoggerLevel")}),
        ),
        _op(
            "GET",
            "/admin/loggers/{logger}",
            "getLogger",
            "One logger's level",
            "loggers",
            ok("Level", ref("LoggerLevel")),
        ),
        _op(
            "PUT",
            "/admin/loggers/{logger}",
            "setLevel",
            "Set a logger's level on this worker or the whole cluster (KIP-976)",
            "loggers",
            {
                **ok("Loggers changed on this worker", array_of({"type": "string"})),
                **ok("Applied cluster-wide", code=204),
            },
            query=(("scope", {"type": "string"}),),
            body=ref("LoggerLevelRequest"),
        ),
    ]
)

__all__ = ["COMMON_ERRORS", "HIDDEN", "OPERATIONS", "Operation"]
