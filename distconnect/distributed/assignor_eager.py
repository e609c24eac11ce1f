"""The eager assignor (sub-protocol ``default``): round-robin over members sorted by id.

Apache's ``EagerAssignor``: every rebalance starts from nothing (members stop everything before
joining), connectors are dealt out first and tasks afterwards with one circular iterator over
the sorted member ids, so that single-task connectors do not put every connector on even-numbered
members and every task on odd-numbered ones. Connectors are taken in sorted order and each
connector's tasks in task order. Pure and synchronous.
"""

from __future__ import annotations

from collections.abc import Mapping

from distconnect.distributed.assignment import ClusterSnapshot, java_order, max_config_offset
from distconnect.distributed.protocol import CONFIG_MISMATCH, NO_ERROR, Assignment, WorkerState
from distconnect.runtime.states import TaskId


def config_mismatch(
    leader_id: str, members: Mapping[str, WorkerState], config_offset: int
) -> dict[str, Assignment]:
    """Every member gets ``CONFIG_MISMATCH`` with the newest offset and no work."""
    leader_url = members[leader_id].url
    return {member: Assignment(CONFIG_MISMATCH, leader_id, leader_url, config_offset) for member in members}


def assign_eager(
    leader_id: str, members: Mapping[str, WorkerState], snapshot: ClusterSnapshot
) -> dict[str, Assignment]:
    """Assign all connectors and tasks of ``snapshot`` to ``members`` (member id -> metadata).

    ``snapshot`` is the leader's freshest config snapshot: if its offset is behind the newest
    offset any member reports (:func:`~distconnect.distributed.assignment.max_config_offset`; the
    caller should re-read its config state first), every member gets ``CONFIG_MISMATCH`` carrying
    that newest offset. Otherwise every member gets the same leader id, leader URL and
    ``snapshot.config_offset``, and members that are further behind catch up before acting.
    The result has an entry, possibly empty, for every member; it is deterministic.
    """
    if leader_id not in members:
        raise ValueError(f"the leader {leader_id!r} is not among the members")
    newest = max_config_offset(members)
    if snapshot.config_offset < newest:
        return config_mismatch(leader_id, members, newest)

    order = sorted(members, key=java_order)
    connectors: dict[str, list[str]] = {member: [] for member in order}
    tasks: dict[str, list[TaskId]] = {member: [] for member in order}
    turn = 0
    sorted_connectors = snapshot.sorted_connectors()
    for connector in sorted_connectors:
        connectors[order[turn % len(order)]].append(connector)
        turn += 1
    for connector in sorted_connectors:
        for task in snapshot.tasks(connector):
            tasks[order[turn % len(order)]].append(task)
            turn += 1

    leader_url = members[leader_id].url
    return {
        member: Assignment(
            NO_ERROR,
            leader_id,
            leader_url,
            snapshot.config_offset,
            tuple(connectors[member]),
            tuple(tasks[member]),
        )
        for member in order
    }
