"""Load arithmetic for the incremental cooperative assignor: filling, balancing, back-off.

Each function works on one kind of item at a time (connectors, or tasks), because Connect
balances the two independently. Loads are ``member id -> set of items``; ties between equally
loaded members break by member id in Java's string order, and items are handed out in sorted
order, so every result is deterministic. Pure and synchronous.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, TypeVar

from distconnect.distributed.assignment import ConnectorsAndTasks, java_order, task_order
from distconnect.runtime.states import TaskId

T = TypeVar("T")

#: Growth factor of the back-off between successive revoking rounds (Apache: initial 1 ms, x40).
BACKOFF_MULTIPLIER = 40


def fill_least_loaded(loads: MutableMapping[str, set[T]], items: list[T]) -> dict[str, list[T]]:
    """Give each of ``items``, in order, to the member holding the fewest items of its kind.

    Members are ranked once by (current count, member id); each item goes to the member with
    the lowest (count, rank), which is Apache's level-by-level round-robin
    (``assignConnectors``/``assignTasks``). ``loads`` is updated in place; the return value is
    what each member received. Requires at least one member when ``items`` is non-empty.
    """
    given: dict[str, list[T]] = {}
    if not items:
        return given
    if not loads:
        raise ValueError("cannot assign work to an empty group")
    rank = {m: i for i, m in enumerate(sorted(loads, key=lambda m: (len(loads[m]), java_order(m))))}
    for item in items:
        member = min(loads, key=lambda m: (len(loads[m]), rank[m]))
        loads[member].add(item)
        given.setdefault(member, []).append(item)
    return given


def balance(
    total: int,
    held: Mapping[str, set[T]],
    fresh: Mapping[str, set[T]],
    sort_key: Callable[[T], Any],
) -> tuple[dict[str, list[T]], list[T]]:
    """Bring every member down to its share of ``total`` items: ``(revoked, unassigned)``.

    Each member may hold ``total // n`` items, and ``total % n`` of them one more. A member's
    count is what it keeps running (``held``) plus what it is being given this round (``fresh``,
    lost work handed to returning workers). The extra slots go first to the members that run
    the most, so that the fewest running items move; a member over its cap first gives back
    fresh items (``unassigned``: nobody runs them yet, the caller hands them out again), and only
    then are running items revoked (the highest in sort order). Members at or under their share
    are never touched, so the number of revocations is exactly the surplus.
    """
    members = sorted(held, key=lambda m: (-len(held[m]), java_order(m)))
    if not members or total <= 0:
        return {}, []
    floor, extras = divmod(total, len(members))
    revoked: dict[str, list[T]] = {}
    unassigned: list[T] = []
    for member in members:
        mine, new = held[member], fresh.get(member, set())
        count = len(mine) + len(new)
        if count <= floor:
            continue
        cap = floor
        if extras > 0:
            extras -= 1
            cap = floor + 1
        excess = count - cap
        if excess <= 0:
            continue
        give_back = sorted(new, key=sort_key)[len(new) - min(excess, len(new)) :]
        unassigned.extend(give_back)
        excess -= len(give_back)
        if excess > 0:
            revoked[member] = sorted(mine, key=sort_key)[len(mine) - excess :]
    return revoked, unassigned


def revocation_backoff_ms(successive_revoking_rounds: int, max_delay_ms: int) -> int:
    """The pause before revoking again after ``n`` successive revoking rounds.

    Apache's ``ExponentialBackoff(initial=1, multiplier=40, max=scheduled.rebalance.max.delay.ms,
    jitter=0)``: 40 ms, 1.6 s, 64 s, ... capped at the maximum; always 0 when the maximum is 0
    (revoke immediately).
    """
    if max_delay_ms <= 0:
        return 0
    initial = min(max_delay_ms, 1)
    if max_delay_ms <= initial:
        return initial
    exp_max = math.log(max_delay_ms / initial) / math.log(BACKOFF_MULTIPLIER)
    term = initial * BACKOFF_MULTIPLIER ** min(successive_revoking_rounds, exp_max)
    return min(int(term), max_delay_ms)


@dataclass(slots=True)
class Work:
    """The mutable working copy of one round: per member id, its connectors and its tasks."""

    connectors: dict[str, set[str]]
    tasks: dict[str, set[TaskId]]

    @classmethod
    def empty(cls, members: list[str]) -> Work:
        return cls({m: set() for m in members}, {m: set() for m in members})

    def get(self, member: str) -> ConnectorsAndTasks:
        return ConnectorsAndTasks.of(self.connectors[member], self.tasks[member])

    def add(self, member: str, items: ConnectorsAndTasks) -> None:
        self.connectors[member] |= items.connectors
        self.tasks[member] |= items.tasks

    def remove(self, member: str, items: ConnectorsAndTasks) -> None:
        self.connectors[member] -= items.connectors
        self.tasks[member] -= items.tasks


def balance_work(
    configured: ConnectorsAndTasks, work: Work, fresh: Work
) -> tuple[dict[str, ConnectorsAndTasks], ConnectorsAndTasks]:
    """:func:`balance` for connectors and for tasks: ``(revocations per member, items given back)``.

    ``work`` is what members keep running, ``fresh`` what they are being given this round; the
    shares come from the sizes of ``configured``. Neither argument is modified.
    """
    members = list(work.connectors)
    conn_revoked, conn_back = balance(
        len(configured.connectors), work.connectors, fresh.connectors, java_order
    )
    task_revoked, task_back = balance(len(configured.tasks), work.tasks, fresh.tasks, task_order)
    revoked = {
        m: ConnectorsAndTasks.of(conn_revoked.get(m, ()), task_revoked.get(m, ()))
        for m in members
        if m in conn_revoked or m in task_revoked
    }
    return revoked, ConnectorsAndTasks.of(conn_back, task_back)
