"""Connector and task identities, states and status reports.

The states and their names are Apache Kafka Connect's (what ``/status`` shows and the status
topic stores). A runner reports every transition to a :class:`StatusListener`; the standalone
herder keeps them in memory, the distributed one writes them to the status topic.
"""

from __future__ import annotations

import enum
import traceback
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, order=True, slots=True)
class TaskId:
    """``<connector>-<task>``, as task ids print everywhere in Connect."""

    connector: str
    task: int

    def __str__(self) -> str:
        return f"{self.connector}-{self.task}"


class State(enum.Enum):
    UNASSIGNED = "UNASSIGNED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    FAILED = "FAILED"
    RESTARTING = "RESTARTING"
    #: Connectors only: stopped with no tasks (``PUT /connectors/{name}/stop``).
    STOPPED = "STOPPED"
    #: Internal: removed; never shown, turns into a tombstone in the status topic.
    DESTROYED = "DESTROYED"


class TargetState(enum.Enum):
    """What the user asked for; the herder drives connectors and tasks towards it."""

    STARTED = "STARTED"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"


@dataclass(frozen=True, slots=True)
class Status:
    """One connector's or task's last reported state."""

    state: State
    worker_id: str
    trace: str | None = None
    generation: int = 0
    #: The connector's or task's plugin version (KIP-891, Apache Kafka 4.1+); None when unknown.
    version: str | None = None


def format_trace(error: BaseException) -> str:
    """The stack trace stored with a FAILED status, as Java's ``ExceptionUtils.getStackTrace``."""
    return "".join(traceback.format_exception(error)).rstrip()


class StatusListener(ABC):
    """Receives every state change of the connectors and tasks of one worker.

    Calls come from the worker's event loop and must not block; a listener that writes to
    Kafka queues the write.
    """

    @abstractmethod
    def on_task_status(self, task: TaskId, status: Status) -> None: ...

    @abstractmethod
    def on_connector_status(self, connector: str, status: Status) -> None: ...


class StatusView(Protocol):
    """The latest statuses a worker knows (its herder's view), read synchronously on the loop.

    :class:`MemoryStatusListener` (standalone) and the distributed status store implement it;
    metrics and auto-restart read it.
    """

    def connector_status(self, connector: str) -> Status | None: ...

    def task_status(self, task: TaskId) -> Status | None: ...

    def task_statuses(self, connector: str) -> Mapping[TaskId, Status]: ...


class MemoryStatusListener(StatusListener):
    """Keeps the latest status of everything in dicts (standalone mode and tests)."""

    def __init__(self) -> None:
        self.tasks: dict[TaskId, Status] = {}
        self.connectors: dict[str, Status] = {}

    def on_task_status(self, task: TaskId, status: Status) -> None:
        if status.state is State.DESTROYED:
            self.tasks.pop(task, None)
        else:
            self.tasks[task] = status

    def on_connector_status(self, connector: str, status: Status) -> None:
        if status.state is State.DESTROYED:
            self.connectors.pop(connector, None)
        else:
            self.connectors[connector] = status

    # -- StatusView -------------------------------------------------------------------------------
    def connector_status(self, connector: str) -> Status | None:
        return self.connectors.get(connector)

    def task_status(self, task: TaskId) -> Status | None:
        return self.tasks.get(task)

    def task_statuses(self, connector: str) -> dict[TaskId, Status]:
        return {t: s for t, s in sorted(self.tasks.items()) if t.connector == connector}
