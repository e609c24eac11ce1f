"""The JSON shapes of Apache Kafka Connect's REST entities (``RT/rest/entities``).

Pure functions from the herder's entities to JSON-ready dicts; the field names and the rules
(``trace`` left out when empty, tasks sorted by id) are Apache's, so tools written against
Apache's API read ours unchanged.
"""

from __future__ import annotations

from typing import Any

from distconnect.runtime.herder import ConnectorInfo, ConnectorStateInfo, TaskInfo
from distconnect.runtime.states import Status, TaskId

Json = dict[str, Any]


def task_id_json(task: TaskId) -> Json:
    return {"connector": task.connector, "task": task.task}


def connector_info_json(info: ConnectorInfo) -> Json:
    return {
        "name": info.name,
        "config": dict(info.config),
        "tasks": [task_id_json(t) for t in info.tasks],
        "type": info.type,
    }


def task_info_json(info: TaskInfo) -> Json:
    return {"id": task_id_json(info.id), "config": dict(info.config)}


def _state_json(status: Status) -> Json:
    body: Json = {"state": status.state.value, "worker_id": status.worker_id}
    if status.trace:  # Jackson's NON_EMPTY: neither null nor ""
        body["trace"] = status.trace
    # KIP-891's plugin version, shown only when known. Read defensively: statuses gain the
    # field with the status-store work, and REST must render both shapes meanwhile.
    version = getattr(status, "version", None)
    if version:
        body["version"] = version
    return body


def task_state_json(task: int, status: Status) -> Json:
    return {"id": task, **_state_json(status)}


def connector_state_json(info: ConnectorStateInfo) -> Json:
    return {
        "name": info.name,
        "connector": _state_json(info.connector),
        "tasks": [task_state_json(task, info.tasks[task]) for task in sorted(info.tasks)],
        "type": info.type,
    }


def error_json(status: int, message: str, error_code: int | None = None) -> Json:
    """Apache's ``ErrorMessage``: the body of every non-2xx answer."""
    return {"error_code": status if error_code is None else error_code, "message": message}


__all__ = [
    "Json",
    "connector_info_json",
    "connector_state_json",
    "error_json",
    "task_id_json",
    "task_info_json",
    "task_state_json",
]
