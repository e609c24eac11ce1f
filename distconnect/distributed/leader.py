"""The leader's side of a rebalance: from members and a config snapshot to encoded assignments.

:class:`LeaderAssignor` picks the assignor of the negotiated sub-protocol, keeps the incremental
assignor's memory between rounds, and records what the leader needs afterwards: which member runs
what (to forward restarts to the owner) and what ran anywhere when the round was computed (to
tombstone statuses only of work that no member still runs). Pure and synchronous; the herder
calls it with a snapshot it has caught up to the members' newest config offset.

Cooperative assignments carry, in ``connectors``/``tasks``, everything the member should run
after the round rather than only the new items. The byte layout is Apache's; Apache's members
start only the difference from what they run, so both readings agree. Full sets make the
coordinator's cached assignment usable by a *static* member that restarts without a rebalance
(it gets its last assignment back from the broker and must know all of its work).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from distconnect.distributed.assignment import (
    ClusterSnapshot,
    ConnectorsAndTasks,
    leader_view,
    running,
    union_all,
)
from distconnect.distributed.assignor_eager import assign_eager
from distconnect.distributed.assignor_incremental import IncrementalState, assign_incremental
from distconnect.distributed.protocol import (
    CONNECT_PROTOCOL_V0,
    ExtendedWorkerState,
    encode_assignment,
    encode_extended_assignment,
    protocol_version,
)
from distconnect.runtime.states import TaskId
from distconnect.storage.cluster_state import ClusterConfigState


def cluster_snapshot(state: ClusterConfigState) -> ClusterSnapshot:
    """What the assignors need of the config state: offset and usable task count per connector."""
    return ClusterSnapshot(state.offset, {c: len(state.tasks(c)) for c in state.connectors()})


@dataclass(frozen=True)
class LeaderRound:
    """The outcome of one round on the leader."""

    #: member id -> encoded assignment, for SyncGroup
    encoded: Mapping[str, bytes]
    #: member id -> what it runs once it has applied its assignment
    owners: Mapping[str, ConnectorsAndTasks]
    #: member id -> advertised REST URL
    urls: Mapping[str, str]
    #: everything some member reported running when the round was computed
    running_anywhere: ConnectorsAndTasks
    #: False when the members were told CONFIG_MISMATCH
    ok: bool = True
    generation: int = -1


@dataclass
class LeaderAssignor:
    """Computes rounds; holds the incremental assignor's state (a new leader starts afresh)."""

    max_delay_ms: int
    state: IncrementalState = field(default_factory=IncrementalState)

    def assign(
        self,
        leader_id: str,
        protocol: str,
        members: Mapping[str, ExtendedWorkerState],
        config: ClusterConfigState,
        now_ms: int,
        *,
        generation: int,
        last_completed_generation: int,
    ) -> LeaderRound:
        version = protocol_version(protocol)
        snapshot = cluster_snapshot(config)
        urls = {member: state.url for member, state in members.items()}
        reported = union_all({m: running(s) for m, s in members.items()})
        if version == CONNECT_PROTOCOL_V0:
            eager = assign_eager(leader_id, members, snapshot)
            encoded = {m: encode_assignment(a) for m, a in eager.items()}
            owners = leader_view(members, eager)
            failed = any(a.failed for a in eager.values())
        else:
            incremental, self.state = assign_incremental(
                self.state,
                leader_id,
                members,
                snapshot,
                now_ms,
                generation=generation,
                last_completed_generation=last_completed_generation,
                max_delay_ms=self.max_delay_ms,
                version=version,
            )
            owners = leader_view(members, incremental)
            full = {
                m: a
                if a.failed
                else dataclasses.replace(
                    a,
                    connectors=tuple(owners[m].sorted_connectors()),
                    tasks=tuple(owners[m].sorted_tasks()),
                )
                for m, a in incremental.items()
            }
            encoded = {m: encode_extended_assignment(a, version) for m, a in full.items()}
            failed = any(a.failed for a in incremental.values())
        return LeaderRound(encoded, owners, urls, reported, not failed, generation)


def gone_statuses(
    with_status: Mapping[str, Iterable[TaskId]],
    config: ClusterConfigState,
    running_anywhere: ConnectorsAndTasks,
) -> tuple[list[str], list[TaskId]]:
    """Statuses the leader tombstones after a round: deleted connectors, and tasks beyond their
    connector's committed count (a reconfiguration to fewer tasks, or a stopped connector).

    ``with_status`` maps each connector with a status to its tasks with one. Work that some
    member still reported running is spared: its owner's late UNASSIGNED report would otherwise
    resurrect the status after the tombstone; the next round catches it. Connectors whose last
    commit was incomplete are skipped (their task count is unknown until a complete one).
    """
    connectors: list[str] = []
    tasks: list[TaskId] = []
    for connector in sorted(with_status):
        configured = config.contains(connector)
        if configured and connector in config.inconsistent:
            continue
        count = config.task_count(connector) if configured else 0
        tasks.extend(
            t for t in sorted(with_status[connector]) if t.task >= count and t not in running_anywhere.tasks
        )
        if not configured and connector not in running_anywhere.connectors:
            connectors.append(connector)
    return connectors, tasks


__all__ = ["LeaderAssignor", "LeaderRound", "cluster_snapshot", "gone_statuses"]
