"""The values of the config topic's records once decoded, and the requests they carry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from distconnect.runtime.states import TargetState, TaskId

#: A connector's or task's configuration; Java keeps null values, so do we.
Properties = Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class SessionKey:
    """The leader's key for signing internal REST requests (KIP-507)."""

    key: bytes
    algorithm: str
    creation_timestamp: int


@dataclass(frozen=True, slots=True)
class RestartRequest:
    """``POST /connectors/<name>/restart?includeTasks=..&onlyFailed=..`` (KIP-745)."""

    connector: str
    only_failed: bool = False
    include_tasks: bool = False


@dataclass(frozen=True, slots=True)
class ConnectorConfigRecord:
    connector: str
    #: None: a tombstone (the connector was deleted)
    properties: Properties | None


@dataclass(frozen=True, slots=True)
class TaskConfigRecord:
    task: TaskId
    properties: Properties


@dataclass(frozen=True, slots=True)
class TaskCommitRecord:
    connector: str
    #: None: the value was unreadable (still meaningful: a commit for an unknown connector)
    tasks: int | None


@dataclass(frozen=True, slots=True)
class TargetStateRecord:
    connector: str
    #: None: a tombstone
    state: TargetState | None


@dataclass(frozen=True, slots=True)
class SessionKeyRecord:
    session_key: SessionKey


@dataclass(frozen=True, slots=True)
class RestartRequestRecord:
    request: RestartRequest


@dataclass(frozen=True, slots=True)
class TaskCountRecord:
    connector: str
    task_count: int


@dataclass(frozen=True, slots=True)
class LoggerLevelRecord:
    namespace: str
    level: str


ConfigRecord = (
    ConnectorConfigRecord
    | TaskConfigRecord
    | TaskCommitRecord
    | TargetStateRecord
    | SessionKeyRecord
    | RestartRequestRecord
    | TaskCountRecord
    | LoggerLevelRecord
)
