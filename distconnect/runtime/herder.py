"""The herder contract: what the REST layer (and the CLI) may ask of a worker's herder.

A herder owns the cluster's connector configurations, target states and task configurations for
its worker and drives the :class:`~distconnect.runtime.worker.Worker` towards them. Two
implementations exist: :class:`~distconnect.runtime.standalone.StandaloneHerder` (one process,
configs in memory) and ``distconnect.distributed.herder.DistributedHerder`` (a Kafka group,
configs in the config topic).

Concurrency contract: every method is a coroutine called from the herder's event loop; each one
returns when the operation is done (writes: durable and read back, as in Apache Kafka Connect)
or raises. Errors carry the HTTP semantics the REST layer maps them to:

* :class:`~distconnect.api.errors.NotFoundError` → 404, ``AlreadyExistsError`` → 409,
  :class:`ConfigValidationError` → 400 with the per-key errors;
* :class:`RequestTargetError` (:class:`NotLeaderError`, :class:`NotAssignedError`) → the REST layer
  forwards the request to ``url`` (Apache's ``forward`` query parameter rules);
* :class:`RebalanceNeededError` → 409 (the herder waited a bounded time for a rebalance first);
* :class:`ConnectRestError` → its own status.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from distconnect.api.errors import ConfigError, ConnectError
from distconnect.runtime.loggers import LoggerLevel
from distconnect.runtime.plugins import PluginDesc
from distconnect.runtime.states import Status, TargetState, TaskId

if TYPE_CHECKING:
    from distconnect.runtime.offsets_parse import ConnectorOffset

# -- errors -----------------------------------------------------------------------------------------


class ConnectRestError(ConnectError):
    """An error with an explicit HTTP status (Java's ``ConnectRestException``)."""

    def __init__(self, status: int, message: str, error_code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = status if error_code is None else error_code
        self.message = message


class RequestTargetError(ConnectError):
    """This worker cannot serve the request; ``url`` (may be None: unknown) can."""

    def __init__(self, message: str, url: str | None) -> None:
        super().__init__(message)
        self.url = url


class NotLeaderError(RequestTargetError):
    """Only the leader may do this; ``url`` is the leader's REST URL."""


class NotAssignedError(RequestTargetError):
    """Only the worker running the connector or task may do this; ``url`` is its REST URL."""


class RebalanceNeededError(ConnectError):
    """The herder's view is stale (a rebalance is pending); retry after it completes."""


class ConfigValidationError(ConfigError):
    """A connector config failed validation; ``errors`` maps each bad key to its messages."""

    def __init__(self, connector: str, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors = {key: list(messages) for key, messages in errors.items()}
        count = sum(len(v) for v in self.errors.values())
        super().__init__("config", None, "invalid connector configuration")
        self.args = (
            f"Connector configuration is invalid and contains the following {count} error(s):\n"
            + "\n".join(m for msgs in self.errors.values() for m in msgs),
        )
        self.connector = connector


# -- entities ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectorInfo:
    """``GET /connectors/{name}``: the raw config, the committed tasks and the type."""

    name: str
    config: Mapping[str, str]
    tasks: Sequence[TaskId]
    #: ``source``, ``sink`` or ``unknown`` (the class is not installed on this worker)
    type: str


@dataclass(frozen=True)
class TaskInfo:
    """One entry of ``GET /connectors/{name}/tasks``."""

    id: TaskId
    config: Mapping[str, str]


@dataclass(frozen=True)
class ConnectorStateInfo:
    """``GET /connectors/{name}/status``: the connector's status and its tasks' in id order."""

    name: str
    connector: Status
    tasks: Mapping[int, Status] = field(default_factory=dict)
    type: str = "unknown"


@dataclass(frozen=True)
class TopicTracking:
    """The worker's ``topic.tracking.enable`` and ``topic.tracking.allow.reset`` (KIP-558)."""

    enabled: bool = True
    allow_reset: bool = True


@dataclass(frozen=True)
class Created:
    """The outcome of a create-or-replace: ``created`` picks 201 over 200."""

    created: bool
    info: ConnectorInfo


# -- the contract -----------------------------------------------------------------------------------


class Herder(ABC):
    """See the module docstring for the concurrency and error contract."""

    #: This worker's id (``host:port`` of its advertised REST URL), shown in statuses.
    worker_id: str

    # health ------------------------------------------------------------------------------------
    def startup_complete(self) -> bool:
        """True once the herder can serve requests (distributed: it completed its first
        rebalance). ``GET /health`` answers 503 "starting" before that."""
        return True

    async def health_check(self) -> None:  # noqa: B027  (an optional hook)
        """Return once the herder could run an operation now (e.g. take its lock); ``GET /health``
        answers 500 "unhealthy" when this does not return within its timeout."""

    # reads -------------------------------------------------------------------------------------
    @abstractmethod
    async def connectors(self) -> list[str]:
        """Names of all connectors, sorted."""

    @abstractmethod
    async def connector_info(self, name: str) -> ConnectorInfo: ...

    @abstractmethod
    async def connector_config(self, name: str) -> dict[str, str]: ...

    @abstractmethod
    async def task_infos(self, name: str) -> list[TaskInfo]: ...

    @abstractmethod
    async def connector_status(self, name: str) -> ConnectorStateInfo:
        """Raises NotFoundError("No status found for connector X") when nothing is known."""

    @abstractmethod
    async def task_status(self, task: TaskId) -> Status:
        """Raises NotFoundError("No status found for task X") when nothing is known."""

    # writes ------------------------------------------------------------------------------------
    @abstractmethod
    async def put_connector_config(
        self,
        name: str,
        config: Mapping[str, str],
        *,
        allow_replace: bool = True,
        initial_state: TargetState | None = None,
    ) -> Created:
        """Create or replace (``allow_replace``) a connector; validation errors raise
        :class:`ConfigValidationError`, an existing connector without ``allow_replace``
        ``AlreadyExistsError``. ``initial_state`` only applies to a new connector."""

    @abstractmethod
    async def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        """Merge ``patch`` into the existing config (a None value removes the key)."""

    @abstractmethod
    async def delete_connector(self, name: str) -> None: ...

    @abstractmethod
    async def set_target_state(self, name: str, target: TargetState) -> None:
        """Pause, resume or stop a connector (``PUT /connectors/{name}/pause|resume|stop``)."""

    @abstractmethod
    async def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStateInfo | None:
        """Restart per KIP-745. Returns None for the plain form (only the connector instance,
        204), else the plan with the instances to restart shown as RESTARTING (202)."""

    @abstractmethod
    async def restart_task(self, task: TaskId) -> None: ...

    @abstractmethod
    async def put_task_configs_internal(
        self, name: str, configs: Sequence[Mapping[str, str]], body: bytes, headers: Mapping[str, str]
    ) -> None:
        """The internal ``POST /connectors/{name}/tasks``: verify the request signature over
        ``body`` (sessioned protocol) and store the task configs. Leader only."""

    # offsets (KIP-875) and active topics (KIP-558); see distconnect.runtime.herder_offsets --------
    @abstractmethod
    async def connector_offsets(self, name: str) -> list[ConnectorOffset]:
        """The connector's offsets, in any state (NotFoundError "Connector X not found")."""

    @abstractmethod
    async def alter_connector_offsets(self, name: str, offsets: Sequence[ConnectorOffset]) -> str:
        """Alter a STOPPED connector's offsets (distributed: leader only); Apache's message."""

    @abstractmethod
    async def reset_connector_offsets(self, name: str) -> str:
        """Reset a STOPPED connector's offsets (distributed: leader only); Apache's message."""

    def topic_tracking(self) -> TopicTracking:
        """The worker's topic tracking settings (the REST layer answers 403 when off)."""
        return TopicTracking()

    @abstractmethod
    async def connector_active_topics(self, name: str) -> list[str]:
        """The topics the connector's tasks used (sorted; none for an unknown connector)."""

    @abstractmethod
    async def reset_connector_active_topics(self, name: str) -> None:
        """Forget the connector's active topics (tombstones in the status topic)."""

    # plugins, validation and log levels (ConnectorPluginsResource, LoggingResource) -----------
    # Served by every worker from its own state (no forwarding), as Apache does; implementations
    # delegate to a :class:`~distconnect.runtime.herder_admin.HerderAdmin`.
    @abstractmethod
    async def connector_plugins(self, connectors_only: bool = True) -> list[PluginDesc]:
        """``GET /connector-plugins?connectorsOnly=``: the installed plugins, Apache's order."""

    @abstractmethod
    async def connector_plugin_config(self, plugin: str) -> list[dict[str, Any]]:
        """``GET /connector-plugins/{plugin}/config``: the ConfigKeyInfo JSON of each key.
        NotFoundError ("Unknown plugin X.") when no plugin has that name."""

    @abstractmethod
    async def validate_connector_config(self, config: Mapping[str, str | None]) -> dict[str, Any]:
        """``PUT /connector-plugins/{plugin}/config/validate``: the ConfigInfos JSON (PASSWORD
        values hidden). Must not block the event loop (validation runs in a thread)."""

    @abstractmethod
    async def logger_level(self, name: str) -> LoggerLevel | None:
        """This worker's level of logger ``name``; None when no such logger exists."""

    @abstractmethod
    async def all_logger_levels(self) -> dict[str, LoggerLevel]:
        """This worker's configured loggers and ``root``, sorted by name."""

    @abstractmethod
    async def set_worker_logger_level(self, namespace: str, level: str) -> list[str]:
        """Set ``namespace`` (and the configured loggers under it) on this worker only; the
        affected logger names, sorted. ``level`` is an Apache level name, already checked."""

    @abstractmethod
    async def set_cluster_logger_level(self, namespace: str, level: str) -> None:
        """Set ``namespace`` on every worker (KIP-976): distributed, a ``logger-cluster-`` record
        any worker may write, which every worker applies when it reads it; standalone, the
        worker scope."""


__all__ = [
    "ConfigValidationError",
    "ConnectRestError",
    "ConnectorInfo",
    "ConnectorStateInfo",
    "Created",
    "Herder",
    "NotAssignedError",
    "NotLeaderError",
    "RebalanceNeededError",
    "RequestTargetError",
    "TaskInfo",
    "TopicTracking",
]
