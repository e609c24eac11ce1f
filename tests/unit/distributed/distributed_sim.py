"""A deterministic model of a Connect group driving the cooperative assignor through the wire format.

Each round does what the real protocol does: every live worker offers ``sessioned`` metadata
carrying what it runs (encoded with :func:`join_protocols`), the leader decodes it, runs
:func:`assign_incremental`, encodes one assignment per member, and each member decodes its own,
stops the revoked work and starts the new. Workers that leave are dead: what they ran is gone.
The leader keeps its :class:`IncrementalState` only while it stays leader; a new leader starts
from scratch, as in Apache Kafka Connect.

:meth:`Cluster.settle` plays the follow-up rounds the members would ask for (at once after a
revocation, after ``delay_ms`` otherwise) until none is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from distconnect.distributed.assignment import (
    EMPTY,
    ClusterSnapshot,
    ConnectorsAndTasks,
    java_order,
    rejoin_after_ms,
)
from distconnect.distributed.assignor_incremental import IncrementalState, assign_incremental
from distconnect.distributed.protocol import (
    SESSIONED_PROTOCOL,
    ExtendedAssignment,
    ExtendedWorkerState,
    decode_extended_assignment,
    decode_extended_worker_state,
    encode_extended_assignment,
    join_protocols,
)
from distconnect.runtime.states import TaskId


@dataclass(frozen=True)
class Round:
    """What one round did: the time, the state before and after, each member's decoded assignment."""

    now_ms: int
    leader: str
    before: dict[str, ConnectorsAndTasks]
    state_before: IncrementalState
    state_after: IncrementalState
    assignments: dict[str, ExtendedAssignment]

    def revoked(self, member: str) -> ConnectorsAndTasks:
        a = self.assignments[member]
        return ConnectorsAndTasks.of(a.revoked_connectors, a.revoked_tasks)

    def assigned(self, member: str) -> ConnectorsAndTasks:
        a = self.assignments[member]
        return ConnectorsAndTasks.of(a.connectors, a.tasks)

    @property
    def any_revoked(self) -> bool:
        return any(self.revoked(m) for m in self.assignments)

    @property
    def all_assigned(self) -> ConnectorsAndTasks:
        result = EMPTY
        for member in self.assignments:
            result = result | self.assigned(member)
        return result

    @property
    def delay_ms(self) -> int:
        return max((a.delay_ms for a in self.assignments.values()), default=0)


@dataclass
class Cluster:
    """Live workers (id -> what it runs), the config, the clock and the leader's memory."""

    max_delay_ms: int
    connectors: dict[str, int] = field(default_factory=dict)
    workers: dict[str, ConnectorsAndTasks | None] = field(default_factory=dict)
    now_ms: int = 1_000_000
    config_offset: int = 0
    leader: str | None = None
    state: IncrementalState = field(default_factory=IncrementalState)
    generation: int = 0
    rounds: list[Round] = field(default_factory=list)

    # -- events ---------------------------------------------------------------------------------
    def join(self, worker: str) -> None:
        """A worker (new, or restarted: it runs nothing and reports no assignment) joins."""
        assert worker not in self.workers
        self.workers[worker] = None

    def leave(self, worker: str) -> ConnectorsAndTasks:
        """A worker dies; returns what it ran."""
        ran = self.workers.pop(worker)
        if worker == self.leader:
            self.leader, self.state = None, IncrementalState()
        return ran or EMPTY

    def configure(self, connector: str, tasks: int | None) -> None:
        """Create, resize (``tasks``) or delete (``None``) a connector; bumps the config offset."""
        if tasks is None:
            self.connectors.pop(connector, None)
        else:
            self.connectors[connector] = tasks
        self.config_offset += 1

    def advance(self, ms: int) -> None:
        self.now_ms += ms

    # -- views ----------------------------------------------------------------------------------
    def owned(self, worker: str) -> ConnectorsAndTasks:
        return self.workers.get(worker) or EMPTY

    def configured(self) -> ConnectorsAndTasks:
        return ClusterSnapshot(self.config_offset, dict(self.connectors)).configured()

    # -- protocol ---------------------------------------------------------------------------------
    def rebalance(self) -> Round:
        """One complete JoinGroup/SyncGroup round through the encoded metadata and assignments."""
        assert self.workers, "a rebalance needs at least one worker"
        if self.leader not in self.workers:
            self.leader, self.state = min(self.workers, key=java_order), IncrementalState()
        assert self.leader is not None
        self.generation += 1
        metadata = {}
        for worker, ran in self.workers.items():
            current = None
            if ran is not None:
                current = ExtendedAssignment(
                    0, self.leader, "http://leader", self.config_offset, tuple(ran.sorted_connectors()),
                    tuple(ran.sorted_tasks()), version=2,
                )  # fmt: skip
            state = ExtendedWorkerState(f"http://{worker}:8083", self.config_offset, current)
            offered = dict(join_protocols("sessioned", state))
            metadata[worker] = decode_extended_worker_state(offered[SESSIONED_PROTOCOL])
        snapshot = ClusterSnapshot(self.config_offset, dict(self.connectors))
        before = {w: self.owned(w) for w in self.workers}
        assignments, new_state = assign_incremental(
            self.state,
            self.leader,
            metadata,
            snapshot,
            self.now_ms,
            generation=self.generation,
            last_completed_generation=self.generation - 1,
            max_delay_ms=self.max_delay_ms,
        )
        decoded = {
            w: decode_extended_assignment(encode_extended_assignment(a)) for w, a in assignments.items()
        }
        record = Round(self.now_ms, self.leader, before, self.state, new_state, decoded)
        self.state = new_state
        for worker, assignment in decoded.items():
            revoked = ConnectorsAndTasks.of(assignment.revoked_connectors, assignment.revoked_tasks)
            given = ConnectorsAndTasks.of(assignment.connectors, assignment.tasks)
            self.workers[worker] = (self.owned(worker) - revoked) | given
        self.rounds.append(record)
        return record

    def follow_ups(self, limit: int = 20) -> list[Round]:
        """Rebalance, then keep rebalancing while an assignment revoked something (no clock change)."""
        played = [self.rebalance()]
        while played[-1].any_revoked:
            assert len(played) < limit, "revocations did not stop"
            played.append(self.rebalance())
        return played

    def settle(self, limit: int = 40) -> list[Round]:
        """Rebalance and play every requested follow-up, waiting out delays, until none is asked for."""
        played = [self.rebalance()]
        while True:
            waits = [rejoin_after_ms(a) for a in played[-1].assignments.values()]
            pending = [w for w in waits if w is not None]
            if not pending:
                return played
            assert len(played) < limit, f"no convergence after {limit} rounds"
            self.advance(min(pending))
            played.append(self.rebalance())


def task_ids(connectors: dict[str, int]) -> set[TaskId]:
    return {TaskId(c, n) for c, count in connectors.items() for n in range(count)}
