"""Value types and helpers shared by the assignors and the group member (pure, no I/O).

* :class:`ClusterSnapshot` is what an assignor needs of the config topic: its offset and, per
  connector, how many committed task configs it has (0 for a connector without a complete commit).
* :class:`ConnectorsAndTasks` is an immutable set of connectors and tasks (what one worker runs).
* :func:`leader_view` is what every member will run after a cooperative round, which the leader
  uses to forward requests to the owner of a connector or task.
* :func:`rejoin_after_ms` tells a member whether an assignment asks for a follow-up rebalance.

Ordering follows Java: names compare by UTF-16 code unit (``String.compareTo``), task ids by
connector then task number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from distconnect.distributed.protocol import Assignment, ExtendedAssignment, ExtendedWorkerState, WorkerState
from distconnect.runtime.states import TaskId


def java_order(name: str) -> bytes:
    """Sort key that orders strings as Java's ``String.compareTo`` does (UTF-16 code units)."""
    return name.encode("utf-16-be", "surrogatepass")


def task_order(task: TaskId) -> tuple[bytes, int]:
    """Sort key for tasks, as Java's ``ConnectorTaskId.compareTo``."""
    return java_order(task.connector), task.task


@dataclass(frozen=True, slots=True)
class ClusterSnapshot:
    """The leader's view of the config topic: ``config_offset`` and task counts per connector.

    A connector whose task configs are missing or inconsistent has a count of 0 (Java's
    ``ClusterConfigState.tasks`` returns no tasks for it); it is still assigned as a connector.
    """

    config_offset: int
    connectors: Mapping[str, int] = field(default_factory=dict)

    def sorted_connectors(self) -> list[str]:
        return sorted(self.connectors, key=java_order)

    def tasks(self, connector: str) -> list[TaskId]:
        """The connector's task ids, in order (empty for an unknown connector)."""
        return [TaskId(connector, n) for n in range(self.connectors.get(connector, 0))]

    def configured(self) -> ConnectorsAndTasks:
        """Every connector and task that should be running somewhere."""
        return ConnectorsAndTasks(
            frozenset(self.connectors),
            frozenset(t for c in self.connectors for t in self.tasks(c)),
        )


@dataclass(frozen=True, slots=True)
class ConnectorsAndTasks:
    """An immutable set of connectors and tasks."""

    connectors: frozenset[str] = frozenset()
    tasks: frozenset[TaskId] = frozenset()

    @classmethod
    def of(cls, connectors: Iterable[str] = (), tasks: Iterable[TaskId] = ()) -> ConnectorsAndTasks:
        return cls(frozenset(connectors), frozenset(tasks))

    def __bool__(self) -> bool:
        return bool(self.connectors or self.tasks)

    def __len__(self) -> int:
        return len(self.connectors) + len(self.tasks)

    def __or__(self, other: ConnectorsAndTasks) -> ConnectorsAndTasks:
        return ConnectorsAndTasks(self.connectors | other.connectors, self.tasks | other.tasks)

    def __sub__(self, other: ConnectorsAndTasks) -> ConnectorsAndTasks:
        return ConnectorsAndTasks(self.connectors - other.connectors, self.tasks - other.tasks)

    def __and__(self, other: ConnectorsAndTasks) -> ConnectorsAndTasks:
        return ConnectorsAndTasks(self.connectors & other.connectors, self.tasks & other.tasks)

    def sorted_connectors(self) -> list[str]:
        return sorted(self.connectors, key=java_order)

    def sorted_tasks(self) -> list[TaskId]:
        return sorted(self.tasks, key=task_order)


EMPTY = ConnectorsAndTasks()


def union_all(loads: Mapping[str, ConnectorsAndTasks]) -> ConnectorsAndTasks:
    """Everything any member runs."""
    return ConnectorsAndTasks.of(
        (c for load in loads.values() for c in load.connectors),
        (t for load in loads.values() for t in load.tasks),
    )


def duplicated_items(loads: Mapping[str, ConnectorsAndTasks]) -> ConnectorsAndTasks:
    """The connectors and tasks that more than one member runs."""
    connectors = Counter(c for load in loads.values() for c in load.connectors)
    tasks = Counter(t for load in loads.values() for t in load.tasks)
    return ConnectorsAndTasks.of(
        (c for c, n in connectors.items() if n > 1), (t for t, n in tasks.items() if n > 1)
    )


def running(state: WorkerState) -> ConnectorsAndTasks:
    """What a member reports it runs: the assignment in its v1/v2 metadata (empty for v0)."""
    if not isinstance(state, ExtendedWorkerState) or state.assignment is None:
        return EMPTY
    return ConnectorsAndTasks.of(state.assignment.connectors, state.assignment.tasks)


def max_config_offset(members: Mapping[str, WorkerState]) -> int:
    """The newest config offset any member has read; the leader must have read at least this far."""
    if not members:
        raise ValueError("a group has at least one member")
    return max(state.config_offset for state in members.values())


def leader_view(
    members: Mapping[str, WorkerState], assignments: Mapping[str, Assignment]
) -> dict[str, ConnectorsAndTasks]:
    """What each member runs once it has applied its assignment.

    For an :class:`ExtendedAssignment` that is the member's reported work minus the revoked items
    plus the new ones; for an eager :class:`Assignment` it is the assignment itself. Failed
    assignments give nothing.
    """
    view: dict[str, ConnectorsAndTasks] = {}
    for member, assignment in assignments.items():
        if assignment.failed:
            view[member] = EMPTY
            continue
        given = ConnectorsAndTasks.of(assignment.connectors, assignment.tasks)
        if isinstance(assignment, ExtendedAssignment):
            kept = running(members[member]) - ConnectorsAndTasks.of(
                assignment.revoked_connectors, assignment.revoked_tasks
            )
            given = kept | given
        view[member] = given
    return view


def rejoin_after_ms(assignment: ExtendedAssignment) -> int | None:
    """When a member must rejoin after applying ``assignment``: 0 = at once, ``None`` = not needed.

    A cooperative assignment that revoked anything is the first half of a two-round rebalance:
    the member stops the revoked work and rejoins immediately so that the leader can hand that
    work to others. A positive ``delay_ms`` asks for a rejoin after that delay (lost work held
    back, or successive revoking rounds backing off). A failed assignment (``CONFIG_MISMATCH``)
    means: read the config topic to the end, then rejoin at once.
    """
    if assignment.failed or assignment.revoked_connectors or assignment.revoked_tasks:
        return 0
    if assignment.delay_ms > 0:
        return assignment.delay_ms
    return None
