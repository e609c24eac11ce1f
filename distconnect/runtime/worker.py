"""The worker: instantiates connectors and tasks and owns their runners.

It knows nothing of cluster membership: a herder (standalone or distributed) tells it which
connectors and tasks to run with which configs, and the worker builds each task's plugins
(converters, transformations), Kafka clients and runner (:mod:`distconnect.runtime.task_builder`).
Connector lifecycle calls (``start``, ``task_configs``, ``stop``, ``validate``) run in a thread
because connectors commonly call blocking client libraries; ``start`` and ``stop`` in a daemon
thread of their own, so one that never returns cannot keep the process from exiting. Task code
runs on the event loop.

All methods are called from the worker's event loop (by one herder).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from distconnect.api.config import ConfigDef
from distconnect.api.connector import Connector, SinkConnector
from distconnect.api.context import ConnectorContext
from distconnect.api.errors import ConnectError
from distconnect.runtime.active_topics import ActiveTopicStore, MemoryActiveTopics, TopicTracker
from distconnect.runtime.config_providers import loggable, reverse_transform
from distconnect.runtime.connector_config_defs import connector_config_def
from distconnect.runtime.offsets import OffsetStore
from distconnect.runtime.plugin_threads import call_in_daemon_thread
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.service import Service
from distconnect.runtime.states import State, Status, StatusListener, TargetState, TaskId, format_trace
from distconnect.runtime.task_builder import TaskBuilder
from distconnect.runtime.task_runner import TaskRunner, plugin_version
from distconnect.runtime.task_stats import RebalanceStats
from distconnect.runtime.topic_admin import TopicAdmin
from distconnect.runtime.worker_config import WorkerConfig

log = logging.getLogger(__name__)

#: How long starting a connector may hold up its herder. A ``start()`` that takes longer goes on
#: in its thread (Apache's herder does not wait for it either); the connector gets its status
#: and task configs when it returns, and a start that never returns hangs nothing else.
CONNECTOR_START_WAIT_S = 1.0


@dataclass
class _ConnectorEntry:
    connector: Connector
    config: dict[str, str]
    target: TargetState
    started: bool = False
    #: the config as stored, placeholders kept (``config`` is resolved: what the connector sees)
    raw: dict[str, str] = field(default_factory=dict)
    context: ConnectorContext | None = None
    #: the ``start()`` call while it runs (it may outlive the herder's wait for it)
    starting: asyncio.Future[bool] | None = None
    #: the herder stopped waiting for ``start()``: ask for task configs once it returns
    late: bool = False
    #: stopped or deleted: a ``start()`` still running is undone when it returns
    removed: bool = False


@dataclass
class WorkerMetrics:
    """Counters of this worker's lifetime, exposed by :mod:`distconnect.metrics` (``*_started``
    count successful starts; the distributed herder updates ``rebalance``)."""

    connectors_started: int = 0
    tasks_started: int = 0
    connector_startup_attempts: int = 0
    connector_startup_failures: int = 0
    task_startup_attempts: int = 0
    task_startup_failures: int = 0
    rebalance: RebalanceStats = field(default_factory=RebalanceStats)


class Worker(Service):
    """Runs connectors and tasks for a herder. See the module docstring for the contract."""

    def __init__(
        self,
        worker_id: str,
        config: WorkerConfig,
        registry: PluginRegistry,
        offsets: OffsetStore,
        listener: StatusListener,
    ) -> None:
        super().__init__(f"worker-{worker_id}")
        self.worker_id = worker_id
        self.config = config
        self.registry = registry
        self.offsets = offsets
        self.listener = listener
        #: The group generation connector statuses carry (the distributed herder sets it after
        #: each rebalance, as Apache's herder stamps ``generation()``); readers and safe writes
        #: compare generations, so a RUNNING written with 0 could be overwritten by a late
        #: UNASSIGNED from a worker that lost the connector.
        self.generation = 0
        self.admin = TopicAdmin(config.client_configs("admin"))
        # KIP-558: a status listener that keeps active topics (the status topic) gets them too.
        topic_store = listener if isinstance(listener, ActiveTopicStore) else MemoryActiveTopics()
        self.active_topics = TopicTracker(topic_store, enabled=bool(config.get("topic.tracking.enable")))
        self.builder = TaskBuilder(
            worker_id, config, registry, offsets, listener, self.admin, self.active_topics
        )
        self._connectors: dict[str, _ConnectorEntry] = {}
        self._tasks: dict[TaskId, TaskRunner] = {}
        self.metrics = WorkerMetrics()

    async def on_start(self) -> None:
        log.info("%s", self.config.loggable())
        await self.offsets.start()
        await self.admin.start()

    async def on_stop(self) -> None:
        await asyncio.gather(*(self.stop_task(task) for task in list(self._tasks)))
        await asyncio.gather(*(self.stop_connector(name) for name in list(self._connectors)))
        await self.admin.stop()
        await self.offsets.stop()

    # -- connectors -----------------------------------------------------------------------------
    def connector_names(self) -> list[str]:
        return sorted(self._connectors)

    def connector_details(self, name: str) -> tuple[str, str, str | None] | None:
        """``(class, type, version)`` of a connector this worker runs, else None (for metrics)."""
        entry = self._connectors.get(name)
        if entry is None:
            return None
        kind = "sink" if isinstance(entry.connector, SinkConnector) else "source"
        return entry.config.get("connector.class", ""), kind, plugin_version(entry.connector)

    def task_ids(self) -> list[TaskId]:
        return sorted(self._tasks)

    def is_sink(self, connector_class: str) -> bool:
        return issubclass(self.registry.connector_class(connector_class), SinkConnector)

    async def start_connector(
        self, name: str, config: Mapping[str, str], context: ConnectorContext, target: TargetState
    ) -> bool:
        """Instantiate and (unless stopped/paused) start a connector; FAILED status on error."""
        if name in self._connectors:
            raise ConnectError(f"connector {name} is already running on this worker")
        raw = dict(config)
        try:
            # Placeholders are resolved only here, for the running connector (KIP-297): the
            # config topic and REST keep the raw text.
            props = self.config.config_providers.resolve(raw)
            log.info("Creating connector %s of type %s", name, props["connector.class"])
            connector = self.registry.new_connector(props["connector.class"])
            connector.initialize(context)
            definition, own = connector_config_def(self.registry), connector.config()
            if isinstance(own, ConfigDef):  # validation reports a connector without one
                definition = definition.merge(own)
            log.info("%s", loggable(f"Connector {name} config", definition, raw, raw))
        except Exception as err:
            self.metrics.connector_startup_attempts += 1
            self.metrics.connector_startup_failures += 1
            self._connector_status(name, State.FAILED, err)
            return False
        entry = _ConnectorEntry(connector, props, target, raw=raw, context=context)
        self._connectors[name] = entry
        return await self._apply_connector_target(name, entry)

    async def _apply_connector_target(self, name: str, entry: _ConnectorEntry) -> bool:
        if entry.target is TargetState.STOPPED:
            if entry.started:
                await self._call_stop(name, entry)
            self._connector_status(name, State.STOPPED)
            return True
        if not entry.started:
            if entry.starting is None:
                entry.starting = asyncio.ensure_future(self._start(name, entry))
            try:
                return await asyncio.wait_for(asyncio.shield(entry.starting), CONNECTOR_START_WAIT_S)
            except TimeoutError:
                entry.late = True
                log.warning(
                    "Connector %s has not returned from start() after %.0f s; going on without it "
                    "(its tasks are configured once it does)",
                    name,
                    CONNECTOR_START_WAIT_S,
                )
                return False
        self._connector_status(name, State.PAUSED if entry.target is TargetState.PAUSED else State.RUNNING)
        return True

    async def _start(self, name: str, entry: _ConnectorEntry) -> bool:
        """``connector.start()`` and what follows it, however long it takes (see
        :data:`CONNECTOR_START_WAIT_S`): the status, or undoing it if the connector was stopped
        or deleted meanwhile, and a late start's request for task configs."""
        self.metrics.connector_startup_attempts += 1
        try:
            await call_in_daemon_thread(f"connector-start-{name}", entry.connector.start, entry.config)
        except Exception as err:
            entry.starting = None
            if entry.removed:
                return False
            self.metrics.connector_startup_failures += 1
            log.error("connector %s failed to start: %s", name, err, exc_info=err)
            self._connector_status(name, State.FAILED, err)
            return False
        entry.starting = None
        entry.started = True
        self.metrics.connectors_started += 1
        if entry.removed or entry.target is TargetState.STOPPED:
            log.info("Connector %s returned from start() after it was stopped; stopping it", name)
            await self._call_stop(name, entry)
            if not entry.removed:
                self._connector_status(name, State.STOPPED)
            return False
        self._connector_status(name, State.PAUSED if entry.target is TargetState.PAUSED else State.RUNNING)
        if entry.late and entry.target is TargetState.STARTED and entry.context is not None:
            entry.context.request_task_reconfiguration()
        return True

    async def set_connector_target(self, name: str, target: TargetState) -> None:
        entry = self._connectors.get(name)
        if entry is not None:
            entry.target = target
            await self._apply_connector_target(name, entry)
        for task_id, runner in self._tasks.items():
            if task_id.connector == name and target is not TargetState.STOPPED:
                runner.set_target_state(target)

    async def _call_stop(self, name: str, entry: _ConnectorEntry) -> None:
        entry.started = False
        try:
            await asyncio.wait_for(
                call_in_daemon_thread(f"connector-stop-{name}", entry.connector.stop),
                self.config.task_shutdown_graceful_timeout_ms / 1000,
            )
        except Exception as err:
            log.error("connector %s failed to stop cleanly: %s", name, err)

    async def stop_connector(self, name: str) -> None:
        entry = self._connectors.pop(name, None)
        if entry is None:
            return
        entry.removed = True  # a start() still running is stopped when it returns
        if entry.started:
            await self._call_stop(name, entry)

    async def connector_task_configs(self, name: str, max_tasks: int) -> list[dict[str, str]]:
        """Ask a running connector for task configs (in a thread); adds ``task.class`` and, for
        sinks, ``topics``/``topics.regex`` like Java's ``Worker.connectorTaskConfigs``."""
        entry = self._connectors.get(name)
        if entry is None or not entry.started:
            raise ConnectError(f"connector {name} is not running on this worker")
        configs = await asyncio.to_thread(entry.connector.task_configs, max_tasks)
        task_class = entry.connector.task_class()
        extra = {"task.class": f"{task_class.__module__}.{task_class.__qualname__}"}
        if isinstance(entry.connector, SinkConnector):
            # Java copies the subscription into every sink task's config.
            extra.update({k: entry.config[k] for k in ("topics", "topics.regex") if entry.config.get(k)})
        generated = [{**{k: str(v) for k, v in c.items()}, **extra} for c in configs]
        # Task configs are stored and shown: put placeholders back where the connector copied
        # resolved values (Apache's AbstractHerder.reverseTransform).
        return reverse_transform(entry.raw, generated)

    def _connector_status(self, name: str, state: State, error: BaseException | None = None) -> None:
        trace = format_trace(error) if error is not None else None
        entry = self._connectors.get(name)
        version = plugin_version(entry.connector) if entry is not None else None
        status = Status(state, self.worker_id, trace, self.generation, version=version)
        self.listener.on_connector_status(name, status)

    # -- tasks ----------------------------------------------------------------------------------
    async def start_task(
        self,
        task_id: TaskId,
        connector_config: Mapping[str, str],
        task_config: Mapping[str, str],
        target: TargetState,
        generation: int = 0,
    ) -> bool:
        """Build and start a task runner; a failure to build reports FAILED and returns False."""
        if task_id in self._tasks:
            raise ConnectError(f"task {task_id} is already running on this worker")
        self.metrics.task_startup_attempts += 1
        try:
            resolve = self.config.config_providers.resolve
            runner = await self.builder.build(
                task_id, resolve(connector_config), resolve(task_config), target, generation
            )
        except Exception as err:
            self.metrics.task_startup_failures += 1
            log.error("task %s could not be created: %s", task_id, err, exc_info=err)
            self.listener.on_task_status(
                task_id, Status(State.FAILED, self.worker_id, format_trace(err), generation)
            )
            return False
        self._tasks[task_id] = runner
        await runner.start()
        self.metrics.tasks_started += 1
        return True

    async def stop_task(self, task_id: TaskId) -> None:
        runner = self._tasks.pop(task_id, None)
        if runner is not None:
            await runner.stop()

    def task_runner(self, task_id: TaskId) -> TaskRunner | None:
        return self._tasks.get(task_id)
