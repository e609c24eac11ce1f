"""InsertField.Key / InsertField.Value (port of Kafka's InsertFieldTest, plus schemaless cases)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from distconnect.api.data import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    SchemaBuilder,
)
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.headers import Headers
from distconnect.api.logical import Timestamp
from distconnect.api.records import SinkRecord, SourceRecord
from distconnect.api.struct import Struct
from distconnect.transforms.insert_field import InsertField

FULL = {
    "topic.field": "topic_field!",
    "partition.field": "partition_field",
    "offset.field": "offset_field!",
    "timestamp.field": "timestamp_field?",
    "static.field": "instance_id",
    "static.value": "my-instance-id",
}
SIMPLE = (
    SchemaBuilder.struct().name("name").version(1).doc("doc").field("magic", OPTIONAL_INT64_SCHEMA).build()
)


def _configured(cls: type[InsertField[Any]], props: dict[str, Any]) -> InsertField[Any]:
    xform = cls()
    xform.configure(props)
    return xform


def _sink(**kw: Any) -> SinkRecord:
    base: dict[str, Any] = {
        "topic": "test",
        "kafka_partition": 0,
        "kafka_offset": 42,
        "timestamp": 1_500_000_000_123,
    }
    base.update(kw)
    return SinkRecord(**base)


def test_variants_are_named_like_nested_classes() -> None:
    assert InsertField.Value.__qualname__ == "InsertField.Value"
    assert issubclass(InsertField.Key, InsertField)
    assert InsertField.Key is not InsertField.Value


def test_nothing_to_insert_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"topic\.field") as err:
        InsertField.Value().configure({})
    assert err.value.name == "topic.field"


def test_static_field_needs_a_value() -> None:
    with pytest.raises(ConfigError) as err:
        InsertField.Value().configure({"static.field": "x"})
    assert err.value.name == "static.value"


def test_bad_boolean_names_the_key() -> None:
    with pytest.raises(ConfigError) as err:
        InsertField.Value().configure({"topic.field": "t", "replace.null.with.default": "maybe"})
    assert err.value.name == "replace.null.with.default"


def test_schemaless_struct_value_is_rejected() -> None:
    xform = _configured(InsertField.Value, {"topic.field": "t"})
    with pytest.raises(DataError, match="field insertion"):
        xform.apply(_sink(value_schema=None, value=Struct(SIMPLE)))


def test_copy_schema_and_insert_configured_fields() -> None:
    xform = _configured(InsertField.Value, FULL)
    value = Struct(SIMPLE).put("magic", 42)
    out = xform.apply(_sink(value_schema=SIMPLE, value=value))
    schema = out.value_schema
    assert schema is not None
    assert (schema.name, schema.version, schema.doc) == ("name", 1, "doc")
    expected = {
        "magic": OPTIONAL_INT64_SCHEMA,
        "topic_field": STRING_SCHEMA,
        "partition_field": OPTIONAL_INT32_SCHEMA,
        "offset_field": INT64_SCHEMA,
        "timestamp_field": Timestamp.builder().optional().build(),
        "instance_id": OPTIONAL_STRING_SCHEMA,
    }
    assert {f.name: f.schema for f in schema.fields} == expected
    assert [f.name for f in schema.fields] == list(expected)
    assert out.value.get("magic") == 42
    assert out.value.get("topic_field") == "test"
    assert out.value.get("partition_field") == 0
    assert out.value.get("offset_field") == 42
    assert out.value.get("timestamp_field") == datetime.datetime(
        2017, 7, 14, 2, 40, 0, 123_000, tzinfo=datetime.UTC
    )
    assert out.value.get("instance_id") == "my-instance-id"
    out.value.validate()
    # The derived schema is cached per input schema.
    again = xform.apply(_sink(value_schema=SIMPLE, value=Struct(SIMPLE).put("magic", 1)))
    assert again.value_schema is schema


def test_required_fields_get_required_schemas() -> None:
    xform = _configured(InsertField.Value, {"partition.field": "p!", "timestamp.field": "ts!"})
    out = xform.apply(_sink(value_schema=SIMPLE, value=Struct(SIMPLE)))
    assert out.value_schema.field("p").schema == INT32_SCHEMA
    assert out.value_schema.field("ts").schema == Timestamp.schema()


def test_schemaless_insert() -> None:
    xform = _configured(InsertField.Value, FULL)
    out = xform.apply(_sink(value={"magic": 42}))
    assert out.value_schema is None
    assert out.value == {
        "magic": 42,
        "topic_field": "test",
        "partition_field": 0,
        "offset_field": 42,
        "timestamp_field": 1_500_000_000_123,
        "instance_id": "my-instance-id",
    }


def test_schemaless_skips_missing_partition_and_timestamp() -> None:
    xform = _configured(
        InsertField.Value, {"partition.field": "p", "timestamp.field": "ts", "topic.field": "t"}
    )
    record = SourceRecord(topic="orders", value={"a": 1})
    assert xform.apply(record).value == {"a": 1, "t": "orders"}


def test_input_is_not_mutated_and_headers_kept() -> None:
    xform = _configured(InsertField.Value, {"topic.field": "t"})
    original = {"a": 1}
    headers = Headers().add("h", "v")
    out = xform.apply(_sink(value=original, headers=headers))
    assert original == {"a": 1}
    assert out.headers == headers
    assert out.kafka_offset == 42


@pytest.mark.parametrize("schema", [None, SIMPLE])
def test_tombstone_passes_through(schema: Any) -> None:
    xform = _configured(InsertField.Value, FULL)
    record = _sink(value_schema=schema, value=None)
    assert xform.apply(record) is record


def test_offset_requires_a_sink_record() -> None:
    xform = _configured(InsertField.Value, {"offset.field": "o"})
    with pytest.raises(DataError, match="SinkRecord"):
        xform.apply(SourceRecord(topic="t", value={"a": 1}))


def test_key_variant_touches_only_the_key() -> None:
    xform = _configured(InsertField.Key, {"topic.field": "t", "static.field": "s", "static.value": "v"})
    record = _sink(key_schema=SIMPLE, key=Struct(SIMPLE).put("magic", 7), value_schema=INT32_SCHEMA, value=5)
    out = xform.apply(record)
    assert out.key.get("t") == "test"
    assert out.key.get("s") == "v"
    assert out.key.get("magic") == 7
    assert (out.value_schema, out.value) == (INT32_SCHEMA, 5)
    schemaless = xform.apply(_sink(key={"k": 1}, value="untouched"))
    assert schemaless.key == {"k": 1, "t": "test", "s": "v"}
    assert schemaless.value == "untouched"


def test_replace_null_with_default() -> None:
    schema = SchemaBuilder.struct().field("opt", SchemaBuilder.int32().optional().default(18).build()).build()
    value = Struct(schema)
    keep = _configured(InsertField.Value, {"topic.field": "t", "replace.null.with.default": "false"})
    assert keep.apply(_sink(value_schema=schema, value=value)).value.get_without_default("opt") is None
    fill = _configured(InsertField.Value, {"topic.field": "t"})
    assert fill.apply(_sink(value_schema=schema, value=value)).value.get_without_default("opt") == 18


def test_config_def_documents_every_key() -> None:
    names = set(InsertField.Value().config().names())
    assert names == {*FULL, "replace.null.with.default"}
