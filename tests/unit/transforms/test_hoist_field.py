"""HoistField.Key / HoistField.Value (port of Kafka's HoistFieldTest)."""

from __future__ import annotations

from typing import Any

import pytest

from distconnect.api.data import INT32_SCHEMA, OPTIONAL_INT32_SCHEMA, SchemaBuilder
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.records import SinkRecord
from distconnect.api.struct import Struct
from distconnect.transforms.hoist_field import HoistField


def _xform(cls: type[HoistField[Any]], **props: Any) -> HoistField[Any]:
    xform = cls()
    xform.configure(props)
    return xform


def _sink(**kw: Any) -> SinkRecord:
    return SinkRecord(topic="", kafka_partition=0, kafka_offset=0, **kw)


def test_schemaless() -> None:
    out = _xform(HoistField.Key, field="magic").apply(_sink(key=42, value="v"))
    assert out.key_schema is None
    assert out.key == {"magic": 42}
    assert out.value == "v"


def test_with_schema() -> None:
    xform = _xform(HoistField.Key, field="magic")
    out = xform.apply(_sink(key_schema=INT32_SCHEMA, key=42))
    assert out.key_schema == SchemaBuilder.struct().field("magic", INT32_SCHEMA).build()
    assert out.key == Struct(out.key_schema).put("magic", 42)
    assert xform.apply(_sink(key_schema=INT32_SCHEMA, key=1)).key_schema is out.key_schema


def test_value_variant_wraps_structs() -> None:
    inner = SchemaBuilder.struct().field("a", INT32_SCHEMA).build()
    out = _xform(HoistField.Value, field="wrapped").apply(
        _sink(value_schema=inner, value=Struct(inner).put("a", 1))
    )
    assert out.value.get("wrapped") == Struct(inner).put("a", 1)


def test_null_is_wrapped_like_java() -> None:
    xform = _xform(HoistField.Value, field="f")
    assert xform.apply(_sink(value=None)).value == {"f": None}
    out = xform.apply(_sink(value_schema=OPTIONAL_INT32_SCHEMA, value=None))
    assert out.value.get("f") is None
    with pytest.raises(DataError):
        xform.apply(_sink(value_schema=INT32_SCHEMA, value=None))


def test_field_is_required() -> None:
    with pytest.raises(ConfigError) as err:
        HoistField.Value().configure({})
    assert err.value.name == "field"
