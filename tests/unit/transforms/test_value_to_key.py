"""ValueToKey (port of Kafka's ValueToKeyTest)."""

from __future__ import annotations

from typing import Any

import pytest

from distconnect.api.data import INT32_SCHEMA, SchemaBuilder
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.records import SinkRecord
from distconnect.api.struct import Struct
from distconnect.transforms.value_to_key import ValueToKey


def _xform(**props: Any) -> ValueToKey[Any]:
    xform: ValueToKey[Any] = ValueToKey()
    xform.configure(props)
    return xform


def _sink(**kw: Any) -> SinkRecord:
    return SinkRecord(topic="", kafka_partition=0, kafka_offset=0, **kw)


def test_schemaless() -> None:
    xform = _xform(fields="a,b")
    out = xform.apply(_sink(key="old", value={"a": 1, "b": 2, "c": 3}))
    assert out.key_schema is None
    assert out.key == {"a": 1, "b": 2}
    assert out.value == {"a": 1, "b": 2, "c": 3}


def test_schemaless_missing_field_becomes_null() -> None:
    assert _xform(fields="a,z").apply(_sink(value={"a": 1})).key == {"a": 1, "z": None}


def test_with_schema() -> None:
    xform = _xform(fields="a,b")
    value_schema = (
        SchemaBuilder.struct()
        .field("a", INT32_SCHEMA)
        .field("b", INT32_SCHEMA)
        .field("c", INT32_SCHEMA)
        .build()
    )
    value = Struct(value_schema).put("a", 1).put("b", 2).put("c", 3)
    out = xform.apply(_sink(value_schema=value_schema, value=value))
    expected_schema = SchemaBuilder.struct().field("a", INT32_SCHEMA).field("b", INT32_SCHEMA).build()
    assert out.key_schema == expected_schema
    assert out.key == Struct(expected_schema).put("a", 1).put("b", 2)
    assert out.value is value
    assert xform.apply(_sink(value_schema=value_schema, value=value)).key_schema is out.key_schema


def test_non_existing_field_with_schema() -> None:
    xform = _xform(fields="not_exist")
    schema = SchemaBuilder.struct().field("a", INT32_SCHEMA).build()
    with pytest.raises(DataError, match="Field does not exist: not_exist"):
        xform.apply(_sink(value_schema=schema, value=Struct(schema).put("a", 1)))


def test_replace_null_with_default_false() -> None:
    schema = SchemaBuilder.struct().field("a", SchemaBuilder.int32().optional().default(3).build()).build()
    keep = _xform(fields="a", **{"replace.null.with.default": "false"})
    assert keep.apply(_sink(value_schema=schema, value=Struct(schema))).key.get_without_default("a") is None
    fill = _xform(fields="a")
    assert fill.apply(_sink(value_schema=schema, value=Struct(schema))).key.get_without_default("a") == 3


@pytest.mark.parametrize("props", [{}, {"fields": ""}, {"fields": []}])
def test_fields_are_required_and_non_empty(props: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as err:
        ValueToKey().configure(props)
    assert err.value.name == "fields"


@pytest.mark.parametrize("schema", [None, SchemaBuilder.struct().field("a", INT32_SCHEMA).build()])
def test_tombstone_is_rejected_like_java(schema: Any) -> None:
    with pytest.raises(DataError, match="copying fields from value to key"):
        _xform(fields="a").apply(_sink(value_schema=schema, value=None))
