"""The eager assignor: deterministic round-robin over sorted member ids, connectors first."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distconnect.distributed.assignment import ClusterSnapshot, leader_view
from distconnect.distributed.assignor_eager import assign_eager
from distconnect.distributed.protocol import (
    CONFIG_MISMATCH,
    NO_ERROR,
    Assignment,
    WorkerState,
    decode_extended_assignment,
    encode_assignment,
)
from distconnect.runtime.states import TaskId


def _members(*ids: str, offset: int = 5) -> dict[str, WorkerState]:
    return {m: WorkerState(f"http://{m}:8083", offset) for m in ids}


def test_connectors_then_tasks_round_robin_with_one_iterator() -> None:
    # Apache's EagerAssignor: one circular iterator over sorted members, connectors first, then
    # (continuing the same iterator) each sorted connector's tasks in order.
    snapshot = ClusterSnapshot(5, {"b": 2, "a": 1, "c": 0})
    result = assign_eager("w2", _members("w3", "w1", "w2"), snapshot)
    leader = ("w2", "http://w2:8083", 5)
    assert result == {
        "w1": Assignment(NO_ERROR, *leader, ("a",), (TaskId("a", 0),)),
        "w2": Assignment(NO_ERROR, *leader, ("b",), (TaskId("b", 0),)),
        "w3": Assignment(NO_ERROR, *leader, ("c",), (TaskId("b", 1),)),
    }
    assert list(result) == ["w1", "w2", "w3"]


def test_leader_behind_the_newest_member_offset_reports_config_mismatch() -> None:
    members = _members("w1", "w2")
    members["w2"] = WorkerState("http://w2:8083", 9)
    result = assign_eager("w1", members, ClusterSnapshot(5, {"a": 3}))
    assert set(result) == {"w1", "w2"}
    for assignment in result.values():
        assert assignment == Assignment(CONFIG_MISMATCH, "w1", "http://w1:8083", 9)
        assert assignment.failed
    assert all(not owned for owned in leader_view(members, result).values())


def test_leader_ahead_of_members_uses_its_own_offset() -> None:
    result = assign_eager("w1", _members("w1", "w2", offset=3), ClusterSnapshot(8, {"a": 1}))
    assert {a.config_offset for a in result.values()} == {8}
    assert all(not a.failed for a in result.values())


def test_eager_assignment_decodes_with_the_members_parser() -> None:
    result = assign_eager("w1", _members("w1"), ClusterSnapshot(5, {"a": 2}))
    decoded = decode_extended_assignment(encode_assignment(result["w1"]))
    assert (decoded.version, decoded.connectors, decoded.tasks) == (
        0,
        ("a",),
        (TaskId("a", 0), TaskId("a", 1)),
    )


@given(
    st.sets(st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True), min_size=1, max_size=8),
    st.dictionaries(st.from_regex(r"[a-zA-Z0-9_.-]{1,10}", fullmatch=True), st.integers(0, 10), max_size=20),
    st.data(),
)
def test_eager_is_a_deterministic_round_robin(
    member_ids: set[str], connectors: dict[str, int], data: st.DataObject
) -> None:
    members = _members(*member_ids)
    leader = data.draw(st.sampled_from(sorted(member_ids)))
    snapshot = ClusterSnapshot(5, connectors)
    result = assign_eager(leader, members, snapshot)
    assert result == assign_eager(leader, dict(reversed(list(members.items()))), snapshot)

    order = sorted(member_ids)  # ASCII ids: Java and Python order agree
    items: list[str | TaskId] = sorted(connectors)
    items += [TaskId(c, n) for c in sorted(connectors) for n in range(connectors[c])]
    expected: dict[str, list[str | TaskId]] = {m: [] for m in order}
    for i, item in enumerate(items):
        expected[order[i % len(order)]].append(item)
    for member, assignment in result.items():
        assert [*assignment.connectors, *assignment.tasks] == expected[member]
        assert (assignment.leader, assignment.leader_url) == (leader, f"http://{leader}:8083")
    sizes = [len(a.connectors) + len(a.tasks) for a in result.values()]
    assert max(sizes) - min(sizes) <= 1
