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
from collections.abc import Callable

from distconnect.api.errors import ConfigError, ConnectError, RetriableError
from distconnect.distributed.assignment import EMPTY, ConnectorsAndTasks
from distconnect.distributed.herder_state import ChangeBatch, ConfigChanges
from distconnect.distributed.herder_work import TaskConfigSender, WorkRunner
from distconnect.distributed.leader import LeaderAssignor, LeaderRound, gone_statuses
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
from distconnect.runtime.herder_admin import HerderAdmin
from distconnect.runtime.plugin_versions import CONVERTER_KEYS
from distconnect.runtime.signature import new_key
from distconnect.runtime.states import State, Status, TargetState
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import DistributedConfig
from distconnect.storage.config_store import ConfigStore
from distconnect.storage.config_types import RestartRequest, SessionKey
from distconnect.storage.status_store import KafkaStatusStore

log = logging.getLogger("distconnect.herder")

_UNSYNC_RETRIES = 5


class HerderCore(WorkRunner):
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
        super().__init__(
            config, worker, config_store, status_store, url, send_task_configs=send_task_configs, clock=clock
        )
        self._wall_ms = wall_clock_ms
        self._lock = asyncio.Lock()
        #: Plugins, validation and this worker's log levels (served locally, no lock).
        self.admin = HerderAdmin(
            worker.registry,
            topic_creation_enabled=config.topic_creation_enable,
            providers=config.config_providers,
            worker_converters={key: str(config.get(key)) for key in CONVERTER_KEYS if config.get(key)},
        )
        self.changes = ConfigChanges(
            self._wake.set, lambda: self.configs.offset, apply_logger_level=self.admin.set_worker_logger_level
        )
        self.member: MemberThread | None = None
        self._leader = LeaderAssignor(int(config.get("scheduled.rebalance.max.delay.ms")))
        #: The last leader round this worker computed (only meaningful while it is the leader).
        self.leader_round: LeaderRound | None = None
        self._rejoin_requested = False
        self._rejoin_at: float | None = None
        self._unsync_failures = 0
        self._key_retry_at = 0.0
        self._current_assignment: ExtendedAssignment | None = None
        self._loop_task: asyncio.Task[None] | None = None
        #: Set after every completed rebalance (tests and the demo wait on it).
        self.rebalances = 0

    def _int(self, key: str) -> int:
        return int(self.config.get(key))

    # -- lifecycle -------------------------------------------------------------------------------
    async def on_start(self) -> None:
        if self.config.exactly_once_source_enabled:
            raise ConfigError(
                "exactly.once.source.support", "enabled", "exactly-once source support is not implemented yet"
            )
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
        self.worker.metrics.rebalance.started()
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
            int(self._clock() * 1000),  # monotonic: the lost-work hold must not jump with the wall clock
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
        self.worker.generation = result.generation
        self.member_id = result.member_id
        self.protocol_version = protocol_version(result.protocol)
        self.leader_id, self.leader_url = assignment.leader, assignment.leader_url
        self._joined = True
        self._joined_event.set()
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
        self.worker.metrics.rebalance.completed_now(leader=self.is_leader, generation=self.generation)
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
        gone = Status(State.DESTROYED, self.worker_id, generation=self.generation)
        with_status = {c: list(self.statuses.task_statuses(c)) for c in self.statuses.connectors()}
        connectors, tasks = gone_statuses(with_status, self.configs.snapshot(), round_.running_anywhere)
        for task in tasks:
            self.statuses.on_task_status(task, gone)
        for connector in connectors:
            self.statuses.on_connector_status(connector, gone)

    def _session_key_due_in_s(self) -> float | None:
        if not self.is_leader or self.protocol_version < CONNECT_PROTOCOL_V2:
            return None
        key = self.snapshot.session_key
        if self._key_retry_at > self._clock():
            return self._key_retry_at - self._clock()
        if key is None:
            return 0.0
        ttl = self._int("inter.worker.key.ttl.ms")
        return max(0.0, (key.creation_timestamp + ttl - self._wall_ms()) / 1000)

    async def _maybe_rotate_session_key(self) -> None:
        if self.protocol_version < CONNECT_PROTOCOL_V2 or self._key_retry_at > self._clock():
            return
        key = self.configs.snapshot().session_key
        algorithm = str(self.config.get("inter.worker.key.generation.algorithm"))
        ttl = self._int("inter.worker.key.ttl.ms")
        if key is not None and key.algorithm == algorithm and key.creation_timestamp + ttl > self._wall_ms():
            return
        size = self.config.get("inter.worker.key.size")
        fresh = SessionKey(new_key(algorithm, int(size) if size else None), algorithm, self._wall_ms())
        log.info("Distributing a new session key (%s)", algorithm)
        try:
            await self.configs.put_session_key(fresh)
        except ConnectError as err:  # the next tick tries again; signed requests wait meanwhile
            log.warning("Could not write a new session key, retrying in 1 s: %s", err)
            self._key_retry_at = self._clock() + 1.0
            return
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


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Callable[[], object]) -> None:
    """Schedule ``fn`` on ``loop`` from another thread (ignored once the loop is closed)."""
    if not loop.is_closed():
        loop.call_soon_threadsafe(fn)
