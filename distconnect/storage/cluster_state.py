"""The cluster's configuration as of one config-topic offset, and the fold that builds it.

:class:`ConfigLogState` applies config records one at a time, with ``KafkaConfigBackingStore``'s
rules:

* a connector config is visible as soon as it is read; a tombstone removes the connector with its
  task configs and count. A connector without a target-state record is STARTED;
* task configs are *deferred* per connector until a ``commit-<name>`` record arrives. The commit
  applies them all at once if they include every task id ``0..tasks-1``; otherwise (lost to
  compaction, or a leader that died mid-write) the connector is marked *inconsistent* and
  nothing is applied, so half a task set is never exposed. Either way the buffer is cleared.
  A commit for a connector that does not exist is ignored;
* the config offset is the offset of the next record (last read + 1), -1 before any record.

:class:`ClusterConfigState` is an immutable snapshot of that fold; the herder works from
snapshots and never sees a record half-applied.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

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

log = logging.getLogger(__name__)

NO_OFFSET = -1


def _frozen(mapping: Mapping[str, str | None]) -> Mapping[str, str | None]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class ClusterConfigState:
    """What the config topic says, as of :attr:`offset` (see the module docstring)."""

    offset: int = NO_OFFSET
    session_key: SessionKey | None = None
    connector_configs: Mapping[str, Properties] = field(default_factory=dict)
    target_states: Mapping[str, TargetState] = field(default_factory=dict)
    task_counts: Mapping[str, int] = field(default_factory=dict)
    task_configs: Mapping[TaskId, Properties] = field(default_factory=dict)
    #: Connectors whose last commit lacked some task configs; their tasks are not usable.
    inconsistent: frozenset[str] = frozenset()
    #: Per connector, how many complete task-config sets have been committed (from 0).
    task_config_generations: Mapping[str, int] = field(default_factory=dict)
    #: Per connector, its config when its current task configs were committed.
    applied_connector_configs: Mapping[str, Properties] = field(default_factory=dict)
    #: The latest restart request per connector read after the store started.
    restart_requests: Mapping[str, RestartRequest] = field(default_factory=dict)
    #: ``tasks-fencing-`` records (exactly-once source support).
    task_count_records: Mapping[str, int] = field(default_factory=dict)

    def contains(self, connector: str) -> bool:
        return connector in self.connector_configs

    def connectors(self) -> list[str]:
        """Names of the configured connectors, sorted."""
        return sorted(self.connector_configs)

    def connector_config(self, connector: str) -> Properties | None:
        return self.connector_configs.get(connector)

    def target_state(self, connector: str) -> TargetState | None:
        """The connector's target state; None if the connector does not exist."""
        return self.target_states.get(connector)

    def task_count(self, connector: str) -> int:
        return self.task_counts.get(connector, 0)

    def tasks(self, connector: str) -> list[TaskId]:
        """The connector's committed tasks ``0..n-1``; none while the connector is inconsistent."""
        if connector in self.inconsistent:
            return []
        return [TaskId(connector, n) for n in range(self.task_counts.get(connector, 0))]

    def task_config(self, task: TaskId) -> Properties | None:
        return self.task_configs.get(task)

    def inconsistent_connectors(self) -> frozenset[str]:
        return self.inconsistent


class ConfigUpdateListener:
    """Told about changes read from the config topic after the store has started (no-op defaults).

    Calls come from the event loop, between two records, and must not block or write to the store.
    """

    def on_connector_config_update(self, connector: str) -> None:
        """A connector was created or its config changed."""

    def on_connector_config_remove(self, connector: str) -> None:
        """A connector was deleted."""

    def on_task_config_update(self, tasks: list[TaskId]) -> None:
        """A commit applied new configs for these tasks."""

    def on_target_state_change(self, connector: str) -> None:
        """An existing connector's target state changed."""

    def on_session_key_update(self, session_key: SessionKey) -> None:
        """The leader distributed a new session key."""

    def on_restart_request(self, request: RestartRequest) -> None:
        """Someone asked for a connector (and maybe its tasks) to be restarted."""

    def on_logger_level_update(self, namespace: str, level: str) -> None:
        """A cluster-wide log level was set (KIP-976)."""


class ConfigLogState:
    """The fold over config records (see the module docstring); owned by one store."""

    def __init__(self) -> None:
        self.offset = NO_OFFSET
        self.session_key: SessionKey | None = None
        self.connector_configs: dict[str, Properties] = {}
        self.target_states: dict[str, TargetState] = {}
        self.task_counts: dict[str, int] = {}
        self.task_configs: dict[TaskId, Properties] = {}
        self.deferred: dict[str, dict[TaskId, Properties]] = {}
        self.inconsistent: set[str] = set()
        self.generations: dict[str, int] = {}
        self.applied_configs: dict[str, Properties] = {}
        self.restart_requests: dict[str, RestartRequest] = {}
        self.task_count_records: dict[str, int] = {}
        #: Listener calls and restart requests only count once the store has caught up at start-up.
        self.started = False
        self.listener: ConfigUpdateListener = ConfigUpdateListener()

    def snapshot(self) -> ClusterConfigState:
        return ClusterConfigState(
            offset=self.offset,
            session_key=self.session_key,
            connector_configs=MappingProxyType(dict(self.connector_configs)),
            target_states=MappingProxyType(dict(self.target_states)),
            task_counts=MappingProxyType(dict(self.task_counts)),
            task_configs=MappingProxyType(dict(self.task_configs)),
            inconsistent=frozenset(self.inconsistent),
            task_config_generations=MappingProxyType(dict(self.generations)),
            applied_connector_configs=MappingProxyType(dict(self.applied_configs)),
            restart_requests=MappingProxyType(dict(self.restart_requests)),
            task_count_records=MappingProxyType(dict(self.task_count_records)),
        )

    def apply(self, offset: int, record: ConfigRecord | None) -> None:
        """Apply the record read at ``offset`` (None: a record that was discarded)."""
        self.offset = offset + 1
        if isinstance(record, ConnectorConfigRecord):
            self._connector_config(record)
        elif isinstance(record, TaskConfigRecord):
            self.deferred.setdefault(record.task.connector, {})[record.task] = _frozen(record.properties)
        elif isinstance(record, TaskCommitRecord):
            self._commit(record)
        elif isinstance(record, TargetStateRecord):
            self._target_state(record)
        elif isinstance(record, SessionKeyRecord):
            self.session_key = record.session_key
            if self.started:
                self.listener.on_session_key_update(record.session_key)
        elif isinstance(record, RestartRequestRecord):
            if self.started:  # requests written before this worker started are history
                self.restart_requests[record.request.connector] = record.request
                self.listener.on_restart_request(record.request)
        elif isinstance(record, TaskCountRecord):
            self.task_count_records[record.connector] = record.task_count
        elif isinstance(record, LoggerLevelRecord) and self.started:
            self.listener.on_logger_level_update(record.namespace, record.level)

    def _connector_config(self, record: ConnectorConfigRecord) -> None:
        name = record.connector
        if record.properties is None:
            self._remove_connector(name)
            log.info("Successfully processed removal of connector '%s'", name)
            if self.started:
                self.listener.on_connector_config_remove(name)
            return
        self.connector_configs[name] = _frozen(record.properties)
        self.target_states.setdefault(name, TargetState.STARTED)
        if self.started:
            self.listener.on_connector_config_update(name)

    def _remove_connector(self, name: str) -> None:
        self.connector_configs.pop(name, None)
        self.task_counts.pop(name, None)
        for task in [t for t in self.task_configs if t.connector == name]:
            del self.task_configs[task]
        self.deferred.pop(name, None)
        self.applied_configs.pop(name, None)
        self.restart_requests.pop(name, None)

    def _commit(self, record: TaskCommitRecord) -> None:
        name = record.connector
        if name not in self.connector_configs:
            # Deleted before this commit, and compaction removed its config and tombstone.
            self._remove_connector(name)
            log.debug("Ignoring task configs for connector %s, which no longer exists", name)
            return
        if record.tasks is None:
            log.error("Ignoring task commit for connector '%s': no integer 'tasks' field", name)
            return
        pending = self.deferred.get(name)
        deferred = pending if pending is not None else {}
        ids = {task.task for task in deferred}
        updated: list[TaskId] = []
        if not all(n in ids for n in range(record.tasks)):
            log.debug("Incomplete set of task configs for connector '%s'; marked inconsistent", name)
            self.inconsistent.add(name)
        else:
            # Configs of tasks beyond the new count are stale (Java keeps them; nothing reads them).
            for task in [t for t in self.task_configs if t.connector == name and t.task >= record.tasks]:
                del self.task_configs[task]
            if pending is not None:  # as Java: a connector that ever had task records, even none now
                updated = sorted(t for t in deferred if t.task < record.tasks)
                self.task_configs.update((t, deferred[t]) for t in updated)
                self.generations[name] = self.generations.get(name, -1) + 1
            self.inconsistent.discard(name)
            self.applied_configs[name] = self.connector_configs[name]
        deferred.clear()
        self.task_counts[name] = record.tasks
        if self.started:
            self.listener.on_task_config_update(updated)

    def _target_state(self, record: TargetStateRecord) -> None:
        name = record.connector
        if record.state is None:
            self.target_states.pop(name, None)
            if name in self.connector_configs:  # every connector has a target state
                self.target_states[name] = TargetState.STARTED
            return  # the connector's own removal notifies the listener
        previous = self.target_states.get(name)
        self.target_states[name] = record.state
        if self.started and record.state is not previous and name in self.connector_configs:
            self.listener.on_target_state_change(name)
