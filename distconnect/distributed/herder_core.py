"""The distributed herder's engine: one loop that owns every state transition of a worker.

:class:`HerderCore` joins the Connect group, applies assignments and drives the worker towards the
config topic; :class:`~distconnect.distributed.herder.DistributedHerder` adds the operations the
REST API calls. One :class:`asyncio.Lock` serialises a *tick* of the loop and every write
operation, so a REST write that arrives mid-rebalance waits for the rebalance to finish and then
runs against the new assignment (DESIGN-NOTES §6) instead of failing.

One tick:

1. the group member (on its own thread, :mod:`~distconnect.distributed.member_thread`) lost the
   coordinator for nearly a session → stop all work before anyone else may take it (§2);
2. a rebalance is due (the coordinator asked, the config topic gained or lost a connector or a
   task set, a revocation or a scheduled delay) → join, then apply the assignment: catch up with
   the config topic to the assignment's offset first (§3), stop revoked work, start new work;
3. otherwise apply what the config topic said: restart requests, changed connector configs,
   target states; generate task configs for owned connectors that need them (the leader writes
   them; other workers post them, signed, to the leader in the background);
4. the leader rotates the session key.

Lifecycle: ``start()`` starts the stores, the worker and the member, then the loop; ``stop()``
stops the loop, all work (statuses UNASSIGNED), leaves the group (unless static) and stops the
stores. A loop failure crashes the service (see :meth:`Service.wait_crashed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

import orjson

from distconnect.api.context import ConnectorContext
from distconnect.api.errors import ConnectError, RetriableError
from distconnect.distributed.assignment import EMPTY, ConnectorsAndTasks
from distconnect.distributed.herder_state import Backoffs, ChangeBatch, ConfigChanges, plain
from distconnect.distributed.leader import LeaderAssignor, LeaderRound
from distconnect.distributed.member import JoinResult, WorkerGroupMember
from distconnect.distributed.member_thread import MemberThread
from distconnect.distributed.protocol import (
    CONNECT_PROTOCOL_V0,
    CONNECT_PROTOCOL_V2,
    NO_ERROR,
    ExtendedAssignment,
    ExtendedWorkerState,
    decode_extended_assignment,
    protocol_version,
)
from distconnect.runtime.service import Service
from distconnect.runtime.signature import new_key, signature_headers
from distconnect.runtime.states import State, Status, TargetState, TaskId, format_trace
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import DistributedConfig
from distconnect.storage.cluster_state import ClusterConfigState
from distconnect.storage.config_store import ConfigStore
from distconnect.storage.config_types import RestartRequest, SessionKey
from distconnect.storage.status_store import KafkaStatusStore

log = logging.getLogger("distconnect.herder")

#: Sends task configs to the leader: (leader URL, connector, JSON body, headers).
TaskConfigSender = Callable[[str, str, bytes, Mapping[str, str]], Awaitable[None]]

_STATUS_FLUSH_TIMEOUT_S = 5.0
_UNSYNC_RETRIES = 5


class _Context(ConnectorContext):
    """Connector callbacks arrive on connector threads; hop onto the herder's loop."""

    def __init__(self, herder: HerderCore, name: str, loop: asyncio.AbstractEventLoop) -> None:
        self._herder, self._name, self._loop = herder, name, loop

    def request_task_reconfiguration(self) -> None:
        self._loop.call_soon_threadsafe(self._herder.request_reconfiguration, self._name)

    def raise_error(self, exc: Exception) -> None:
        self._loop.call_soon_threadsafe(self._herder.connector_failed, self._name, exc)


class HerderCore(Service):
    """See the module docstring. All methods run on the worker's event loop."""

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
        wall_clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
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
        self._wall_ms = wall_clock_ms
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self.changes = ConfigChanges(self._wake.set, lambda: self.configs.offset)
        self.snapshot = ClusterConfigState()
        self.member: MemberThread | None = None
        self._leader = LeaderAssignor(int(config.get("scheduled.rebalance.max.delay.ms")))
        #: The last leader round this worker computed (only meaningful while it is the leader).
        self.leader_round: LeaderRound | None = None
        self.generation = -1
        self.member_id = ""
        self.leader_id: str | None = None
        self.leader_url: str | None = None
        self.protocol_version = CONNECT_PROTOCOL_V2
        #: What this worker runs (or must run) by assignment.
        self.owned: ConnectorsAndTasks = EMPTY
        self._joined = False
        self._rejoin_requested = False
        self._rejoin_at: float | None = None
        self._unsync_failures = 0
        self._reconfigure = Backoffs(clock=clock)
        #: The connector and task config each task we run was started with.
        self._task_configs: dict[TaskId, tuple[dict[str, str], dict[str, str]]] = {}
        self._current_assignment: ExtendedAssignment | None = None
        self._loop_task: asyncio.Task[None] | None = None
        #: Set after every completed rebalance (tests and the demo wait on it).
        self.rebalances = 0

    # -- properties ------------------------------------------------------------------------------
    @property
    def is_leader(self) -> bool:
        return self._joined and self.leader_id == self.member_id

    def _int(self, key: str) -> int:
        return int(self.config.get(key))

    # -- lifecycle -------------------------------------------------------------------------------
    async def on_start(self) -> None:
        self.configs.set_listener(self.changes)
        await self.statuses.start()
        await self.configs.start()
        self.snapshot = self.configs.snapshot()
        self.changes.known_connectors.update(self.snapshot.connectors())
        await self.worker.start()
        self._update_metadata()
        main_loop = asyncio.get_running_loop()
        self.member = MemberThread(lambda: self._new_member(main_loop), name=f"member-{self.worker_id}")
        await self.member.start()

    def _new_member(self, main_loop: asyncio.AbstractEventLoop) -> WorkerGroupMember:
        """Runs on the member's thread: every callback given here must be thread-safe."""
        cfg = self.config

        async def assign(
            leader: str, protocol: str, members: dict[str, ExtendedWorkerState]
        ) -> dict[str, bytes]:
            member = self.member.member if self.member else None
            generation = member.assigning_generation if member else -1
            completed = member.generation if member else -1
            future = asyncio.run_coroutine_threadsafe(
                self._assign(leader, protocol, members, generation, completed), main_loop
            )
            return await asyncio.wrap_future(future)

        return WorkerGroupMember(
            cfg.bootstrap_servers,
            cfg.group_id,
            self.url,
            metadata=self._member_metadata,
            assign=assign,
            session_timeout_ms=self._int("session.timeout.ms"),
            heartbeat_interval_ms=self._int("heartbeat.interval.ms"),
            rebalance_timeout_ms=self._int("rebalance.timeout.ms"),
            group_instance_id=cfg.group_instance_id,
            connect_protocol=cfg.connect_protocol,
            retry_backoff_ms=self._int("retry.backoff.ms"),
            client_kwargs={"client_id": f"{cfg.group_id}-{self.worker_id}-member"},
            on_rejoin_needed=lambda: _call_soon(main_loop, self._wake.set),
        )

    async def on_started(self) -> None:
        self._loop_task = self.spawn(self._run(), name="herder-loop")

    async def on_stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._loop_task
        log.info("Herder stopping: stopping connectors and tasks")
        async with self._lock:
            try:
                await self._stop_work(self.owned)
                self.owned = EMPTY
                await self.worker.stop()
                await self._flush_statuses()
            finally:
                if self.member is not None:
                    await self.member.stop()
                await self.configs.stop()
                await self.statuses.stop()
        log.info("Herder stopped")

    # -- the loop --------------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            async with self._lock:
                await self._tick()
            await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        if self._rejoin_due() or self._wake.is_set():
            self._wake.clear()
            return
        deadlines = [d for d in (self._rejoin_at, self._reconfigure.next_due()) if d is not None]
        timeout = max(0.0, min(deadlines) - self._clock()) if deadlines else 60.0
        if self.owned:  # check the coordinator's reach several times per heartbeat interval
            timeout = min(timeout, self._int("heartbeat.interval.ms") / 4000)
        key_due = self._session_key_due_in_s()
        if key_due is not None:
            timeout = min(timeout, key_due)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        self._wake.clear()

    def _rejoin_due(self) -> bool:
        assert self.member is not None
        if not self._joined or self._rejoin_requested or self.changes.rebalance_needed:
            return True
        if self.member.rejoin_needed():
            return True
        return self._rejoin_at is not None and self._clock() >= self._rejoin_at

    async def _tick(self) -> None:
        assert self.member is not None
        fatal = self.member.fatal_error()
        if fatal is not None:
            raise fatal
        margin = self._int("heartbeat.interval.ms")
        if self.owned and self.member.session_expired(margin_ms=margin):
            log.warning("Lost contact with the group coordinator for a session; stopping all work")
            await self._stop_work(self.owned)
            self.owned = EMPTY
            self._update_metadata()
            self._rejoin_requested = True
        if self._rejoin_due():
            await self._rebalance()
            return
        batch = self.changes.drain()
        self.snapshot = self.configs.snapshot()  # no await since the drain: see drain()
        for request in batch.restart_requests:
            await self._restart_owned(request)
        await self._process_connector_updates(batch)
        await self._process_target_states(batch)
        await self._process_reconfigurations()
        if self.is_leader:
            await self._maybe_rotate_session_key()

    # -- rebalancing -----------------------------------------------------------------------------
    async def _rebalance(self) -> None:
        assert self.member is not None
        self._rejoin_requested = False
        self._rejoin_at = None
        self.changes.rebalance_needed = False
        if self.protocol_version == CONNECT_PROTOCOL_V0 and self.owned:
            await self._stop_work(self.owned)  # eager: everything is revoked before joining
            self.owned = EMPTY
            self._update_metadata()
        await self._flush_statuses()
        try:
            result = await self.member.join()
        except RetriableError as err:
            log.warning("Could not join the group, will retry: %s", err)
            self._rejoin_at = self._clock() + self._int("retry.backoff.ms") / 1000
            return
        await self._on_joined(result)

    async def _assign(
        self,
        leader: str,
        protocol: str,
        members: dict[str, ExtendedWorkerState],
        generation: int,
        completed: int,
    ) -> dict[str, bytes]:
        """The leader's round, on the herder's loop (the tick is waiting in ``join``)."""
        newest = max(state.config_offset for state in members.values())
        if self.configs.offset < newest:
            with contextlib.suppress(TimeoutError, ConnectError):
                await self.configs.refresh(self._int("worker.sync.timeout.ms") / 1000)
        snapshot = self.configs.snapshot()
        round_ = self._leader.assign(
            leader,
            protocol,
            members,
            snapshot,
            self._wall_ms(),
            generation=generation,
            last_completed_generation=completed,
        )
        self.leader_round = round_
        log.info(
            "Leader assignment for generation %d at config offset %d: %s",
            generation,
            snapshot.offset,
            {m: (len(o.connectors), len(o.tasks)) for m, o in round_.owners.items()},
        )
        return dict(round_.encoded)

    async def _on_joined(self, result: JoinResult) -> None:
        assignment = decode_extended_assignment(result.assignment)
        self.generation = result.generation
        self.member_id = result.member_id
        self.protocol_version = protocol_version(result.protocol)
        self.leader_id, self.leader_url = assignment.leader, assignment.leader_url
        self._joined = True
        if assignment.error != NO_ERROR:
            log.info(
                "Leader is behind config offset %d; reading to the end and rejoining",
                assignment.config_offset,
            )
            await self._catch_up(assignment.config_offset)
            self._rejoin_requested = True
            return
        if not await self._catch_up(assignment.config_offset):
            await self._unsynced()
            return
        self._unsync_failures = 0
        self.snapshot = self.configs.snapshot()
        self.changes.reflected_in(assignment.config_offset)
        given = ConnectorsAndTasks.of(assignment.connectors, assignment.tasks)
        if self.protocol_version == CONNECT_PROTOCOL_V0:
            revoked, kept = self.owned, EMPTY
        else:
            revoked = ConnectorsAndTasks.of(assignment.revoked_connectors, assignment.revoked_tasks)
            kept = self.owned - revoked
        await self._stop_work(revoked & self.owned)
        self.owned = kept | given
        self._update_metadata(assignment)
        await self._start_work(given - kept)
        self.rebalances += 1
        log.info(
            "Generation %d (leader %s): running %d connectors and %d tasks; revoked %d, started %d",
            self.generation,
            self.leader_url,
            len(self.owned.connectors),
            len(self.owned.tasks),
            len(revoked),
            len(given - kept),
        )
        if revoked:
            self._rejoin_requested = True  # the second round of a cooperative rebalance
        elif assignment.delay_ms > 0:
            self._rejoin_at = self._clock() + assignment.delay_ms / 1000
        if self.is_leader:
            await self._leader_after_rebalance()

    async def _catch_up(self, offset: int) -> bool:
        if self.configs.offset >= offset:
            return True
        try:
            await self.configs.refresh(self._int("worker.sync.timeout.ms") / 1000)
        except (TimeoutError, ConnectError) as err:
            log.warning("Could not read the config topic to offset %d: %s", offset, err)
            return False
        return self.configs.offset >= offset

    async def _unsynced(self) -> None:
        """Behind the config topic: never run stale configs (DESIGN-NOTES §3)."""
        self._unsync_failures += 1
        if self.protocol_version == CONNECT_PROTOCOL_V0 or self._unsync_failures > _UNSYNC_RETRIES:
            await self._stop_work(self.owned)
            self.owned = EMPTY
            self._update_metadata()
        if self.protocol_version == CONNECT_PROTOCOL_V0:
            backoff_ms = self._int("worker.unsync.backoff.ms")
        else:
            backoff_ms = self._int("scheduled.rebalance.max.delay.ms") // 10
        self._rejoin_at = self._clock() + max(backoff_ms, 100) / 1000
        log.warning("Out of sync with the config topic; rejoining in %d ms", backoff_ms)

    def _update_metadata(self, assignment: ExtendedAssignment | None = None) -> None:
        """What the member offers in its next JoinGroup: our config offset and current work."""
        current = None
        if self._joined and self.leader_id is not None:
            current = ExtendedAssignment(
                NO_ERROR,
                self.leader_id,
                self.leader_url or "",
                self.configs.offset if assignment is None else assignment.config_offset,
                tuple(self.owned.sorted_connectors()),
                tuple(self.owned.sorted_tasks()),
                version=max(self.protocol_version, 1),
            )
        # Replaced as a whole: the member's thread reads it without a lock.
        self._current_assignment = current

    def _member_metadata(self) -> ExtendedWorkerState:
        """Runs on the member's thread when it joins: the config offset read so far and our work."""
        return ExtendedWorkerState(self.url, self.configs.offset, self._current_assignment)

    # -- leader duties ---------------------------------------------------------------------------
    async def _leader_after_rebalance(self) -> None:
        await self._maybe_rotate_session_key()
        round_ = self.leader_round
        if round_ is None or not round_.ok:
            return
        # Statuses of work that is gone; only work no member still runs (a late UNASSIGNED
        # from its last owner would otherwise resurrect them).
        snapshot = self.configs.snapshot()
        gone = Status(State.DESTROYED, self.worker_id, generation=self.generation)
        running = round_.running_anywhere
        for connector in sorted(self.statuses.connectors()):
            configured = snapshot.contains(connector)
            if configured and connector in snapshot.inconsistent:
                continue  # its task count is unknown until the next complete commit
            count = snapshot.task_count(connector) if configured else 0
            for task in self.statuses.task_statuses(connector):
                if task.task >= count and task not in running.tasks:
                    self.statuses.on_task_status(task, gone)
            if not configured and connector not in running.connectors:
                self.statuses.on_connector_status(connector, gone)

    def _session_key_due_in_s(self) -> float | None:
        if not self.is_leader or self.protocol_version < CONNECT_PROTOCOL_V2:
            return None
        key = self.snapshot.session_key
        if key is None:
            return 0.0
        ttl = self._int("inter.worker.key.ttl.ms")
        return max(0.0, (key.creation_timestamp + ttl - self._wall_ms()) / 1000)

    async def _maybe_rotate_session_key(self) -> None:
        if self.protocol_version < CONNECT_PROTOCOL_V2:
            return
        key = self.configs.snapshot().session_key
        algorithm = str(self.config.get("inter.worker.key.generation.algorithm"))
        ttl = self._int("inter.worker.key.ttl.ms")
        if key is not None and key.algorithm == algorithm and key.creation_timestamp + ttl > self._wall_ms():
            return
        size = self.config.get("inter.worker.key.size")
        fresh = SessionKey(new_key(algorithm, int(size) if size else None), algorithm, self._wall_ms())
        log.info("Distributing a new session key (%s)", algorithm)
        await self.configs.put_session_key(fresh)
        self.snapshot = self.configs.snapshot()

    # -- applying the config topic ---------------------------------------------------------------
    async def _restart_owned(self, request: RestartRequest) -> None:
        name = request.connector
        if not self.snapshot.contains(name):
            return
        status = self.statuses.connector_status(name)
        if name in self.owned.connectors and (
            not request.only_failed or (status is not None and status.state is State.FAILED)
        ):
            await self.restart_connector_locally(name)
        if request.include_tasks:
            statuses = self.statuses.task_statuses(name)
            for task in sorted(t for t in self.owned.tasks if t.connector == name):
                task_status = statuses.get(task)
                if not request.only_failed or (task_status is not None and task_status.state is State.FAILED):
                    await self.restart_task_locally(task)

    async def _process_connector_updates(self, batch: ChangeBatch) -> None:
        for name in sorted(batch.updated_connectors & self.owned.connectors):
            log.info("Connector %s's config changed; restarting it", name)
            await self.worker.stop_connector(name)
            await self._start_connector(name)
        committed = {t.connector for t in batch.committed_tasks}
        stale = sorted(t for t in self.owned.tasks if t.connector in committed and self._runs_stale_config(t))
        if stale and self.protocol_version != CONNECT_PROTOCOL_V0:
            # New configs for tasks we run: restart them here. Tasks the commit removed are
            # revoked by the leader in the rebalance the commit triggers.
            log.info("Restarting %d tasks with new configurations", len(stale))
            await asyncio.gather(*(self.worker.stop_task(t) for t in stale))
            await asyncio.gather(
                *(self._start_task(t) for t in stale if self.snapshot.task_config(t) is not None)
            )

    def _runs_stale_config(self, task: TaskId) -> bool:
        """Whether ``task`` runs with other configs than the snapshot's (a commit notification
        may precede the rebalance that already started the task with the new configs)."""
        current = (
            plain(self.snapshot.connector_config(task.connector)),
            plain(self.snapshot.task_config(task)),
        )
        return self._task_configs.get(task) != current

    async def _process_target_states(self, batch: ChangeBatch) -> None:
        for name in sorted(batch.target_state_changes):
            target = self.snapshot.target_state(name)
            if target is None:
                continue
            owns_connector = name in self.owned.connectors
            if owns_connector or any(t.connector == name for t in self.owned.tasks):
                log.info("Connector %s: target state %s on %s", name, target.value, self.worker_id)
                await self.worker.set_connector_target(name, target)
            if owns_connector and target is TargetState.STARTED:
                self.request_reconfiguration(name)

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


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Callable[[], object]) -> None:
    """Schedule ``fn`` on ``loop`` from another thread (ignored once the loop is closed)."""
    if not loop.is_closed():
        loop.call_soon_threadsafe(fn)
