"""InsertHeader (port of Kafka's InsertHeaderTest, plus literal parsing and config errors)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from distconnect.api.data import INT8_SCHEMA, STRING_SCHEMA, Type
from distconnect.api.errors import ConfigError
from distconnect.api.headers import Headers
from distconnect.api.logical import Date
from distconnect.api.records import SourceRecord
from distconnect.transforms.insert_header import InsertHeader


def xform(header: str, literal: str) -> InsertHeader[SourceRecord]:
    t: InsertHeader[SourceRecord] = InsertHeader()
    t.configure({"header": header, "value.literal": literal})
    return t


def source_record(headers: Headers) -> SourceRecord:
    return SourceRecord(
        topic="topic",
        kafka_partition=0,
        key_schema=STRING_SCHEMA,
        key="key",
        value_schema=STRING_SCHEMA,
        value="value",
        timestamp=0,
        headers=headers,
        source_partition={"p": 1},
        source_offset={"o": 2},
    )


def test_insertion_with_existing_other_header() -> None:
    original = source_record(Headers().add("existing", "existing-value"))
    transformed = xform("inserted", "inserted-value").apply(original)
    assert [(h.key, h.value) for h in transformed.headers] == [
        ("existing", "existing-value"),
        ("inserted", "inserted-value"),
    ]
    assert len(original.headers) == 1  # the input record's headers are untouched
    assert (transformed.topic, transformed.key, transformed.value) == ("topic", "key", "value")
    assert transformed.source_offset == {"o": 2}


def test_insertion_with_existing_same_header_appends() -> None:
    original = source_record(Headers().add("existing", "preexisting-value"))
    transformed = xform("existing", "inserted-value").apply(original)
    assert [h.value for h in transformed.headers.all_with_name("existing")] == [
        "preexisting-value",
        "inserted-value",
    ]


@pytest.mark.parametrize(
    ("literal", "schema_type", "schema_name", "value"),
    [
        ("1", Type.INT8, None, 1),
        ("true", Type.BOOLEAN, None, True),
        ("inserted-value", Type.STRING, None, "inserted-value"),
        ("", Type.STRING, None, ""),
        ("[1,2]", Type.ARRAY, None, [1, 2]),
        ("2024-01-02", Type.INT32, Date.LOGICAL_NAME, dt.date(2024, 1, 2)),
    ],
)
def test_literal_is_parsed_with_values(literal: str, schema_type: Type, schema_name: Any, value: Any) -> None:
    header = xform("h", literal).apply(source_record(Headers())).headers.last_with_name("h")
    assert header is not None
    assert header.schema is not None
    assert header.schema.type is schema_type
    assert header.schema.name == schema_name
    assert header.value == value


def test_byte_header_schema() -> None:
    header = xform("h", "1").apply(source_record(Headers())).headers.last_with_name("h")
    assert header is not None
    assert header.schema == INT8_SCHEMA


@pytest.mark.parametrize(
    ("props", "key"),
    [({"value.literal": "x"}, "header"), ({"header": "h"}, "value.literal"), ({}, "header")],
)
def test_missing_config_names_the_key(props: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match="Missing required configuration") as info:
        InsertHeader[SourceRecord]().configure(props)
    assert info.value.name == key
