"""MaskField.Key / MaskField.Value (port of Kafka's MaskFieldTest)."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    SchemaBuilder,
)
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.api.records import SinkRecord
from distconnect.api.struct import Struct
from distconnect.transforms.mask_field import MaskField

UTC = datetime.UTC
NOW = datetime.datetime(2024, 5, 6, 7, 8, 9, 123_000, tzinfo=UTC)
SCHEMA = (
    SchemaBuilder.struct()
    .field("magic", INT32_SCHEMA)
    .field("bool", BOOLEAN_SCHEMA)
    .field("byte", INT8_SCHEMA)
    .field("short", INT16_SCHEMA)
    .field("int", INT32_SCHEMA)
    .field("long", INT64_SCHEMA)
    .field("float", FLOAT32_SCHEMA)
    .field("double", FLOAT64_SCHEMA)
    .field("string", STRING_SCHEMA)
    .field("date", Date.schema())
    .field("time", Time.schema())
    .field("timestamp", Timestamp.schema())
    .field("decimal", Decimal.schema(2))
    .field("array", SchemaBuilder.array(INT32_SCHEMA).build())
    .field("map", SchemaBuilder.map(STRING_SCHEMA, STRING_SCHEMA).build())
    .field("withDefault", SchemaBuilder.string().optional().default("default").build())
    .build()
)
VALUES_WITH_SCHEMA: dict[str, Any] = {
    "magic": 42,
    "bool": True,
    "byte": 42,
    "short": 42,
    "int": 42,
    "long": 42,
    "float": 42.0,
    "double": 42.0,
    "string": "hmm",
    "date": NOW.date(),
    "time": NOW.time(),
    "timestamp": NOW,
    "decimal": decimal.Decimal("42.00"),
    "array": [1, 2, 3],
    "map": {"what": "what"},
    "withDefault": None,
}
VALUES: dict[str, Any] = {
    "magic": 42,
    "bool": True,
    "int": 42,
    "double": 42.0,
    "string": "55.121.20.20",
    "date": NOW,
    "bigdec": decimal.Decimal("42.0"),
    "list": [42],
    "map": {"key": "value"},
}


def _xform(cls: type[MaskField[Any]], fields: Any, **props: Any) -> MaskField[Any]:
    xform = cls()
    xform.configure({"fields": fields, **props})
    return xform


def _sink(**kw: Any) -> SinkRecord:
    return SinkRecord(topic="", kafka_partition=0, kafka_offset=0, **kw)


def _struct() -> Struct:
    struct = Struct(SCHEMA)
    for name, value in VALUES_WITH_SCHEMA.items():
        struct.put(name, value)
    return struct


def test_schemaless() -> None:
    fields = [name for name in VALUES if name != "magic"]
    out = _xform(MaskField.Value, fields).apply(_sink(value=dict(VALUES))).value
    assert out == {
        "magic": 42,
        "bool": False,
        "int": 0,
        "double": 0.0,
        "string": "",
        "date": datetime.datetime(1970, 1, 1, tzinfo=UTC),
        "bigdec": decimal.Decimal(0),
        "list": [],
        "map": {},
    }
    assert VALUES["list"] == [42]


def test_with_schema() -> None:
    fields = [name for name in VALUES_WITH_SCHEMA if name != "magic"]
    out = _xform(MaskField.Value, fields, **{"replace.null.with.default": "false"}).apply(
        _sink(value_schema=SCHEMA, value=_struct())
    )
    got = out.value
    assert out.value_schema is SCHEMA
    assert got.get("magic") == 42
    assert got.get("bool") is False
    assert [got.get(n) for n in ("byte", "short", "int", "long")] == [0, 0, 0, 0]
    assert [got.get(n) for n in ("float", "double")] == [0.0, 0.0]
    assert isinstance(got.get("float"), float)
    assert got.get("string") == ""
    assert got.get("date") == datetime.date(1970, 1, 1)
    assert got.get("time") == datetime.time(0)
    assert got.get("timestamp") == datetime.datetime(1970, 1, 1, tzinfo=UTC)
    assert got.get("decimal") == decimal.Decimal("0.00")
    assert got.get("decimal").as_tuple().exponent == -2  # keeps the schema's scale
    assert got.get("array") == []
    assert got.get("map") == {}
    assert got.get_without_default("withDefault") is None
    got.validate()


def test_with_schema_masks_defaults_when_replacing_nulls() -> None:
    out = _xform(MaskField.Value, "withDefault").apply(_sink(value_schema=SCHEMA, value=_struct()))
    assert out.value.get_without_default("withDefault") == ""


@pytest.mark.parametrize(
    ("field", "replacement", "expected"),
    [
        ("int", "123", 123),
        ("double", "123.0", 123.0),
        ("string", "123", "123"),
        ("bigdec", "123.0", decimal.Decimal("123.0")),
    ],
)
def test_schemaless_with_replacement(field: str, replacement: str, expected: Any) -> None:
    out = _xform(MaskField.Value, field, replacement=replacement).apply(_sink(value=dict(VALUES))).value
    assert out[field] == expected
    assert type(out[field]) is type(expected)


@pytest.mark.parametrize(
    ("field", "replacement", "expected"),
    [
        ("short", "123", 123),
        ("byte", "123", 123),
        ("int", "123", 123),
        ("long", "123", 123),
        ("float", "123.0", 123.0),
        ("double", "123.0", 123.0),
        ("string", "123", "123"),
        ("decimal", "123.00", decimal.Decimal("123.00")),
    ],
)
def test_with_schema_and_replacement(field: str, replacement: str, expected: Any) -> None:
    out = _xform(MaskField.Value, field, replacement=replacement).apply(
        _sink(value_schema=SCHEMA, value=_struct())
    )
    assert out.value.get(field) == expected
    assert type(out.value.get(field)) is type(expected)


@pytest.mark.parametrize("fields", ["date", "int,date", "bool", "list", "map"])
def test_schemaless_unsupported_replacement_type(fields: str) -> None:
    with pytest.raises(DataError, match="Cannot mask value of type"):
        _xform(MaskField.Value, fields, replacement="123").apply(_sink(value=dict(VALUES)))


@pytest.mark.parametrize("field", ["time", "timestamp", "array", "bool"])
def test_with_schema_unsupported_replacement_type(field: str) -> None:
    with pytest.raises(DataError, match="Cannot mask value of type"):
        _xform(MaskField.Value, field, replacement="123").apply(_sink(value_schema=SCHEMA, value=_struct()))


@pytest.mark.parametrize("field", ["int", "double", "bigdec"])
def test_replacement_type_mismatch(field: str) -> None:
    with pytest.raises(DataError):
        _xform(MaskField.Value, field, replacement="foo").apply(_sink(value=dict(VALUES)))


def test_replacement_out_of_range_for_schema_width() -> None:
    with pytest.raises(DataError, match="out of range"):
        _xform(MaskField.Value, "byte", replacement="300").apply(_sink(value_schema=SCHEMA, value=_struct()))


def test_bytes_and_structs_cannot_be_masked() -> None:
    schema = SchemaBuilder.struct().field("b", BYTES_SCHEMA).build()
    with pytest.raises(DataError, match="Cannot mask value of type"):
        _xform(MaskField.Value, "b").apply(_sink(value_schema=schema, value=Struct(schema).put("b", b"x")))


def test_config_errors() -> None:
    with pytest.raises(ConfigError, match="non-empty") as err:
        MaskField.Value().configure({"fields": "short", "replacement": ""})
    assert err.value.name == "replacement"
    for props in ({}, {"fields": ""}):
        with pytest.raises(ConfigError) as err:
            MaskField.Value().configure(props)
        assert err.value.name == "fields"


def test_masked_empty_collections_are_fresh() -> None:
    xform = _xform(MaskField.Value, "list,map")
    first = xform.apply(_sink(value={"list": [1], "map": {"a": 1}})).value
    first["list"].append(5)
    first["map"]["b"] = 2
    second = xform.apply(_sink(value={"list": [1], "map": {"a": 1}})).value
    assert second == {"list": [], "map": {}}


def test_key_variant_and_missing_field() -> None:
    out = _xform(MaskField.Key, "ssn,absent").apply(_sink(key={"ssn": "123-45"}, value={"ssn": "x"}))
    assert out.key == {"ssn": "", "absent": None}  # Java adds masked-but-missing fields as null
    assert out.value == {"ssn": "x"}


@pytest.mark.parametrize("schema", [None, SCHEMA])
def test_tombstone_passes_through(schema: Any) -> None:
    record = _sink(value_schema=schema, value=None)
    assert _xform(MaskField.Value, "int").apply(record) is record


@given(
    st.dictionaries(st.sampled_from("abcd"), st.one_of(st.integers(), st.text(), st.booleans(), st.floats()))
)
def test_only_named_fields_change(value: dict[str, Any]) -> None:
    out = _xform(MaskField.Value, "a,b").apply(_sink(value=value)).value
    for key, item in value.items():
        if key in ("a", "b"):
            assert not out[key]  # every null-equivalent is falsy
            assert type(out[key]) is type(item)
        else:
            assert out[key] is item
