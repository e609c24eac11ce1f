"""Scenario tests for the cooperative assignor, ported in spirit from Apache Kafka's
``IncrementalCooperativeAssignorTest``: same clusters, same steps, same expected allocations
(counts per worker, in any order), with the clock and the leader's state made explicit.
"""

from __future__ import annotations

import pytest

from distconnect.distributed.assignment import (
    EMPTY,
    ClusterSnapshot,
    ConnectorsAndTasks,
    leader_view,
    rejoin_after_ms,
)
from distconnect.distributed.assignor_balance import balance, fill_least_loaded, revocation_backoff_ms
from distconnect.distributed.assignor_incremental import (
    IncrementalState,
    RoundPlan,
    assign_incremental,
    plan_round,
)
from distconnect.distributed.protocol import (
    CONFIG_MISMATCH,
    ExtendedAssignment,
    ExtendedWorkerState,
    WorkerState,
    decode_extended_assignment,
    encode_extended_assignment,
)
from distconnect.runtime.states import TaskId

DEFAULT_DELAY = 300_000


class Harness:
    """Java's test fixture: connectors (name -> task count), member assignments, a mock clock."""

    def __init__(self, max_delay_ms: int = DEFAULT_DELAY) -> None:
        self.max_delay_ms = max_delay_ms
        self.connectors = {"connector1": 4, "connector2": 4}
        self.members: dict[str, ConnectorsAndTasks] = {"worker1": EMPTY}
        self.generation = 1000
        self.now = 1_000_000
        self.state = IncrementalState(previous_generation=self.generation)
        self.plan: RoundPlan | None = None

    def new_leader(self) -> None:
        self.state = IncrementalState(previous_generation=self.generation)

    def rebalance(self, *, fail: bool = False, mismatched_generation: bool = False) -> RoundPlan:
        self.generation += 1
        last = self.generation - (2 if mismatched_generation else 1)
        configured = ClusterSnapshot(618, self.connectors).configured()
        self.plan, self.state = plan_round(
            self.state,
            dict(self.members),
            configured,
            self.now,
            generation=self.generation,
            last_completed_generation=last,
            max_delay_ms=self.max_delay_ms,
        )
        running = [item for load in self.members.values() for item in (*load.connectors, *load.tasks)]
        fresh = [item for a in self.plan.assigned.values() for item in (*a.connectors, *a.tasks)]
        assert len(fresh) == len(set(fresh))
        assert not set(fresh) & set(running)
        if not fail:
            for member in self.members:
                applied = (self.members[member] - self.plan.revoked[member]) | self.plan.assigned[member]
                assert applied == self.plan.owned[member]
                self.members[member] = applied
        return self.plan

    @property
    def delay(self) -> int:
        assert self.plan is not None
        return self.plan.delay_ms

    def connector_counts(self) -> list[int]:
        return sorted(len(m.connectors) for m in self.members.values())

    def task_counts(self) -> list[int]:
        return sorted(len(m.tasks) for m in self.members.values())

    def assert_allocations(self, connectors: list[int], tasks: list[int]) -> None:
        assert (self.connector_counts(), self.task_counts()) == (sorted(connectors), sorted(tasks))

    def assert_no_revocations(self) -> None:
        assert self.plan is not None
        assert not any(self.plan.revoked.values())

    def assert_empty_assignment(self) -> None:
        self.assert_no_revocations()
        assert self.plan is not None
        assert not any(self.plan.assigned.values())

    def assert_balanced_and_complete(self) -> None:
        for counts in (self.connector_counts(), self.task_counts()):
            assert counts[-1] - counts[0] <= 1
        all_connectors = [c for m in self.members.values() for c in m.connectors]
        all_tasks = [t for m in self.members.values() for t in m.tasks]
        assert sorted(all_connectors) == sorted(self.connectors)
        assert sorted(all_tasks) == sorted(TaskId(c, n) for c, k in self.connectors.items() for n in range(k))


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_worker_joins(h: Harness) -> None:
    h.rebalance()
    assert h.delay == 0
    h.assert_allocations([2], [8])
    h.members["worker2"] = EMPTY
    h.rebalance()  # revoke from worker1 only what worker2 should run
    assert h.delay == 0
    h.assert_allocations([0, 1], [0, 4])
    h.rebalance()  # the follow-up round hands the revoked work to worker2
    h.assert_no_revocations()
    h.assert_allocations([1, 1], [4, 4])
    h.assert_balanced_and_complete()
    h.rebalance()
    h.assert_empty_assignment()


def test_workers_join_after_revocations_back_off(h: Harness) -> None:
    h.connectors["connector3"] = 4
    h.rebalance()
    h.assert_allocations([3], [12])
    h.members["worker2"] = EMPTY
    h.rebalance()
    h.assert_allocations([0, 2], [0, 6])
    h.members["worker3"] = EMPTY
    h.rebalance()  # a second revoking round in a row: back off 40 ms instead, only assign
    assert h.delay == 40
    h.assert_allocations([0, 1, 2], [3, 3, 6])
    h.now += h.delay
    h.members["worker4"] = EMPTY
    h.rebalance()
    h.assert_allocations([0, 0, 1, 1], [0, 3, 3, 3])
    h.members["worker5"] = EMPTY
    h.rebalance()
    assert h.delay == 1600  # the back-off grows x40
    h.assert_allocations([0, 0, 1, 1, 1], [1, 2, 3, 3, 3])
    h.now += h.delay
    h.members["worker6"] = EMPTY
    h.rebalance()
    assert h.delay == 0
    h.assert_allocations([0, 0, 0, 1, 1, 1], [0, 1, 2, 2, 2, 2])
    h.rebalance()
    h.assert_allocations([0, 0, 0, 1, 1, 1], [2, 2, 2, 2, 2, 2])
    h.assert_balanced_and_complete()


def test_immediate_revocations_when_max_delay_is_0() -> None:
    h = Harness(max_delay_ms=0)
    h.connectors["connector3"] = 4
    h.rebalance()
    h.members["worker2"] = EMPTY
    h.rebalance()
    h.assert_allocations([0, 2], [0, 6])
    h.members["worker3"] = EMPTY
    h.rebalance()
    assert h.delay == 0
    h.assert_allocations([0, 1, 1], [3, 3, 4])
    h.rebalance()
    h.assert_no_revocations()
    h.assert_allocations([1, 1, 1], [4, 4, 4])
    h.assert_balanced_and_complete()


def test_successive_revocations_when_max_delay_equals_the_initial_backoff() -> None:
    h = Harness(max_delay_ms=1)
    h.connectors["connector3"] = 4
    h.rebalance()
    h.members["worker2"] = EMPTY
    h.rebalance()
    h.members["worker3"] = EMPTY
    h.rebalance()
    assert h.delay == 1
    h.assert_allocations([0, 1, 2], [3, 3, 6])


def test_worker_joining_during_a_backoff(h: Harness) -> None:
    h.connectors["connector3"] = 4
    h.rebalance()
    h.members["worker2"] = EMPTY
    h.rebalance()
    h.members["worker3"] = EMPTY
    h.rebalance()
    assert h.delay > 0
    h.assert_no_revocations()
    h.assert_allocations([0, 1, 2], [3, 3, 6])
    h.now += h.delay // 2
    h.members["worker4"] = EMPTY
    h.rebalance()
    assert h.delay > 0
    h.assert_no_revocations()
    h.assert_allocations([0, 0, 1, 2], [0, 3, 3, 6])
    h.now += h.delay
    h.members["worker5"] = EMPTY
    h.rebalance()
    assert h.delay == 0
    h.assert_allocations([0, 0, 0, 1, 1], [0, 0, 2, 3, 3])
    h.rebalance()
    h.assert_no_revocations()
    h.assert_allocations([0, 0, 1, 1, 1], [2, 2, 2, 3, 3])
    h.assert_balanced_and_complete()


def test_worker_leaves_permanently(h: Harness) -> None:
    h.members["worker2"] = EMPTY
    h.rebalance()
    h.assert_allocations([1, 1], [4, 4])
    del h.members["worker2"]
    h.rebalance()  # its work is held back for the maximum delay
    assert h.delay == DEFAULT_DELAY
    h.assert_empty_assignment()
    h.now += DEFAULT_DELAY // 2
    h.rebalance()
    assert h.delay == DEFAULT_DELAY // 2
    h.assert_empty_assignment()
    h.now += DEFAULT_DELAY // 2 + 1
    h.rebalance()
    assert h.delay == 0
    h.assert_allocations([2], [8])
    h.assert_balanced_and_complete()


def test_worker_bounces_and_gets_its_work_back(h: Harness) -> None:
    h.members["worker2"] = EMPTY
    h.rebalance()
    before = h.members["worker2"]
    del h.members["worker2"]
    h.rebalance()
    assert h.delay == DEFAULT_DELAY
    h.now += DEFAULT_DELAY // 2
    h.rebalance()
    assert h.delay == DEFAULT_DELAY // 2
    h.now += DEFAULT_DELAY // 4
    h.members["worker2"] = EMPTY  # back within the delay, running nothing
    h.rebalance()
    assert h.delay == DEFAULT_DELAY // 4
    h.assert_empty_assignment()
    h.now += DEFAULT_DELAY // 4
    h.rebalance()
    assert h.delay == 0
    h.assert_no_revocations()
    assert h.members["worker2"] == before
    h.assert_balanced_and_complete()


@pytest.mark.parametrize("leader_returns", [False, True])
def test_leader_leaves(h: Harness, leader_returns: bool) -> None:
    h.members["worker2"] = h.members["worker3"] = EMPTY
    h.rebalance()
    h.assert_allocations([0, 1, 1], [2, 3, 3])
    del h.members["worker1"]
    h.new_leader()  # a new leader remembers nothing, so the old leader's work counts as new
    h.rebalance()
    assert h.delay == 0
    h.assert_allocations([1, 1], [4, 4])
    h.assert_balanced_and_complete()
    if not leader_returns:
        h.rebalance()
        h.assert_empty_assignment()
        return
    h.members["worker1"] = EMPTY  # the old leader comes back as a new worker
    h.rebalance()
    h.assert_allocations([0, 1, 1], [0, 3, 3])
    h.rebalance()
    h.assert_no_revocations()
    h.assert_allocations([0, 1, 1], [2, 3, 3])
    h.assert_balanced_and_complete()


def test_first_assignment_never_delivered(h: Harness) -> None:
    h.members["worker2"] = EMPTY
    h.rebalance(fail=True)
    h.assert_allocations([0, 0], [0, 0])
    h.rebalance()  # nobody left, so the undelivered work is handed out again at once
    assert h.delay == 0
    h.assert_allocations([1, 1], [4, 4])
    h.assert_balanced_and_complete()


@pytest.mark.parametrize("mismatched_generation", [False, True])
def test_revocations_never_delivered(h: Harness, mismatched_generation: bool) -> None:
    h.members["worker2"] = EMPTY
    h.rebalance()
    h.members["worker3"] = EMPTY
    h.rebalance(fail=True)
    h.assert_allocations([0, 1, 1], [0, 4, 4])
    h.rebalance(mismatched_generation=mismatched_generation)
    assert h.delay > 0  # revoking again right away would be a successive revoking round
    h.assert_allocations([0, 1, 1], [0, 4, 4])
    h.now += h.delay
    h.rebalance()
    h.assert_allocations([0, 1, 1], [0, 3, 3])
    h.rebalance()
    h.assert_allocations([0, 1, 1], [2, 3, 3])
    h.assert_balanced_and_complete()


def test_connector_deleted(h: Harness) -> None:
    h.connectors["connector3"] = 4
    h.members["worker2"] = EMPTY
    h.rebalance()
    h.assert_allocations([1, 2], [6, 6])
    del h.connectors["connector3"]
    h.rebalance()
    assert h.delay == 0
    h.assert_allocations([1, 1], [4, 4])
    h.assert_balanced_and_complete()


def test_duplicated_work_is_revoked_then_reassigned(h: Harness) -> None:
    h.rebalance()
    h.members["worker2"] = ConnectorsAndTasks.of(["connector1"], [TaskId("connector1", n) for n in range(4)])
    h.rebalance()
    h.assert_allocations([0, 1], [0, 4])
    h.rebalance()
    h.assert_no_revocations()
    h.assert_allocations([1, 1], [4, 4])
    h.assert_balanced_and_complete()
    h.rebalance()
    h.assert_empty_assignment()


def test_duplicated_and_deleted_work(h: Harness) -> None:
    h.rebalance()
    del h.connectors["connector1"]
    h.members["worker2"] = ConnectorsAndTasks.of(["connector1"], [TaskId("connector1", n) for n in range(4)])
    h.rebalance()
    h.assert_allocations([0, 1], [0, 2])
    h.rebalance()
    h.assert_no_revocations()
    h.assert_allocations([0, 1], [2, 2])
    h.assert_balanced_and_complete()


def test_max_delay_0_reassigns_lost_work_at_once() -> None:
    h = Harness(max_delay_ms=0)
    h.members["worker2"] = EMPTY
    h.rebalance()
    del h.members["worker2"]
    h.rebalance()
    assert h.delay == 0
    h.assert_allocations([2], [8])


def test_lost_work_goes_round_robin_to_all_candidates(h: Harness) -> None:
    h.connectors = {f"c{i}": 2 for i in range(6)}
    h.members = {"worker0": EMPTY, "worker1": EMPTY, "worker2": EMPTY}
    h.rebalance()
    lost = h.members.pop("worker1")
    h.members["worker3"] = EMPTY  # a new worker joins while the work is held
    h.rebalance()
    assert list(h.state.candidate_workers) == ["worker3"]
    h.now += DEFAULT_DELAY // 2
    h.members["worker1"] = EMPTY  # and the departed one returns
    h.rebalance()
    assert list(h.state.candidate_workers) == ["worker3", "worker1"]
    h.now += DEFAULT_DELAY // 2
    h.rebalance()
    got = h.members["worker1"] | h.members["worker3"]
    assert got == lost
    assert h.members["worker1"]
    assert h.members["worker3"]
    assert list(h.state.candidate_workers) == []
    assert h.state.lost_deadline_ms == 0


def test_a_second_departure_joins_the_running_hold(h: Harness) -> None:
    h.members = {f"worker{i}": EMPTY for i in range(4)}
    h.rebalance()
    del h.members["worker1"]
    h.rebalance()
    deadline = h.state.lost_deadline_ms
    h.now += 1000
    del h.members["worker2"]
    h.rebalance()
    assert h.state.lost_deadline_ms == deadline
    assert h.delay == DEFAULT_DELAY - 1000
    h.assert_empty_assignment()
    h.now = deadline
    h.rebalance()
    h.assert_balanced_and_complete()


def test_assign_connectors_and_tasks_when_balanced() -> None:
    loads = {f"worker{i}": {f"connector{j}" for j in range(2 * i, 2 * i + 2)} for i in range(3)}
    given = fill_least_loaded(loads, [f"connector{j}" for j in range(6, 11)])
    assert given == {
        "worker0": ["connector6", "connector9"],
        "worker1": ["connector7", "connector10"],
        "worker2": ["connector8"],
    }


def test_assign_when_imbalanced() -> None:
    sizes = {"worker0": 2, "worker1": 3, "worker2": 4, "worker3": 0}
    start = 0
    loads: dict[str, set[TaskId]] = {}
    for worker, size in sizes.items():
        loads[worker] = {TaskId("task", n) for n in range(start, start + size)}
        start += size
    fill_least_loaded(loads, [TaskId("task", n) for n in range(9, 24)])
    assert [len(v) for v in loads.values()] == [6, 6, 6, 6]


def test_balance_revokes_only_the_surplus_and_prefers_fresh_work() -> None:
    held = {"a": {1, 2, 3, 4}, "b": {5, 6, 7}, "c": set[int]()}
    assert balance(8, held, {}, int) == ({"a": [4]}, [])  # shares 3/3/2: a keeps 3, b keeps 3
    revoked, back = balance(9, {"a": {1, 2, 3}, "b": {4, 5, 6}, "c": set()}, {"c": {7, 8, 9, 10}}, int)
    assert (revoked, back) == ({}, [10])


def test_revocation_backoff() -> None:
    assert [revocation_backoff_ms(n, DEFAULT_DELAY) for n in (1, 2, 3)] == [40, 1600, 64000]
    assert revocation_backoff_ms(9, DEFAULT_DELAY) <= DEFAULT_DELAY
    assert revocation_backoff_ms(5, 0) == 0
    assert revocation_backoff_ms(5, 1) == 1


@pytest.mark.parametrize("version", [1, 2])
def test_assignments_carry_the_protocol_version_and_leader(version: int) -> None:
    members = {
        "w1": ExtendedWorkerState("http://w1:8083", 7),
        "w2": ExtendedWorkerState(
            "http://w2:8083", 7, ExtendedAssignment(0, "w1", "http://w1:8083", 7, ("a",), version=version)
        ),
    }
    assignments, state = assign_incremental(
        IncrementalState(), "w1", members, ClusterSnapshot(7, {"a": 2}), 0,
        generation=1, last_completed_generation=0, max_delay_ms=DEFAULT_DELAY, version=version,
    )  # fmt: skip
    for assignment in assignments.values():
        decoded = decode_extended_assignment(encode_extended_assignment(assignment))
        assert (decoded.version, decoded.leader, decoded.leader_url, decoded.config_offset) == (
            version,
            "w1",
            "http://w1:8083",
            7,
        )
    view = leader_view(members, assignments)
    assert view["w2"].connectors == {"a"}
    assert len(view["w1"].tasks) + len(view["w2"].tasks) == 2
    assert state.previous_generation == 1


def test_config_mismatch_leaves_the_state_alone() -> None:
    members: dict[str, WorkerState] = {
        "w1": ExtendedWorkerState("http://w1:8083", 3),
        "w2": ExtendedWorkerState("http://w2:8083", 9),
    }
    state = IncrementalState(previous_generation=4)
    assignments, after = assign_incremental(
        state, "w1", members, ClusterSnapshot(3, {"a": 1}), 0,
        generation=5, last_completed_generation=4, max_delay_ms=DEFAULT_DELAY,
    )  # fmt: skip
    assert after is state
    for assignment in assignments.values():
        assert (assignment.error, assignment.config_offset, assignment.connectors) == (CONFIG_MISMATCH, 9, ())
        assert rejoin_after_ms(assignment) == 0


def test_rejoin_after() -> None:
    base = ExtendedAssignment(0, "l", "u", 1)
    assert rejoin_after_ms(base) is None
    assert rejoin_after_ms(ExtendedAssignment(0, "l", "u", 1, delay_ms=250)) == 250
    assert rejoin_after_ms(ExtendedAssignment(0, "l", "u", 1, revoked_connectors=("a",), delay_ms=9)) == 0
