from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import INT64_SCHEMA, STRING_SCHEMA
from distconnect.api.errors import DataError
from distconnect.api.headers import Headers
from distconnect.api.records import (
    ConnectRecord,
    FrozenMapping,
    OffsetAndMetadata,
    RecordMetadata,
    SinkRecord,
    SourceRecord,
    TimestampType,
    TopicPartition,
)


def sink_record(**overrides: object) -> SinkRecord:
    fields: dict[str, object] = {
        "topic": "orders",
        "kafka_partition": 3,
        "key_schema": STRING_SCHEMA,
        "key": "k",
        "value_schema": INT64_SCHEMA,
        "value": 42,
        "timestamp": 1_700_000_000_000,
        "kafka_offset": 17,
        "timestamp_type": TimestampType.CREATE_TIME,
    }
    fields.update(overrides)
    return SinkRecord(**fields)  # type: ignore[arg-type]


def test_topic_partition_is_hashable_ordered_and_prints_like_kafka() -> None:
    tp = TopicPartition("t", 1)

    assert {tp: 1}[TopicPartition("t", 1)] == 1
    assert sorted([TopicPartition("b", 0), TopicPartition("a", 2), TopicPartition("a", 1)]) == [
        TopicPartition("a", 1),
        TopicPartition("a", 2),
        TopicPartition("b", 0),
    ]
    assert str(tp) == "t-1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        tp.partition = 2  # type: ignore[misc]


def test_timestamp_type_values_are_kafka_names() -> None:
    assert [t.value for t in TimestampType] == ["NoTimestampType", "CreateTime", "LogAppendTime"]


def test_connect_record_defaults() -> None:
    record = ConnectRecord(topic="t")

    assert (record.kafka_partition, record.key, record.value, record.timestamp) == (None, None, None, None)
    assert (record.key_schema, record.value_schema) == (None, None)
    assert len(record.headers) == 0
    assert record.headers is not ConnectRecord(topic="t").headers


def test_records_are_keyword_only_and_slotted() -> None:
    with pytest.raises(TypeError):
        ConnectRecord("t")  # type: ignore[call-arg]
    record = SourceRecord(topic="t")
    with pytest.raises(AttributeError):
        record.unknown = 1  # type: ignore[attr-defined]


def test_new_record_changes_only_the_named_fields() -> None:
    original = ConnectRecord(topic="t", kafka_partition=1, key="k", value="v", timestamp=5)

    changed = original.new_record(value="w", value_schema=STRING_SCHEMA)

    assert changed == ConnectRecord(
        topic="t", kafka_partition=1, key="k", value="w", value_schema=STRING_SCHEMA, timestamp=5
    )
    assert original.value == "v"
    assert original.value_schema is None


def test_new_record_copies_headers_so_edits_do_not_leak() -> None:
    original = ConnectRecord(topic="t", headers=Headers().add("a", 1))

    changed = original.new_record(topic="u")
    changed.headers.add("b", 2)
    original.headers.add("c", 3)

    assert [h.key for h in changed.headers] == ["a", "b"]
    assert [h.key for h in original.headers] == ["a", "c"]


def test_new_record_uses_explicit_headers_as_given() -> None:
    replacement = Headers().add("x", 1)

    changed = ConnectRecord(topic="t", headers=Headers().add("a", 1)).new_record(headers=replacement)

    assert changed.headers is replacement


def test_new_record_rejects_unknown_fields() -> None:
    with pytest.raises(TypeError):
        ConnectRecord(topic="t").new_record(not_a_field=1)


def test_source_record_new_record_keeps_partition_and_offset() -> None:
    record = SourceRecord(
        topic="t", value="v", source_partition={"file": "a.txt"}, source_offset={"position": 10}
    )

    changed = record.new_record(topic="routed")

    assert type(changed) is SourceRecord
    assert changed.topic == "routed"
    assert changed.source_partition == {"file": "a.txt"}
    assert changed.source_offset == {"position": 10}


def test_sink_record_originals_default_to_current_coordinates() -> None:
    record = sink_record()

    assert record.original_topic == "orders"
    assert record.original_kafka_partition == 3
    assert record.original_kafka_offset == 17
    assert record.original_topic_partition == TopicPartition("orders", 3)


def test_sink_record_new_record_keeps_originals_and_kafka_fields() -> None:
    record = sink_record()

    routed = record.new_record(topic="orders-archive", kafka_partition=0, value=43)

    assert type(routed) is SinkRecord
    assert (routed.topic, routed.kafka_partition, routed.value) == ("orders-archive", 0, 43)
    assert (routed.kafka_offset, routed.timestamp_type) == (17, TimestampType.CREATE_TIME)
    assert (routed.original_topic, routed.original_kafka_partition, routed.original_kafka_offset) == (
        "orders",
        3,
        17,
    )
    assert routed.original_topic_partition == TopicPartition("orders", 3)


def test_sink_record_explicit_originals_are_kept() -> None:
    record = sink_record(original_topic="raw", original_kafka_partition=9, original_kafka_offset=99)

    assert (record.original_topic, record.original_kafka_partition, record.original_kafka_offset) == (
        "raw",
        9,
        99,
    )


def test_sink_record_defaults_and_missing_partition() -> None:
    record = SinkRecord(topic="t", kafka_offset=0)

    assert record.timestamp_type is TimestampType.NO_TIMESTAMP_TYPE
    with pytest.raises(DataError, match="'t'"):
        _ = record.original_topic_partition


def test_record_equality_includes_headers() -> None:
    assert ConnectRecord(topic="t") == ConnectRecord(topic="t")
    assert ConnectRecord(topic="t") != ConnectRecord(topic="t", headers=Headers().add("a", 1))
    assert sink_record() != sink_record(kafka_offset=18)


def test_small_value_types() -> None:
    assert OffsetAndMetadata(5) == OffsetAndMetadata(5, None)
    assert RecordMetadata("t", 0, 7).timestamp is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        OffsetAndMetadata(5).offset = 6  # type: ignore[misc]


def test_frozen_mapping_equals_dicts_and_works_as_a_key() -> None:
    key = FrozenMapping({"file": "a.txt", "shard": 1})

    assert key == {"shard": 1, "file": "a.txt"}
    assert {key: "x"}[FrozenMapping({"shard": 1, "file": "a.txt"})] == "x"
    assert dict(key) == {"file": "a.txt", "shard": 1}
    assert key != {"file": "a.txt"}
    assert key != "file"
    assert FrozenMapping() == {}
    assert "FrozenMapping" in repr(key)


def test_frozen_mapping_is_read_only_and_detached_from_its_source() -> None:
    source = {"a": 1}
    frozen = FrozenMapping(source)
    source["a"] = 2

    assert frozen["a"] == 1
    with pytest.raises(TypeError):
        frozen["a"] = 3  # type: ignore[index]


def test_frozen_mapping_hashes_nested_values() -> None:
    a = FrozenMapping({"tables": ["x", "y"], "meta": {"db": "d"}})
    b = FrozenMapping({"meta": {"db": "d"}, "tables": ["x", "y"]})

    assert a == b
    assert hash(a) == hash(b)


json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)


@given(st.dictionaries(st.text(max_size=5), json_scalars, max_size=6), st.randoms())
def test_frozen_mapping_hash_ignores_insertion_order(items: dict[str, object], rnd: object) -> None:
    pairs = list(items.items())
    rnd.shuffle(pairs)  # type: ignore[attr-defined]

    a, b = FrozenMapping(items), FrozenMapping(dict(pairs))

    assert a == b
    assert hash(a) == hash(b)
