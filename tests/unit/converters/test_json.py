"""JsonConverter: round trips, Java's exact bytes, malformed input and the schema caches.

Expected bytes below were produced by Apache Kafka 4.3.0's own JsonConverter on JDK 25 (the
interop test in tests/interop re-checks the same ground against a live JVM).
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
import struct
from typing import Any

import orjson
import pytest
from connect_strategies import describe_schema, describe_value, schemas_and_values, with_defaults
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from distconnect.api.config import ConfigType, Importance
from distconnect.api.data import (
    INT32_SCHEMA,
    NULL_SCHEMA_AND_VALUE,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.api.struct import Struct
from distconnect.converters.json import JsonConverter
from distconnect.converters.json_numbers import java_double_str, java_float_str, to_float32

ENVELOPE_ERROR = 'JsonConverter with schemas.enable requires "schema" and "payload" fields'


def make(**config: str) -> JsonConverter:
    converter = JsonConverter()
    converter.configure(config, False)
    return converter


def envelope(schema_json: str, payload_json: str) -> bytes:
    return f'{{"schema":{schema_json},"payload":{payload_json}}}'.encode()


# -- property-based round trips ----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(schemas_and_values(), st.sampled_from([{}, {"decimal.format": "NUMERIC"}]))
def test_values_round_trip_with_schemas(example: tuple[Schema, Any], config: dict[str, str]) -> None:
    schema, value = example
    converter = make(**config)
    result = converter.to_connect_data("t", converter.from_connect_data("t", schema, value))
    assert result.schema == schema
    assert describe_value(schema, result.value) == describe_value(schema, with_defaults(schema, value))


@settings(max_examples=200, deadline=None)
@given(schemas_and_values(finite=True))
def test_schemaless_bytes_are_the_envelope_payload(example: tuple[Schema, Any]) -> None:
    schema, value = example
    with_schema = make().from_connect_data("t", schema, value)
    plain = make(**{"schemas.enable": "false"}).from_connect_data("t", schema, value)
    assert with_schema is not None
    assert plain is not None
    assert with_schema.endswith(b',"payload":' + plain + b"}")
    # Without schemas the same bytes read back as plain JSON data and are written again unchanged
    # (except a negative zero, which Java reads as 0.0).
    assume(re.search(rb"[\[,:]-0\.0[\],}]", plain) is None)
    reader = make(**{"schemas.enable": "false"})
    result = reader.to_connect_data("t", plain)
    assert result.schema is None
    assert reader.from_connect_data("t", None, result.value) == plain or result.value is None


# Non-finite doubles are written as the strings "Infinity"/"NaN" (as Jackson does) and so cannot
# round-trip without a schema; their encoding is pinned by the explicit cases further down.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=10,
)


@given(json_values, st.booleans())
def test_schemaless_values_round_trip(value: Any, schemas_enable: bool) -> None:
    converter = make(**{"schemas.enable": str(schemas_enable).lower()})
    raw = converter.from_connect_data("t", None, value)
    if value is None:
        assert raw is None
        return
    assert raw is not None
    result = converter.to_connect_data("t", raw)
    assert result.schema is None
    assert _plain(result.value) == _plain(value)


def _plain(value: Any) -> Any:
    """Floats by bit pattern, with -0.0 read back as 0.0 (as Java's BigDecimal parsing does)."""
    if isinstance(value, float):
        return struct.pack("<d", value + 0.0)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# -- Java's exact bytes ------------------------------------------------------------------------------

DOUBLES = [
    (1.0, "1.0"),
    (-1.5, "-1.5"),
    (100.0, "100.0"),
    (0.001, "0.001"),
    (0.00099, "9.9E-4"),
    (1e-5, "1.0E-5"),
    (1e7, "1.0E7"),
    (9999999.0, "9999999.0"),
    (12345678.0, "1.2345678E7"),
    (1e20, "1.0E20"),
    (1e23, "1.0E23"),
    (2e23, "2.0E23"),
    (5e-324, "4.9E-324"),
    (1e-323, "9.9E-324"),
    (1.7976931348623157e308, "1.7976931348623157E308"),
    (2.0**-32, "2.3283064365386963E-10"),
    (2.82879384806159e17, "2.82879384806159E17"),
    (0.0, "0.0"),
    (-0.0, "-0.0"),
    (math.inf, "Infinity"),
    (math.nan, "NaN"),
]
FLOATS = [
    (0.1, "0.1"),
    (1.0, "1.0"),
    (3.4028234663852886e38, "3.4028235E38"),
    (1.401298464324817e-45, "1.4E-45"),
    (2.802596928649634e-45, "2.8E-45"),
    (1.1754943508222875e-38, "1.1754944E-38"),
    (16777216.0, "1.6777216E7"),
    (1e10, "1.0E10"),
    (2.0**28, "2.6843546E8"),
    (2.0**-20, "9.536743E-7"),
    (7.17e-43, "7.17E-43"),
    (-0.0, "-0.0"),
]


@pytest.mark.parametrize(("value", "text"), DOUBLES)
def test_doubles_are_spelled_like_java(value: float, text: str) -> None:
    assert java_double_str(value) == text


@pytest.mark.parametrize(("value", "text"), FLOATS)
def test_floats_are_spelled_like_java(value: float, text: str) -> None:
    assert java_float_str(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_double_text_is_shortest_and_exact(value: float) -> None:
    text = java_double_str(value)
    assert float(text) == value
    digits = text.lstrip("-").split("E")[0].replace(".", "").strip("0")
    assert len(digits) <= max(2, len(repr(abs(value)).split("e")[0].replace(".", "").strip("0")))
    assert ("E" in text) == (value != 0 and not 1e-3 <= abs(float(text)) < 1e7)


@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_float_text_identifies_the_float(value: float) -> None:
    text = java_float_str(value)
    assert to_float32(float(text)) == value
    digits = text.lstrip("-").split("E")[0].replace(".", "").strip("0")
    assert len(digits) <= 9


def test_struct_envelope_matches_java_bytes() -> None:
    inner = SchemaBuilder.struct().field("x", SchemaBuilder.int16().build()).build()
    schema = (
        SchemaBuilder.struct()
        .name("com.example.Outer")
        .version(3)
        .doc("an outer \U0001f600 struct")
        .parameter("b", "2")
        .parameter("a", "1")
        .field("id", SchemaBuilder.int64().build())
        .field("count", SchemaBuilder.int32().default(7).build())
        .field("inner", inner)
        .build()
    )
    value = Struct(schema).put("id", 1).put("inner", Struct(inner).put("x", 2))
    assert make().from_connect_data("t", schema, value) == (
        b'{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},'
        b'{"type":"int32","optional":false,"default":7,"field":"count"},{"type":"struct","fields":'
        b'[{"type":"int16","optional":false,"field":"x"}],"optional":false,"field":"inner"}],'
        b'"optional":false,"name":"com.example.Outer","version":3,"doc":"an outer \\uD83D\\uDE00 struct",'
        b'"parameters":{"b":"2","a":"1"}},"payload":{"id":1,"count":7,"inner":{"x":2}}}'
    )


def test_strings_escape_like_jackson() -> None:
    text = '\x00\x1f\x0b\x7f\u2028/\u00e9\U0001f600"\\ \\u001f'
    assert make().from_connect_data("t", STRING_SCHEMA, text) == (
        b'{"schema":{"type":"string","optional":false},"payload":'
        b'"\\u0000\\u001F\\u000B\x7f\xe2\x80\xa8/\xc3\xa9\\uD83D\\uDE00\\"\\\\ \\\\u001f"}'
    )
    assert make().to_connect_data("t", make().from_connect_data("t", STRING_SCHEMA, text)).value == text


@pytest.mark.parametrize(
    ("schema", "value", "payload"),
    [
        (Decimal.schema(2), decimal.Decimal("12.34"), b'"BNI="'),
        (Decimal.schema(0), decimal.Decimal("-129"), b'"/38="'),
        (Date.SCHEMA, datetime.date(1970, 1, 2), b"1"),
        (Time.SCHEMA, datetime.time(0, 0, 1, 500_000), b"1500"),
        (Timestamp.SCHEMA, datetime.datetime(1969, 12, 31, 23, 59, 59, 999_000, tzinfo=datetime.UTC), b"-1"),
        (SchemaBuilder.bytes_().build(), b"\x00\xff", b'"AP8="'),
        (SchemaBuilder.map(INT32_SCHEMA, STRING_SCHEMA).build(), {1: "a", -2: "b"}, b'[[1,"a"],[-2,"b"]]'),
        (SchemaBuilder.map(OPTIONAL_STRING_SCHEMA, INT32_SCHEMA).build(), {None: 1}, b'{"null":1}'),
        (SchemaBuilder.array(SchemaBuilder.float32().build()).build(), [0.1, 1e10], b"[0.1,1.0E10]"),
        (SchemaBuilder.float64().optional().default(2.5).build(), None, b"2.5"),
        (SchemaBuilder.float64().build(), math.nan, b'"NaN"'),
    ],
)
def test_payload_encodings_match_java(schema: Schema, value: Any, payload: bytes) -> None:
    assert make(**{"schemas.enable": "false"}).from_connect_data("t", schema, value) == payload


def test_numeric_decimals_are_json_numbers_like_bigdecimal_to_string() -> None:
    converter = make(**{"schemas.enable": "false", "decimal.format": "numeric"})
    for text, expected in [("12.34", b"12.34"), ("-0.00", b"0.00"), ("1E+3", b"1E+3"), ("1E-10", b"1E-10")]:
        value = decimal.Decimal(text)
        schema = Decimal.schema(-value.as_tuple().exponent)  # type: ignore[operator]
        assert converter.from_connect_data("t", schema, value) == expected


def test_numeric_decimals_read_back_exactly_and_at_the_schema_scale() -> None:
    schema = '{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}'
    converter = make()
    wide = converter.to_connect_data("t", envelope(schema, "123456789012345678901234567890.12"))
    assert wide.value == decimal.Decimal("123456789012345678901234567890.12")
    assert str(converter.to_connect_data("t", envelope(schema, "12.3")).value) == "12.30"
    assert (
        str(converter.to_connect_data("t", envelope(schema, "12.345")).value) == "12.345"
    )  # kept as Java does


def test_tombstones_and_nulls() -> None:
    converter = make()
    assert converter.from_connect_data("t", None, None) is None
    assert converter.to_connect_data("t", None) == NULL_SCHEMA_AND_VALUE
    assert converter.from_connect_data("t", OPTIONAL_STRING_SCHEMA, None) == (
        b'{"schema":{"type":"string","optional":true},"payload":null}'
    )
    assert make(**{"schemas.enable": "false"}).from_connect_data("t", OPTIONAL_STRING_SCHEMA, None) == b"null"


def test_replace_null_with_default_off_keeps_nulls() -> None:
    schema = SchemaBuilder.int32().optional().default(5).build()
    assert make(**{"schemas.enable": "false"}).from_connect_data("t", schema, None) == b"5"
    plain = make(**{"schemas.enable": "false", "replace.null.with.default": "false"})
    assert plain.from_connect_data("t", schema, None) == b"null"
    raw = envelope('{"type":"int32","optional":true,"default":5}', "null")
    assert make().to_connect_data("t", raw).value == 5
    assert make(**{"replace.null.with.default": "false"}).to_connect_data("t", raw).value is None


def test_schemaless_reading_infers_nothing() -> None:
    result = make(**{"schemas.enable": "false"}).to_connect_data("t", b'{"a":[1,2.5,"x",true,null,-0.0]}')
    assert result.schema is None
    assert result.value == {"a": [1, 2.5, "x", True, None, 0.0]}
    assert math.copysign(1, result.value["a"][5]) == 1  # BigDecimal has no negative zero


def test_jackson_leniencies_are_kept() -> None:
    plain = make(**{"schemas.enable": "false"})
    assert plain.to_connect_data("t", b"[007, -00.5]").value == [7, -0.5]  # ALLOW_LEADING_ZEROS
    assert plain.to_connect_data("t", b"").value is None  # empty input is Jackson's MissingNode
    assert plain.to_connect_data("t", b"1e400").value == math.inf
    assert make().to_connect_data("t", envelope('{"type":"double"}', '"-Infinity"')).value == -math.inf


def test_fixed_schema_content_reads_bare_payloads() -> None:
    converter = make(**{"schema.content": '{"type":"struct","fields":[{"type":"int8","field":"a"}]}'})
    result = converter.to_connect_data("t", b'{"a":3}')
    assert result.schema is not None
    assert result.value == Struct(result.schema).put("a", 3)
    with pytest.raises(DataError, match="Failed to parse schema in converter config"):
        make(**{"schema.content": "{"})


# -- malformed input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{", "Converting byte[] to Kafka Connect data failed due to serialization error: "),
        (b'{"schema":null,"payload":1} x', "serialization error"),
        (b"[1,2]", ENVELOPE_ERROR),
        (b'{"schema":{"type":"int8"}}', ENVELOPE_ERROR),
        (b'{"schema":null,"payload":1,"extra":1}', ENVELOPE_ERROR),
        (b"", ENVELOPE_ERROR),
        (
            envelope('{"type":"int32"}', '"x"'),
            "Expected an integral JSON number for INT32 value, but found STRING",
        ),
        (envelope('{"type":"int8"}', "300"), "Value 300 out of range for INT8"),
        (envelope('{"type":"int32"}', "1.5"), "integral JSON number for INT32"),
        (envelope('{"type":"boolean"}', "1"), "Expected a JSON boolean for BOOLEAN value, but found NUMBER"),
        (envelope('{"type":"string"}', "[]"), "Expected a JSON string for STRING value, but found ARRAY"),
        (envelope('{"type":"bytes"}', '"YWJ"'), "Invalid bytes field"),
        (envelope('{"type":"int32"}', "null"), "Invalid null value for required INT32 field"),
        (envelope('{"type":"nope"}', "1"), "Unknown schema type: nope"),
        (envelope("{}", "1"), "Schema must contain 'type' field"),
        (envelope('{"type":"array"}', "[]"), "Array schema did not specify the element type"),
        (
            envelope('{"type":"map","keys":{"type":"string"}}', "{}"),
            "Map schema did not specify the value type",
        ),
        (
            envelope('{"type":"struct","fields":{}}', "{}"),
            'Struct schema\'s "fields" argument is not an array.',
        ),
        (envelope('{"type":"struct","fields":[{"type":"int8"}]}', "{}"), "field name not specified properly"),
        (envelope('{"type":"int8","parameters":{"p":1}}', "1"), "Schema parameters must have string values."),
        (envelope('{"type":"int8","default":null}', "1"), "Invalid null value for required INT8 field"),
        (
            envelope('{"type":"struct","fields":[]}', "[]"),
            "Structs should be encoded as JSON objects, but found ARRAY",
        ),
        (
            envelope('{"type":"map","keys":{"type":"int8"},"values":{"type":"int8"}}', "{}"),
            "Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT",
        ),
        (
            envelope('{"type":"map","keys":{"type":"int8"},"values":{"type":"int8"}}', "[[1]]"),
            "Found invalid map entry, expected length 2 but found :1",
        ),
        (
            envelope('{"type":"int32","name":"org.apache.kafka.connect.data.Date"}', "1.0"),
            "Invalid type for Date, underlying representation should be integer but was NUMBER",
        ),
        (
            envelope(
                '{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"0"}}',
                "true",
            ),
            "underlying representation should be numeric or bytes but was BOOLEAN",
        ),
    ],
)
def test_malformed_input_names_what_is_wrong(raw: bytes, message: str) -> None:
    with pytest.raises(DataError) as caught:
        make().to_connect_data("t", raw)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        (INT32_SCHEMA, "x", "Invalid type for INT32: <class 'str'>"),
        (INT32_SCHEMA, True, "Invalid type for INT32"),
        (INT32_SCHEMA, 2**31, "out of range for INT32"),
        (SchemaBuilder.float64().build(), 1, "Invalid type for FLOAT64"),
        (SchemaBuilder.float32().build(), 1e39, "out of range for FLOAT32"),
        (INT32_SCHEMA, None, "null value for field that is required and has no default value"),
        (Decimal.schema(2), decimal.Decimal("1.5"), "mismatching scale"),
        (Decimal.schema(2), 1.5, "Invalid type for Decimal"),
        (SchemaBuilder.struct().build(), {"a": 1}, "Invalid type for STRUCT"),
        (
            SchemaBuilder.struct().build(),
            Struct(SchemaBuilder.struct().name("other").build()),
            "Mismatching schema.",
        ),
        (None, object(), "does not have corresponding schema type"),
        (None, Struct(SchemaBuilder.struct().build()), "Mismatching schema."),
        (None, 2**64, "out of range for INT64"),
    ],
)
def test_unconvertible_connect_data_raises(schema: Schema | None, value: Any, message: str) -> None:
    with pytest.raises(DataError) as caught:
        make().from_connect_data("t", schema, value)
    assert message in str(caught.value)


# -- caches and configuration ------------------------------------------------------------------------


def test_schema_caches_count_nested_schemas_like_java() -> None:
    converter = make()
    schema = SchemaBuilder.struct().field("a", INT32_SCHEMA).field("b", STRING_SCHEMA).build()
    value = Struct(schema).put("a", 1).put("b", "x")
    raw = converter.from_connect_data("t", schema, value)
    assert converter.from_connect_schema_cache_size == 3
    converter.from_connect_data("t", schema, value)
    assert converter.from_connect_schema_cache_size == 3
    converter.to_connect_data("t", raw)
    assert converter.to_connect_schema_cache_size == 3  # the struct and its two field schemas
    reordered = (
        b'{"payload":{"a":1,"b":"x"},"schema":' + raw[len(b'{"schema":') : raw.index(b',"payload"')] + b"}"
    )
    assert converter.to_connect_data("t", reordered).value == value
    assert converter.to_connect_schema_cache_size == 3


def test_schema_cache_evicts_least_recently_used() -> None:
    converter = make(**{"schemas.cache.size": "2"})
    schemas = [SchemaBuilder.int32().name(f"n{i}").build() for i in range(3)]
    for schema in schemas:
        converter.from_connect_data("t", schema, 1)
        converter.to_connect_data("t", converter.from_connect_data("t", schema, 1))
    assert converter.from_connect_schema_cache_size == 2
    assert converter.to_connect_schema_cache_size == 2
    uncached = make(**{"schemas.cache.size": "0"})
    assert uncached.from_connect_data("t", schemas[0], 1) == converter.from_connect_data("t", schemas[0], 1)
    assert uncached.from_connect_schema_cache_size == 0


def test_config_def_matches_java() -> None:
    keys = make().config().config_keys
    assert list(keys) == [
        "converter.type",
        "schemas.enable",
        "schemas.cache.size",
        "schema.content",
        "decimal.format",
        "replace.null.with.default",
    ]
    assert keys["schemas.enable"].default is True
    assert keys["schemas.enable"].importance is Importance.HIGH
    assert keys["schemas.cache.size"].type is ConfigType.INT
    assert keys["schemas.cache.size"].default == 1000
    assert keys["decimal.format"].default == "BASE64"
    assert keys["decimal.format"].documentation.startswith("Controls which format")
    assert keys["replace.null.with.default"].group == "Serialization"


def test_bad_settings_raise_config_errors_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"decimal\.format"):
        make(**{"decimal.format": "hex"})
    with pytest.raises(ConfigError, match=r"schemas\.cache\.size"):
        make(**{"schemas.cache.size": "many"})


def test_header_methods_convert_like_data() -> None:
    converter = make()
    raw = converter.from_connect_header("t", "h", INT32_SCHEMA, 3)
    assert raw == b'{"schema":{"type":"int32","optional":false},"payload":3}'
    assert converter.to_connect_header("t", "h", raw).value == 3


def test_envelope_keys_may_come_in_any_order_and_escape_the_decimal_name() -> None:
    escaped = '"org.apache.kafka.connect.data.Decim\\u0061l"'
    raw = (
        b'{"payload": 1.10, "schema": {"type": "bytes", "name": '
        + escaped.encode()
        + b', "parameters": {"scale": "2"}}}'
    )
    result = make().to_connect_data("t", raw)
    assert result.value == decimal.Decimal("1.10")
    assert describe_schema(result.schema)["name"] == "org.apache.kafka.connect.data.Decimal"


def test_orjson_is_what_writes_the_bytes() -> None:
    # A guard for the one place the converter relies on orjson's own float text.
    assert orjson.dumps([0.001, 1234567.5, 0.0, -0.0]) == b"[0.001,1234567.5,0.0,-0.0]"
