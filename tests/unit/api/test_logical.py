"""Logical types: Decimal byte encoding as Java's BigInteger, Date/Time/Timestamp conversions."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import INT32_SCHEMA, INT64_SCHEMA, SchemaBuilder, Type
from distconnect.api.errors import DataError
from distconnect.api.logical import (
    LOGICAL_NAMES,
    Date,
    Decimal,
    Time,
    Timestamp,
    from_logical_value,
    to_logical_value,
)

UTC = datetime.UTC


def test_schemas_match_connect() -> None:
    assert Decimal.LOGICAL_NAME == "org.apache.kafka.connect.data.Decimal"
    schema = Decimal.schema(3)
    assert (schema.type, schema.name, schema.version) == (Type.BYTES, Decimal.LOGICAL_NAME, 1)
    assert dict(schema.parameters or {}) == {"scale": "3"}
    assert (Date.SCHEMA.type, Date.SCHEMA.name, Date.SCHEMA.version) == (
        Type.INT32,
        "org.apache.kafka.connect.data.Date",
        1,
    )
    assert (Time.schema().type, Time.schema().name) == (Type.INT32, "org.apache.kafka.connect.data.Time")
    assert (Timestamp.schema().type, Timestamp.schema().name) == (
        Type.INT64,
        "org.apache.kafka.connect.data.Timestamp",
    )
    assert Date.builder().optional().build().optional
    assert len(LOGICAL_NAMES) == 4


# Expected bytes are what java.math.BigInteger#toByteArray returns for the unscaled value.
@pytest.mark.parametrize(
    ("text", "scale", "raw"),
    [
        ("0", 0, b"\x00"),
        ("1.27", 2, b"\x7f"),
        ("1.28", 2, b"\x00\x80"),
        ("-0.01", 2, b"\xff"),
        ("-1.28", 2, b"\x80"),
        ("-1.29", 2, b"\xff\x7f"),
        ("2.55", 2, b"\x00\xff"),
        ("65536", 0, b"\x01\x00\x00"),
        ("1E+3", -3, b"\x01"),
        ("0.000", 3, b"\x00"),
    ],
)
def test_decimal_bytes_match_java(text: str, scale: int, raw: bytes) -> None:
    schema = Decimal.schema(scale)
    value = decimal.Decimal(text)
    assert Decimal.from_logical(schema, value) == raw
    back = Decimal.to_logical(schema, raw)
    assert back == value
    assert back.as_tuple().exponent == -scale


def test_decimal_scale_mismatch_is_an_error() -> None:
    with pytest.raises(DataError, match="Schema has scale 2, value has scale 1"):
        Decimal.from_logical(Decimal.schema(2), decimal.Decimal("1.5"))


@pytest.mark.parametrize("bad", [decimal.Decimal("NaN"), decimal.Decimal("Infinity"), 1.5, "1.50"])
def test_decimal_rejects_non_finite_and_non_decimals(bad: Any) -> None:
    with pytest.raises(DataError):
        Decimal.from_logical(Decimal.schema(2), bad)


def test_decimal_schema_needs_an_integer_scale() -> None:
    with pytest.raises(DataError, match="scale parameter not found"):
        Decimal.to_logical(SchemaBuilder.bytes_().name(Decimal.LOGICAL_NAME).build(), b"\x01")
    bad = SchemaBuilder.bytes_().name(Decimal.LOGICAL_NAME).parameter("scale", "two").build()
    with pytest.raises(DataError, match="Invalid scale"):
        Decimal.scale(bad)
    with pytest.raises(DataError, match="empty"):
        Decimal.to_logical(Decimal.schema(0), b"")


@given(st.integers(min_value=-(10**60), max_value=10**60), st.integers(min_value=-20, max_value=40))
def test_decimal_round_trip_any_precision_and_scale(unscaled: int, scale: int) -> None:
    value = decimal.Decimal(f"{unscaled}E{-scale}")
    schema = Decimal.schema(scale)
    raw = Decimal.from_logical(schema, value)
    # Minimal two's complement: one byte, or the first byte is not a redundant sign extension.
    if len(raw) > 1:
        assert not (raw[0] == 0x00 and raw[1] < 0x80)
        assert not (raw[0] == 0xFF and raw[1] >= 0x80)
    assert int.from_bytes(raw, "big", signed=True) == unscaled
    back = Decimal.to_logical(schema, raw)
    assert back == value
    assert back.as_tuple() == value.as_tuple()


def test_date_conversions() -> None:
    assert Date.from_logical(Date.SCHEMA, datetime.date(1970, 1, 1)) == 0
    assert Date.from_logical(Date.SCHEMA, datetime.date(1969, 12, 31)) == -1
    assert Date.from_logical(Date.SCHEMA, datetime.date(2020, 3, 1)) == 18322
    assert Date.to_logical(Date.SCHEMA, 18322) == datetime.date(2020, 3, 1)
    assert Date.from_logical(Date.SCHEMA, datetime.datetime(2020, 3, 1, tzinfo=UTC)) == 18322


def test_date_rejects_time_of_day_naive_and_wrong_schema() -> None:
    with pytest.raises(DataError, match="time fields"):
        Date.from_logical(Date.SCHEMA, datetime.datetime(2020, 3, 1, 0, 0, 1, tzinfo=UTC))
    with pytest.raises(DataError, match="naive"):
        Date.from_logical(Date.SCHEMA, datetime.datetime(2020, 3, 1))
    with pytest.raises(DataError, match="schema does not match"):
        Date.from_logical(INT32_SCHEMA, datetime.date(2020, 3, 1))
    with pytest.raises(DataError, match="outside"):
        Date.to_logical(Date.SCHEMA, 2**31 - 1)
    with pytest.raises(DataError):
        Date.to_logical(Date.SCHEMA, True)


@given(st.dates())
def test_date_round_trip(value: datetime.date) -> None:
    assert Date.to_logical(Date.SCHEMA, Date.from_logical(Date.SCHEMA, value)) == value


def test_time_conversions() -> None:
    assert Time.from_logical(Time.SCHEMA, datetime.time(0, 0)) == 0
    assert Time.from_logical(Time.SCHEMA, datetime.time(1, 2, 3, 4999)) == 3_723_004
    assert Time.from_logical(Time.SCHEMA, datetime.time(23, 59, 59, 999_000, tzinfo=UTC)) == 86_399_999
    assert Time.to_logical(Time.SCHEMA, 3_723_004) == datetime.time(1, 2, 3, 4000)


def test_time_rejects_out_of_range_and_offsets() -> None:
    for raw in (-1, 86_400_000):
        with pytest.raises(DataError, match="milliseconds"):
            Time.to_logical(Time.SCHEMA, raw)
    offset = datetime.timezone(datetime.timedelta(hours=2))
    with pytest.raises(DataError, match="UTC"):
        Time.from_logical(Time.SCHEMA, datetime.time(1, tzinfo=offset))
    with pytest.raises(DataError):
        Time.to_logical(INT32_SCHEMA, 5)


@given(st.integers(min_value=0, max_value=86_399_999))
def test_time_round_trip(millis: int) -> None:
    assert Time.from_logical(Time.SCHEMA, Time.to_logical(Time.SCHEMA, millis)) == millis


def test_timestamp_conversions() -> None:
    assert Timestamp.from_logical(Timestamp.SCHEMA, datetime.datetime(1970, 1, 1, tzinfo=UTC)) == 0
    paris = datetime.timezone(datetime.timedelta(hours=1))
    assert Timestamp.from_logical(Timestamp.SCHEMA, datetime.datetime(1970, 1, 1, 1, tzinfo=paris)) == 0
    assert (
        Timestamp.from_logical(Timestamp.SCHEMA, datetime.datetime(1969, 12, 31, 23, 59, 59, 999_999, UTC))
        == -1
    )
    value = Timestamp.to_logical(Timestamp.SCHEMA, 1_566_571_494_346)
    assert value == datetime.datetime(2019, 8, 23, 14, 44, 54, 346_000, tzinfo=UTC)
    assert value.tzinfo is UTC


def test_timestamp_rejects_naive_with_reason() -> None:
    with pytest.raises(DataError, match="ambiguous"):
        Timestamp.from_logical(Timestamp.SCHEMA, datetime.datetime(2020, 1, 1))
    with pytest.raises(DataError, match="outside"):
        Timestamp.to_logical(Timestamp.SCHEMA, 2**62)
    with pytest.raises(DataError):
        Timestamp.from_logical(INT64_SCHEMA, datetime.datetime(2020, 1, 1, tzinfo=UTC))


@given(st.integers(min_value=-62_135_596_800_000, max_value=253_402_300_799_999))
def test_timestamp_round_trip(millis: int) -> None:
    dt = Timestamp.to_logical(Timestamp.SCHEMA, millis)
    assert Timestamp.from_logical(Timestamp.SCHEMA, dt) == millis


@given(st.datetimes(timezones=st.just(UTC)))
def test_timestamp_truncates_sub_millisecond(value: datetime.datetime) -> None:
    millis = Timestamp.from_logical(Timestamp.SCHEMA, value)
    back = Timestamp.to_logical(Timestamp.SCHEMA, millis)
    assert back == value.replace(microsecond=value.microsecond // 1000 * 1000)


def test_dispatch_helpers() -> None:
    ts = datetime.datetime(2020, 1, 1, tzinfo=UTC)
    assert from_logical_value(Timestamp.SCHEMA, ts) == 1_577_836_800_000
    assert to_logical_value(Timestamp.SCHEMA, 1_577_836_800_000) == ts
    assert from_logical_value(Decimal.schema(1), decimal.Decimal("1.0")) == b"\x0a"
    assert to_logical_value(Date.SCHEMA, 1) == datetime.date(1970, 1, 2)
    assert from_logical_value(Time.SCHEMA, datetime.time(0, 0, 1)) == 1000
    assert to_logical_value(INT32_SCHEMA, 7) == 7
    assert from_logical_value(Date.SCHEMA, None) is None
