"""SetSchemaMetadata.Key / .Value (port of Kafka's SetSchemaMetadataTest, plus key and container cases)."""

from __future__ import annotations

from typing import Any

import pytest

from distconnect.api.data import (
    INT32_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.records import SinkRecord
from distconnect.api.struct import Struct
from distconnect.transforms.set_schema_metadata import SetSchemaMetadata


def value_xform(**props: Any) -> SetSchemaMetadata[SinkRecord]:
    xform: SetSchemaMetadata[SinkRecord] = SetSchemaMetadata.Value()
    xform.configure(props)
    return xform


def record(schema: Schema | None, value: Any) -> SinkRecord:
    return SinkRecord(topic="", kafka_partition=0, value_schema=schema, value=value, kafka_offset=0)


def test_schema_name_update() -> None:
    updated = value_xform(**{"schema.name": "foo"}).apply(record(SchemaBuilder.struct().build(), None))
    assert updated.value_schema is not None
    assert updated.value_schema.name == "foo"
    assert updated.value_schema.version is None


def test_schema_version_update() -> None:
    updated = value_xform(**{"schema.version": "42"}).apply(record(SchemaBuilder.struct().build(), None))
    assert updated.value_schema is not None
    assert updated.value_schema.version == 42
    assert updated.value_schema.name is None


def test_name_and_version_update_keeps_everything_else() -> None:
    schema = (
        SchemaBuilder.string().name("old").version(1).doc("doc").parameter("p", "v").optional().default("d")
        .build()
    )  # fmt: skip
    updated = value_xform(**{"schema.name": "foo", "schema.version": 42}).apply(record(schema, "x"))
    assert updated.value_schema == (
        SchemaBuilder.string().name("foo").version(42).doc("doc").parameter("p", "v").optional().default("d")
        .build()
    )  # fmt: skip
    assert updated.value == "x"


def test_struct_value_is_rebuilt_against_the_new_schema() -> None:
    schema = (
        SchemaBuilder.struct().name("my.orig.SchemaDefn").field("stringField", STRING_SCHEMA)
        .field("intField", INT32_SCHEMA).build()
    )  # fmt: skip
    value = Struct(schema).put("stringField", "value").put("intField", 1)
    updated = value_xform(**{"schema.name": "foo", "schema.version": 42}).apply(record(schema, value))
    new_schema = updated.value_schema
    assert new_schema is not None
    assert (new_schema.name, new_schema.version) == ("foo", 42)
    assert new_schema.fields == schema.fields
    assert isinstance(updated.value, Struct)
    assert updated.value.schema is new_schema
    assert updated.value.get("stringField") == "value"
    assert updated.value.get("intField") == 1
    updated.value.validate()
    assert value.schema is schema  # the input struct is untouched


def test_non_struct_value_is_kept() -> None:
    updated = value_xform(**{"schema.name": "foo"}).apply(record(INT32_SCHEMA, 5))
    assert updated.value == 5
    assert updated.value_schema is not None
    assert updated.value_schema.name == "foo"


@pytest.mark.parametrize(
    "schema",
    [
        SchemaBuilder.array(STRING_SCHEMA).build(),
        SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA).optional().build(),
    ],
)
def test_container_schemas_keep_element_schemas(schema: Schema) -> None:
    updated = value_xform(**{"schema.name": "foo"}).apply(record(schema, None))
    new_schema = updated.value_schema
    assert new_schema is not None
    assert new_schema.name == "foo"
    assert new_schema.type is schema.type
    assert new_schema.value_schema == schema.value_schema
    if schema.has_key_schema:
        assert new_schema.key_schema == schema.key_schema


def test_schemaless_null_record_is_returned_unchanged() -> None:
    original = record(None, None)
    assert value_xform(**{"schema.name": "foo"}).apply(original) is original


def test_schema_is_required_for_a_value() -> None:
    with pytest.raises(DataError, match=r"Schema required for \[updating schema metadata\]"):
        value_xform(**{"schema.name": "foo"}).apply(record(None, {"a": 1}))


@pytest.mark.parametrize(("replace", "expected"), [(True, "dflt"), (False, None)])
def test_replace_null_with_default(replace: bool, expected: Any) -> None:
    field_schema = SchemaBuilder.string().optional().default("dflt").build()
    schema = SchemaBuilder.struct().field("f", field_schema).field("g", OPTIONAL_STRING_SCHEMA).build()
    value = Struct(schema).put("g", "x")
    props = {"schema.name": "foo", "replace.null.with.default": replace}
    updated = value_xform(**props).apply(record(schema, value))
    assert updated.value.get_without_default("f") == expected
    assert updated.value.get("g") == "x"


def test_key_variant() -> None:
    xform: SetSchemaMetadata[SinkRecord] = SetSchemaMetadata.Key()
    xform.configure({"schema.name": "key.name", "schema.version": "3"})
    original = SinkRecord(
        topic="t", key_schema=INT32_SCHEMA, key=1, value_schema=STRING_SCHEMA, value="v", kafka_offset=0
    )
    updated = xform.apply(original)
    assert updated.key_schema is not None
    assert (updated.key_schema.name, updated.key_schema.version) == ("key.name", 3)
    assert updated.key == 1
    assert updated.value_schema is STRING_SCHEMA


@pytest.mark.parametrize(
    ("props", "key", "message"),
    [
        ({}, "schema.name", "Neither schema name nor version configured"),
        ({"schema.version": "x"}, "schema.version", "Not a number of type INT"),
    ],
)
def test_config_errors(props: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        value_xform(**props)
    assert info.value.name == key


def test_config_def() -> None:
    keys = SetSchemaMetadata.Value().config().config_keys
    assert list(keys) == ["schema.name", "schema.version", "replace.null.with.default"]
    assert keys["schema.name"].default is None
    assert keys["schema.version"].default is None
