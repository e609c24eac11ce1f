"""An in-memory :class:`Herder` for REST tests: the contract's behaviour without a worker.

Configs, target states and task configs live in dicts; every connector has ``tasks.max`` tasks
and reports RUNNING unless a test sets ``statuses``. Hooks for tests:

* ``errors[method] = exc``: that method raises ``exc`` (every call, until removed);
* ``gate``: when set, every operation waits for it first (to hold a request open);
* ``finished``: the names of operations that ran to completion, in order;
* ``session_key``: the KIP-507 key the internal endpoint verifies signatures with.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from distconnect.api.errors import AlreadyExistsError, NotFoundError
from distconnect.runtime import signature
from distconnect.runtime.herder import (
    ConfigValidationError,
    ConnectorInfo,
    ConnectorStateInfo,
    Created,
    Herder,
    TaskInfo,
)
from distconnect.runtime.herder_admin import HerderAdmin
from distconnect.runtime.loggers import LoggerLevel, Loggers
from distconnect.runtime.plugins import PluginDesc, PluginRegistry
from distconnect.runtime.states import State, Status, TargetState, TaskId
from tests.unit.rest.fake_offsets import FakeOffsetsAndTopics


@functools.cache
def shared_registry() -> PluginRegistry:
    """The installed plugins, discovered once per test process (the registry is read-only)."""
    return PluginRegistry()


def private_logging() -> logging.Manager:
    """A logger hierarchy of its own: root at INFO, ``distconnect`` at WARN, ``distconnect.rest``
    unconfigured."""
    manager = logging.Manager(logging.RootLogger(logging.INFO))
    manager.getLogger("distconnect").setLevel(logging.WARNING)
    manager.getLogger("distconnect.rest")
    return manager


class FakeHerder(FakeOffsetsAndTopics, Herder):
    def __init__(self, worker_id: str = "fake:8083") -> None:
        self.worker_id = worker_id
        self.configs: dict[str, dict[str, str]] = {}
        self.targets: dict[str, TargetState] = {}
        self.task_configs: dict[str, list[dict[str, str]]] = {}
        self.statuses: dict[str, ConnectorStateInfo] = {}
        self.errors: dict[str, BaseException] = {}
        self.gate: asyncio.Event | None = None
        self.finished: list[str] = []
        self.restarted: list[str] = []
        self.session_key: bytes | None = b"k" * 32
        # Plugins, validation and log levels: the real shared logic, on the installed plugins and
        # a private logger hierarchy (so tests never touch the process's logging).
        self.admin = HerderAdmin(shared_registry(), loggers=Loggers(private_logging()))
        #: ``set_cluster_logger_level`` calls, in order (applied to this worker as well).
        self.cluster_levels: list[tuple[str, str]] = []

    async def _enter(self, method: str) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if method in self.errors:
            raise self.errors[method]

    def _done(self, method: str) -> None:
        self.finished.append(method)

    def _config(self, name: str) -> dict[str, str]:
        try:
            return self.configs[name]
        except KeyError:
            raise NotFoundError(f"Connector {name} not found") from None

    @staticmethod
    def _type(config: Mapping[str, str]) -> str:
        return "sink" if "Sink" in config.get("connector.class", "") else "source"

    def _info(self, name: str) -> ConnectorInfo:
        config = self._config(name)
        tasks = [TaskId(name, i) for i in range(len(self.task_configs.get(name, [])))]
        return ConnectorInfo(name, dict(config), tasks, self._type(config))

    def _state(self, name: str) -> ConnectorStateInfo:
        if name in self.statuses:
            return self.statuses[name]
        if name not in self.configs:
            raise NotFoundError(f"No status found for connector {name}")
        running = Status(State.RUNNING, self.worker_id)
        tasks = dict.fromkeys(range(len(self.task_configs.get(name, []))), running)
        return ConnectorStateInfo(name, running, tasks, self._type(self.configs[name]))

    # -- reads ------------------------------------------------------------------------------------
    async def connectors(self) -> list[str]:
        await self._enter("connectors")
        return sorted(self.configs)

    async def connector_info(self, name: str) -> ConnectorInfo:
        await self._enter("connector_info")
        return self._info(name)

    async def connector_config(self, name: str) -> dict[str, str]:
        await self._enter("connector_config")
        return dict(self._config(name))

    async def task_infos(self, name: str) -> list[TaskInfo]:
        await self._enter("task_infos")
        self._config(name)
        return [TaskInfo(TaskId(name, i), c) for i, c in enumerate(self.task_configs.get(name, []))]

    async def connector_status(self, name: str) -> ConnectorStateInfo:
        await self._enter("connector_status")
        return self._state(name)

    async def task_status(self, task: TaskId) -> Status:
        await self._enter("task_status")
        status = self._state(task.connector).tasks.get(task.task) if task.connector in self.configs else None
        if status is None:
            raise NotFoundError(f"No status found for task {task}")
        return status

    # -- writes -----------------------------------------------------------------------------------
    async def put_connector_config(
        self,
        name: str,
        config: Mapping[str, str],
        *,
        allow_replace: bool = True,
        initial_state: TargetState | None = None,
    ) -> Created:
        await self._enter("put_connector_config")
        if "connector.class" not in config:
            message = 'Missing required configuration "connector.class" which has no default value.'
            raise ConfigValidationError(name, {"connector.class": [message]})
        existing = name in self.configs
        if existing and not allow_replace:
            raise AlreadyExistsError(f"Connector {name} already exists")
        self.configs[name] = dict(config)
        if not existing:
            self.targets[name] = initial_state or TargetState.STARTED
        tasks = 0 if self.targets[name] is TargetState.STOPPED else int(config.get("tasks.max", "1"))
        self.task_configs[name] = [{"task.index": str(i)} for i in range(tasks)]
        self._done("put_connector_config")
        return Created(not existing, self._info(name))

    async def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        await self._enter("patch_connector_config")
        config = dict(self._config(name))
        for key, value in patch.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
        return (await self.put_connector_config(name, config)).info

    async def delete_connector(self, name: str) -> None:
        await self._enter("delete_connector")
        self._config(name)
        for table in (self.configs, self.targets, self.task_configs, self.statuses):
            table.pop(name, None)
        self._done("delete_connector")

    async def set_target_state(self, name: str, target: TargetState) -> None:
        await self._enter("set_target_state")
        self._config(name)
        self.targets[name] = target
        self._done("set_target_state")

    async def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStateInfo | None:
        await self._enter("restart_connector")
        self._config(name)
        self.restarted.append(f"{name} include_tasks={include_tasks} only_failed={only_failed}")
        if not include_tasks and not only_failed:
            return None
        state = self._state(name)

        def marked(status: Status, wanted: bool) -> Status:
            return replace(status, state=State.RESTARTING) if wanted else status

        failed = State.FAILED
        return ConnectorStateInfo(
            name,
            marked(state.connector, not only_failed or state.connector.state is failed),
            {
                i: marked(s, include_tasks and (not only_failed or s.state is failed))
                for i, s in state.tasks.items()
            },
            state.type,
        )

    async def restart_task(self, task: TaskId) -> None:
        await self._enter("restart_task")
        if task.task >= len(self.task_configs.get(task.connector, [])) or task.task < 0:
            self._config(task.connector)
            raise NotFoundError(f"Task {task} not found")
        self.restarted.append(str(task))

    async def put_task_configs_internal(
        self, name: str, configs: Sequence[Mapping[str, str]], body: bytes, headers: Mapping[str, str]
    ) -> None:
        await self._enter("put_task_configs_internal")
        signature.verify(self.session_key, ["HmacSHA256"], body, headers)
        self._config(name)
        self.task_configs[name] = [dict(c) for c in configs]
        self._done("put_task_configs_internal")

    # -- plugins, validation and log levels -------------------------------------------------------
    async def connector_plugins(self, connectors_only: bool = True) -> list[PluginDesc]:
        await self._enter("connector_plugins")
        return self.admin.plugins(connectors_only)

    async def connector_plugin_config(self, plugin: str) -> list[dict[str, Any]]:
        await self._enter("connector_plugin_config")
        return await self.admin.plugin_config(plugin)

    async def validate_connector_config(self, config: Mapping[str, str | None]) -> dict[str, Any]:
        await self._enter("validate_connector_config")
        return await self.admin.validate(config)

    async def logger_level(self, name: str) -> LoggerLevel | None:
        await self._enter("logger_level")
        return self.admin.logger_level(name)

    async def all_logger_levels(self) -> dict[str, LoggerLevel]:
        await self._enter("all_logger_levels")
        return self.admin.all_logger_levels()

    async def set_worker_logger_level(self, namespace: str, level: str) -> list[str]:
        await self._enter("set_worker_logger_level")
        return self.admin.set_worker_logger_level(namespace, level)

    async def set_cluster_logger_level(self, namespace: str, level: str) -> None:
        await self._enter("set_cluster_logger_level")
        self.cluster_levels.append((namespace, level))
        self.admin.set_worker_logger_level(namespace, level)
