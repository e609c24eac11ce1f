"""StringConverter: Java's toString() text, charsets and the optional STRING schema on read."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import FLOAT32_SCHEMA, OPTIONAL_STRING_SCHEMA, SchemaBuilder
from distconnect.api.errors import ConfigError
from distconnect.api.struct import Struct
from distconnect.converters.string import StringConverter, java_to_string


def make(**config: str) -> StringConverter:
    converter = StringConverter()
    converter.configure(config, False)
    return converter


@given(st.text(), st.sampled_from(["UTF-8", "UTF-16", "UTF-32", "UTF-16LE"]))
def test_text_round_trips_in_unicode_charsets(text: str, encoding: str) -> None:
    converter = make(**{"converter.encoding": encoding})
    raw = converter.from_connect_data("t", None, text)
    assert raw is not None
    assert converter.to_connect_data("t", raw) == (OPTIONAL_STRING_SCHEMA, text)


def test_charsets_write_javas_bytes() -> None:
    assert make(**{"converter.encoding": "UTF-16"}).from_connect_data("t", None, "A") == b"\xfe\xff\x00A"
    assert make(**{"converter.encoding": "UTF-32"}).from_connect_data("t", None, "A") == b"\x00\x00\x00A"
    assert make(**{"converter.encoding": "ISO-8859-1"}).from_connect_data("t", None, "é€") == b"\xe9?"
    assert make(**{"converter.encoding": "US-ASCII"}).to_connect_data("t", b"a\xffb").value == "a\ufffdb"
    assert make(**{"converter.encoding": "UTF-16"}).to_connect_data("t", b"\xff\xfeA\x00").value == "A"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (-12, "-12"),
        (1.0, "1.0"),
        (1e20, "1.0E20"),
        (decimal.Decimal("-0.50"), "-0.50"),
        ([1, "a", None], "[1, a, null]"),
        ({"k": 1.5, "z": [True]}, "{k=1.5, z=[true]}"),
        (b"bytes", "bytes"),
        (datetime.date(2024, 2, 29), "2024-02-29"),
    ],
)
def test_values_are_written_as_java_to_string(value: Any, text: str) -> None:
    assert make().from_connect_data("t", None, value) == text.encode()


def test_schema_steers_float_and_struct_text() -> None:
    assert make().from_connect_data("t", FLOAT32_SCHEMA, 0.1) == b"0.1"
    schema = (
        SchemaBuilder.struct()
        .field("a", SchemaBuilder.int8().build())
        .field("b", OPTIONAL_STRING_SCHEMA)
        .build()
    )
    assert java_to_string(Struct(schema).put("a", 1)) == "Struct{a=1}"
    assert (
        make().from_connect_data("t", schema, Struct(schema).put("a", 1).put("b", "x")) == b"Struct{a=1,b=x}"
    )


def test_nulls_stay_null() -> None:
    converter = make()
    assert converter.from_connect_data("t", None, None) is None
    assert converter.to_connect_data("t", None) == (OPTIONAL_STRING_SCHEMA, None)
    assert converter.from_connect_header("t", "h", None, "v") == b"v"
    assert converter.to_connect_header("t", "h", b"v") == (OPTIONAL_STRING_SCHEMA, "v")


def test_unknown_charset_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"converter\.encoding"):
        make(**{"converter.encoding": "no-such-charset"})


def test_config_def_matches_java() -> None:
    keys = make().config().config_keys
    assert list(keys) == ["converter.type", "converter.encoding"]
    assert keys["converter.encoding"].default == "UTF-8"
    assert keys["converter.encoding"].display_name == "Encoding"
