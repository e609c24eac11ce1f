"""SimpleHeaderConverter: Values' string form out, Values.parse_string back in."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from distconnect.api.data import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    INT8_SCHEMA,
    INT32_SCHEMA,
    NULL_SCHEMA_AND_VALUE,
    STRING_SCHEMA,
    Schema,
    Type,
)
from distconnect.api.logical import Timestamp
from distconnect.converters.header import SimpleHeaderConverter

converter = SimpleHeaderConverter()


@pytest.mark.parametrize(
    ("schema", "value", "raw"),
    [
        (STRING_SCHEMA, "hello", b"hello"),
        (INT32_SCHEMA, 42, b"42"),
        (BOOLEAN_SCHEMA, True, b"true"),
        (None, [1, 2], b"[1,2]"),
        (None, {"a": 1}, b'{"a":1}'),
        (
            Timestamp.SCHEMA,
            datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
            b"2020-01-02T03:04:05.000Z",
        ),
    ],
)
def test_values_are_written_as_values_strings(schema: Schema | None, value: Any, raw: bytes) -> None:
    assert converter.from_connect_header("t", "h", schema, value) == raw


@pytest.mark.parametrize(
    ("raw", "schema_type", "value"),
    [
        (b"hello", Type.STRING, "hello"),
        (b"1", Type.INT8, 1),
        (b"true", Type.BOOLEAN, True),
        (b"[1,2]", Type.ARRAY, [1, 2]),
        (b'{"a":1}', Type.MAP, {"a": 1}),
    ],
)
def test_strings_are_parsed_into_inferred_schemas(raw: bytes, schema_type: Type, value: Any) -> None:
    result = converter.to_connect_header("t", "h", raw)
    assert result.schema is not None
    assert result.schema.type is schema_type
    assert result.value == value


@given(st.integers(-128, 127))
def test_small_integers_round_trip(number: int) -> None:
    raw = converter.from_connect_header("t", "h", INT8_SCHEMA, number)
    assert raw is not None
    assert converter.to_connect_header("t", "h", raw) == (INT8_SCHEMA, number)


@given(st.text(st.characters(codec="utf-8", categories=["L"]), min_size=1))
def test_words_round_trip_as_strings(word: str) -> None:
    assume(word.lower() not in ("true", "false", "null", "nan", "infinity"))  # keywords, as in Java
    raw = converter.from_connect_header("t", "h", STRING_SCHEMA, word)
    assert raw is not None
    result = converter.to_connect_header("t", "h", raw)
    assert result.value == word


def test_nulls_and_config() -> None:
    assert converter.from_connect_header("t", "h", STRING_SCHEMA, None) is None
    assert converter.to_connect_header("t", "h", None) == NULL_SCHEMA_AND_VALUE
    assert len(converter.config()) == 0
    converter.configure({"anything": "ignored"})


def test_undecodable_bytes_do_not_fail() -> None:
    result = converter.to_connect_header("t", "h", b"\xff\xfe")
    assert result.schema in (STRING_SCHEMA, BYTES_SCHEMA)
