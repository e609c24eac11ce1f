"""How a distributed worker starts, stops and reconfigures the work assigned to it.

:class:`WorkRunner` is the base of the distributed herder: it holds the state that the group
loop (:mod:`~distconnect.distributed.herder_core`) changes (snapshot, assignment, generation,
leadership) and turns it into work on the :class:`~distconnect.runtime.worker.Worker`:

* starting and stopping connectors and tasks, with the configs of the current snapshot (a task
  remembers the configs it was started with, so a commit notification that an earlier rebalance
  already applied does not restart it twice);
* generating task configs for the connectors it runs (in a thread, through the worker) and
  publishing them when they changed: the leader writes them to the config topic, any other
  worker posts them, signed with the session key, to the leader's internal endpoint in the
  background (the leader may be waiting for this worker to rejoin). Failures retry with
  Java's back-off (250 ms, x2, up to 60 s).

Everything runs on the worker's event loop; the herder's lock serialises callers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

import orjson

from distconnect.api.context import ConnectorContext
from distconnect.api.errors import ConnectError
from distconnect.distributed.assignment import EMPTY, ConnectorsAndTasks
from distconnect.distributed.herder_state import Backoffs, plain
from distconnect.distributed.protocol import CONNECT_PROTOCOL_V2
from distconnect.runtime.service import Service
from distconnect.runtime.signature import signature_headers
from distconnect.runtime.states import State, Status, TargetState, TaskId, format_trace
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import DistributedConfig
from distconnect.storage.cluster_state import ClusterConfigState
from distconnect.storage.config_store import ConfigStore
from distconnect.storage.status_store import KafkaStatusStore

log = logging.getLogger("distconnect.herder")

#: Sends task configs to the leader: (leader URL, connector, JSON body, headers).
TaskConfigSender = Callable[[str, str, bytes, Mapping[str, str]], Awaitable[None]]

_STATUS_FLUSH_TIMEOUT_S = 5.0


class _Context(ConnectorContext):
    """Connector callbacks arrive on connector threads; hop onto the herder's loop."""

    def __init__(self, herder: WorkRunner, name: str, loop: asyncio.AbstractEventLoop) -> None:
        self._herder, self._name, self._loop = herder, name, loop

    def request_task_reconfiguration(self) -> None:
        self._call(self._herder.request_reconfiguration, self._name)

    def raise_error(self, exc: Exception) -> None:
        self._call(self._herder.connector_failed, self._name, exc)

    def _call(self, fn: Callable[..., object], *args: object) -> None:
        # A connector thread may outlive the worker's loop; a late callback is dropped then.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(fn, *args)


class WorkRunner(Service):
    """See the module docstring."""

    def __init__(
        self,
        config: DistributedConfig,
        worker: Worker,
        config_store: ConfigStore,
        status_store: KafkaStatusStore,
        url: str,
        *,
        send_task_configs: TaskConfigSender | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("distributed-herder")
        self.config = config
        self.worker = worker
        self.worker_id = worker.worker_id
        self.configs = config_store
        self.statuses = status_store
        self.url = url
        self._send_task_configs = send_task_configs
        self._clock = clock
        self._wake = asyncio.Event()
        self.snapshot = ClusterConfigState()
        self.generation = -1
        self.member_id = ""
        self.leader_id: str | None = None
        self.leader_url: str | None = None
        self.protocol_version = CONNECT_PROTOCOL_V2
        self._joined = False
        #: Set once the first rebalance completed (writes wait for it rather than fail).
        self._joined_event = asyncio.Event()
        #: What this worker runs (or must run) by assignment.
        self.owned: ConnectorsAndTasks = EMPTY
        self._reconfigure = Backoffs(clock=clock)
        #: The connector and task config each task we run was started with.
        self._task_configs: dict[TaskId, tuple[dict[str, str], dict[str, str]]] = {}

    @property
    def is_leader(self) -> bool:
        return self._joined and self.leader_id == self.member_id

    def _runs_stale_config(self, task: TaskId) -> bool:
        """Whether ``task`` runs with other configs than the snapshot's (a commit notification
        may precede the rebalance that already started the task with the new configs)."""
        current = (
            plain(self.snapshot.connector_config(task.connector)),
            plain(self.snapshot.task_config(task)),
        )
        return self._task_configs.get(task) != current

    # -- task configs ----------------------------------------------------------------------------
    def request_reconfiguration(self, name: str) -> None:
        """Regenerate ``name``'s task configs on the next tick (called by the connector too)."""
        self._reconfigure.now(name)
        self._wake.set()

    def connector_failed(self, name: str, error: Exception) -> None:
        log.error("Connector %s failed: %s", name, error)
        status = Status(State.FAILED, self.worker_id, format_trace(error), self.generation)
        self.statuses.on_connector_status(name, status)

    async def _process_reconfigurations(self) -> None:
        for name in self._reconfigure.take_due():
            if (
                name not in self.owned.connectors
                or self.snapshot.target_state(name) is not TargetState.STARTED
            ):
                self._reconfigure.discard(name)
                continue
            if name not in self.worker.connector_names():
                self._reconfigure.discard(name)
                continue
            await self._reconfigure_connector(name)

    async def _reconfigure_connector(self, name: str) -> None:
        config = plain(self.snapshot.connector_config(name))
        max_tasks = int(config.get("tasks.max") or 1)
        try:
            configs = await self.worker.connector_task_configs(name, max_tasks)
        except Exception as err:
            self._reconfigure.discard(name)
            self.connector_failed(name, err)
            return
        if len(configs) > max_tasks and config.get("tasks.max.enforce", "true").lower() == "true":
            self._reconfigure.discard(name)
            message = (
                f"The connector {name} has generated {len(configs)} tasks, which is greater than {max_tasks}"
            )
            self.connector_failed(name, ConnectError(message))
            return
        current = [plain(self.snapshot.task_config(t)) for t in self.snapshot.tasks(name)]
        applied = self.snapshot.applied_connector_configs.get(name)
        unchanged = (
            name not in self.snapshot.inconsistent
            and configs == current
            and applied is not None
            and plain(applied) == config
        )
        if unchanged:
            self._reconfigure.succeeded(name)
            return
        if self.is_leader:
            try:
                await self.configs.put_task_configs(name, configs)
            except ConnectError as err:
                log.warning("Writing task configs of %s failed, will retry: %s", name, err)
                self._reconfigure.failed(name)
                return
            self._reconfigure.succeeded(name)
            return
        # Posting to the leader must not hold the tick: the leader may be waiting for us to rejoin.
        self.spawn(self._post_task_configs(name, configs), name=f"post-task-configs-{name}")

    async def _post_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        leader_url = self.leader_url
        if self._send_task_configs is None or not leader_url:
            log.warning("Cannot send task configs of %s: no leader URL known yet", name)
            self._reconfigure.failed(name)
            self._wake.set()
            return
        body = orjson.dumps(configs)
        headers: dict[str, str] = {}
        key = self.snapshot.session_key
        if self.protocol_version >= CONNECT_PROTOCOL_V2 and key is not None:
            algorithm = str(self.config.get("inter.worker.signature.algorithm"))
            headers = signature_headers(key.key, algorithm, body)
        try:
            await self._send_task_configs(leader_url, name, body, headers)
        except Exception as err:
            delay = self._reconfigure.failed(name)
            log.warning(
                "Sending task configs of %s to %s failed; retrying in %.2fs: %s", name, leader_url, delay, err
            )
            self._wake.set()
            return
        self._reconfigure.succeeded(name)

    # -- starting and stopping work --------------------------------------------------------------
    async def _start_work(self, work: ConnectorsAndTasks) -> None:
        await asyncio.gather(*(self._start_connector(c) for c in work.sorted_connectors()))
        await asyncio.gather(*(self._start_task(t) for t in work.sorted_tasks()))

    async def _start_connector(self, name: str) -> None:
        config = self.snapshot.connector_config(name)
        target = self.snapshot.target_state(name) or TargetState.STARTED
        if config is None or name in self.worker.connector_names():
            return
        context = _Context(self, name, asyncio.get_running_loop())
        started = await self.worker.start_connector(name, plain(config), context, target)
        if started and target is TargetState.STARTED:
            self.request_reconfiguration(name)

    async def _start_task(self, task: TaskId) -> None:
        config = self.snapshot.connector_config(task.connector)
        task_config = self.snapshot.task_config(task)
        if config is None or task_config is None or task in self.worker.task_ids():
            log.warning("Not starting %s: its configuration is not (or no longer) available", task)
            return
        target = self.snapshot.target_state(task.connector) or TargetState.STARTED
        self._task_configs[task] = (plain(config), plain(task_config))
        await self.worker.start_task(task, plain(config), plain(task_config), target, self.generation)

    async def _stop_work(self, work: ConnectorsAndTasks) -> None:
        """Stop ``work`` (tasks first); their statuses become UNASSIGNED (written safely)."""
        if not work:
            return
        await asyncio.gather(*(self.worker.stop_task(t) for t in work.tasks))
        for task in work.tasks:
            self._task_configs.pop(task, None)
        names = [c for c in work.connectors if c in self.worker.connector_names()]
        await asyncio.gather(*(self.worker.stop_connector(c) for c in names))
        unassigned = Status(State.UNASSIGNED, self.worker_id, generation=self.generation)
        for name in names:
            self.statuses.on_connector_status(name, unassigned)
            self._reconfigure.discard(name)
        # KIP-558: a deleted connector's active topics go with it, once its tasks no longer run
        # (they would record them again). Apache's ``resetActiveTopics`` on revocation.
        if self.worker.active_topics.enabled:
            snapshot = self.configs.snapshot()
            stopped = set(work.connectors) | {t.connector for t in work.tasks}
            for name in sorted(c for c in stopped if not snapshot.contains(c)):
                self.worker.active_topics.store.reset_active_topics(name)

    async def restart_connector_locally(self, name: str) -> None:
        self.statuses.on_connector_status(
            name, Status(State.RESTARTING, self.worker_id, generation=self.generation)
        )
        await self.worker.stop_connector(name)
        await self._start_connector(name)

    async def restart_task_locally(self, task: TaskId) -> None:
        self.statuses.on_task_status(
            task, Status(State.RESTARTING, self.worker_id, generation=self.generation)
        )
        await self.worker.stop_task(task)
        await self._start_task(task)

    async def _flush_statuses(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_STATUS_FLUSH_TIMEOUT_S):
                await self.statuses.flush()
