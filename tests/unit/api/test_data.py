"""Schema, Field, SchemaBuilder: construction, validation of defaults, value equality and hashing."""

from __future__ import annotations

import decimal
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
    NULL_SCHEMA_AND_VALUE,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Field,
    Schema,
    SchemaAndValue,
    SchemaBuilder,
    Type,
)
from distconnect.api.errors import DataError, SchemaBuilderError
from distconnect.api.logical import Decimal
from distconnect.api.struct import Struct


def test_type_values_are_connect_names() -> None:
    assert [t.value for t in Type] == [
        "int8",
        "int16",
        "int32",
        "int64",
        "float32",
        "float64",
        "boolean",
        "string",
        "bytes",
        "array",
        "map",
        "struct",
    ]
    assert Type("float64") is Type.FLOAT64


def test_is_primitive() -> None:
    assert {t for t in Type if not t.is_primitive} == {Type.ARRAY, Type.MAP, Type.STRUCT}


@pytest.mark.parametrize(
    ("builder", "expected_type", "constant"),
    [
        (SchemaBuilder.int8, Type.INT8, INT8_SCHEMA),
        (SchemaBuilder.int16, Type.INT16, INT16_SCHEMA),
        (SchemaBuilder.int32, Type.INT32, INT32_SCHEMA),
        (SchemaBuilder.int64, Type.INT64, INT64_SCHEMA),
        (SchemaBuilder.float32, Type.FLOAT32, FLOAT32_SCHEMA),
        (SchemaBuilder.float64, Type.FLOAT64, FLOAT64_SCHEMA),
        (SchemaBuilder.boolean, Type.BOOLEAN, BOOLEAN_SCHEMA),
        (SchemaBuilder.string, Type.STRING, STRING_SCHEMA),
        (SchemaBuilder.bytes_, Type.BYTES, BYTES_SCHEMA),
    ],
)
def test_primitive_builders_match_constants(builder: Any, expected_type: Type, constant: Schema) -> None:
    schema = builder().build()
    assert schema.type is expected_type
    assert schema == constant
    assert hash(schema) == hash(constant)
    assert not schema.optional
    assert schema.default_value is None
    assert schema.name is None
    assert schema.parameters is None


def test_optional_constants() -> None:
    assert OPTIONAL_INT32_SCHEMA.optional
    assert OPTIONAL_INT32_SCHEMA.type is Type.INT32
    assert OPTIONAL_INT32_SCHEMA != INT32_SCHEMA


def test_builder_sets_every_property() -> None:
    schema = (
        SchemaBuilder.int32()
        .optional()
        .default(5)
        .name("n")
        .version(3)
        .doc("d")
        .parameter("a", "1")
        .parameters({"b": "2"})
        .build()
    )
    assert (schema.optional, schema.default_value, schema.name, schema.version, schema.doc) == (
        True,
        5,
        "n",
        3,
        "d",
    )
    assert dict(schema.parameters or {}) == {"a": "1", "b": "2"}


def test_parameters_are_read_only() -> None:
    schema = SchemaBuilder.string().parameter("k", "v").build()
    with pytest.raises(TypeError):
        schema.parameters["k"] = "x"  # type: ignore[index]


def test_empty_parameters_mean_none() -> None:
    assert SchemaBuilder.string().parameters({}).build().parameters is None
    assert Schema(Type.STRING, parameters={}) == STRING_SCHEMA


@pytest.mark.parametrize(
    "misuse",
    [
        lambda: SchemaBuilder.int32().optional().required(),
        lambda: SchemaBuilder.int32().required().optional(),
        lambda: SchemaBuilder.int32().name("a").name("b"),
        lambda: SchemaBuilder.int32().version(1).version(2),
        lambda: SchemaBuilder.int32().doc("a").doc("b"),
        lambda: SchemaBuilder.int32().default(1).default(2),
        lambda: SchemaBuilder.int32().field("f", INT32_SCHEMA),
        lambda: SchemaBuilder.struct().field("", INT32_SCHEMA),
        lambda: SchemaBuilder.struct().field("f", INT32_SCHEMA).field("f", STRING_SCHEMA),
        lambda: SchemaBuilder.struct().field("f", None),  # type: ignore[arg-type]
        lambda: SchemaBuilder.array(None),  # type: ignore[arg-type]
        lambda: SchemaBuilder.map(STRING_SCHEMA, None),  # type: ignore[arg-type]
        lambda: SchemaBuilder.int32().version(True),
        lambda: SchemaBuilder.string().parameter("k", 1),  # type: ignore[arg-type]
        lambda: SchemaBuilder.type("int32"),  # type: ignore[arg-type]
    ],
)
def test_builder_misuse_raises(misuse: Any) -> None:
    with pytest.raises(SchemaBuilderError):
        misuse()


def test_setting_the_same_value_twice_is_allowed() -> None:
    schema = SchemaBuilder.int32().optional().optional().name("a").name("a").build()
    assert schema.optional
    assert schema.name == "a"


@pytest.mark.parametrize(
    ("builder", "default"),
    [
        (SchemaBuilder.int8(), 128),
        (SchemaBuilder.int8(), -129),
        (SchemaBuilder.int16(), 2**15),
        (SchemaBuilder.int32(), 2**31),
        (SchemaBuilder.int64(), 2**63),
        (SchemaBuilder.int32(), True),
        (SchemaBuilder.int32(), "1"),
        (SchemaBuilder.float64(), 1),
        (SchemaBuilder.boolean(), 1),
        (SchemaBuilder.string(), b"x"),
        (SchemaBuilder.bytes_(), "x"),
        (SchemaBuilder.array(INT32_SCHEMA), [1, "x"]),
        (SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA), {1: 1}),
        (Decimal.builder(2), decimal.Decimal("1.5")),
    ],
)
def test_invalid_defaults_rejected_at_build(builder: SchemaBuilder, default: Any) -> None:
    builder.default(default)
    with pytest.raises(SchemaBuilderError, match="Invalid default value"):
        builder.build()


def test_default_validated_against_the_finished_schema_regardless_of_order() -> None:
    # The logical name comes after the default: validation must still see it.
    builder = SchemaBuilder.bytes_().default(decimal.Decimal("1.50")).parameter("scale", "2")
    schema = builder.name(Decimal.LOGICAL_NAME).build()
    assert schema.default_value == decimal.Decimal("1.50")
    with pytest.raises(SchemaBuilderError):
        SchemaBuilder.bytes_().default(b"\x01").parameter("scale", "2").name(Decimal.LOGICAL_NAME).build()


def test_valid_compound_defaults() -> None:
    inner = SchemaBuilder.struct().field("a", INT32_SCHEMA).build()
    struct_default = Struct(inner).put("a", 1)
    schema = SchemaBuilder.struct().field("a", INT32_SCHEMA).default(struct_default).build()
    assert schema.default_value == struct_default
    assert SchemaBuilder.array(INT8_SCHEMA).default([1, 2]).build().default_value == [1, 2]
    with pytest.raises(SchemaBuilderError):
        SchemaBuilder.struct().field("a", INT32_SCHEMA).default(Struct(inner)).build()  # incomplete


def test_fields_in_order_with_indexes() -> None:
    schema = SchemaBuilder.struct().field("b", INT32_SCHEMA).field("a", STRING_SCHEMA).build()
    assert [(f.name, f.index, f.schema) for f in schema.fields] == [
        ("b", 0, INT32_SCHEMA),
        ("a", 1, STRING_SCHEMA),
    ]
    assert schema.field("a") == Field("a", 1, STRING_SCHEMA)
    assert schema.field("missing") is None


def test_accessors_raise_on_wrong_type() -> None:
    with pytest.raises(DataError):
        _ = INT32_SCHEMA.fields
    with pytest.raises(DataError):
        INT32_SCHEMA.field("x")
    with pytest.raises(DataError):
        _ = SchemaBuilder.array(INT32_SCHEMA).build().key_schema
    with pytest.raises(DataError):
        _ = STRING_SCHEMA.value_schema
    array = SchemaBuilder.array(INT32_SCHEMA).build()
    assert array.value_schema == INT32_SCHEMA
    assert array.has_value_schema
    assert not array.has_key_schema
    mapping = SchemaBuilder.map(STRING_SCHEMA, INT64_SCHEMA).build()
    assert (mapping.key_schema, mapping.value_schema) == (STRING_SCHEMA, INT64_SCHEMA)


def test_unknown_element_schema_raises_on_access() -> None:
    untyped = Schema(Type.ARRAY)
    assert not untyped.has_value_schema
    with pytest.raises(DataError, match="unknown"):
        _ = untyped.value_schema


def test_constructor_checks_struct_fields() -> None:
    with pytest.raises(DataError, match="index"):
        Schema(Type.STRUCT, fields=[Field("a", 1, INT32_SCHEMA)])
    with pytest.raises(DataError, match="Duplicate"):
        Schema(Type.STRUCT, fields=[Field("a", 0, INT32_SCHEMA), Field("a", 1, INT32_SCHEMA)])
    with pytest.raises(DataError, match="Only STRUCT"):
        Schema(Type.INT32, fields=[Field("a", 0, INT32_SCHEMA)])


@pytest.mark.parametrize(
    "variant",
    [
        SchemaBuilder.int32().optional(),
        SchemaBuilder.int32().default(1),
        SchemaBuilder.int32().name("x"),
        SchemaBuilder.int32().version(1),
        SchemaBuilder.int32().doc("x"),
        SchemaBuilder.int32().parameter("k", "v"),
        SchemaBuilder.int64(),
    ],
)
def test_every_property_takes_part_in_equality(variant: SchemaBuilder) -> None:
    assert variant.build() != INT32_SCHEMA


def test_struct_equality_covers_field_names_order_and_schemas() -> None:
    base = SchemaBuilder.struct().field("a", INT32_SCHEMA).field("b", STRING_SCHEMA).build()
    same = SchemaBuilder.struct().field("a", INT32_SCHEMA).field("b", STRING_SCHEMA).build()
    assert base == same
    assert hash(base) == hash(same)
    assert base != SchemaBuilder.struct().field("b", STRING_SCHEMA).field("a", INT32_SCHEMA).build()
    assert base != SchemaBuilder.struct().field("a", INT32_SCHEMA).field("c", STRING_SCHEMA).build()
    assert base != SchemaBuilder.struct().field("a", INT32_SCHEMA).field("b", OPTIONAL_STRING_SCHEMA).build()


def test_key_and_value_schemas_take_part_in_equality() -> None:
    assert (
        SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA).build()
        != SchemaBuilder.map(STRING_SCHEMA, INT64_SCHEMA).build()
    )
    assert (
        SchemaBuilder.map(STRING_SCHEMA, INT32_SCHEMA).build()
        != SchemaBuilder.map(INT32_SCHEMA, INT32_SCHEMA).build()
    )
    assert SchemaBuilder.array(INT32_SCHEMA).build() != SchemaBuilder.array(INT64_SCHEMA).build()


def test_bytes_and_list_defaults_compare_and_hash_by_value() -> None:
    a = SchemaBuilder.bytes_().default(b"ab").build()
    b = SchemaBuilder.bytes_().default(bytearray(b"ab")).build()
    assert a == b
    assert hash(a) == hash(b)
    c = SchemaBuilder.array(INT32_SCHEMA).default([1, 2]).build()
    d = SchemaBuilder.array(INT32_SCHEMA).default([1, 2]).build()
    assert c == d
    assert hash(c) == hash(d)
    assert {c: "x"}[d] == "x"


def test_schema_is_immutable() -> None:
    with pytest.raises(AttributeError):
        INT32_SCHEMA.optional = True  # type: ignore[misc]


def test_repr_names_type_and_name() -> None:
    assert repr(INT32_SCHEMA) == "Schema{INT32}"
    assert repr(SchemaBuilder.struct().name("com.x.Y").build()) == "Schema{com.x.Y:STRUCT}"


def test_schema_and_value() -> None:
    assert SchemaAndValue(None, None) == NULL_SCHEMA_AND_VALUE
    sv = SchemaAndValue(INT32_SCHEMA, 3)
    assert (sv.schema, sv.value) == (INT32_SCHEMA, 3)


# -- property-based: structural equality and hash consistency ------------------------------------

_NAMES = st.text(alphabet="abcdefgh", min_size=1, max_size=4)
_PRIMITIVE_TYPES = [t for t in Type if t.is_primitive]


@st.composite
def _metadata(draw: st.DrawFn, builder: SchemaBuilder) -> SchemaBuilder:
    if draw(st.booleans()):
        builder.optional()
    if draw(st.booleans()):
        builder.name(draw(_NAMES))
    if draw(st.booleans()):
        builder.version(draw(st.integers(0, 5)))
    if draw(st.booleans()):
        builder.doc(draw(_NAMES))
    builder.parameters(draw(st.dictionaries(_NAMES, _NAMES, max_size=2)))
    return builder


def _compound(children: st.SearchStrategy[Schema]) -> st.SearchStrategy[Schema]:
    arrays = children.map(lambda s: SchemaBuilder.array(s))
    maps = st.tuples(children, children).map(lambda kv: SchemaBuilder.map(*kv))

    def struct_of(fields: dict[str, Schema]) -> SchemaBuilder:
        builder = SchemaBuilder.struct()
        for name, schema in fields.items():
            builder.field(name, schema)
        return builder

    structs = st.dictionaries(_NAMES, children, max_size=3).map(struct_of)
    return st.one_of(arrays, maps, structs).flatmap(_metadata).map(lambda b: b.build())


schemas = st.recursive(
    st.sampled_from(_PRIMITIVE_TYPES).map(SchemaBuilder.type).flatmap(_metadata).map(lambda b: b.build()),
    _compound,
    max_leaves=8,
)


def _rebuild(schema: Schema) -> Schema:
    """A structurally identical copy sharing no Schema objects with the original."""
    fields = (
        [Field(f.name, f.index, _rebuild(f.schema)) for f in schema.fields]
        if schema.type is Type.STRUCT
        else None
    )
    return Schema(
        schema.type,
        schema.optional,
        schema.default_value,
        schema.name,
        schema.version,
        schema.doc,
        dict(schema.parameters) if schema.parameters else None,
        fields,
        _rebuild(schema.key_schema) if schema.has_key_schema else None,
        _rebuild(schema.value_schema) if schema.has_value_schema else None,
    )


@given(schemas)
def test_equal_structure_means_equal_and_same_hash(schema: Schema) -> None:
    copy = _rebuild(schema)
    assert copy is not schema
    assert copy == schema
    assert hash(copy) == hash(schema)


@given(schemas, schemas)
def test_equality_is_consistent_with_hash(a: Schema, b: Schema) -> None:
    if a == b:
        assert hash(a) == hash(b)
    assert (a == b) == (_rebuild(a) == _rebuild(b))


@given(schemas)
def test_changing_doc_breaks_equality(schema: Schema) -> None:
    changed = Schema(
        schema.type,
        schema.optional,
        schema.default_value,
        schema.name,
        schema.version,
        (schema.doc or "") + "!",
        schema.parameters,
        schema.fields if schema.type is Type.STRUCT else None,
        schema.key_schema if schema.has_key_schema else None,
        schema.value_schema if schema.has_value_schema else None,
    )
    assert changed != schema
