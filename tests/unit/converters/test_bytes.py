"""ByteArrayConverter: pass-through bytes, DataError for anything that is not bytes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import BYTES_SCHEMA, INT32_SCHEMA, OPTIONAL_BYTES_SCHEMA, STRING_SCHEMA, Schema
from distconnect.api.errors import DataError
from distconnect.converters.bytes import ByteArrayConverter


@given(st.binary(), st.sampled_from([None, BYTES_SCHEMA, OPTIONAL_BYTES_SCHEMA]))
def test_bytes_pass_through_unchanged(raw: bytes, schema: Schema | None) -> None:
    converter = ByteArrayConverter()
    converter.configure({}, False)
    assert converter.from_connect_data("t", schema, raw) == raw
    assert converter.from_connect_data("t", schema, bytearray(raw)) == raw
    assert converter.from_connect_data("t", schema, memoryview(raw)) == raw
    assert converter.to_connect_data("t", raw) == (OPTIONAL_BYTES_SCHEMA, raw)


def test_nulls_pass_through() -> None:
    converter = ByteArrayConverter()
    assert converter.from_connect_data("t", BYTES_SCHEMA, None) is None
    assert converter.to_connect_data("t", None) == (OPTIONAL_BYTES_SCHEMA, None)


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        (STRING_SCHEMA, b"x", "Invalid schema type for ByteArrayConverter: STRING"),
        (INT32_SCHEMA, None, "Invalid schema type for ByteArrayConverter: INT32"),
        (None, "text", "ByteArrayConverter is not compatible with objects of type <class 'str'>"),
        (BYTES_SCHEMA, [1, 2], "not compatible with objects of type <class 'list'>"),
    ],
)
def test_non_bytes_are_rejected(schema: Schema | None, value: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        ByteArrayConverter().from_connect_data("t", schema, value)


def test_header_methods_and_config() -> None:
    converter = ByteArrayConverter()
    assert converter.from_connect_header("t", "h", None, b"v") == b"v"
    assert converter.to_connect_header("t", "h", b"v") == (OPTIONAL_BYTES_SCHEMA, b"v")
    assert list(converter.config().config_keys) == ["converter.type"]
