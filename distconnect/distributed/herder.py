"""The distributed herder: :class:`HerderCore`'s loop plus the operations the REST API calls.

Who may do what follows Apache Kafka Connect's ``DistributedHerder``:

* reads are answered locally from the config snapshot and the status topic cache;
* plugins, validation and log levels are served by every worker itself
  (:mod:`~distconnect.distributed.herder_local`);
* creating, replacing, patching, deleting and stopping a connector, restarts with query
  parameters (a ``restart-connector-`` record) and storing task configs are leader-only: any
  other worker raises :class:`~distconnect.runtime.herder.NotLeaderError` with the leader's URL
  and the REST layer forwards the request;
* pause and resume write a target-state record from whichever worker received them;
* restarting one connector instance or one task runs on its owner: the leader answers
  :class:`~distconnect.runtime.herder.NotAssignedError` with the owner's URL.

Writes take the herder's lock, so a write arriving during a rebalance waits for it to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence

from distconnect.api.errors import AlreadyExistsError, ConfigError, NotFoundError
from distconnect.distributed.herder_core import HerderCore
from distconnect.distributed.herder_local import LocalOperations
from distconnect.distributed.herder_state import connector_type, plain
from distconnect.distributed.protocol import CONNECT_PROTOCOL_V2
from distconnect.runtime.connector_config import validate_connector_config
from distconnect.runtime.connector_offsets import not_stopped_error
from distconnect.runtime.herder import (
    ConfigValidationError,
    ConnectorInfo,
    ConnectorStateInfo,
    ConnectRestError,
    Created,
    Herder,
    NotAssignedError,
    NotLeaderError,
    TaskInfo,
)
from distconnect.runtime.herder_offsets import OffsetsAndTopics
from distconnect.runtime.signature import verify
from distconnect.runtime.states import State, Status, TargetState, TaskId
from distconnect.storage.config_types import RestartRequest

#: How long a leader-only write waits for the config topic to be read to its end first.
_REFRESH_TIMEOUT_S = 30.0


class DistributedHerder(HerderCore, LocalOperations, OffsetsAndTopics, Herder):
    """See the module docstring; lifecycle and loop in :class:`HerderCore`."""

    # -- reads -----------------------------------------------------------------------------------
    async def connectors(self) -> list[str]:
        return self.configs.snapshot().connectors()

    def _config_of(self, name: str) -> dict[str, str]:
        config = self.configs.snapshot().connector_config(name)
        if config is None:
            raise NotFoundError(f"Connector {name} not found")
        return plain(config)

    async def connector_info(self, name: str) -> ConnectorInfo:
        snapshot = self.configs.snapshot()
        config = self._config_of(name)
        return ConnectorInfo(name, config, snapshot.tasks(name), connector_type(self.worker, config))

    async def connector_config(self, name: str) -> dict[str, str]:
        return self._config_of(name)

    async def task_infos(self, name: str) -> list[TaskInfo]:
        self._config_of(name)
        snapshot = self.configs.snapshot()
        return [TaskInfo(t, plain(snapshot.task_config(t))) for t in snapshot.tasks(name)]

    async def connector_status(self, name: str) -> ConnectorStateInfo:
        status = self.statuses.connector_status(name)
        if status is None:
            raise NotFoundError(f"No status found for connector {name}")
        tasks = {t.task: s for t, s in self.statuses.task_statuses(name).items()}
        config = self.configs.snapshot().connector_config(name)
        return ConnectorStateInfo(name, status, tasks, connector_type(self.worker, config))

    async def task_status(self, task: TaskId) -> Status:
        status = self.statuses.task_status(task)
        if status is None:
            raise NotFoundError(f"No status found for task {task}")
        return status

    # -- health ----------------------------------------------------------------------------------
    def startup_complete(self) -> bool:
        return self._joined

    async def health_check(self) -> None:
        await self._joined_event.wait()
        async with self._lock:  # free unless a tick or a write is in progress
            pass

    # -- helpers ---------------------------------------------------------------------------------
    def _require_leader(self) -> None:
        if not self.is_leader:
            raise NotLeaderError(
                "Cannot complete request because this worker is not the leader", self.leader_url
            )

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """Hold the herder's lock for a write, once the worker has joined the group (a write
        sent while a worker starts waits for its first rebalance, bounded by the REST timeout)."""
        await self._joined_event.wait()
        async with self._lock:
            yield

    async def _caught_up(self) -> None:
        await self.configs.refresh(_REFRESH_TIMEOUT_S)
        self.snapshot = self.configs.snapshot()

    async def _validate(self, name: str, props: dict[str, str]) -> None:
        try:
            _, values = await asyncio.to_thread(
                validate_connector_config,
                self.worker.registry,
                props,
                topic_creation_enabled=self.config.topic_creation_enable,
                providers=self.config.config_providers,
            )
        except NotFoundError as err:
            raise ConfigValidationError(name, {"connector.class": [str(err)]}) from err
        except ConfigError as err:
            # Apache prints the whole config here; we name the key instead (it may hold secrets).
            message = f"Connector config of {name} contains no connector type: 'connector.class' is missing"
            raise ConnectRestError(400, message) from err
        errors = {v.name: list(v.errors) for v in values if v.errors}
        if errors:
            raise ConfigValidationError(name, errors)

    def _owner_url(self, connector: str | None = None, task: TaskId | None = None) -> str | None:
        round_ = self.leader_round
        if round_ is None:
            return None
        for member, owned in round_.owners.items():
            if (connector is not None and connector in owned.connectors) or (
                task is not None and task in owned.tasks
            ):
                return round_.urls.get(member)
        return None

    # -- writes ----------------------------------------------------------------------------------
    async def put_connector_config(
        self,
        name: str,
        config: Mapping[str, str],
        *,
        allow_replace: bool = True,
        initial_state: TargetState | None = None,
    ) -> Created:
        if self._joined:
            # Fail fast; checked again under the lock. Before the first join the leader is
            # unknown: wait for the join (see _writing) instead of answering 409.
            self._require_leader()
        props = {**{k: str(v) for k, v in config.items()}, "name": name}
        await self._validate(name, props)
        async with self._writing():
            self._require_leader()
            await self._caught_up()
            exists = self.snapshot.contains(name)
            if exists and not allow_replace:
                raise AlreadyExistsError(f"Connector {name} already exists")
            await self.configs.put_connector_config(name, props, None if exists else initial_state)
            self.snapshot = self.configs.snapshot()
            return Created(not exists, await self.connector_info(name))

    async def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        if self._joined:
            self._require_leader()
        merged = self._config_of(name)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = str(value)
        result = await self.put_connector_config(name, merged, allow_replace=True)
        return result.info

    async def delete_connector(self, name: str) -> None:
        async with self._writing():
            self._require_leader()
            await self._caught_up()
            self._config_of(name)
            await self.configs.remove_connector_config(name)

    async def set_target_state(self, name: str, target: TargetState) -> None:
        if target is not TargetState.STOPPED:
            self._config_of(name)  # any worker may pause or resume
            await self.configs.put_target_state(name, target)
            return
        async with self._writing():
            self._require_leader()
            await self._caught_up()
            self._config_of(name)
            # Java's order: no tasks first, then the target state, then read it all back.
            await self.configs.put_task_configs(name, [])
            await self.configs.put_target_state(name, TargetState.STOPPED)
            await self._caught_up()

    async def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStateInfo | None:
        if not include_tasks and not only_failed:
            async with self._writing():
                if not self.configs.snapshot().contains(name):
                    raise NotFoundError(f"Unknown connector: {name}")
                if name in self.owned.connectors:
                    await self.restart_connector_locally(name)
                    return None
                if self.is_leader:
                    raise NotAssignedError(
                        f"Connector {name} is not assigned to this worker", self._owner_url(name)
                    )
                raise NotLeaderError(
                    "Cannot restart a connector not assigned to this worker", self.leader_url
                )
        async with self._writing():
            self._require_leader()
            if not self.configs.snapshot().contains(name):
                raise NotFoundError(f"Unknown connector: {name}")
            plan = self._restart_plan(name, include_tasks, only_failed)
            await self.configs.put_restart_request(RestartRequest(name, only_failed, include_tasks))
            return plan

    def _restart_plan(self, name: str, include_tasks: bool, only_failed: bool) -> ConnectorStateInfo:
        status = self.statuses.connector_status(name)
        if status is None:
            raise NotFoundError(f"Status for connector {name} not found")

        def planned(current: Status, restart: bool) -> Status:
            return (
                Status(State.RESTARTING, current.worker_id, None, current.generation) if restart else current
            )

        restart_connector = not only_failed or status.state is State.FAILED
        tasks = {
            t.task: planned(s, include_tasks and (not only_failed or s.state is State.FAILED))
            for t, s in self.statuses.task_statuses(name).items()
        }
        config = self.configs.snapshot().connector_config(name)
        return ConnectorStateInfo(
            name, planned(status, restart_connector), tasks, connector_type(self.worker, config)
        )

    async def restart_task(self, task: TaskId) -> None:
        async with self._writing():
            snapshot = self.configs.snapshot()
            if not snapshot.contains(task.connector):
                raise NotFoundError(f"Unknown connector: {task.connector}")
            if task not in snapshot.tasks(task.connector):
                raise NotFoundError(f"Unknown task: {task}")
            if task in self.owned.tasks:
                await self.restart_task_locally(task)
                return
            if self.is_leader:
                raise NotAssignedError(
                    f"Task {task} is not assigned to this worker", self._owner_url(task=task)
                )
            raise NotLeaderError("Cannot restart a task not assigned to this worker", self.leader_url)

    async def put_task_configs_internal(
        self, name: str, configs: Sequence[Mapping[str, str]], body: bytes, headers: Mapping[str, str]
    ) -> None:
        if self.protocol_version >= CONNECT_PROTOCOL_V2:
            key = self.configs.snapshot().session_key
            accepted = [str(a) for a in self.config.get_list("inter.worker.verification.algorithms") or []]
            verify(key.key if key else None, accepted, body, headers)
        async with self._writing():
            self._require_leader()
            if not self.configs.snapshot().contains(name):
                raise NotFoundError(f"Connector {name} not found")
            await self.configs.put_task_configs(name, [{k: str(v) for k, v in c.items()} for c in configs])

    # -- offsets and active topics: hooks of OffsetsAndTopics (runtime/herder_offsets.py) ---------
    def _offsets_config(self, name: str) -> dict[str, str]:
        return self._config_of(name)

    @contextlib.asynccontextmanager
    async def _offsets_modification(self, name: str) -> AsyncIterator[dict[str, str]]:
        """Apache's ``modifyConnectorOffsetsChecks``; the change itself runs outside the lock."""
        async with self._writing():
            if not self.is_leader:
                message = "Only the leader can process external offsets modification requests"
                raise NotLeaderError(message, self.leader_url)
            await self._caught_up()
            config = self._config_of(name)
            if self.snapshot.target_state(name) is not TargetState.STOPPED or self.snapshot.tasks(name):
                raise not_stopped_error(name)
        yield config


__all__ = ["DistributedHerder"]
