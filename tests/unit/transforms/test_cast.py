"""Cast.Key / Cast.Value (port of Kafka's CastTest, plus Java-narrowing and round-trip properties)."""

from __future__ import annotations

import datetime
import decimal
import math
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
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    STRING_SCHEMA,
    SchemaBuilder,
    Type,
)
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.api.records import SourceRecord
from distconnect.api.struct import Struct
from distconnect.transforms.cast import Cast
from distconnect.transforms.cast_values import cast_value, format_date, java_float_string, wrap

UTC = datetime.UTC


def _xform(cls: type[Cast[Any]], **props: Any) -> Cast[Any]:
    xform = cls()
    xform.configure(props)
    return xform


def _source(**kw: Any) -> SourceRecord:
    return SourceRecord(topic="topic", kafka_partition=0, **kw)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "at least one field"),
        ("foo:faketype", "Invalid type found in casting spec: faketype"),
        ("foo:array", "does not support casting to ARRAY"),
        ("array", "does not support casting to ARRAY"),
        ("foo:bytes", "does not support casting to BYTES"),
        ("foo:int8:extra", "Invalid cast mapping"),
        ("foo:int8,int32", "may only specify a single cast"),
    ],
)
def test_config_errors(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        Cast.Key().configure({"spec": spec})
    assert err.value.name == "spec"


def test_spec_is_required() -> None:
    with pytest.raises(ConfigError) as err:
        Cast.Value().configure({})
    assert err.value.name == "spec"


@pytest.mark.parametrize("schema", [None, SchemaBuilder.struct().field("foo", INT32_SCHEMA).build()])
@pytest.mark.parametrize("cls", [Cast.Key, Cast.Value])
def test_null_passes_through(schema: Any, cls: type[Cast[Any]]) -> None:
    record = _source(key_schema=schema, value_schema=schema)
    assert _xform(cls, spec="foo:int64").apply(record) is record


def test_field_with_default_value() -> None:
    schema = (
        SchemaBuilder.struct().field("magic", SchemaBuilder.int32().optional().default(42).build()).build()
    )
    record = _source(value_schema=schema, value=Struct(schema))
    fill = _xform(Cast.Value, spec="magic:string").apply(record)
    assert fill.value_schema.field("magic").schema == SchemaBuilder.string().optional().default("42").build()
    assert fill.value.get_without_default("magic") == "42"
    keep = _xform(Cast.Value, spec="magic:string", **{"replace.null.with.default": "false"}).apply(record)
    assert keep.value.get_without_default("magic") is None


def test_whole_key_with_schema() -> None:
    out = _xform(Cast.Key, spec="int8").apply(_source(key_schema=INT32_SCHEMA, key=42, value="v"))
    assert (out.key_schema.type, out.key, out.value) == (Type.INT8, 42, "v")


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        ("int8", 42, 42),
        ("int16", 42, 42),
        ("int32", 42, 42),
        ("int64", 42, 42),
        ("float32", 42, 42.0),
        ("float64", 42, 42.0),
        ("boolean", 42, True),
        ("boolean", 0, False),
        ("string", 42, "42"),
    ],
)
def test_whole_value(spec: str, value: int, expected: Any) -> None:
    with_schema = _xform(Cast.Value, spec=spec).apply(_source(value_schema=INT32_SCHEMA, value=value))
    assert with_schema.value_schema.type is Type[spec.upper()]
    assert with_schema.value == expected
    assert type(with_schema.value) is type(expected)
    schemaless = _xform(Cast.Value, spec=spec).apply(_source(value=value))
    assert schemaless.value_schema is None
    assert schemaless.value == expected


def test_whole_big_decimal_to_string() -> None:
    schema = Decimal.schema(0)
    out = _xform(Cast.Value, spec="string").apply(_source(value_schema=schema, value=decimal.Decimal(42)))
    assert out.value_schema == STRING_SCHEMA  # the logical name is not carried onto the string
    assert out.value == "42"


def test_whole_date_to_string() -> None:
    ts = datetime.datetime(2017, 7, 14, 2, 40, 0, 123_000, tzinfo=UTC)
    out = _xform(Cast.Value, spec="string").apply(_source(value_schema=Timestamp.schema(), value=ts))
    assert out.value == "2017-07-14T02:40:00.123Z"


def test_whole_record_default_value() -> None:
    schema = SchemaBuilder.float32().default(-42.125).name("n").build()
    out = _xform(Cast.Value, spec="int32").apply(_source(value_schema=schema, value=42.0))
    assert (out.value_schema.type, out.value, out.value_schema.default_value) == (Type.INT32, 42, -42)
    assert out.value_schema.name == "n"


def test_whole_schemaless_unsupported_type() -> None:
    with pytest.raises(DataError, match="not supported by Connect's data API"):
        _xform(Cast.Value, spec="int8").apply(_source(value=object()))
    with pytest.raises(DataError, match="does not support casting from MAP"):
        _xform(Cast.Value, spec="int8").apply(_source(value={"a": 1}))


def test_logical_to_primitive() -> None:
    spec = (
        "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32,"
        "timestamp_to_float64:float64,null_timestamp_to_int32:int32"
    )
    schema = (
        SchemaBuilder.struct()
        .field("date_to_int32", Date.schema())
        .field("timestamp_to_int64", Timestamp.schema())
        .field("time_to_int64", Time.schema())
        .field("decimal_to_int32", Decimal.schema(0))
        .field("timestamp_to_float64", Timestamp.schema())
        .field("null_timestamp_to_int32", Timestamp.builder().optional().build())
        .build()
    )
    far = datetime.datetime(9999, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC)
    value = (
        Struct(schema)
        .put("date_to_int32", datetime.date(1970, 1, 2))
        .put("timestamp_to_int64", datetime.datetime(1970, 1, 1, tzinfo=UTC))
        .put("time_to_int64", datetime.time(0, 0, 0, 1000))
        .put("decimal_to_int32", decimal.Decimal(2**31))
        .put("timestamp_to_float64", far)
    )
    out = _xform(Cast.Value, spec=spec).apply(_source(value_schema=schema, value=value))
    assert out.value.get("date_to_int32") == 1
    assert out.value.get("timestamp_to_int64") == 0
    assert out.value.get("time_to_int64") == 1
    assert out.value.get("decimal_to_int32") == -(2**31)  # narrowing wraps, as Java's intValue()
    assert out.value.get("timestamp_to_float64") == 253402300799999.0
    assert out.value.get("null_timestamp_to_int32") is None
    types = {f.name: f.schema.type for f in out.value_schema.fields}
    assert types == {
        "date_to_int32": Type.INT32,
        "timestamp_to_int64": Type.INT64,
        "time_to_int64": Type.INT64,
        "decimal_to_int32": Type.INT32,
        "timestamp_to_float64": Type.FLOAT64,
        "null_timestamp_to_int32": Type.INT32,
    }
    assert out.value_schema.field("null_timestamp_to_int32").schema.optional


def test_logical_to_string() -> None:
    schema = (
        SchemaBuilder.struct()
        .field("date", Date.schema())
        .field("decimal", Decimal.schema(0))
        .field("time", Time.schema())
        .field("timestamp", Timestamp.schema())
        .build()
    )
    value = (
        Struct(schema)
        .put("date", datetime.date(1970, 1, 2))
        .put("decimal", decimal.Decimal(1982))
        .put("time", datetime.time(0, 0, 0, 1000))
        .put("timestamp", datetime.datetime(1970, 1, 1, 0, 0, 0, 42_000, tzinfo=UTC))
    )
    out = _xform(Cast.Value, spec="date:string,decimal:string,time:string,timestamp:string").apply(
        _source(value_schema=schema, value=value)
    )
    assert out.value.get("date") == "1970-01-02"
    assert out.value.get("decimal") == "1982"
    assert out.value.get("time") == "00:00:00.001Z"
    assert out.value.get("timestamp") == "00:00:00.042Z"  # below one day: Connect formats a time
    assert all(f.schema.type is Type.STRING for f in out.value_schema.fields)


def test_fields_with_schema() -> None:
    spec = (
        "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,"
        "string:int32,bigdecimal:string,date:string,optional:int32,bytes:string"
    )
    schema = (
        SchemaBuilder.struct()
        .field("int8", INT8_SCHEMA)
        .field("int16", SchemaBuilder.int16().optional().build())
        .field("int32", SchemaBuilder.int32().default(2).build())
        .field("int64", INT64_SCHEMA)
        .field("float32", FLOAT32_SCHEMA)
        .field("float64", SchemaBuilder.float64().default(-1.125).build())
        .field("boolean", BOOLEAN_SCHEMA)
        .field("bigdecimal", Decimal.schema(0))
        .field("date", Date.schema())
        .field("string", STRING_SCHEMA)
        .field("optional", OPTIONAL_INT32_SCHEMA)
        .field("timestamp", Timestamp.schema())
        .field("bytes", BYTES_SCHEMA)
        .build()
    )
    value = (
        Struct(schema)
        .put("int8", 8)
        .put("int16", 16)
        .put("int32", 32)
        .put("int64", 64)
        .put("float32", 32.0)
        .put("float64", -64.0)
        .put("boolean", True)
        .put("bigdecimal", decimal.Decimal(42))
        .put("date", datetime.date(1970, 1, 2))
        .put("string", "42")
        .put("timestamp", datetime.datetime(1970, 1, 1, tzinfo=UTC))
        .put("bytes", bytes([0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]))
    )
    out = _xform(Cast.Value, spec=spec).apply(_source(value_schema=schema, value=value))
    got, out_schema = out.value, out.value_schema
    assert got.get("int8") == 8
    assert out_schema.field("int16").schema.optional
    assert got.get("int16") == 16
    assert got.get("int32") == 32
    assert out_schema.field("int32").schema.default_value == 2
    assert got.get("int64") is True
    assert got.get("float32") == 32.0
    assert got.get("float64") is True
    assert out_schema.field("float64").schema.default_value is True
    assert got.get("boolean") == 1
    assert got.get("string") == 42
    assert got.get("bigdecimal") == "42"
    assert got.get("date") == "1970-01-02"
    assert got.get("timestamp") == datetime.datetime(1970, 1, 1, tzinfo=UTC)
    assert got.get("bytes") == "/ty6mHZUMhA="
    assert got.get("optional") is None
    expected_types = {
        "int8": Type.INT16, "int16": Type.INT32, "int32": Type.INT64, "int64": Type.BOOLEAN,
        "float32": Type.FLOAT64, "float64": Type.BOOLEAN, "boolean": Type.INT8, "bigdecimal": Type.STRING,
        "date": Type.STRING, "string": Type.INT32, "optional": Type.INT32, "timestamp": Type.INT64,
        "bytes": Type.STRING,
    }  # fmt: skip
    assert {f.name: f.schema.type for f in out_schema.fields} == expected_types
    assert out_schema.field("timestamp").schema == Timestamp.schema()  # uncast fields keep their schema
    got.validate()
    assert _xform(Cast.Value, spec=spec).apply(_source(value_schema=schema, value=value)).value == got


def test_fields_schemaless() -> None:
    spec = (
        "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,"
        "string:int32"
    )
    value = {
        "int8": 8, "int16": 16, "int32": 32, "int64": 64, "float32": 32.0, "float64": -64.0,
        "boolean": True, "string": "42", "untouched": [1],
    }  # fmt: skip
    out = _xform(Cast.Value, spec=spec).apply(_source(value=value)).value
    assert out == {
        "int8": 8, "int16": 16, "int32": 32, "int64": True, "float32": 32.0, "float64": True,
        "boolean": 1, "string": 42, "untouched": [1],
    }  # fmt: skip
    assert value["int64"] == 64  # input not mutated


def test_schemaless_missing_field_is_added_as_null_like_java() -> None:
    assert _xform(Cast.Value, spec="a:int8").apply(_source(value={"b": 1})).value == {"b": 1, "a": None}


def test_key_variant_fields() -> None:
    out = _xform(Cast.Key, spec="id:string").apply(_source(key={"id": 7}, value={"id": 7}))
    assert out.key == {"id": "7"}
    assert out.value == {"id": 7}


def test_bytes_only_cast_to_string() -> None:
    with pytest.raises(DataError, match="Unexpected type in Cast transformation"):
        _xform(Cast.Value, spec="int32").apply(_source(value_schema=BYTES_SCHEMA, value=b"\x01"))


def test_unsupported_input_type_with_schema() -> None:
    array = SchemaBuilder.array(INT32_SCHEMA).build()
    schema = SchemaBuilder.struct().field("a", array).build()
    with pytest.raises(DataError, match="does not support casting from ARRAY"):
        _xform(Cast.Value, spec="a:string").apply(
            _source(value_schema=schema, value=Struct(schema).put("a", [1]))
        )


def test_bad_string_is_a_data_error() -> None:
    for text, target in (("300", Type.INT8), ("abc", Type.INT32), (" 1", Type.INT64), ("1.5x", Type.FLOAT64)):
        with pytest.raises(DataError, match="out of range for requested data type"):
            cast_value(STRING_SCHEMA, text, target)


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (300, Type.INT8, 44),
        (-129, Type.INT8, 127),
        (70000, Type.INT16, 4464),
        (2**31, Type.INT32, -(2**31)),
        (300.7, Type.INT8, 44),
        (-1.9, Type.INT32, -1),
        (1e20, Type.INT32, 2**31 - 1),
        (1e20, Type.INT8, -1),  # saturate to int max, then keep the low byte
        (-1e30, Type.INT64, -(2**63)),
        (math.nan, Type.INT64, 0),
        (math.inf, Type.INT16, -1),
        (0.5, Type.BOOLEAN, False),
        (-2.0, Type.BOOLEAN, True),
        ("TRUE", Type.BOOLEAN, True),
        ("yes", Type.BOOLEAN, False),
        ("+12", Type.INT16, 12),
        ("1.5f", Type.FLOAT64, 1.5),
        ("NaN", Type.FLOAT32, math.nan),
        ("-Infinity", Type.FLOAT64, -math.inf),
        (1e39, Type.FLOAT32, math.inf),
        (0.1, Type.FLOAT32, 0.10000000149011612),
        (True, Type.FLOAT64, 1.0),
    ],
)
def test_java_narrowing(value: Any, target: Type, expected: Any) -> None:
    result = cast_value(None, value, target)
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(result)
    else:
        assert result == expected
        assert type(result) is type(expected)


def test_decimal_truncates_and_is_unsupported_schemaless() -> None:
    assert cast_value(Decimal.schema(1), decimal.Decimal("-7.9"), Type.INT64) == -7
    assert cast_value(Decimal.schema(1), decimal.Decimal("0.9"), Type.BOOLEAN) is False
    with pytest.raises(DataError, match="Decimal which is not supported"):
        cast_value(None, decimal.Decimal(1), Type.INT64)


@pytest.mark.parametrize(
    ("value", "single", "expected"),
    [
        (1.0, False, "1.0"),
        (100.0, False, "100.0"),
        (1e7, False, "1.0E7"),
        (9999999.0, False, "9999999.0"),
        (0.001, False, "0.001"),
        (0.0001, False, "1.0E-4"),
        (123456.789, False, "123456.789"),
        (-1.5e-10, False, "-1.5E-10"),
        (1.1, True, "1.1"),
        (0.1, True, "0.1"),
        (3.4028234663852886e38, True, "3.4028235E38"),
        (-0.0, False, "-0.0"),
        (math.inf, False, "Infinity"),
        (math.nan, True, "NaN"),
    ],
)
def test_java_float_string(value: float, single: bool, expected: str) -> None:
    assert java_float_string(value, single) == expected


def test_format_date_follows_values_date_format_for() -> None:
    assert format_date(datetime.date(2020, 2, 29)) == "2020-02-29"
    assert format_date(datetime.time(13, 5, 7, 250_000)) == "13:05:07.250Z"
    assert (
        format_date(datetime.datetime(2020, 2, 29, 1, 2, 3, 4000, tzinfo=UTC)) == "2020-02-29T01:02:03.004Z"
    )
    assert format_date(datetime.datetime(2020, 2, 29, tzinfo=UTC)) == "2020-02-29"


INT_TYPES = {Type.INT8: 8, Type.INT16: 16, Type.INT32: 32, Type.INT64: 64}


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1), st.sampled_from(list(INT_TYPES)))
def test_int_round_trips_through_string_and_wider_types(value: int, target: Type) -> None:
    narrowed = cast_value(INT64_SCHEMA, value, target)
    assert narrowed == wrap(value, INT_TYPES[target])
    assert cast_value(INT64_SCHEMA, narrowed, Type.INT64) == narrowed
    as_text = cast_value(INT64_SCHEMA, narrowed, Type.STRING)
    assert cast_value(STRING_SCHEMA, as_text, target) == narrowed


@given(st.floats(allow_nan=False))
def test_float64_round_trips_through_string(value: float) -> None:
    text = cast_value(FLOAT64_SCHEMA, value, Type.STRING)
    assert cast_value(STRING_SCHEMA, text, Type.FLOAT64) == value


@given(st.floats(width=32, allow_nan=False))
def test_float32_round_trips_through_string(value: float) -> None:
    text = cast_value(FLOAT32_SCHEMA, value, Type.STRING)
    assert cast_value(STRING_SCHEMA, text, Type.FLOAT32) == value
    assert len(text) <= len(java_float_string(value))


@given(st.integers(min_value=-(2**31), max_value=2**31 - 1))
def test_whole_value_round_trip_int32_string(value: int) -> None:
    to_text = _xform(Cast.Value, spec="string").apply(_source(value_schema=INT32_SCHEMA, value=value))
    back = _xform(Cast.Value, spec="int32").apply(to_text)
    assert (back.value_schema, back.value) == (INT32_SCHEMA, value)
