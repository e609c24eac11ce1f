"""Only the acknowledged prefix of each source partition becomes committable."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.records import FrozenMapping
from distconnect.runtime.submitted import SubmittedRecords


def _key(name: str) -> FrozenMapping:
    return FrozenMapping({"file": name})


def test_out_of_order_acks_commit_only_the_contiguous_prefix() -> None:
    submitted = SubmittedRecords()
    a = [submitted.submit({"file": "a"}, {"pos": i}) for i in range(3)]
    b = submitted.submit({"file": "b"}, {"pos": 10})
    a[1].ack()
    b.ack()
    snapshot = submitted.committable()
    assert snapshot.offsets == {_key("b"): {"pos": 10}}
    assert snapshot.pending == 3
    assert snapshot.largest_pending_partition == _key("a")
    a[0].ack()
    assert submitted.committable().offsets == {_key("a"): {"pos": 1}}
    a[2].ack()
    assert submitted.committable().offsets == {_key("a"): {"pos": 2}}
    assert submitted.committable().pending == 0


def test_records_without_partition_are_counted_but_never_committed() -> None:
    submitted = SubmittedRecords()
    record = submitted.submit(None, None)
    assert submitted.committable().pending == 1
    record.ack()
    snapshot = submitted.committable()
    assert snapshot.offsets == {}
    assert snapshot.pending == 0


@given(st.lists(st.tuples(st.sampled_from("abc"), st.booleans()), min_size=1, max_size=60))
def test_committed_offset_is_last_of_acked_prefix(plan: list[tuple[str, bool]]) -> None:
    submitted = SubmittedRecords()
    per_partition: dict[str, list[tuple[int, bool]]] = {}
    for seq, (partition, acked) in enumerate(plan):
        record = submitted.submit({"file": partition}, {"seq": seq})
        per_partition.setdefault(partition, []).append((seq, acked))
        if acked:
            record.ack()
    snapshot = submitted.committable()
    remaining = 0
    for partition, records in per_partition.items():
        prefix_len = next((i for i, (_, acked) in enumerate(records) if not acked), len(records))
        remaining += len(records) - prefix_len
        if prefix_len:
            assert snapshot.offsets[_key(partition)] == {"seq": records[prefix_len - 1][0]}
        else:
            assert _key(partition) not in snapshot.offsets
    assert snapshot.pending == remaining
