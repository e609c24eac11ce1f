"""ExtractField.Key / ExtractField.Value and field paths (ports of Kafka's ExtractFieldTest,
FieldPathNotationTest and SingleFieldPathTest)."""

from __future__ import annotations

from typing import Any

import pytest

from distconnect.api.data import INT32_SCHEMA, INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.records import SinkRecord
from distconnect.api.struct import Struct
from distconnect.transforms.extract_field import ExtractField
from distconnect.transforms.field_path import FieldSyntaxVersion, SingleFieldPath


def _xform(cls: type[ExtractField[Any]], **props: Any) -> ExtractField[Any]:
    xform = cls()
    xform.configure(props)
    return xform


def _sink(**kw: Any) -> SinkRecord:
    return SinkRecord(topic="", kafka_partition=0, kafka_offset=0, **kw)


def _v2(path: str) -> SingleFieldPath:
    return SingleFieldPath(path, FieldSyntaxVersion.V2)


def test_schemaless() -> None:
    out = _xform(ExtractField.Key, field="magic").apply(_sink(key={"magic": 42}, value="v"))
    assert (out.key_schema, out.key, out.value) == (None, 42, "v")


def test_schemaless_nested_v2() -> None:
    xform = _xform(ExtractField.Key, field="magic.foo", **{"field.syntax.version": "v2"})
    assert xform.apply(_sink(key={"magic": {"foo": 42}})).key == 42
    v1 = _xform(ExtractField.Key, field="magic.foo")
    assert v1.apply(_sink(key={"magic.foo": 1, "magic": {"foo": 42}})).key == 1


def test_null_schemaless() -> None:
    out = _xform(ExtractField.Key, field="magic").apply(_sink(key=None))
    assert (out.key_schema, out.key) == (None, None)


def test_with_schema() -> None:
    schema = SchemaBuilder.struct().field("magic", INT32_SCHEMA).build()
    out = _xform(ExtractField.Key, field="magic").apply(
        _sink(key_schema=schema, key=Struct(schema).put("magic", 42))
    )
    assert (out.key_schema, out.key) == (INT32_SCHEMA, 42)


def test_nested_with_schema_v2() -> None:
    inner = SchemaBuilder.struct().field("foo", INT32_SCHEMA).build()
    schema = SchemaBuilder.struct().field("magic", inner).build()
    value = Struct(schema).put("magic", Struct(inner).put("foo", 42))
    xform = _xform(ExtractField.Value, field="magic.foo", **{"field.syntax.version": "V2"})
    out = xform.apply(_sink(value_schema=schema, value=value))
    assert (out.value_schema, out.value) == (INT32_SCHEMA, 42)


def test_null_with_schema_keeps_field_schema() -> None:
    schema = SchemaBuilder.struct().field("magic", INT32_SCHEMA).optional().build()
    out = _xform(ExtractField.Key, field="magic").apply(_sink(key_schema=schema, key=None))
    assert (out.key_schema, out.key) == (INT32_SCHEMA, None)


def test_non_existent_field_schemaless_is_null() -> None:
    assert _xform(ExtractField.Key, field="nonexistent").apply(_sink(key={"magic": 42})).key is None


def test_non_existent_field_with_schema_fails() -> None:
    schema = SchemaBuilder.struct().field("magic", INT32_SCHEMA).build()
    xform = _xform(ExtractField.Key, field="nonexistent")
    with pytest.raises(DataError, match="Unknown field: nonexistent"):
        xform.apply(_sink(key_schema=schema, key=Struct(schema).put("magic", 42)))


def test_replace_null_with_default() -> None:
    schema = (
        SchemaBuilder.struct().field("magic", SchemaBuilder.int64().optional().default(7).build()).build()
    )
    record = _sink(value_schema=schema, value=Struct(schema))
    assert _xform(ExtractField.Value, field="magic").apply(record).value == 7
    keep = _xform(ExtractField.Value, field="magic", **{"replace.null.with.default": False})
    assert keep.apply(record).value is None


def test_wrong_value_kind() -> None:
    with pytest.raises(DataError, match="field extraction"):
        _xform(ExtractField.Value, field="a").apply(_sink(value="not a map"))
    schema = SchemaBuilder.struct().field("a", INT64_SCHEMA).build()
    with pytest.raises(DataError, match="field extraction"):
        _xform(ExtractField.Value, field="a").apply(_sink(value_schema=schema, value={"a": 1}))


def test_config_errors() -> None:
    with pytest.raises(ConfigError) as err:
        ExtractField.Value().configure({})
    assert err.value.name == "field"
    with pytest.raises(ConfigError) as err:
        ExtractField.Value().configure({"field": "a", "field.syntax.version": "V3"})
    assert err.value.name == "field.syntax.version"
    with pytest.raises(ConfigError, match="Incomplete backtick pair"):
        ExtractField.Value().configure({"field": "`a.b", "field.syntax.version": "V2"})


@pytest.mark.parametrize("path", ["foo.bar.baz", "foo`bar`", "foo.`bar.baz`"])
def test_v1_is_a_single_step(path: str) -> None:
    assert SingleFieldPath(path, FieldSyntaxVersion.V1).steps == (path,)


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("..", ("", "", "")),
        ("foo..", ("foo", "", "")),
        (".bar.", ("", "bar", "")),
        ("..baz", ("", "", "baz")),
        ("", ()),
        ("foobarbaz", ("foobarbaz",)),
        ("foo.bar.baz", ("foo", "bar", "baz")),
        ("foo`bar`baz", ("foo`bar`baz",)),
        ("`foo.bar.baz`", ("foo.bar.baz",)),
        ("foo.`bar.baz`", ("foo", "bar.baz")),
        ("`foo.bar`.baz", ("foo.bar", "baz")),
        ("foo.`bar`.baz", ("foo", "bar", "baz")),
        ("foo.``bar.baz`", ("foo", "`bar.baz")),
        ("foo.`bar.baz``", ("foo", "bar.baz`")),
        ("foo.`ba`r.baz`", ("foo", "ba`r.baz")),
        ("foo.ba`r.baz", ("foo", "ba`r", "baz")),
        ("foo.``bar``.baz", ("foo", "`bar`", "baz")),
        ("``foo.bar.baz``", ("`foo.bar.baz`",)),
        ("foo.`bar\\`.baz`", ("foo", "bar`.baz")),
        ("foo.`bar.`baz`", ("foo", "bar.`baz")),
        ("foo.`bar\\`.`baz`", ("foo", "bar`.`baz")),
        ("foo.`bar\\\\`.\\`baz`", ("foo", "bar\\`.\\`baz")),
    ],
)
def test_v2_parsing(path: str, steps: tuple[str, ...]) -> None:
    assert _v2(path).steps == steps


@pytest.mark.parametrize(
    ("path", "position"), [("`foo.bar.baz", 0), ("foo.`bar.baz", 4), ("foo.bar.`baz\\`", 8)]
)
def test_v2_incomplete_backticks(path: str, position: int) -> None:
    expected = (
        f"Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at "
        f"position {position} to escape it"
    )
    with pytest.raises(ConfigError) as err:
        _v2(path)
    assert expected in str(err.value)


def test_path_lookups() -> None:
    baz = SchemaBuilder.struct().field("inner", STRING_SCHEMA).optional().build()
    bar = SchemaBuilder.struct().field("bar", INT32_SCHEMA).field("baz", baz).build()
    schema = SchemaBuilder.struct().field("foo", bar).build()
    struct = Struct(schema).put("foo", Struct(bar).put("bar", 42).put("baz", None))
    assert _v2("foo.bar").field_from(schema) == bar.field("bar")
    assert _v2("foo").field_from(schema) == schema.field("foo")
    for missing in ("un.known", "foo.unknown", "unknown"):
        assert _v2(missing).field_from(schema) is None
        assert _v2(missing).value_from_struct(struct) is None
        assert _v2(missing).value_from_map({"foo": {"bar": 42, "baz": None}}) is None
    assert _v2("test").field_from(None) is None
    assert _v2("foo.bar").value_from_struct(struct) == 42
    assert _v2("foo.baz").value_from_struct(struct) is None
    assert _v2("foo.baz.inner").value_from_struct(struct) is None
    mapping = {"foo": {"bar": 42, "baz": None}}
    assert _v2("foo.bar").value_from_map(mapping) == 42
    assert _v2("foo.baz.inner").value_from_map(mapping) is None
    assert _v2("").value_from_map(mapping) is None
