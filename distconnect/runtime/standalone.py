"""Standalone mode: one worker, configs in memory, offsets in a local file.

:class:`StandaloneHerder` is the single owner of connector configs, target states and task
configs for its worker. Every operation runs on the worker's event loop and is serialised by one
lock, so a reconfiguration request from a connector thread and a REST call never interleave.
It implements the :class:`~distconnect.runtime.herder.Herder` contract the REST API uses; being
the only worker, it never forwards (no :class:`~distconnect.runtime.herder.RequestTargetError`)
and refuses the internal task-config endpoint as Apache's standalone herder does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from distconnect.api.context import ConnectorContext
from distconnect.api.errors import AlreadyExistsError, ConfigError, ConnectError, NotFoundError
from distconnect.runtime.connector_config import validate_connector_config
from distconnect.runtime.connector_offsets import not_stopped_error
from distconnect.runtime.herder import (
    ConfigValidationError,
    ConnectorInfo,
    ConnectorStateInfo,
    ConnectRestError,
    Created,
    Herder,
    TaskInfo,
)
from distconnect.runtime.herder_admin import AdminOperations, HerderAdmin
from distconnect.runtime.herder_offsets import OffsetsAndTopics
from distconnect.runtime.plugin_versions import CONVERTER_KEYS
from distconnect.runtime.service import Service
from distconnect.runtime.states import MemoryStatusListener, State, Status, TargetState, TaskId, format_trace
from distconnect.runtime.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class _Connector:
    config: dict[str, str]
    target: TargetState
    task_configs: list[dict[str, str]] = field(default_factory=list)


class _Context(ConnectorContext):
    """Connector callbacks arrive on connector threads; hop onto the herder's loop."""

    def __init__(self, herder: StandaloneHerder, name: str, loop: asyncio.AbstractEventLoop) -> None:
        self._herder = herder
        self._name = name
        self._loop = loop

    def request_task_reconfiguration(self) -> None:
        self._loop.call_soon_threadsafe(self._herder.request_reconfiguration, self._name)

    def raise_error(self, exc: Exception) -> None:
        self._loop.call_soon_threadsafe(self._herder.connector_failed, self._name, exc)


#: Apache's ``StandaloneHerder.putTaskConfigs`` message (an UnsupportedOperationException: 500).
NO_EXTERNAL_TASK_CONFIGS = (
    "Kafka Connect in standalone mode does not support externally setting task configurations."
)


class StandaloneHerder(Service, OffsetsAndTopics, AdminOperations, Herder):
    """Lifecycle: a :class:`Service`; ``start`` starts the worker, ``stop`` stops it with every
    connector and task. Concurrency: see the module docstring."""

    def __init__(self, worker: Worker, status: MemoryStatusListener) -> None:
        super().__init__("standalone-herder")
        self.worker = worker
        self.worker_id = worker.worker_id
        self.status = status
        self._connectors: dict[str, _Connector] = {}
        self._lock = asyncio.Lock()
        self.admin = HerderAdmin(
            worker.registry,
            topic_creation_enabled=worker.config.topic_creation_enable,
            providers=worker.config.config_providers,
            worker_converters={k: str(worker.config.get(k)) for k in CONVERTER_KEYS if worker.config.get(k)},
        )

    def startup_complete(self) -> bool:
        return self.running

    async def health_check(self) -> None:
        async with self._lock:
            pass

    async def on_start(self) -> None:
        await self.worker.start()

    async def on_stop(self) -> None:
        await self.worker.stop()

    # -- queries --------------------------------------------------------------------------------
    async def connectors(self) -> list[str]:
        return sorted(self._connectors)

    async def connector_info(self, name: str) -> ConnectorInfo:
        entry = self._entry(name)
        tasks = [TaskId(name, i) for i in range(len(entry.task_configs))]
        return ConnectorInfo(name, dict(entry.config), tasks, self._type(entry.config))

    async def connector_config(self, name: str) -> dict[str, str]:
        return dict(self._entry(name).config)

    def task_configs(self, name: str) -> list[dict[str, str]]:
        return [dict(c) for c in self._entry(name).task_configs]

    async def task_infos(self, name: str) -> list[TaskInfo]:
        return [TaskInfo(TaskId(name, i), config) for i, config in enumerate(self.task_configs(name))]

    async def connector_status(self, name: str) -> ConnectorStateInfo:
        status = self.status.connectors.get(name)
        if status is None:
            raise NotFoundError(f"No status found for connector {name}")
        tasks = {t.task: s for t, s in sorted(self.status.tasks.items()) if t.connector == name}
        entry = self._connectors.get(name)
        return ConnectorStateInfo(name, status, tasks, self._type(entry.config if entry else None))

    async def task_status(self, task: TaskId) -> Status:
        status = self.status.tasks.get(task)
        if status is None:
            raise NotFoundError(f"No status found for task {task}")
        return status

    def _entry(self, name: str) -> _Connector:
        try:
            return self._connectors[name]
        except KeyError:
            raise NotFoundError(f"Connector {name} not found") from None

    def _type(self, config: Mapping[str, str] | None) -> str:
        """``source``/``sink``, or ``unknown`` when the class is not installed (as Apache)."""
        try:
            return "sink" if config and self.worker.is_sink(config["connector.class"]) else "source"
        except (KeyError, ConnectError):
            return "unknown"

    # -- writes ---------------------------------------------------------------------------------
    async def put_connector_config(
        self,
        name: str,
        config: Mapping[str, str],
        *,
        allow_replace: bool = True,
        initial_state: TargetState | None = None,
    ) -> Created:
        """Create or replace a connector; invalid configs raise. ``initial_state`` (default
        STARTED) applies to a new connector; a replaced one keeps its target state."""
        target = initial_state or TargetState.STARTED
        props = {**{k: str(v) for k, v in config.items()}, "name": name}
        _, values = await asyncio.to_thread(
            validate_connector_config,
            self.worker.registry,
            props,
            providers=self.worker.config.config_providers,
        )
        errors = {v.name: list(v.errors) for v in values if v.errors}
        if errors:
            raise ConfigValidationError(name, errors)
        async with self._lock:
            existing = self._connectors.get(name)
            if existing is not None and not allow_replace:
                raise AlreadyExistsError(f"Connector {name} already exists")
            if existing is not None:
                target = existing.target
                await self._stop_connector_and_tasks(name)
            entry = _Connector(props, target)
            self._connectors[name] = entry
        # Connector.start runs in a thread and may block for long; the herder stays usable
        # meanwhile (other connectors can be created), as Apache's does.
        started = await self._start_connector(name, entry)
        async with self._lock:
            if started and self._connectors.get(name) is entry and entry.target is not TargetState.STOPPED:
                await self._update_tasks(name, entry)
        return Created(existing is None, await self.connector_info(name))

    async def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        """Apache's ``ConnectUtils.patchConfig``: values override, None removes the key."""
        config = dict(self._entry(name).config)
        for key, value in patch.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
        return (await self.put_connector_config(name, config, allow_replace=True)).info

    async def delete_connector(self, name: str) -> None:
        async with self._lock:
            self._entry(name)
            await self._stop_connector_and_tasks(name)
            del self._connectors[name]
            for task in [t for t in self.status.tasks if t.connector == name]:
                self.status.on_task_status(task, Status(State.DESTROYED, self.worker.worker_id))
            self.status.on_connector_status(name, Status(State.DESTROYED, self.worker.worker_id))
            self.worker.active_topics.store.reset_active_topics(name)  # KIP-558: deleted with it

    async def set_target_state(self, name: str, target: TargetState) -> None:
        """Pause, resume or stop a connector (and its tasks)."""
        async with self._lock:
            entry = self._entry(name)
            previous, entry.target = entry.target, target
            if target is TargetState.STOPPED:
                await self._stop_tasks(name)
                entry.task_configs = []
                await self.worker.set_connector_target(name, target)
            elif previous is TargetState.STOPPED:
                await self.worker.stop_connector(name)
                await self._start_connector_and_tasks(name, entry)
            else:
                await self.worker.set_connector_target(name, target)

    async def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStateInfo | None:
        async with self._lock:
            entry = self._entry(name)
            if not include_tasks and not only_failed:
                await self._restart_connector_locked(name, entry)
                return None
            plan = self._restart_plan(name, include_tasks, only_failed)
            if plan.connector.state is State.RESTARTING:
                await self._restart_connector_locked(name, entry)
            for task, status in plan.tasks.items():
                # A restarted connector may have generated fewer tasks: skip the ones now gone.
                if status.state is State.RESTARTING and task < len(entry.task_configs):
                    await self._restart_task_locked(TaskId(name, task))
            return plan

    def _restart_plan(self, name: str, include_tasks: bool, only_failed: bool) -> ConnectorStateInfo:
        """Apache's ``buildRestartPlan``: current statuses, RESTARTING for what will restart."""
        status = self.status.connectors.get(name)
        if status is None:
            raise NotFoundError(f"Status for connector {name} not found")

        def chosen(current: Status, wanted: bool) -> Status:
            return replace(current, state=State.RESTARTING) if wanted else current

        failed = State.FAILED
        connector = chosen(status, not only_failed or status.state is failed)
        tasks = {
            t.task: chosen(s, include_tasks and (not only_failed or s.state is failed))
            for t, s in sorted(self.status.tasks.items())
            if t.connector == name
        }
        return ConnectorStateInfo(name, connector, tasks, self._type(self._entry(name).config))

    async def _restart_connector_locked(self, name: str, entry: _Connector) -> None:
        await self.worker.stop_connector(name)
        # A connector that failed in start() has no tasks yet: regenerate them.
        await self._start_connector_and_tasks(name, entry)

    async def restart_task(self, task_id: TaskId) -> None:
        async with self._lock:
            await self._restart_task_locked(task_id)

    async def _restart_task_locked(self, task_id: TaskId) -> None:
        entry = self._entry(task_id.connector)
        if task_id.task >= len(entry.task_configs):
            raise NotFoundError(f"Task {task_id} not found")
        await self.worker.stop_task(task_id)
        await self.worker.start_task(task_id, entry.config, entry.task_configs[task_id.task], entry.target)

    async def put_task_configs_internal(
        self, name: str, configs: Sequence[Mapping[str, str]], body: bytes, headers: Mapping[str, str]
    ) -> None:
        """Only a distributed leader takes task configs from other workers."""
        raise ConnectRestError(500, NO_EXTERNAL_TASK_CONFIGS)

    # -- offsets and active topics: hooks of OffsetsAndTopics (runtime/herder_offsets.py) ---------
    def _offsets_config(self, name: str) -> dict[str, str]:
        return dict(self._entry(name).config)

    @contextlib.asynccontextmanager
    async def _offsets_modification(self, name: str) -> AsyncIterator[dict[str, str]]:
        async with self._lock:  # held throughout: nothing restarts the connector meanwhile
            entry = self._entry(name)
            if entry.target is not TargetState.STOPPED or entry.task_configs:
                raise not_stopped_error(name)
            yield dict(entry.config)

    def request_reconfiguration(self, name: str) -> None:
        self.spawn(self._reconfigure(name), name=f"reconfigure-{name}")

    def connector_failed(self, name: str, error: Exception) -> None:
        status = Status(State.FAILED, self.worker.worker_id, format_trace(error))
        self.worker.listener.on_connector_status(name, status)

    async def _reconfigure(self, name: str) -> None:
        async with self._lock:
            entry = self._connectors.get(name)
            if entry is None or entry.target is TargetState.STOPPED:
                return
            await self._update_tasks(name, entry)

    # -- helpers (called with the lock held) ----------------------------------------------------
    async def _start_connector(self, name: str, entry: _Connector) -> bool:
        context = _Context(self, name, asyncio.get_running_loop())
        return await self.worker.start_connector(name, entry.config, context, entry.target)

    async def _start_connector_and_tasks(self, name: str, entry: _Connector) -> None:
        if await self._start_connector(name, entry) and entry.target is not TargetState.STOPPED:
            await self._update_tasks(name, entry)

    async def _update_tasks(self, name: str, entry: _Connector) -> None:
        max_tasks = int(entry.config.get("tasks.max", "1"))
        try:
            configs = await self.worker.connector_task_configs(name, max_tasks)
        except Exception as err:
            log.error("connector %s failed to generate task configs: %s", name, err, exc_info=err)
            self.connector_failed(name, err)
            return
        if len(configs) > max_tasks and entry.config.get("tasks.max.enforce", "true").lower() == "true":
            self.connector_failed(
                name, ConfigError("tasks.max", max_tasks, f"connector generated {len(configs)} task configs")
            )
            return
        running = set(self.worker.task_ids())
        if configs == entry.task_configs and all(TaskId(name, i) in running for i in range(len(configs))):
            return
        await self._stop_tasks(name, keep=len(configs))
        entry.task_configs = configs
        for index, task_config in enumerate(configs):
            await self.worker.start_task(TaskId(name, index), entry.config, task_config, entry.target)

    async def _stop_tasks(self, name: str, *, keep: int = 0) -> None:
        """Stop the connector's tasks; statuses of tasks numbered ``keep`` and up are removed."""
        tasks = [t for t in self.worker.task_ids() if t.connector == name]
        await asyncio.gather(*(self.worker.stop_task(t) for t in tasks))
        for task in [t for t in self.status.tasks if t.connector == name and t.task >= keep]:
            self.status.on_task_status(task, Status(State.DESTROYED, self.worker.worker_id))

    async def _stop_connector_and_tasks(self, name: str) -> None:
        await self._stop_tasks(name)
        await self.worker.stop_connector(name)
