"""A worker's membership in the Connect group: JoinGroup, SyncGroup, Heartbeat and LeaveGroup.

This is the only module that speaks aiokafka's group protocol layer directly (``AIOKafkaClient``
plus the ``FindCoordinator``/``JoinGroup``/``SyncGroup``/``Heartbeat``/``LeaveGroup`` request
builders of aiokafka 0.14, which negotiate the version per connection). aiokafka errors are
translated into :class:`~distconnect.api.errors.RetriableError` (coordinator moved or loading,
rebalance in progress, connection trouble) or :class:`~distconnect.api.errors.ConnectError`.

The owner (the herder) supplies two callbacks: ``metadata()`` (what this worker offers when it
joins) and ``assign(leader_id, protocol, members)`` (run only on the leader; returns the encoded
assignment of every member). It calls :meth:`WorkerGroupMember.join` whenever
:attr:`~WorkerGroupMember.rejoin_needed` is set and checks :meth:`~WorkerGroupMember.session_expired`
to stop its tasks when the coordinator has been out of reach for a whole session (DESIGN-NOTES §2).

Heartbeats run in the service's own task group on their own schedule, independent of the
owner's work, and are suspended while a join is in flight (the coordinator handles requests of
one connection in order, and a pending JoinGroup keeps the member alive on the broker).

Static membership: with ``group_instance_id`` set, JoinGroup v5 carries the instance id and the
member does **not** send LeaveGroup on stop, so a restart within ``session_timeout_ms`` gets its
assignment back without a rebalance.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

import aiokafka.errors as kafka_errors_mod
from aiokafka.client import AIOKafkaClient, ConnectionGroup, CoordinationType
from aiokafka.protocol.group import (
    HeartbeatRequest,
    JoinGroupRequest,
    LeaveGroupRequest,
    SyncGroupRequest,
)

from distconnect.api.errors import ConnectError, RetriableError
from distconnect.distributed.protocol import (
    COMPATIBILITY_MODES,
    PROTOCOL_TYPE,
    ExtendedWorkerState,
    ProtocolError,
    decode_extended_worker_state,
    join_protocols,
)
from distconnect.runtime.kafka_clients import translate_kafka_error
from distconnect.runtime.service import Service

log = logging.getLogger(__name__)

MetadataFn = Callable[[], ExtendedWorkerState]
AssignFn = Callable[
    [str, str, dict[str, ExtendedWorkerState]], dict[str, bytes] | Awaitable[dict[str, bytes]]
]

Errors: Any = kafka_errors_mod

# Join / heartbeat error classes, by how they are handled.
_REBALANCE = (Errors.RebalanceInProgressError,)
_COORDINATOR_MOVED = (
    Errors.NotCoordinatorForGroupError,
    Errors.GroupCoordinatorNotAvailableError,
)
_LOADING = (Errors.GroupLoadInProgressError,)
_MEMBER_GONE = (Errors.UnknownMemberIdError, Errors.IllegalGenerationError)
#: FENCED_INSTANCE_ID (KIP-345); aiokafka 0.14 has no class for it (for_code gives UnknownError).
_FENCED_INSTANCE_ID = 82


class JoinResult(NamedTuple):
    """What one completed JoinGroup + SyncGroup round gave this member."""

    generation: int
    member_id: str
    protocol: str
    leader_id: str
    assignment: bytes


class WorkerGroupMember(Service):
    """One worker's membership in the Connect group (protocol type ``connect``)."""

    def __init__(
        self,
        bootstrap_servers: str | Sequence[str],
        group_id: str,
        url: str,
        *,
        metadata: MetadataFn,
        assign: AssignFn,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        rebalance_timeout_ms: int = 60_000,
        group_instance_id: str | None = None,
        connect_protocol: str = "sessioned",
        retry_backoff_ms: int = 100,
        request_timeout_ms: int | None = None,
        client_kwargs: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_rejoin_needed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name=f"WorkerGroupMember[{group_id}:{url}]")
        if connect_protocol.lower() not in COMPATIBILITY_MODES:
            raise ConnectError(f"Unknown connect.protocol: {connect_protocol}")
        if heartbeat_interval_ms >= session_timeout_ms:
            raise ConnectError("heartbeat.interval.ms must be lower than session.timeout.ms")
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.url = url
        self.session_timeout_ms = session_timeout_ms
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.rebalance_timeout_ms = rebalance_timeout_ms
        self.group_instance_id = group_instance_id
        self.connect_protocol = connect_protocol.lower()
        self.retry_backoff_ms = retry_backoff_ms
        # A JoinGroup may legitimately wait for the whole rebalance timeout.
        self.request_timeout_ms = request_timeout_ms or max(40_000, rebalance_timeout_ms + 5_000)
        self._client_kwargs = dict(client_kwargs or {})
        self._metadata = metadata
        self._assign = assign
        self._clock = clock
        self._on_rejoin_needed = on_rejoin_needed

        self._client: AIOKafkaClient | None = None
        self._coordinator_id: int | None = None
        self.member_id = ""
        self.generation = -1
        self.protocol: str | None = None
        self.leader_id: str | None = None
        #: Set when the coordinator asks for a rejoin (or the owner calls :meth:`request_rejoin`).
        self.rejoin_needed = asyncio.Event()
        #: Clock time at which the last request the coordinator answered for our generation was
        #: *sent* (heartbeat or sync; a join counts when answered). The coordinator's session timer
        #: for us started no earlier than this, so expiry computed from it is never late.
        self.last_successful_heartbeat: float | None = None
        #: The generation being assigned while the ``assign`` callback runs (leader only).
        self.assigning_generation = -1
        #: Number of heartbeats answered with no error (tests and metrics).
        self.heartbeats = 0
        #: A non-retriable error the heartbeat loop met (e.g. a fenced static instance).
        self.fatal_error: ConnectError | None = None
        self._joining = False
        self._join_in_flight_since: float | None = None
        self._join_lock = asyncio.Lock()
        self._generation_valid = False
        self._heartbeat_wakeup = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    @property
    def is_static(self) -> bool:
        return self.group_instance_id is not None

    async def on_start(self) -> None:
        client_id = self._client_kwargs.pop(
            "client_id", f"distconnect-{self.group_id}-{uuid.uuid4().hex[:6]}"
        )
        self._client = AIOKafkaClient(
            bootstrap_servers=self.bootstrap_servers,
            client_id=client_id,
            request_timeout_ms=self.request_timeout_ms,
            retry_backoff_ms=self.retry_backoff_ms,
            **self._client_kwargs,
        )
        try:
            await self._client.bootstrap()
        except BaseException as err:
            await self._client.close()
            self._client = None
            if isinstance(err, Exception):
                raise translate_kafka_error(err, f"connecting to {self.bootstrap_servers}") from err
            raise

    async def on_started(self) -> None:
        self.spawn(self._heartbeat_loop(), name=f"{self.name}-heartbeat")

    async def on_stop(self) -> None:
        try:
            if not self.is_static:
                await self.leave()
        finally:
            if self._client is not None:
                await self._client.close()
                self._client = None

    # ------------------------------------------------------------------ state

    def request_rejoin(self) -> None:
        """The owner wants a new round (e.g. the config topic changed)."""
        self._set_rejoin_needed()

    def _set_rejoin_needed(self) -> None:
        self.rejoin_needed.set()
        if self._on_rejoin_needed is not None:
            self._on_rejoin_needed()

    def session_expired(self, now: float | None = None, margin_ms: int = 0) -> bool:
        """True when the coordinator has not confirmed our membership for longer than a session.

        ``margin_ms`` makes it answer True that much earlier, so the owner can stop its work
        before the coordinator could give it to another member. Before the first successful join
        there is nothing to lose, so this is False. While a
        JoinGroup/SyncGroup is waiting on the coordinator the broker keeps us, so the join's start
        counts as contact until the rebalance timeout passes.
        """
        if self.last_successful_heartbeat is None:
            return False
        now = self._clock() if now is None else now
        since = self._join_in_flight_since
        if since is not None and (now - since) * 1000 <= self.rebalance_timeout_ms:
            return False
        return (now - self.last_successful_heartbeat) * 1000 > self.session_timeout_ms - margin_ms

    def _contact(self, sent_at: float | None = None) -> None:
        self.last_successful_heartbeat = self._clock() if sent_at is None else sent_at

    # ------------------------------------------------------------------ requests

    def _require_client(self) -> AIOKafkaClient:
        if self._client is None:
            raise ConnectError(f"{self.name} is not started")
        return self._client

    async def _ensure_coordinator(self) -> int:
        if self._coordinator_id is not None:
            return self._coordinator_id
        client = self._require_client()
        try:
            node_id = await client.coordinator_lookup(CoordinationType.GROUP, self.group_id)
            ready = await client.ready(node_id, group=ConnectionGroup.COORDINATION)
        except Errors.KafkaError as err:
            if getattr(err, "retriable", False):
                client.force_metadata_update()
            raise translate_kafka_error(err, f"finding the coordinator of group {self.group_id}") from err
        except (OSError, TimeoutError) as err:
            raise translate_kafka_error(err, f"finding the coordinator of group {self.group_id}") from err
        if not ready:
            raise RetriableError(f"coordinator {node_id} of group {self.group_id} is not reachable")
        self._coordinator_id = int(node_id)
        log.info("%s: coordinator is node %s", self.name, node_id)
        return self._coordinator_id

    def _coordinator_dead(self, reason: object) -> None:
        if self._coordinator_id is not None:
            log.info("%s: coordinator %s marked dead: %s", self.name, self._coordinator_id, reason)
        self._coordinator_id = None

    async def _send(self, request: Any, doing: str) -> Any:
        node_id = await self._ensure_coordinator()
        client = self._require_client()
        try:
            return await client.send(node_id, request, group=ConnectionGroup.COORDINATION)
        except (Errors.KafkaError, OSError, TimeoutError) as err:
            self._coordinator_dead(err)
            raise translate_kafka_error(err, doing) from err

    # ------------------------------------------------------------------ join

    async def join(self, timeout_ms: int | None = None) -> JoinResult:
        """Join (or rejoin) the group and return this member's assignment bytes.

        Retries coordinator moves, loading coordinators and rebalances with back-off until
        ``timeout_ms`` (default: twice the rebalance timeout plus a session) passes, then raises
        :class:`RetriableError`. Fatal broker answers raise :class:`ConnectError`.
        """
        if timeout_ms is None:
            timeout_ms = 2 * self.rebalance_timeout_ms + self.session_timeout_ms
        async with self._join_lock:
            self._joining = True
            self.rejoin_needed.clear()
            self.fatal_error = None
            try:
                return await self._join_until(self._clock() + timeout_ms / 1000)
            finally:
                self._joining = False
                self._join_in_flight_since = None
                self._heartbeat_wakeup.set()

    async def _join_until(self, deadline: float) -> JoinResult:
        backoff = self.retry_backoff_ms / 1000
        last: BaseException | None = None
        while True:
            if self._clock() > deadline:
                raise RetriableError(f"could not join group {self.group_id} in time: {last}") from last
            try:
                result = await self._join_once()
            except RetriableError as err:
                last = err
                log.debug("%s: join attempt failed, retrying: %s", self.name, err)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            if result is not None:
                return result
            backoff = self.retry_backoff_ms / 1000

    async def _join_once(self) -> JoinResult | None:
        """One JoinGroup + SyncGroup round; ``None`` means "retry at once" (e.g. member id issued)."""
        protocols = join_protocols(self.connect_protocol, self._metadata())
        request = JoinGroupRequest(
            self.group_id,
            self.session_timeout_ms,
            self.rebalance_timeout_ms,
            self.member_id,
            self.group_instance_id,  # None encodes as a null string
            PROTOCOL_TYPE,
            protocols,
        )
        self._generation_valid = False
        self._join_in_flight_since = self._clock()
        response = await self._send(request, f"JoinGroup {self.group_id}")
        self._join_in_flight_since = None
        error = Errors.for_code(response.error_code)
        if error is Errors.MemberIdRequired:
            self.member_id = response.member_id
            return None
        if error is Errors.UnknownMemberIdError:
            self.member_id = ""
            return None
        self._check(error, "JoinGroup", response.error_code)
        self._contact()
        generation = response.generation_id
        member_id = response.member_id
        protocol = response.group_protocol
        leader_id = response.leader_id
        self.member_id = member_id
        log.info(
            "%s: joined generation %s as %s (leader %s, protocol %s)",
            self.name,
            generation,
            member_id,
            leader_id,
            protocol,
        )

        group_assignment: list[tuple[str, bytes]] = []
        if leader_id == member_id:
            members = self._decode_members(response.members)
            self.assigning_generation = generation
            assigned = self._assign(leader_id, protocol, members)
            if inspect.isawaitable(assigned):
                assigned = await assigned
            assert isinstance(assigned, dict)
            missing = set(members) - set(assigned)
            if missing:
                raise ConnectError(f"the assignor gave no assignment to members {sorted(missing)}")
            group_assignment = list(assigned.items())

        sync = SyncGroupRequest(
            self.group_id,
            generation,
            member_id,
            self.group_instance_id,
            group_assignment,
        )
        sync_sent = self._join_in_flight_since = self._clock()
        response = await self._send(sync, f"SyncGroup {self.group_id}")
        self._join_in_flight_since = None
        error = Errors.for_code(response.error_code)
        if error is Errors.UnknownMemberIdError:
            self.member_id = ""
            return None
        if error is Errors.IllegalGenerationError:
            return None
        self._check(error, "SyncGroup", response.error_code)
        self._contact(sync_sent)
        self.generation = generation
        self.protocol = protocol
        self.leader_id = leader_id
        self._generation_valid = True
        log.info("%s: synced generation %s", self.name, generation)
        return JoinResult(generation, member_id, protocol, leader_id, bytes(response.member_assignment))

    @staticmethod
    def _decode_members(raw: Sequence[Sequence[Any]]) -> dict[str, ExtendedWorkerState]:
        members: dict[str, ExtendedWorkerState] = {}
        for entry in raw:
            # v0-v4: (member_id, metadata); v5+: (member_id, group_instance_id, metadata)
            member_id, metadata = entry[0], entry[-1]
            try:
                members[member_id] = decode_extended_worker_state(bytes(metadata))
            except ProtocolError as err:
                raise ConnectError(f"member {member_id} sent unreadable metadata: {err}") from err
        return members

    def _check(self, error: type[BaseException], what: str, code: int) -> None:
        """Raise the Connect error for a non-success response code of ``what``."""
        if error is Errors.NoError:
            return
        if code == _FENCED_INSTANCE_ID:
            raise ConnectError(f"{what} {self.group_id}: static member {self.group_instance_id} is fenced")
        if issubclass(error, _COORDINATOR_MOVED):
            self._coordinator_dead(error.__name__)
            raise RetriableError(f"{what} {self.group_id}: coordinator moved ({error.__name__})")
        if issubclass(error, _REBALANCE + _LOADING + _MEMBER_GONE):
            raise RetriableError(f"{what} {self.group_id}: {error.__name__}")
        retriable = bool(getattr(error, "retriable", False))
        cls = RetriableError if retriable else ConnectError
        raise cls(f"{what} {self.group_id} failed: {error.__name__}")

    # ------------------------------------------------------------------ heartbeat

    async def _heartbeat_loop(self) -> None:
        interval = self.heartbeat_interval_ms / 1000
        while True:
            self._heartbeat_wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._heartbeat_wakeup.wait(), timeout=interval)
            if self._joining or not self._generation_valid:
                continue
            try:
                await self._heartbeat_once()
            except ConnectError as err:
                log.warning("%s: heartbeat failed: %s", self.name, err)

    async def _heartbeat_once(self) -> None:
        generation, member_id = self.generation, self.member_id
        request = HeartbeatRequest(self.group_id, generation, member_id)
        sent = self._clock()
        response = await self._send(request, f"Heartbeat {self.group_id}")
        if self._joining or generation != self.generation:
            return  # a join started meanwhile; this answer is about an old round
        if response.error_code == _FENCED_INSTANCE_ID:
            self._generation_valid = False
            self.fatal_error = ConnectError(
                f"static member {self.group_instance_id} was fenced by another instance"
            )
            self._set_rejoin_needed()
            return
        error = Errors.for_code(response.error_code)
        if error is Errors.NoError:
            self.heartbeats += 1
            self._contact(sent)
        elif issubclass(error, _REBALANCE):
            # Still a member until the rebalance completes: counts as contact (as in Java).
            self._contact(sent)
            if not self.rejoin_needed.is_set():
                log.info("%s: coordinator asks for a rejoin (rebalance in progress)", self.name)
            self._set_rejoin_needed()
        elif issubclass(error, _MEMBER_GONE):
            log.info("%s: %s; rejoin needed", self.name, error.__name__)
            if error is Errors.UnknownMemberIdError and not self.is_static:
                self.member_id = ""
            self._generation_valid = False
            self._set_rejoin_needed()
        elif issubclass(error, _COORDINATOR_MOVED):
            self._coordinator_dead(error.__name__)
        else:
            raise translate_kafka_error(error(), f"Heartbeat {self.group_id}")

    # ------------------------------------------------------------------ leave

    async def leave(self) -> None:
        """Send LeaveGroup (best effort) so the others rebalance at once; static members skip it."""
        if self.is_static or not self.member_id or self._client is None:
            self._generation_valid = False
            return
        member_id = self.member_id
        self._generation_valid = False
        try:
            response = await self._send(
                LeaveGroupRequest(self.group_id, member_id), f"LeaveGroup {self.group_id}"
            )
            error = Errors.for_code(response.error_code)
            if error is not Errors.NoError:
                log.warning("%s: LeaveGroup answered %s", self.name, error.__name__)
            else:
                log.info("%s: left group %s", self.name, self.group_id)
        except ConnectError as err:
            log.warning("%s: LeaveGroup failed: %s", self.name, err)
        self.member_id = ""
        self.generation = -1


__all__ = ["AssignFn", "JoinResult", "MetadataFn", "WorkerGroupMember"]
