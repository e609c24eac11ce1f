"""Struct and validate_value: per-type validation, defaults, completeness, equality."""

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
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
    Type,
)
from distconnect.api.errors import DataError
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.api.struct import Struct, validate_value

PERSON = (
    SchemaBuilder.struct()
    .name("Person")
    .field("name", STRING_SCHEMA)
    .field("age", OPTIONAL_INT32_SCHEMA)
    .field("city", SchemaBuilder.string().default("Paris").build())
    .build()
)


def test_put_and_get() -> None:
    struct = Struct(PERSON).put("name", "Ada").put("age", 36)
    assert struct.get("name") == "Ada"
    assert struct.get(PERSON.fields[1]) == 36
    assert struct.schema is PERSON


def test_get_falls_back_to_default_but_get_without_default_does_not() -> None:
    struct = Struct(PERSON)
    assert struct.get("city") == "Paris"
    assert struct.get_without_default("city") is None
    assert struct.get("age") is None


def test_put_validates_and_names_the_field() -> None:
    with pytest.raises(DataError, match='field: "age"'):
        Struct(PERSON).put("age", "old")
    with pytest.raises(DataError, match='field: "name"'):
        Struct(PERSON).put("name", None)


def test_unknown_field() -> None:
    with pytest.raises(DataError, match="nope is not a valid field name"):
        Struct(PERSON).put("nope", 1)
    with pytest.raises(DataError):
        Struct(PERSON).get("nope")


def test_field_from_another_schema_is_rejected() -> None:
    other = SchemaBuilder.struct().field("x", INT64_SCHEMA).build()
    with pytest.raises(DataError):
        Struct(PERSON).put(other.fields[0], 1)


def test_struct_needs_struct_schema() -> None:
    with pytest.raises(DataError, match="Not a struct schema"):
        Struct(INT32_SCHEMA)


def test_validate_requires_required_fields_without_default() -> None:
    with pytest.raises(DataError, match='"name"'):
        Struct(PERSON).validate()
    Struct(PERSON).put("name", "x").validate()  # optional age and defaulted city may stay unset


@pytest.mark.parametrize(
    ("schema", "low", "high"),
    [
        (INT8_SCHEMA, -128, 127),
        (INT16_SCHEMA, -32768, 32767),
        (INT32_SCHEMA, -(2**31), 2**31 - 1),
        (INT64_SCHEMA, -(2**63), 2**63 - 1),
    ],
)
def test_integer_ranges(schema: Schema, low: int, high: int) -> None:
    validate_value(schema, low)
    validate_value(schema, high)
    with pytest.raises(DataError, match="out of range"):
        validate_value(schema, low - 1)
    with pytest.raises(DataError, match="out of range"):
        validate_value(schema, high + 1)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        (INT32_SCHEMA, True),
        (INT8_SCHEMA, 1.0),
        (FLOAT64_SCHEMA, 1),
        (FLOAT32_SCHEMA, False),
        (FLOAT32_SCHEMA, 1e39),
        (FLOAT32_SCHEMA, -3.4028235677973366e38),
        (BOOLEAN_SCHEMA, 1),
        (STRING_SCHEMA, b"x"),
        (BYTES_SCHEMA, "x"),
        (SchemaBuilder.array(INT32_SCHEMA).build(), (1, 2)),
        (SchemaBuilder.array(INT32_SCHEMA).build(), [1, None]),
        (SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA).build(), {"a": "b"}),
        (SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA).build(), {1: 1}),
        (Schema(Type.ARRAY), [1]),
        (Decimal.schema(2), decimal.Decimal("1.5")),
        (Decimal.schema(2), decimal.Decimal("NaN")),
        (Decimal.schema(2), b"\x01"),
        (Date.SCHEMA, 5),
        (Date.SCHEMA, datetime.datetime(2020, 1, 1)),
        (Time.SCHEMA, datetime.date(2020, 1, 1)),
        (Timestamp.SCHEMA, datetime.datetime(2020, 1, 1)),
        (Timestamp.SCHEMA, 1000),
    ],
)
def test_invalid_values(schema: Schema, value: Any) -> None:
    with pytest.raises(DataError):
        validate_value(schema, value)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        (FLOAT32_SCHEMA, 3.0e38),
        (FLOAT32_SCHEMA, 3.4028235e38),  # rounds to FLT_MAX, as Values.parse_string yields
        (FLOAT32_SCHEMA, float("inf")),
        (FLOAT64_SCHEMA, float("nan")),
        (BYTES_SCHEMA, bytearray(b"x")),
        (BYTES_SCHEMA, memoryview(b"x")),
        (SchemaBuilder.array(OPTIONAL_INT32_SCHEMA).build(), [1, None]),
        (SchemaBuilder.map(STRING_SCHEMA, OPTIONAL_STRING_SCHEMA).build(), {"a": None}),
        (Decimal.schema(2), decimal.Decimal("-1.50")),
        (Date.SCHEMA, datetime.date(1900, 1, 1)),
        (Time.SCHEMA, datetime.time(23, 59)),
        (Timestamp.SCHEMA, datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)),
        (OPTIONAL_INT32_SCHEMA, None),
    ],
)
def test_valid_values(schema: Schema, value: Any) -> None:
    validate_value(schema, value)


def test_error_locations_name_array_and_map_parts() -> None:
    with pytest.raises(DataError, match='element of array field: "xs"'):
        validate_value(SchemaBuilder.array(INT32_SCHEMA).build(), ["a"], "xs")
    with pytest.raises(DataError, match="key of map value"):
        validate_value(SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA).build(), {1: 1})


def test_naive_timestamp_message_explains_why() -> None:
    with pytest.raises(DataError, match="timezone-aware"):
        validate_value(Timestamp.SCHEMA, datetime.datetime(2020, 1, 1))


def test_nested_struct_must_match_shape_and_be_complete() -> None:
    address = SchemaBuilder.struct().name("Address").field("zip", STRING_SCHEMA).build()
    other = SchemaBuilder.struct().name("Other").field("zip", STRING_SCHEMA).build()
    optional_address = SchemaBuilder.struct().name("Address").field("zip", STRING_SCHEMA).optional().build()
    outer = SchemaBuilder.struct().field("home", optional_address).build()
    with pytest.raises(DataError, match="Struct schemas do not match"):
        Struct(outer).put("home", Struct(other).put("zip", "1"))
    with pytest.raises(DataError, match='"zip"'):
        Struct(outer).put("home", Struct(address))
    # A struct built for the required schema fits an optional slot of the same shape.
    Struct(outer).put("home", Struct(address).put("zip", "75001"))


def test_equality_compares_schema_and_values() -> None:
    a = Struct(PERSON).put("name", "x")
    b = Struct(PERSON).put("name", "x")
    assert a == b
    assert hash(a) == hash(b)
    assert a != Struct(PERSON).put("name", "y")
    same_shape = SchemaBuilder.struct().name("Person2").field("name", STRING_SCHEMA).build()
    assert Struct(same_shape).put("name", "x") != Struct(PERSON).put("name", "x")
    # An unset field equals an unset field, not one explicitly holding the default.
    assert Struct(PERSON).put("name", "x").put("city", "Paris") != a


def test_bytes_compare_by_value() -> None:
    schema = SchemaBuilder.struct().field("b", BYTES_SCHEMA).build()
    a = Struct(schema).put("b", b"ab")
    b = Struct(schema).put("b", bytearray(b"ab"))
    assert a == b
    assert hash(a) == hash(b)
    assert a != Struct(schema).put("b", b"ac")


def test_repr_lists_set_fields() -> None:
    assert repr(Struct(PERSON).put("name", "Ada").put("age", 3)) == "Struct{name='Ada',age=3}"


def test_get_checked() -> None:
    struct = Struct(PERSON).put("age", 4)
    assert struct.get_checked("age", Type.INT32) == 4
    with pytest.raises(DataError, match="not of type STRING"):
        struct.get_checked("age", Type.STRING)


@given(st.integers(), st.text(), st.lists(st.integers(-(2**31), 2**31 - 1)))
def test_put_accepts_exactly_the_values_in_range(number: int, text: str, numbers: list[int]) -> None:
    schema = (
        SchemaBuilder.struct()
        .field("n", INT16_SCHEMA)
        .field("t", STRING_SCHEMA)
        .field("xs", SchemaBuilder.array(INT32_SCHEMA).build())
        .build()
    )
    struct = Struct(schema).put("t", text).put("xs", numbers)
    if -32768 <= number <= 32767:
        struct.put("n", number)
        struct.validate()
        assert struct.get("n") == number
    else:
        with pytest.raises(DataError):
            struct.put("n", number)


def test_from_values_validates_in_field_order_and_values_round_trips() -> None:
    from distconnect.api.data import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, SchemaBuilder
    from distconnect.api.errors import DataError
    from distconnect.api.struct import Struct

    schema = SchemaBuilder.struct().field("a", INT32_SCHEMA).field("b", OPTIONAL_STRING_SCHEMA).build()
    struct = Struct.from_values(schema, [1, None])
    assert struct == Struct(schema).put("a", 1)
    assert struct.values() == (1, None)
    with pytest.raises(DataError, match='field: "a"'):
        Struct.from_values(schema, ["not an int", None])
    with pytest.raises(DataError, match="3 values given for a struct with 2 fields"):
        Struct.from_values(schema, [1, "x", 2])
