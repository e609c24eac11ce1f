"""Parsing offset requests as Apache's ``ConnectorOffsets``, ``SinkUtils`` and ``OffsetUtils`` do,
plus the active-topic tracker (KIP-558)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.records import FrozenMapping, TopicPartition
from distconnect.runtime.active_topics import MemoryActiveTopics, TopicTracker
from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.offsets_parse import (
    NO_OFFSETS,
    ConnectorOffset,
    check_source_offsets,
    modified_message,
    offsets_json,
    parse_offsets_request,
    parse_sink_offsets,
    sink_group_id,
    sink_offsets,
)
from distconnect.runtime.states import TaskId

LONG_MAX = 2**63 - 1
topics = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20)


def entry(topic: Any, partition: Any, offset: Any) -> ConnectorOffset:
    return ConnectorOffset(
        {"kafka_topic": topic, "kafka_partition": partition},
        None if offset is None else {"kafka_offset": offset},
    )


@given(
    topic=topics,
    partition=st.integers(0, 2**31 - 1),
    offset=st.integers(0, LONG_MAX),
    as_text=st.booleans(),
)
def test_sink_offsets_take_numbers_and_their_text(
    topic: str, partition: int, offset: int, as_text: bool
) -> None:
    raw_partition: Any = str(partition) if as_text else partition
    raw_offset: Any = f"+{offset}" if as_text else offset
    assert parse_sink_offsets([entry(topic, raw_partition, raw_offset)]) == {
        TopicPartition(topic, partition): offset
    }


@given(
    value=st.one_of(
        st.floats(allow_nan=False),
        st.booleans(),
        st.integers(min_value=LONG_MAX + 1),
        st.text().filter(lambda t: not t.strip("+-").isascii() or not t.strip("+-").isdigit()),
    )
)
def test_anything_java_cannot_parse_as_a_long_is_a_400_quoting_it(value: Any) -> None:
    with pytest.raises(ConnectRestError) as caught:
        parse_sink_offsets([entry("t", 0, value)])
    assert caught.value.status == 400
    assert caught.value.message.startswith(
        "Failed to parse the following Kafka offset value in the provided offsets: '"
    )
    assert caught.value.message.endswith("Offset values for sink connectors need to be integers.")


def test_partitions_past_javas_int_are_refused() -> None:
    with pytest.raises(ConnectRestError, match=r"Kafka partition value .*'2147483648'"):
        parse_sink_offsets([entry("t", 2**31, 0)])


def test_negative_sink_offsets_and_partitions_are_400() -> None:
    with pytest.raises(ConnectRestError, match="negative offset: 'kafka_offset' of t-0 is -1"):
        parse_sink_offsets([entry("t", 0, -1)])
    with pytest.raises(ConnectRestError, match="'kafka_partition' is -2"):
        parse_sink_offsets([entry("t", -2, 1)])


def test_a_null_sink_offset_resets_that_partition() -> None:
    assert parse_sink_offsets([entry("t", 3, None)]) == {TopicPartition("t", 3): None}


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 100)), min_size=1, max_size=20))
def test_a_later_entry_for_the_same_partition_wins(pairs: list[tuple[int, int]]) -> None:
    body = {"offsets": [{"partition": {"p": p}, "offset": {"o": o}} for p, o in pairs]}
    parsed = parse_offsets_request(body)
    expected: dict[int, int] = {}
    for p, o in pairs:
        expected[p] = o
    assert {e.partition["p"]: e.offset["o"] for e in parsed if e.partition and e.offset} == expected
    assert len(parsed) == len(expected)


@pytest.mark.parametrize("body", [None, {}, {"offsets": None}, {"offsets": []}, {"other": 1}])
def test_no_offsets_is_apaches_400(body: Any) -> None:
    with pytest.raises(ConnectRestError) as caught:
        parse_offsets_request(body)
    assert (caught.value.status, caught.value.message) == (400, NO_OFFSETS)


def test_source_offsets_are_keyed_by_partition_and_checked() -> None:
    checked = check_source_offsets(
        [ConnectorOffset({"file": "a"}, {"pos": 1}), ConnectorOffset({"file": "b"}, None)]
    )
    assert checked == {FrozenMapping({"file": "a"}): {"pos": 1}, FrozenMapping({"file": "b"}): None}
    with pytest.raises(ConnectRestError, match="but field file contains ARRAY"):
        check_source_offsets([ConnectorOffset({"file": ["a"]}, {"pos": 1})])
    with pytest.raises(ConnectRestError, match="source connector offset cannot be null"):
        check_source_offsets([ConnectorOffset(None, {"pos": 1})])


def test_group_id_and_sink_offsets_json() -> None:
    assert sink_group_id("s", {}) == "connect-s"
    assert sink_group_id("s", {"consumer.override.group.id": "mine"}) == "mine"
    shown = offsets_json(sink_offsets({TopicPartition("b", 0): 4, TopicPartition("a", 1): 7}))
    assert shown == {
        "offsets": [
            {"partition": {"kafka_topic": "a", "kafka_partition": 1}, "offset": {"kafka_offset": 7}},
            {"partition": {"kafka_topic": "b", "kafka_partition": 0}, "offset": {"kafka_offset": 4}},
        ]
    }


def test_messages_are_apaches() -> None:
    assert modified_message(True, False) == "The offsets for this connector have been altered successfully"
    assert modified_message(True, True) == "The offsets for this connector have been reset successfully"
    assert modified_message(False, False) == (
        "The Connect framework-managed offsets for this connector have been altered successfully. However, "
        "if this connector manages offsets externally, they will need to be manually altered in the system "
        "that the connector uses."
    )


def test_the_tracker_records_a_topic_once_until_it_is_reset() -> None:
    store = MemoryActiveTopics()
    calls: list[str] = []
    original = store.record_active_topic

    def counting(connector: str, topic: str, task: int, ts: int) -> None:
        calls.append(f"{connector}/{topic}/{task}@{ts}")
        original(connector, topic, task, ts)

    store.record_active_topic = counting  # type: ignore[method-assign]
    tracker = TopicTracker(store, clock_ms=lambda: 7)
    for _ in range(3):
        tracker.record(TaskId("c", 1), "t")
    tracker.record(TaskId("c", 0), "u")
    assert calls == ["c/t/1@7", "c/u/0@7"]
    assert store.active_topics("c") == ["t", "u"]
    store.reset_active_topics("c")
    assert store.active_topics("c") == []
    tracker.record(TaskId("c", 0), "t")
    assert store.active_topics("c") == ["t"]

    disabled = TopicTracker(MemoryActiveTopics(), enabled=False)
    disabled.record(TaskId("c", 0), "t")
    assert disabled.store.active_topics("c") == []
