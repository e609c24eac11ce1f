"""Values: parse_string (Connect's string forms), convert_to_* and infer_schema."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from hypothesis import assume, given
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
    NULL_SCHEMA_AND_VALUE,
    OPTIONAL_INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
    Type,
)
from distconnect.api.errors import DataError
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.api.struct import Struct, validate_value
from distconnect.api.values import Values
from distconnect.api.values_parser import parse_temporal

UTC = datetime.UTC


@pytest.mark.parametrize(
    "text",
    [
        "{foo: 3}",
        "{3: foo}",
        "[foo]",
        "null=",
        "true}",
        "false]",
        "{6:9 4:20}",
        "[0 1 2]",
        "{null: 3}",
        "[1, 2, 3,,,]",
        "[1, null]",
        "[null, 1]",
        "  ",
        "simple string",
        "si\\,mple",
        "1,2",
        "[1, 2] tail",
        '"quoted"',
        "12:3",
        "2019-13-45",
        "NaN",
        "-Infinity",
        "1_000",
        '["unterminated]',
    ],
)
def test_unparseable_text_stays_the_original_string(text: str) -> None:
    assert Values.parse_string(text) == (STRING_SCHEMA, text)


def test_null_and_empty() -> None:
    assert Values.parse_string(None) == NULL_SCHEMA_AND_VALUE
    assert Values.parse_string("") == (STRING_SCHEMA, "")
    assert Values.parse_string(" \t null \n") == NULL_SCHEMA_AND_VALUE


def test_booleans() -> None:
    assert Values.parse_string(" true ") == (BOOLEAN_SCHEMA, True)
    assert Values.parse_string("false") == (BOOLEAN_SCHEMA, False)


@pytest.mark.parametrize(
    ("text", "schema", "value"),
    [
        ("0", INT8_SCHEMA, 0),
        ("-128", INT8_SCHEMA, -128),
        ("128", INT16_SCHEMA, 128),
        ("+5", INT8_SCHEMA, 5),
        ("1.0", INT8_SCHEMA, 1),
        ("1e2", INT8_SCHEMA, 100),
        ("32768", INT32_SCHEMA, 32768),
        ("2147483648", INT64_SCHEMA, 2147483648),
        ("-9223372036854775808", INT64_SCHEMA, -(2**63)),
        ("1.5", FLOAT32_SCHEMA, 1.5),
        ("1e30", FLOAT32_SCHEMA, 1e30),
        ("1.7976931348623157E308", FLOAT64_SCHEMA, 1.7976931348623157e308),
        ("9223372036854775808", Decimal.schema(0), decimal.Decimal("9223372036854775808")),
        ("1e400", Decimal.schema(-400), decimal.Decimal("1e400")),
    ],
)
def test_numbers_take_the_smallest_fitting_type(text: str, schema: Schema, value: Any) -> None:
    parsed = Values.parse_string(text)
    assert parsed.schema == schema
    assert parsed.value == value
    assert type(parsed.value) is type(value)


def test_temporals() -> None:
    assert Values.parse_string("2019-08-23") == (Date.SCHEMA, datetime.date(2019, 8, 23))
    assert Values.parse_string("14:34:54.346Z") == (Time.SCHEMA, datetime.time(14, 34, 54, 346_000))
    assert Values.parse_string("14\\:34\\:54.346Z") == (Time.SCHEMA, datetime.time(14, 34, 54, 346_000))
    ts = datetime.datetime(2019, 8, 23, 14, 34, 54, 346_000, tzinfo=UTC)
    assert Values.parse_string("2019-08-23T14:34:54.346Z") == (Timestamp.SCHEMA, ts)
    assert Values.parse_string("2019-08-23T14\\:34\\:54.346Z") == (Timestamp.SCHEMA, ts)


def test_arrays() -> None:
    parsed = Values.parse_string("[true, false]")
    assert parsed.schema == SchemaBuilder.array(BOOLEAN_SCHEMA).build()
    assert parsed.value == [True, False]
    widened = Values.parse_string("[1, 2, 32768]")
    assert widened == (SchemaBuilder.array(INT32_SCHEMA).build(), [1, 2, 32768])
    floats = Values.parse_string("[1, 2, 3.4028235E38]")
    assert floats.schema == SchemaBuilder.array(FLOAT32_SCHEMA).build()
    assert floats.value == [1.0, 2.0, 3.4028235e38]
    assert all(type(v) is float for v in floats.value)
    assert Values.parse_string("[1,]").value == [1]


def test_arrays_without_common_schema_have_no_element_schema() -> None:
    for text in ('[1, 2, 300, "four"]', '["four", 1, 2, 300]', "[null]", "[]"):
        parsed = Values.parse_string(text)
        assert parsed.schema is not None
        assert parsed.schema.type is Type.ARRAY, text
        assert not parsed.schema.has_value_schema, text
    assert Values.parse_string('[300, "four", 1]').value == [300, "four", 1]


def test_nested_containers() -> None:
    assert Values.parse_string("[[]]").schema.value_schema.type is Type.ARRAY  # type: ignore[union-attr]
    assert Values.parse_string("[{}]").schema.value_schema.type is Type.MAP  # type: ignore[union-attr]
    nested = Values.parse_string("[[1], [2.5], []]")
    inner = SchemaBuilder.array(FLOAT32_SCHEMA).build()
    assert nested == (SchemaBuilder.array(inner).build(), [[1.0], [2.5], []])


def test_maps() -> None:
    parsed = Values.parse_string(' { "foo" :  12345 , "bar" : 0,  "baz" : -4321 }  ')
    assert parsed.schema == SchemaBuilder.map(STRING_SCHEMA, INT16_SCHEMA).build()
    assert parsed.value == {"foo": 12345, "bar": 0, "baz": -4321}
    assert Values.parse_string("{true: false, false: true}").value == {True: False, False: True}
    null_values = Values.parse_string("{3: null}")
    assert null_values.value == {3: None}
    assert null_values.schema is not None
    assert null_values.schema.key_schema == INT8_SCHEMA
    assert not null_values.schema.has_value_schema
    mixed_keys = Values.parse_string('{1:1, 2:1, 300:300, "four":1}')
    assert mixed_keys.value == {1: 1, 2: 1, 300: 300, "four": 1}
    assert mixed_keys.schema is not None
    assert not mixed_keys.schema.has_key_schema
    mixed_values = Values.parse_string('{1:1, 300:300, 4:"four"}')
    assert mixed_values.schema is not None
    assert mixed_values.schema.key_schema == INT16_SCHEMA
    assert not mixed_values.schema.has_value_schema


def test_temporals_inside_containers() -> None:
    parsed = Values.parse_string(
        "[2019-08-23T14:34:54.346Z,2019-01-23T15:12:34.567Z,   2019-04-23T19:12:34.567Z]"
    )
    assert parsed.schema == SchemaBuilder.array(Timestamp.SCHEMA).build()
    assert parsed.value[1] == datetime.datetime(2019, 1, 23, 15, 12, 34, 567_000, tzinfo=UTC)
    for text in ('{"k1":14:34:54.346Z}', '{"k1":"14:34:54.346Z"}'):
        parsed = Values.parse_string(text)
        assert parsed.schema == SchemaBuilder.map(STRING_SCHEMA, Time.SCHEMA).build()
        assert parsed.value == {"k1": datetime.time(14, 34, 54, 346_000)}


def test_quoted_strings_are_unescaped() -> None:
    assert Values.parse_string('["a\\"b", "c,d:]"]').value == ['a"b', "c,d:]"]


@pytest.mark.parametrize(
    "text",
    [
        "[1, 2, 3,,,]",
        '[1, 2, 3, "four",,,]',
        ' { "foo" :  1234567890 ,, "bar" : 0 }  ',
        ' { "foo" :  1234567890 , "a", "bar" : 0 }  ',
        " { ,,  , , }  ",
        "plain",
    ],
)
def test_convert_to_list_and_map_reject_malformed(text: str) -> None:
    with pytest.raises(DataError):
        Values.convert_to_list(STRING_SCHEMA, text)
    with pytest.raises(DataError):
        Values.convert_to_map(STRING_SCHEMA, text)


def test_convert_to_boolean() -> None:
    assert Values.convert_to_boolean(None, None) is None
    assert Values.convert_to_boolean(STRING_SCHEMA, "true") is True
    assert Values.convert_to_boolean(STRING_SCHEMA, "0") is False
    assert Values.convert_to_boolean(INT32_SCHEMA, 7) is True
    with pytest.raises(DataError):
        Values.convert_to_boolean(STRING_SCHEMA, '"green"')


@pytest.mark.parametrize(
    ("method", "value", "expected"),
    [
        (Values.convert_to_byte, "12", 12),
        (Values.convert_to_short, 3.9, 3),
        (Values.convert_to_short, -3.9, -3),
        (Values.convert_to_integer, decimal.Decimal("7.2"), 7),
        (Values.convert_to_long, "1e3", 1000),
        (Values.convert_to_long, datetime.datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC), 1000),
        (Values.convert_to_integer, datetime.date(1970, 1, 3), 2),
        (Values.convert_to_integer, datetime.time(0, 0, 2), 2000),
        (Values.convert_to_float, 3, 3.0),
        (Values.convert_to_double, "2.5", 2.5),
        (Values.convert_to_double, decimal.Decimal("0.25"), 0.25),
    ],
)
def test_numeric_conversions(method: Any, value: Any, expected: Any) -> None:
    result = method(None, value)
    assert result == expected
    assert type(result) is type(expected)
    assert method(None, None) is None


@pytest.mark.parametrize(
    ("method", "value"),
    [
        (Values.convert_to_byte, 128),
        (Values.convert_to_short, -32769),
        (Values.convert_to_integer, 2**31),
        (Values.convert_to_long, 2**63),
        (Values.convert_to_integer, True),
        (Values.convert_to_integer, "abc"),
        (Values.convert_to_integer, float("nan")),
        (Values.convert_to_double, [1]),
    ],
)
def test_numeric_conversion_failures(method: Any, value: Any) -> None:
    with pytest.raises(DataError):
        method(None, value)


def test_convert_to_string() -> None:
    assert Values.convert_to_string(None, None) is None
    assert Values.convert_to_string(None, True) == "true"
    assert Values.convert_to_string(None, 1.5) == "1.5"
    assert Values.convert_to_string(None, 'a"b') == 'a"b'
    assert Values.convert_to_string(None, ["a", 1, None, b"\x00\x01"]) == '["a",1,null,"AAE="]'
    assert Values.convert_to_string(None, {"k": [True]}) == '{"k":[true]}'
    assert Values.convert_to_string(None, b"hi") == "aGk="
    assert Values.convert_to_string(None, datetime.date(2019, 8, 23)) == "2019-08-23"
    assert Values.convert_to_string(None, datetime.time(1, 2, 3, 4_000)) == "01:02:03.004Z"
    paris = datetime.timezone(datetime.timedelta(hours=2))
    ts = datetime.datetime(2019, 8, 23, 16, 34, 54, 346_999, tzinfo=paris)
    assert Values.convert_to_string(None, ts) == "2019-08-23T14:34:54.346Z"
    schema = (
        SchemaBuilder.struct()
        .field("a", INT32_SCHEMA)
        .field("b", SchemaBuilder.string().default("d").build())
    )
    struct = Struct(schema.build()).put("a", 1)
    assert Values.convert_to_string(None, struct) == '{"a":1,"b":"d"}'
    with pytest.raises(DataError, match="unexpected value type"):
        Values.convert_to_string(None, object())


def test_convert_to_containers_and_struct() -> None:
    assert Values.convert_to_list(None, "[1, 2]") == [1, 2]
    assert Values.convert_to_list(None, (1, 2)) == [1, 2]
    assert Values.convert_to_map(None, '{"a": 1}') == {"a": 1}
    struct = Struct(SchemaBuilder.struct().build())
    assert Values.convert_to_struct(struct.schema, struct) is struct
    for bad in (None, "", {"a": 1}):
        with pytest.raises(DataError):
            Values.convert_to_struct(None, bad)


def test_temporal_conversions() -> None:
    ts = datetime.datetime(2019, 8, 23, 14, 34, 54, 346_000, tzinfo=UTC)
    assert Values.convert_to_date(None, ts) == datetime.date(2019, 8, 23)
    assert Values.convert_to_date(None, "2019-08-23") == datetime.date(2019, 8, 23)
    assert Values.convert_to_date(INT32_SCHEMA, 1) == datetime.date(1970, 1, 2)
    assert Values.convert_to_time(None, ts) == datetime.time(14, 34, 54, 346_000)
    assert Values.convert_to_time(None, 1000) == datetime.time(0, 0, 1)
    assert Values.convert_to_timestamp(None, "2019-08-23T14:34:54.346Z") == ts
    assert Values.convert_to_timestamp(None, datetime.date(1970, 1, 2)) == datetime.datetime(
        1970, 1, 2, tzinfo=UTC
    )
    assert Values.convert_to_timestamp(None, datetime.time(0, 0, 1)) == datetime.datetime(
        1970, 1, 1, 0, 0, 1, tzinfo=UTC
    )
    assert Values.convert_to_timestamp(INT64_SCHEMA, 1000) == datetime.datetime(
        1970, 1, 1, 0, 0, 1, tzinfo=UTC
    )
    for method in (Values.convert_to_date, Values.convert_to_time, Values.convert_to_timestamp):
        with pytest.raises(DataError):
            method(None, None)
    with pytest.raises(DataError, match="naive"):
        Values.convert_to_timestamp(None, datetime.datetime(2020, 1, 1))


def test_convert_to_decimal() -> None:
    assert Values.convert_to_decimal(None, b"\x00\x80", 2) == decimal.Decimal("1.28")
    assert Values.convert_to_decimal(None, "1.50", 2) == decimal.Decimal("1.50")
    assert Values.convert_to_decimal(None, 0.1, 2) == decimal.Decimal("0.1")
    assert Values.convert_to_decimal(None, 7, 0) == decimal.Decimal(7)
    for bad in (None, "x", True):
        with pytest.raises(DataError):
            Values.convert_to_decimal(None, bad, 2)


@pytest.mark.parametrize(
    ("value", "schema"),
    [
        ("s", STRING_SCHEMA),
        (True, BOOLEAN_SCHEMA),
        (5, INT64_SCHEMA),
        (2**63, None),
        (1.5, FLOAT64_SCHEMA),
        (b"x", BYTES_SCHEMA),
        (decimal.Decimal("1.25"), Decimal.schema(2)),
        (datetime.date(2020, 1, 1), Date.SCHEMA),
        (datetime.time(1), Time.SCHEMA),
        (datetime.datetime(2020, 1, 1, tzinfo=UTC), Timestamp.SCHEMA),
        ([1, 2], SchemaBuilder.array(INT64_SCHEMA).build()),
        ([1, None], SchemaBuilder.array(OPTIONAL_INT64_SCHEMA).build()),
        ([1, "a"], None),
        ([], None),
        ([None], None),
        ({"a": 1}, SchemaBuilder.map(STRING_SCHEMA, INT64_SCHEMA).build()),
        ({"a": [1]}, SchemaBuilder.map(STRING_SCHEMA, SchemaBuilder.array(INT64_SCHEMA).build()).build()),
        ({}, None),
        (object(), None),
    ],
)
def test_infer_schema(value: Any, schema: Schema | None) -> None:
    assert Values.infer_schema(value) == schema


def test_infer_schema_of_struct_is_its_schema() -> None:
    struct = Struct(SchemaBuilder.struct().field("a", INT32_SCHEMA).build())
    assert Values.infer_schema(struct) is struct.schema


# -- round trips through the string form ---------------------------------------------------------

_ints = st.integers(-(2**63), 2**63 - 1)
_texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)


@given(st.lists(_ints, min_size=1))
def test_int_lists_round_trip(values: list[int]) -> None:
    text = Values.convert_to_string(None, values)
    assert Values.convert_to_list(STRING_SCHEMA, text) == values


@given(st.dictionaries(_texts, _ints, min_size=1))
def test_string_to_int_maps_round_trip(values: dict[str, int]) -> None:
    text = Values.convert_to_string(None, values)
    parsed = Values.parse_string(text)
    assert parsed.value == values
    assert parsed.schema is not None
    assert parsed.schema.key_schema.type in (
        Type.STRING,
        Date.SCHEMA.type,
        Time.SCHEMA.type,
        Timestamp.SCHEMA.type,
    )


@given(_ints)
def test_integers_round_trip_with_smallest_type(value: int) -> None:
    parsed = Values.parse_string(Values.convert_to_string(None, value))
    assert parsed.value == value
    widths = ((INT8_SCHEMA, 7), (INT16_SCHEMA, 15), (INT32_SCHEMA, 31), (INT64_SCHEMA, 63))
    assert parsed.schema == next(schema for schema, bits in widths if -(2**bits) <= value < 2**bits)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_round_trip_by_value(value: float) -> None:
    parsed = Values.parse_string(Values.convert_to_string(None, value))
    # Integral floats parse as integers (as in Connect), but still denote the same double.
    assert float(parsed.value) == value
    if not value.is_integer():
        assert parsed.schema in (FLOAT32_SCHEMA, FLOAT64_SCHEMA)


@given(st.datetimes(timezones=st.just(UTC), min_value=datetime.datetime(1000, 1, 1)))
def test_timestamps_round_trip_to_the_millisecond(value: datetime.datetime) -> None:
    parsed = Values.parse_string(Values.convert_to_string(None, value))
    assert parsed.schema == Timestamp.SCHEMA
    assert parsed.value == value.replace(microsecond=value.microsecond // 1000 * 1000)


@given(_texts)
def test_any_text_parses_without_raising(text: str) -> None:
    parsed = Values.parse_string(text)
    if parsed.schema == STRING_SCHEMA:
        assert parsed.value == text


@given(st.lists(_texts, min_size=1))
def test_string_lists_round_trip(values: list[str]) -> None:
    # Quoted strings that spell a temporal come back as temporals, as in Connect.
    assume(all(parse_temporal(v) is None for v in values))
    parsed = Values.parse_string(Values.convert_to_string(None, values))
    assert parsed.schema == SchemaBuilder.array(STRING_SCHEMA).build()
    assert parsed.value == values


@given(st.lists(st.one_of(_ints, st.floats(allow_nan=False, allow_infinity=False)), min_size=1))
def test_parsed_number_lists_validate_against_their_schema(values: list[Any]) -> None:
    parsed = Values.parse_string(Values.convert_to_string(None, values))
    assert parsed.schema is not None
    assert parsed.schema.type is Type.ARRAY
    assert [float(v) for v in parsed.value] == [float(v) for v in values]
    if parsed.schema.has_value_schema:
        validate_value(parsed.schema, parsed.value)


@given(st.text(alphabet='[]{}:,"\\ 0123456789.-+eEtruefalsnTZ', max_size=30))
def test_delimiter_heavy_text_parses_to_valid_values(text: str) -> None:
    parsed = Values.parse_string(text)
    if parsed.schema == STRING_SCHEMA:
        assert parsed.value == text  # top-level strings are never altered
    elif parsed.schema is not None and parsed.schema.type.is_primitive:
        validate_value(parsed.schema, parsed.value)
