"""The incremental cooperative assignor (KIP-415; sub-protocols ``compatible`` and ``sessioned``).

Pure and functional: :func:`assign_incremental` takes the leader's memory of earlier rounds
(:class:`IncrementalState`), the members' metadata, the config snapshot and the time, and returns
every member's assignment together with the state to pass to the next round. A new leader starts
from ``IncrementalState()``.

One round, following Apache's ``IncrementalCooperativeAssignor``:

1. From the members' reports: *deleted* = running or previously assigned but no longer
   configured; *duplicated* = running on more than one member; *lost* = previously assigned,
   still configured, but running nowhere (its owner left); *created* = configured and neither
   previously assigned nor running. Deleted and duplicated items are revoked from their holders.
2. Lost work: handed out at once if no member left (an assignment that never arrived) or the
   maximum delay is 0; otherwise held back until ``scheduled.rebalance.max.delay.ms`` after it
   was first seen, then given round-robin to the members that were empty meanwhile (returning
   or new workers), or to the least-loaded members if there are none.
3. Load balancing, only while no lost work is held back: members over their share
   (:func:`~distconnect.distributed.assignor_balance.balance`) have the surplus revoked. Revoked
   work is handed out in the *next* round, after the members have stopped it: a member whose
   assignment revokes anything rejoins at once. Revoking again in the very next round is
   delayed by an exponential back-off (40 ms, x40, up to the maximum delay).
4. Created, lost-and-due and given-back work goes to the least-loaded members.

Each member's assignment lists only new and revoked items; ``delay_ms`` tells members when to
rejoin while lost work is held or a back-off runs. Deliberate differences from Java, each of
which only removes a way to revoke or hold work needlessly: the lost-work timer and the
revocation back-off are separate timers (Java's shared one lets a back-off cut the lost-work
hold short, and starts a full hold when a member leaves after a revoking round even if it
ran nothing); items running on a member but absent from the config count as deleted even
without a previous round (Java only revokes what its own last round assigned); and lost work
given to a returning worker beyond its share is handed out elsewhere instead of revoked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from distconnect.distributed.assignment import (
    EMPTY,
    ClusterSnapshot,
    ConnectorsAndTasks,
    duplicated_items,
    java_order,
    max_config_offset,
    running,
    union_all,
)
from distconnect.distributed.assignor_balance import (
    Work,
    balance_work,
    fill_least_loaded,
    revocation_backoff_ms,
)
from distconnect.distributed.protocol import (
    CONFIG_MISMATCH,
    CONNECT_PROTOCOL_V2,
    NO_ERROR,
    ExtendedAssignment,
    WorkerState,
)

__all__ = ["IncrementalState", "RoundPlan", "assign_incremental", "plan_round"]


@dataclass(frozen=True, slots=True)
class IncrementalState:
    """What the leader remembers between rounds. Immutable; each round returns a new one.

    * ``previous_assignment``: everything the last round assigned (plus lost work still held);
    * ``previous_revocation``: what the last round revoked, to detect revocations not applied;
    * ``previous_generation``: the generation of the last round; if it is not the leader's last
      completed generation, the last round's result never reached the members and is forgotten;
    * ``previous_members``: the members of the last round, to tell departures from failed syncs;
    * ``lost_deadline_ms``: when held-back lost work is handed out (0: none held);
    * ``candidate_workers``: members seen empty while lost work was held (returning workers);
    * ``revoked_in_previous`` / ``successive_revoking_rounds`` / ``backoff_deadline_ms``: the
      back-off between consecutive revoking rounds (deadline 0: no back-off running).
    """

    previous_assignment: ConnectorsAndTasks = EMPTY
    previous_revocation: ConnectorsAndTasks = EMPTY
    previous_generation: int = -1
    previous_members: frozenset[str] = frozenset()
    lost_deadline_ms: int = 0
    candidate_workers: tuple[str, ...] = ()
    revoked_in_previous: bool = False
    successive_revoking_rounds: int = 0
    backoff_deadline_ms: int = 0


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """The outcome of one round, per member id (every member has an entry in each mapping).

    ``assigned``: newly given items; ``revoked``: items to stop; ``owned``: what the member runs
    once it has applied both (the leader's view for request forwarding); ``delay_ms``: when
    members should rejoin (0: no follow-up needed unless something was revoked).
    """

    assigned: Mapping[str, ConnectorsAndTasks]
    revoked: Mapping[str, ConnectorsAndTasks]
    owned: Mapping[str, ConnectorsAndTasks]
    delay_ms: int


def assign_incremental(
    state: IncrementalState,
    leader_id: str,
    members: Mapping[str, WorkerState],
    snapshot: ClusterSnapshot,
    now_ms: int,
    *,
    generation: int,
    last_completed_generation: int,
    max_delay_ms: int,
    version: int = CONNECT_PROTOCOL_V2,
) -> tuple[dict[str, ExtendedAssignment], IncrementalState]:
    """One cooperative round: each member's :class:`ExtendedAssignment` and the next state.

    ``members`` maps member id to its metadata (the work it runs comes from its extended
    metadata; v0 metadata counts as running nothing). ``snapshot`` is the leader's freshest
    config snapshot; if it is behind the newest member offset every member gets
    ``CONFIG_MISMATCH`` and the state is returned unchanged. ``generation`` is the generation
    being assigned, ``last_completed_generation`` the last one this leader completed.
    ``max_delay_ms`` is ``scheduled.rebalance.max.delay.ms``; ``version`` (1 or 2) is stamped on
    the assignments. Deterministic for equal inputs.
    """
    if leader_id not in members:
        raise ValueError(f"the leader {leader_id!r} is not among the members")
    leader_url = members[leader_id].url
    newest = max_config_offset(members)
    if snapshot.config_offset < newest:
        failed = ExtendedAssignment(CONFIG_MISMATCH, leader_id, leader_url, newest, version=version)
        return dict.fromkeys(members, failed), state
    loads = {member: running(metadata) for member, metadata in members.items()}
    plan, next_state = plan_round(
        state,
        loads,
        snapshot.configured(),
        now_ms,
        generation=generation,
        last_completed_generation=last_completed_generation,
        max_delay_ms=max_delay_ms,
    )
    assignments = {
        member: ExtendedAssignment(
            NO_ERROR,
            leader_id,
            leader_url,
            snapshot.config_offset,
            tuple(plan.assigned[member].sorted_connectors()),
            tuple(plan.assigned[member].sorted_tasks()),
            version=version,
            revoked_connectors=tuple(plan.revoked[member].sorted_connectors()),
            revoked_tasks=tuple(plan.revoked[member].sorted_tasks()),
            delay_ms=plan.delay_ms,
        )
        for member in sorted(members, key=java_order)
    }
    return assignments, next_state


def _handle_lost(
    state: IncrementalState,
    lost: ConnectorsAndTasks,
    work: Work,
    fresh: Work,
    now_ms: int,
    max_delay_ms: int,
) -> tuple[ConnectorsAndTasks, int, tuple[str, ...], bool]:
    """Decide about lost work: ``(hand out as new, hold deadline, candidates, hold expired)``.

    Handed out at once when no member left (or delays are disabled); otherwise held until the
    deadline set when it was first seen, noting the members that are empty meanwhile; when the
    hold expires it goes round-robin (connectors, then tasks from the first candidate again) to
    those candidates still present, written into ``fresh``, or is handed out as new.
    """
    members = list(work.connectors)
    nobody_left = state.lost_deadline_ms <= 0 and set(members) >= state.previous_members
    if not lost or max_delay_ms <= 0 or nobody_left:
        return lost, 0, (), False
    empties = tuple(m for m in members if not work.get(m))
    if state.lost_deadline_ms <= 0:
        return EMPTY, now_ms + max_delay_ms, empties, False
    if now_ms < state.lost_deadline_ms:
        known = state.candidate_workers
        return EMPTY, state.lost_deadline_ms, known + tuple(m for m in empties if m not in known), False
    present = [m for m in state.candidate_workers if m in work.connectors]
    if not present:
        return lost, 0, (), True
    for i, connector in enumerate(lost.sorted_connectors()):
        fresh.connectors[present[i % len(present)]].add(connector)
    for i, task in enumerate(lost.sorted_tasks()):
        fresh.tasks[present[i % len(present)]].add(task)
    return EMPTY, 0, (), True


def plan_round(
    state: IncrementalState,
    loads: Mapping[str, ConnectorsAndTasks],
    configured: ConnectorsAndTasks,
    now_ms: int,
    *,
    generation: int,
    last_completed_generation: int,
    max_delay_ms: int,
) -> tuple[RoundPlan, IncrementalState]:
    """The assignment logic on plain sets: ``loads`` is what each member runs (member id -> items).

    Returns the :class:`RoundPlan` and the next state; see the module docstring for the rules.
    """
    if not loads:
        raise ValueError("a group has at least one member")
    members = sorted(loads, key=java_order)
    previous = state.previous_assignment if state.previous_generation == last_completed_generation else EMPTY
    active = union_all(loads)
    if state.previous_revocation & active:
        previous = active  # the last revocations were not applied; start from what actually runs
    deleted = (previous | active) - configured
    lost = previous - active - deleted
    drop = deleted | duplicated_items(loads)

    work, revoked, fresh = Work.empty(members), Work.empty(members), Work.empty(members)
    for member in members:
        revoked.add(member, loads[member] & drop)
        work.add(member, loads[member] - drop)
    due, lost_deadline, candidates, expired = _handle_lost(state, lost, work, fresh, now_ms, max_delay_ms)
    pool = (configured - previous - active) | due

    # Load balancing: never while lost work is held back or a revocation back-off runs.
    successive, backoff_deadline = state.successive_revoking_rounds, state.backoff_deadline_ms
    revoked_in_previous = state.revoked_in_previous and not expired
    if backoff_deadline > 0 and now_ms >= backoff_deadline:
        backoff_deadline, revoked_in_previous = 0, False
    if lost_deadline > 0:
        revoked_in_previous = False
    elif backoff_deadline == 0:
        to_revoke, given_back = balance_work(configured, work, fresh)
        for member in members:
            fresh.remove(member, given_back)
        pool = pool | given_back
        if to_revoke and revoked_in_previous:
            successive += 1
            pause = revocation_backoff_ms(successive, max_delay_ms)
            backoff_deadline = now_ms + pause if pause > 0 else 0
        if to_revoke and backoff_deadline == 0:
            for member, items in to_revoke.items():
                work.remove(member, items)
                revoked.add(member, items)
        if to_revoke:
            revoked_in_previous = True
        elif revoked_in_previous:
            revoked_in_previous, successive = False, 0

    for member in members:
        work.add(member, fresh.get(member))
    fill_least_loaded(work.connectors, pool.sorted_connectors())
    fill_least_loaded(work.tasks, pool.sorted_tasks())

    owned = {m: work.get(m) for m in members}
    timers = [deadline - now_ms for deadline in (lost_deadline, backoff_deadline) if deadline > now_ms]
    plan = RoundPlan(
        assigned={m: owned[m] - (loads[m] - deleted) for m in members},
        revoked={m: revoked.get(m) for m in members},
        owned=owned,
        delay_ms=min(min(timers), max_delay_ms) if timers else 0,
    )
    next_state = IncrementalState(
        previous_assignment=union_all(owned) | lost,
        previous_revocation=union_all(plan.revoked),
        previous_generation=generation,
        previous_members=frozenset(loads),
        lost_deadline_ms=lost_deadline,
        candidate_workers=candidates,
        revoked_in_previous=revoked_in_previous,
        successive_revoking_rounds=successive,
        backoff_deadline_ms=backoff_deadline,
    )
    return plan, next_state
