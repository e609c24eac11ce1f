"""HeaderFrom.Key / .Value (after Kafka's HeaderFromTest: every side x operation x schema mode)."""

from __future__ import annotations

from typing import Any

import pytest

from distconnect.api.data import (
    INT32_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.headers import Header, Headers
from distconnect.api.records import SourceRecord
from distconnect.api.struct import Struct
from distconnect.transforms.header_from import HeaderFrom

SCHEMA = (
    SchemaBuilder.struct().name("rec").version(2).field("field1", STRING_SCHEMA)
    .field("field2", INT32_SCHEMA).field("field3", STRING_SCHEMA).build()
)  # fmt: skip
MOVED_SCHEMA = SchemaBuilder.struct().name("rec").version(2).field("field3", STRING_SCHEMA).build()
PROPS = {"fields": "field1,field2", "headers": "inserted1,inserted2"}


def make(side: str, operation: str, **extra: Any) -> HeaderFrom[SourceRecord]:
    xform: HeaderFrom[SourceRecord] = HeaderFrom.Key() if side == "key" else HeaderFrom.Value()
    xform.configure({**PROPS, "operation": operation, **extra})
    return xform


def make_record(side: str, schema: Schema | None, value: Any) -> SourceRecord:
    headers = Headers().add("existing", "existing-value").add("inserted1", "old-value")
    if side == "key":
        return SourceRecord(topic="t", key_schema=schema, key=value, value="other", headers=headers)
    return SourceRecord(topic="t", key="other", value_schema=schema, value=value, headers=headers)


def operating(side: str, record: SourceRecord) -> tuple[Schema | None, Any]:
    return (record.key_schema, record.key) if side == "key" else (record.value_schema, record.value)


def other_half(side: str, record: SourceRecord) -> Any:
    return record.value if side == "key" else record.key


EXPECTED_HEADERS_SCHEMALESS = [
    Header("existing", None, "existing-value"),
    Header("inserted1", None, "old-value"),
    Header("inserted1", None, "field1-value"),
    Header("inserted2", None, 2),
]
EXPECTED_HEADERS_WITH_SCHEMA = [
    Header("existing", None, "existing-value"),
    Header("inserted1", None, "old-value"),
    Header("inserted1", STRING_SCHEMA, "field1-value"),
    Header("inserted2", INT32_SCHEMA, 2),
]


@pytest.mark.parametrize("side", ["key", "value"])
@pytest.mark.parametrize("operation", ["copy", "move"])
def test_with_schema(side: str, operation: str) -> None:
    value = Struct(SCHEMA).put("field1", "field1-value").put("field2", 2).put("field3", "field3-value")
    original = make_record(side, SCHEMA, value)
    transformed = make(side, operation).apply(original)

    schema, new_value = operating(side, transformed)
    if operation == "copy":
        assert schema is SCHEMA
        assert new_value == value
    else:
        assert schema == MOVED_SCHEMA
        assert new_value == Struct(MOVED_SCHEMA).put("field3", "field3-value")
    assert list(transformed.headers) == EXPECTED_HEADERS_WITH_SCHEMA
    assert other_half(side, transformed) == "other"
    assert len(original.headers) == 2
    assert operating(side, original) == (SCHEMA, value)


@pytest.mark.parametrize("side", ["key", "value"])
@pytest.mark.parametrize("operation", ["copy", "move"])
def test_schemaless(side: str, operation: str) -> None:
    value = {"field1": "field1-value", "field2": 2, "field3": "field3-value"}
    original = make_record(side, None, dict(value))
    transformed = make(side, operation).apply(original)

    schema, new_value = operating(side, transformed)
    assert schema is None
    assert new_value == (value if operation == "copy" else {"field3": "field3-value"})
    assert list(transformed.headers) == EXPECTED_HEADERS_SCHEMALESS
    assert operating(side, original)[1] == value


def test_schemaless_missing_field_gives_null_header() -> None:
    transformed = make("value", "move").apply(make_record("value", None, {"field2": 2}))
    assert transformed.headers.last_with_name("inserted1") == Header("inserted1", None, None)
    assert transformed.value == {}


def test_missing_field_with_schema_is_a_data_error() -> None:
    schema = SchemaBuilder.struct().field("field1", STRING_SCHEMA).build()
    with pytest.raises(DataError, match="'field2'"):
        make("value", "copy").apply(make_record("value", schema, Struct(schema).put("field1", "x")))


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        (None, "not a map", r"Only Map objects supported in absence of schema for \[header copy\]"),
        (SCHEMA, None, r"Only Struct objects supported for \[header copy\]"),
        (STRING_SCHEMA, "x", r"Only Struct objects supported for \[header copy\]"),
    ],
)
def test_wrong_value_kinds(schema: Schema | None, value: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        make("value", "copy").apply(make_record("value", schema, value))


@pytest.mark.parametrize(("replace", "expected"), [(True, 7), (False, None)])
def test_replace_null_with_default(replace: bool, expected: Any) -> None:
    with_default = SchemaBuilder.int32().optional().default(7).build()
    schema = (
        SchemaBuilder.struct().field("field1", STRING_SCHEMA).field("field2", with_default)
        .field("field3", OPTIONAL_INT32_SCHEMA).build()
    )  # fmt: skip
    value = Struct(schema).put("field1", "a")
    transformed = make("value", "move", **{"replace.null.with.default": replace}).apply(
        make_record("value", schema, value)
    )
    header = transformed.headers.last_with_name("inserted2")
    assert header == Header("inserted2", with_default, expected)


@pytest.mark.parametrize(
    ("props", "key", "message"),
    [
        ({"fields": "a,b", "headers": "x", "operation": "copy"}, "headers", "same number of elements"),
        ({"fields": "", "headers": "x", "operation": "copy"}, "fields", "Empty list"),
        ({"fields": "a", "headers": "", "operation": "copy"}, "headers", "Empty list"),
        ({"fields": "a", "headers": "x", "operation": "rename"}, "operation", "String must be one of"),
        ({"fields": "a", "headers": "x"}, "operation", "Missing required"),
    ],
)
def test_config_errors_name_the_key(props: dict[str, str], key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        HeaderFrom.Value().configure(props)
    assert info.value.name == key


def test_moved_schema_is_cached() -> None:
    xform = make("value", "move")
    value = Struct(SCHEMA).put("field1", "a").put("field2", 1).put("field3", "c")
    first = xform.apply(make_record("value", SCHEMA, value))
    second = xform.apply(make_record("value", SCHEMA, value))
    assert first.value_schema is second.value_schema
