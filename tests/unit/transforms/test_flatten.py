"""Flatten.Key / Flatten.Value (port of Kafka's FlattenTest, plus a property test)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    STRING_SCHEMA,
    SchemaBuilder,
)
from distconnect.api.errors import DataError
from distconnect.api.logical import Decimal
from distconnect.api.records import SourceRecord
from distconnect.api.struct import Struct
from distconnect.transforms.flatten import Flatten


def _xform(cls: type[Flatten[Any]], **props: Any) -> Flatten[Any]:
    xform = cls()
    xform.configure(props)
    return xform


def _source(**kw: Any) -> SourceRecord:
    return SourceRecord(topic="topic", kafka_partition=0, **kw)


PRIMITIVES = {
    "int8": (INT8_SCHEMA, 8),
    "int16": (INT16_SCHEMA, 16),
    "int32": (INT32_SCHEMA, 32),
    "int64": (INT64_SCHEMA, 64),
    "float32": (FLOAT32_SCHEMA, 32.0),
    "float64": (FLOAT64_SCHEMA, 64.0),
    "boolean": (BOOLEAN_SCHEMA, True),
    "string": (STRING_SCHEMA, "stringy"),
    "bytes": (BYTES_SCHEMA, b"bytes"),
}


def test_top_level_struct_required() -> None:
    with pytest.raises(DataError, match="flattening"):
        _xform(Flatten.Value).apply(_source(value_schema=INT32_SCHEMA, value=42))


def test_top_level_map_required() -> None:
    with pytest.raises(DataError, match="flattening"):
        _xform(Flatten.Value).apply(_source(value=42))


def test_nested_struct() -> None:
    builder = SchemaBuilder.struct()
    for name, (schema, _) in PRIMITIVES.items():
        builder.field(name, schema)
    supported = builder.build()
    one = SchemaBuilder.struct().field("B", supported).build()
    two = SchemaBuilder.struct().field("A", one).build()
    inner = Struct(supported)
    for name, (_, value) in PRIMITIVES.items():
        inner.put(name, value)
    value = Struct(two).put("A", Struct(one).put("B", inner))
    out = _xform(Flatten.Value).apply(_source(value_schema=two, value=value))
    assert [f.name for f in out.value_schema.fields] == [f"A.B.{n}" for n in PRIMITIVES]
    for name, (schema, expected) in PRIMITIVES.items():
        assert out.value_schema.field(f"A.B.{name}").schema == schema
        assert out.value.get(f"A.B.{name}") == expected


def test_nested_map_with_delimiter() -> None:
    supported = {name: value for name, (_, value) in PRIMITIVES.items()}
    out = _xform(Flatten.Value, delimiter="#").apply(_source(value={"A": {"B": supported}}))
    assert out.value_schema is None
    assert out.value == {f"A#B#{name}": value for name, value in supported.items()}


def test_optional_field_struct() -> None:
    supported = SchemaBuilder.struct().field("opt_int32", OPTIONAL_INT32_SCHEMA).build()
    one = SchemaBuilder.struct().field("B", supported).build()
    value = Struct(one).put("B", Struct(supported).put("opt_int32", None))
    out = _xform(Flatten.Value).apply(_source(value_schema=one, value=value))
    assert out.value.get("B.opt_int32") is None


def test_optional_nested_struct_makes_children_optional() -> None:
    supported = SchemaBuilder.struct().optional().field("req", INT32_SCHEMA).build()
    one = SchemaBuilder.struct().field("B", supported).build()
    out = _xform(Flatten.Value).apply(_source(value_schema=one, value=Struct(one).put("B", None)))
    assert out.value_schema.field("B.req").schema == SchemaBuilder.int32().optional().build()
    assert out.value.get("B.req") is None
    out.value.validate()


def test_field_defaults_and_logical_types_survive() -> None:
    child = (
        SchemaBuilder.struct()
        .optional()
        .field("opt", SchemaBuilder.string().optional().default("child_default").build())
        .field("amount", Decimal.schema(2))
        .build()
    )
    schema = SchemaBuilder.struct().field("c", child).build()
    out = _xform(Flatten.Value).apply(_source(value_schema=schema, value=Struct(schema)))
    assert (
        out.value_schema.field("c.opt").schema
        == SchemaBuilder.string().optional().default("child_default").build()
    )
    assert out.value_schema.field("c.amount").schema == Decimal.builder(2).optional().build()
    assert out.value.get("c.opt") == "child_default"


def test_optional_field_map() -> None:
    out = _xform(Flatten.Value).apply(_source(value={"B": {"opt_int32": None}}))
    assert out.value == {"B.opt_int32": None}


def test_key() -> None:
    out = _xform(Flatten.Key).apply(_source(key={"A": {"B": 12}}, value="v"))
    assert out.key_schema is None
    assert out.key == {"A.B": 12}
    assert out.value == "v"


def test_schemaless_array_untouched() -> None:
    value = {"foo": ["bar", {"baz": {"lfg": "lfg"}}]}
    assert _xform(Flatten.Value).apply(_source(value=value)).value == value


def test_array_with_schema_untouched() -> None:
    nested = SchemaBuilder.struct().field("lfg", STRING_SCHEMA).build()
    inner = SchemaBuilder.struct().field("baz", nested).build()
    schema = SchemaBuilder.struct().field("foo", SchemaBuilder.array(inner).doc("durk").build()).build()
    value = Struct(schema).put("foo", [Struct(inner).put("baz", Struct(nested).put("lfg", "lfg"))])
    out = _xform(Flatten.Value).apply(_source(value_schema=schema, value=value))
    assert out.value == value
    assert out.value_schema == schema


def test_map_field_with_schema_is_rejected() -> None:
    schema = (
        SchemaBuilder.struct().field("m", SchemaBuilder.map(STRING_SCHEMA, STRING_SCHEMA).build()).build()
    )
    with pytest.raises(DataError, match=r"does not support MAP .*for field m"):
        _xform(Flatten.Value).apply(_source(value_schema=schema, value=Struct(schema).put("m", {})))


def test_unsupported_schemaless_values() -> None:
    with pytest.raises(DataError, match="not supported by Connect's data API"):
        _xform(Flatten.Value).apply(_source(value={"a": object()}))
    s = SchemaBuilder.struct().field("x", INT32_SCHEMA).build()
    with pytest.raises(DataError, match="for record without schemas"):
        _xform(Flatten.Value).apply(_source(value={"a": Struct(s).put("x", 1)}))


@pytest.mark.parametrize("schema", [None, SchemaBuilder.struct().field("a", INT32_SCHEMA).build()])
def test_tombstone_passes_through(schema: Any) -> None:
    record = _source(value_schema=schema, value=None)
    out = _xform(Flatten.Value).apply(record)
    assert (out.value_schema, out.value) == (schema, None)


def test_null_fields_kept() -> None:
    value = {"firstLevelMap": {"s": None}, "n": None}
    assert _xform(Flatten.Value).apply(_source(value=value)).value == {"firstLevelMap.s": None, "n": None}


def test_schema_cached() -> None:
    schema = (
        SchemaBuilder.struct().field("a", SchemaBuilder.struct().field("b", INT32_SCHEMA).build()).build()
    )
    inner = SchemaBuilder.struct().field("b", INT32_SCHEMA).build()
    xform = _xform(Flatten.Value)
    first = xform.apply(
        _source(value_schema=schema, value=Struct(schema).put("a", Struct(inner).put("b", 1)))
    )
    second = xform.apply(
        _source(value_schema=schema, value=Struct(schema).put("a", Struct(inner).put("b", 2)))
    )
    assert first.value_schema is second.value_schema
    assert second.value.get("a.b") == 2


# Keys avoid the delimiter so flattened names cannot collide.
keys = st.text(alphabet="abcxyz", min_size=1, max_size=4)
leaves = st.one_of(st.none(), st.integers(), st.booleans(), st.text(max_size=5), st.binary(max_size=4))
trees = st.recursive(
    leaves, lambda children: st.dictionaries(keys, children, min_size=1, max_size=4), max_leaves=20
)


def _leaves(value: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(value, dict):
        found: dict[tuple[str, ...], Any] = {}
        for key, item in value.items():
            found.update(_leaves(item, (*path, key)))
        return found
    return {path: value}


@given(st.dictionaries(keys, trees, max_size=5))
def test_every_leaf_is_present(value: dict[str, Any]) -> None:
    out = _xform(Flatten.Value, delimiter="_").apply(_source(value=value)).value
    expected = {"_".join(path): leaf for path, leaf in _leaves(value).items()}
    assert out == expected
