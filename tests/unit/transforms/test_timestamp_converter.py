"""TimestampConverter.Key / .Value (port of Kafka's TimestampConverterTest, plus Python specifics)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from distconnect.api.data import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
    Type,
)
from distconnect.api.errors import ConfigError, ConnectError, DataError
from distconnect.api.headers import Headers
from distconnect.api.logical import Date, Time, Timestamp
from distconnect.api.records import SourceRecord
from distconnect.api.struct import Struct
from distconnect.transforms.timestamp_converter import (
    OPTIONAL_DATE_SCHEMA,
    OPTIONAL_TIME_SCHEMA,
    OPTIONAL_TIMESTAMP_SCHEMA,
    TimestampConverter,
)

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
DATE = dt.date(1970, 1, 2)
TIME = dt.time(0, 0, 1, 234000)
DATE_PLUS_TIME = dt.datetime(1970, 1, 2, 0, 0, 1, 234000, tzinfo=UTC)
DATE_PLUS_TIME_UNIX = 86_401_234
DATE_PLUS_TIME_UNIX_MICROS = DATE_PLUS_TIME_UNIX * 1000 + 123
DATE_PLUS_TIME_UNIX_NANOS = DATE_PLUS_TIME_UNIX_MICROS * 1000 + 456
DATE_PLUS_TIME_UNIX_SECONDS = 86_401
STRING_DATE_FMT = "yyyy MM dd HH mm ss SSS z"
DATE_PLUS_TIME_STRING = "1970 01 02 00 00 01 234 UTC"


def value_xform(**props: Any) -> TimestampConverter[SourceRecord]:
    xform: TimestampConverter[SourceRecord] = TimestampConverter.Value()
    xform.configure(props)
    return xform


def config(target: str, **extra: Any) -> dict[str, Any]:
    return {"target.type": target, **extra}


def schemaless(value: Any) -> SourceRecord:
    return SourceRecord(topic="test", kafka_partition=0, value=value)


def with_schema(schema: Schema | None, value: Any) -> SourceRecord:
    return SourceRecord(topic="test", kafka_partition=0, value_schema=schema, value=value)


def convert(props: dict[str, Any], record: SourceRecord) -> SourceRecord:
    xform: TimestampConverter[SourceRecord] = TimestampConverter.Value()
    xform.configure(props)
    return xform.apply(record)


# -- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "key", "message"),
    [
        ({}, "target.type", "Missing required configuration"),
        ({"target.type": "invalid"}, "target.type", "String must be one of"),
        ({"target.type": "unix", "unix.precision": "invalid"}, "unix.precision", "String must be one of"),
        ({"target.type": "string"}, "format", "requires format option"),
        ({"target.type": "string", "format": "   "}, "format", "requires format option"),
        ({"target.type": "string", "format": "bad-format"}, "format", "Illegal pattern character 'b'"),
        ({"target.type": "Date", "format": "yyyy-ww"}, "format", "'w' (week in year) is not supported"),
        (
            {"target.type": "unix", "replace.null.with.default": "maybe"},
            "replace.null.with.default",
            "either true or false",
        ),
    ],
)
def test_config_errors_name_the_key(props: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        value_xform(**props)
    assert info.value.name == key


def test_config_valid_unix_precision() -> None:
    value_xform(**config("unix", **{"unix.precision": "seconds"}))


def test_config_def_declares_kafka_keys_and_defaults() -> None:
    keys = TimestampConverter.Value().config().config_keys
    assert list(keys) == ["field", "target.type", "format", "unix.precision", "replace.null.with.default"]
    assert keys["field"].default == ""
    assert keys["format"].default == ""
    assert keys["unix.precision"].default == "milliseconds"
    assert keys["replace.null.with.default"].default is True
    assert not keys["target.type"].has_default


# -- schemaless ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "value", "expected"),
    [
        (config("Timestamp"), DATE_PLUS_TIME, DATE_PLUS_TIME),
        (config("Date"), DATE_PLUS_TIME, DATE),
        (config("Time"), DATE_PLUS_TIME, TIME),
        (config("unix"), DATE_PLUS_TIME, DATE_PLUS_TIME_UNIX),
        (config("string", format=STRING_DATE_FMT), DATE_PLUS_TIME, DATE_PLUS_TIME_STRING),
        (config("Timestamp"), DATE, dt.datetime(1970, 1, 2, tzinfo=UTC)),
        (config("Timestamp"), TIME, dt.datetime(1970, 1, 1, 0, 0, 1, 234000, tzinfo=UTC)),
        (config("Timestamp"), DATE_PLUS_TIME_UNIX, DATE_PLUS_TIME),
        (config("Timestamp", format=STRING_DATE_FMT), DATE_PLUS_TIME_STRING, DATE_PLUS_TIME),
        (config("unix", format=STRING_DATE_FMT, **{"unix.precision": "microseconds"}),
         DATE_PLUS_TIME_STRING, 86_401_234_000),
        (config("unix", format=STRING_DATE_FMT, **{"unix.precision": "nanoseconds"}),
         DATE_PLUS_TIME_STRING, 86_401_234_000_000),
        (config("unix", format=STRING_DATE_FMT, **{"unix.precision": "seconds"}),
         DATE_PLUS_TIME_STRING, DATE_PLUS_TIME_UNIX_SECONDS),
    ],
)  # fmt: skip
def test_schemaless_conversions(props: dict[str, Any], value: Any, expected: Any) -> None:
    transformed = convert(props, schemaless(value))
    assert transformed.value_schema is None
    assert transformed.value == expected
    assert type(transformed.value) is type(expected)


@pytest.mark.parametrize("target", ["string", "unix", "Date", "Time", "Timestamp"])
def test_schemaless_null_value(target: str) -> None:
    transformed = convert(config(target, format=STRING_DATE_FMT), schemaless(None))
    assert transformed.value_schema is None
    assert transformed.value is None


@pytest.mark.parametrize("target", ["string", "unix", "Date", "Time", "Timestamp"])
def test_schemaless_null_value_with_field(target: str) -> None:
    transformed = convert(config(target, format=STRING_DATE_FMT, field="ts"), schemaless(None))
    assert transformed.value is None


def test_schemaless_field_conversion() -> None:
    original = {"ts": DATE_PLUS_TIME, "other": "test"}
    transformed = convert(config("Date", field="ts"), schemaless(original))
    assert transformed.value == {"ts": DATE, "other": "test"}
    assert original["ts"] == DATE_PLUS_TIME  # the input map is not modified


def test_schemaless_missing_field_becomes_null_like_java() -> None:
    transformed = convert(config("Date", field="ts"), schemaless({"other": 1}))
    assert transformed.value == {"other": 1, "ts": None}


def test_schemaless_field_requires_a_map() -> None:
    with pytest.raises(DataError, match="Only Map objects supported"):
        convert(config("Date", field="ts"), schemaless("not a map"))


@pytest.mark.parametrize("value", [1.5, True, b"raw", [1]])
def test_schemaless_unsupported_types(value: Any) -> None:
    with pytest.raises(DataError, match="does not support"):
        convert(config("Timestamp"), schemaless(value))


def test_schemaless_string_without_format_is_a_data_error() -> None:
    with pytest.raises(DataError, match="'format' option"):
        convert(config("Timestamp"), schemaless("2024-01-01"))


def test_unparseable_string_names_the_pattern() -> None:
    with pytest.raises(DataError, match=r"does not match pattern \(yyyy-MM-dd\)"):
        convert(config("unix", format="yyyy-MM-dd"), schemaless("01/02/2024"))


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(DataError, match="timezone-aware"):
        convert(config("unix"), schemaless(dt.datetime(2024, 1, 1)))


def test_key_variant() -> None:
    xform: TimestampConverter[SourceRecord] = TimestampConverter.Key()
    xform.configure(config("Timestamp"))
    record = SourceRecord(topic="test", kafka_partition=0, key=DATE_PLUS_TIME_UNIX, value="untouched")
    transformed = xform.apply(record)
    assert transformed.key_schema is None
    assert transformed.key == DATE_PLUS_TIME
    assert transformed.value == "untouched"


def test_record_metadata_is_preserved() -> None:
    record = SourceRecord(
        topic="t",
        kafka_partition=3,
        key="k",
        value=DATE_PLUS_TIME_UNIX,
        timestamp=42,
        headers=Headers().add("h", "v"),
        source_partition={"p": 1},
        source_offset={"o": 2},
    )
    transformed = convert(config("Timestamp"), record)
    assert (transformed.topic, transformed.kafka_partition, transformed.key, transformed.timestamp) == (
        "t",
        3,
        "k",
        42,
    )
    assert transformed.headers == record.headers
    assert transformed.source_offset == {"o": 2}


# -- with schema -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "schema", "value", "expected_schema", "expected"),
    [
        (config("Timestamp"), Timestamp.SCHEMA, DATE_PLUS_TIME, Timestamp.SCHEMA, DATE_PLUS_TIME),
        (config("Date"), Timestamp.SCHEMA, DATE_PLUS_TIME, Date.SCHEMA, DATE),
        (config("Time"), Timestamp.SCHEMA, DATE_PLUS_TIME, Time.SCHEMA, TIME),
        (config("unix"), Timestamp.SCHEMA, DATE_PLUS_TIME, INT64_SCHEMA, DATE_PLUS_TIME_UNIX),
        (config("string", format=STRING_DATE_FMT), Timestamp.SCHEMA, DATE_PLUS_TIME, STRING_SCHEMA,
         DATE_PLUS_TIME_STRING),
        (config("Timestamp"), Date.SCHEMA, DATE, Timestamp.SCHEMA, dt.datetime(1970, 1, 2, tzinfo=UTC)),
        (config("Timestamp"), Time.SCHEMA, TIME, Timestamp.SCHEMA,
         dt.datetime(1970, 1, 1, 0, 0, 1, 234000, tzinfo=UTC)),
        (config("Timestamp"), INT64_SCHEMA, DATE_PLUS_TIME_UNIX, Timestamp.SCHEMA, DATE_PLUS_TIME),
        (config("Timestamp", format=STRING_DATE_FMT), STRING_SCHEMA, DATE_PLUS_TIME_STRING, Timestamp.SCHEMA,
         DATE_PLUS_TIME),
        (config("Date"), OPTIONAL_STRING_SCHEMA, None, OPTIONAL_DATE_SCHEMA, None),
    ],
)  # fmt: skip
def test_with_schema_conversions(
    props: dict[str, Any], schema: Schema, value: Any, expected_schema: Schema, expected: Any
) -> None:
    transformed = convert(props, with_schema(schema, value))
    assert transformed.value_schema == expected_schema
    assert transformed.value == expected


@pytest.mark.parametrize(
    ("target", "original", "expected"),
    [
        ("Timestamp", OPTIONAL_TIMESTAMP_SCHEMA, OPTIONAL_TIMESTAMP_SCHEMA),
        ("unix", OPTIONAL_TIMESTAMP_SCHEMA, OPTIONAL_INT64_SCHEMA),
        ("Time", OPTIONAL_TIMESTAMP_SCHEMA, OPTIONAL_TIME_SCHEMA),
        ("Date", OPTIONAL_TIMESTAMP_SCHEMA, OPTIONAL_DATE_SCHEMA),
        ("string", OPTIONAL_TIMESTAMP_SCHEMA, OPTIONAL_STRING_SCHEMA),
        ("Timestamp", OPTIONAL_INT64_SCHEMA, OPTIONAL_TIMESTAMP_SCHEMA),
        ("Timestamp", OPTIONAL_TIME_SCHEMA, OPTIONAL_TIMESTAMP_SCHEMA),
    ],
)
def test_with_schema_null_value_and_null_field(target: str, original: Schema, expected: Schema) -> None:
    props = config(target, format=STRING_DATE_FMT)
    transformed = convert(props, with_schema(original, None))
    assert transformed.value_schema == expected
    assert transformed.value is None

    struct_schema = SchemaBuilder.struct().field("ts", original).build()
    expected_struct_schema = SchemaBuilder.struct().field("ts", expected).build()
    transformed = convert({**props, "field": "ts"}, with_schema(struct_schema, Struct(struct_schema)))
    assert transformed.value_schema == expected_struct_schema
    assert transformed.value.get("ts") is None

    optional_struct = SchemaBuilder.struct().field("ts", original).optional().build()
    transformed = convert({**props, "field": "ts"}, with_schema(optional_struct, None))
    assert transformed.value_schema == SchemaBuilder.struct().field("ts", expected).optional().build()
    assert transformed.value is None


def test_with_schema_field_conversion() -> None:
    original = (
        SchemaBuilder.struct().name("rec").version(2).doc("d").field("ts", Timestamp.SCHEMA)
        .field("other", STRING_SCHEMA).build()
    )  # fmt: skip
    value = Struct(original).put("ts", DATE_PLUS_TIME).put("other", "test")
    transformed = convert(config("unix", field="ts"), with_schema(original, value))
    expected_schema = (
        SchemaBuilder.struct().name("rec").version(2).doc("d").field("ts", INT64_SCHEMA)
        .field("other", STRING_SCHEMA).build()
    )  # fmt: skip
    assert transformed.value_schema == expected_schema
    assert transformed.value.get("ts") == DATE_PLUS_TIME_UNIX
    assert transformed.value.get("other") == "test"
    assert value.get("ts") == DATE_PLUS_TIME  # input untouched


def test_updated_schema_is_cached() -> None:
    schema = SchemaBuilder.struct().field("ts", INT64_SCHEMA).build()
    xform = value_xform(**config("Timestamp", field="ts"))
    first = xform.apply(with_schema(schema, Struct(schema).put("ts", 1)))
    second = xform.apply(with_schema(schema, Struct(schema).put("ts", 2)))
    assert first.value_schema is second.value_schema
    assert second.value.get("ts") == EPOCH + dt.timedelta(milliseconds=2)


@pytest.mark.parametrize(("replace", "expected"), [(True, EPOCH), (False, None)])
def test_replace_null_with_default(replace: bool, expected: Any) -> None:
    ts_schema = Timestamp.builder().optional().default(EPOCH).build()
    schema = SchemaBuilder.struct().field("ts", ts_schema).field("other", STRING_SCHEMA).build()
    value = Struct(schema).put("other", "test")
    props = config("Timestamp", field="ts", **{"replace.null.with.default": replace})
    transformed = convert(props, with_schema(schema, value))
    assert transformed.value.get_without_default("ts") == expected
    assert transformed.value.get("other") == "test"


@pytest.mark.parametrize(
    ("precision", "raw"),
    [
        ("microseconds", DATE_PLUS_TIME_UNIX_MICROS),
        ("nanoseconds", DATE_PLUS_TIME_UNIX_NANOS),
        ("milliseconds", DATE_PLUS_TIME_UNIX),
    ],
)
def test_unix_precision_input(precision: str, raw: int) -> None:
    schema = SchemaBuilder.struct().field("ts", INT64_SCHEMA).build()
    props = config("Timestamp", field="ts", **{"unix.precision": precision})
    transformed = convert(props, with_schema(schema, Struct(schema).put("ts", raw)))
    assert transformed.value_schema.field("ts").schema == Timestamp.SCHEMA  # type: ignore[union-attr]
    assert transformed.value.get("ts") == DATE_PLUS_TIME


def test_unix_seconds_input() -> None:
    props = config("Timestamp", **{"unix.precision": "seconds"})
    transformed = convert(props, with_schema(INT64_SCHEMA, DATE_PLUS_TIME_UNIX_SECONDS))
    assert transformed.value == dt.datetime(1970, 1, 2, 0, 0, 1, tzinfo=UTC)


def test_negative_times_truncate_and_floor_like_java() -> None:
    before_epoch = dt.datetime(1969, 12, 31, 23, 59, 58, 500000, tzinfo=UTC)  # -1500 ms
    assert convert(config("unix", **{"unix.precision": "seconds"}), schemaless(before_epoch)).value == -1
    assert convert(config("Date"), schemaless(before_epoch)).value == dt.date(1969, 12, 31)
    assert convert(config("Time"), schemaless(before_epoch)).value == dt.time(23, 59, 58, 500000)
    # -1500 micros is -1.5 ms: Java's TimeUnit truncates towards zero.
    micros = config("Timestamp", **{"unix.precision": "microseconds"})
    assert convert(micros, schemaless(-1500)).value == EPOCH - dt.timedelta(milliseconds=1)


def test_unix_output_saturates_like_java() -> None:
    props = config("unix", **{"unix.precision": "nanoseconds"})
    assert convert(props, schemaless(dt.datetime(9999, 1, 1, tzinfo=UTC))).value == 2**63 - 1


def test_schema_that_is_no_timestamp() -> None:
    with pytest.raises(ConnectError, match="does not correspond to a known timestamp type"):
        convert(config("Timestamp"), with_schema(INT32_SCHEMA, 5))


def test_value_not_matching_its_schema_type() -> None:
    with pytest.raises(DataError, match="Expected string timestamp"):
        convert(config("Timestamp", format="yyyy"), with_schema(STRING_SCHEMA, 5))
    with pytest.raises(DataError, match="Expected Unix timestamp"):
        convert(config("Timestamp"), with_schema(INT64_SCHEMA, "5"))


def test_field_requires_struct() -> None:
    with pytest.raises(DataError, match="Only Struct objects supported"):
        convert(config("Timestamp", field="ts"), with_schema(INT64_SCHEMA, 5))


def test_struct_default_value_is_converted() -> None:
    plain = SchemaBuilder.struct().field("ts", INT64_SCHEMA).build()
    default = Struct(plain).put("ts", DATE_PLUS_TIME_UNIX)
    schema = Schema(Type.STRUCT, optional=True, default_value=default, fields=plain.fields)
    transformed = convert(config("Timestamp", field="ts"), with_schema(schema, None))
    updated = transformed.value_schema
    assert updated is not None
    assert updated.optional
    assert updated.field("ts").schema == Timestamp.SCHEMA  # type: ignore[union-attr]
    assert updated.default_value.get("ts") == DATE_PLUS_TIME
    assert transformed.value is None


# -- properties ------------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))


@given(instants, st.sampled_from(["milliseconds", "microseconds", "nanoseconds"]))
def test_round_trip_through_unix(instant: dt.datetime, precision: str) -> None:
    # Nanoseconds since the epoch only fit a Java long for 1677-2262; beyond, Java saturates.
    assume(precision != "nanoseconds" or 1678 <= instant.year <= 2261)
    to_unix = value_xform(**config("unix", **{"unix.precision": precision}))
    back = value_xform(**config("Timestamp", **{"unix.precision": precision}))
    unix = to_unix.apply(with_schema(Timestamp.SCHEMA, instant))
    assert unix.value_schema == INT64_SCHEMA
    assert back.apply(unix).value == instant


@given(instants)
def test_round_trip_through_string(instant: dt.datetime) -> None:
    fmt = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"
    to_string = value_xform(**config("string", format=fmt))
    back = value_xform(**config("Timestamp", format=fmt))
    as_string = to_string.apply(with_schema(Timestamp.SCHEMA, instant))
    assert as_string.value == instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert back.apply(as_string).value == instant


@given(instants)
def test_date_and_time_split_an_instant(instant: dt.datetime) -> None:
    date = value_xform(**config("Date")).apply(schemaless(instant)).value
    time = value_xform(**config("Time")).apply(schemaless(instant)).value
    assert dt.datetime.combine(date, time, tzinfo=UTC) == instant
