"""SchemaProjector: numeric promotion, optional/default handling, struct/array/map projection."""

from __future__ import annotations

import decimal
import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import (
    BOOLEAN_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from distconnect.api.errors import SchemaProjectorError
from distconnect.api.logical import Decimal
from distconnect.api.projector import SchemaProjector
from distconnect.api.struct import Struct

NUMERIC = [INT8_SCHEMA, INT16_SCHEMA, INT32_SCHEMA, INT64_SCHEMA, FLOAT32_SCHEMA, FLOAT64_SCHEMA]


@pytest.mark.parametrize(("i", "j"), list(itertools.product(range(6), range(6))))
def test_numeric_promotion_only_widens(i: int, j: int) -> None:
    source, target = NUMERIC[i], NUMERIC[j]
    value: Any = 1.5 if source in (FLOAT32_SCHEMA, FLOAT64_SCHEMA) else 42
    if i <= j:
        result = SchemaProjector.project(source, value, target)
        assert result == value
        expected_type = float if target in (FLOAT32_SCHEMA, FLOAT64_SCHEMA) else int
        assert type(result) is expected_type
    else:
        with pytest.raises(SchemaProjectorError, match="type mismatch"):
            SchemaProjector.project(source, value, target)


def test_float32_promotion_rounds_to_single_precision() -> None:
    assert SchemaProjector.project(INT64_SCHEMA, 16_777_217, FLOAT32_SCHEMA) == 16_777_216.0
    assert SchemaProjector.project(INT64_SCHEMA, 16_777_217, FLOAT64_SCHEMA) == 16_777_217.0


@pytest.mark.parametrize(
    ("source", "target"),
    [(STRING_SCHEMA, INT32_SCHEMA), (BOOLEAN_SCHEMA, INT8_SCHEMA), (INT32_SCHEMA, STRING_SCHEMA)],
)
def test_non_numeric_type_changes_fail(source: Schema, target: Schema) -> None:
    with pytest.raises(SchemaProjectorError):
        SchemaProjector.project(source, "x", target)


def test_optional_to_required_needs_a_default() -> None:
    with pytest.raises(SchemaProjectorError, match="does not provide a default"):
        SchemaProjector.project(OPTIONAL_INT32_SCHEMA, 5, INT32_SCHEMA)
    target = SchemaBuilder.int64().default(7).build()
    assert SchemaProjector.project(OPTIONAL_INT32_SCHEMA, None, target) == 7
    assert SchemaProjector.project(OPTIONAL_INT32_SCHEMA, 5, target) == 5


def test_required_to_optional_and_nulls() -> None:
    assert SchemaProjector.project(INT32_SCHEMA, 5, OPTIONAL_INT64_SCHEMA) == 5
    assert SchemaProjector.project(OPTIONAL_INT32_SCHEMA, None, OPTIONAL_INT64_SCHEMA) is None


def test_names_and_parameters_must_match() -> None:
    with pytest.raises(SchemaProjectorError, match="name mismatch"):
        SchemaProjector.project(
            SchemaBuilder.int32().name("a").build(), 1, SchemaBuilder.int32().name("b").build()
        )
    with pytest.raises(SchemaProjectorError, match="parameters not equal"):
        SchemaProjector.project(Decimal.schema(2), decimal.Decimal("1.00"), Decimal.schema(3))
    value = decimal.Decimal("1.00")
    assert SchemaProjector.project(Decimal.schema(2), value, Decimal.schema(2)) is value


V1 = (
    SchemaBuilder.struct()
    .name("R")
    .version(1)
    .field("id", INT32_SCHEMA)
    .field("note", OPTIONAL_STRING_SCHEMA)
    .build()
)


def test_struct_projection_adds_optional_and_defaulted_fields_and_drops_removed_ones() -> None:
    v2 = (
        SchemaBuilder.struct()
        .name("R")
        .version(2)
        .field("id", INT64_SCHEMA)
        .field("extra", OPTIONAL_STRING_SCHEMA)
        .field("level", SchemaBuilder.int32().default(3).build())
        .build()
    )
    projected = SchemaProjector.project(V1, Struct(V1).put("id", 9).put("note", "n"), v2)
    assert isinstance(projected, Struct)
    assert projected.schema == v2
    assert (projected.get("id"), projected.get("extra"), projected.get_without_default("level")) == (
        9,
        None,
        3,
    )


def test_struct_projection_fails_for_missing_required_field() -> None:
    v2 = SchemaBuilder.struct().name("R").field("id", INT32_SCHEMA).field("must", STRING_SCHEMA).build()
    with pytest.raises(SchemaProjectorError, match="Required field `must` is missing"):
        SchemaProjector.project(V1, Struct(V1).put("id", 1), v2)


def test_struct_projection_error_names_the_field() -> None:
    v2 = SchemaBuilder.struct().name("R").field("id", INT8_SCHEMA).build()
    with pytest.raises(SchemaProjectorError, match="Error projecting id"):
        SchemaProjector.project(V1, Struct(V1).put("id", 1), v2)


def test_nested_struct_and_source_default_is_used() -> None:
    inner1 = SchemaBuilder.struct().name("I").field("x", SchemaBuilder.int8().default(4).build()).build()
    inner2 = SchemaBuilder.struct().name("I").field("x", INT64_SCHEMA).build()
    outer1 = SchemaBuilder.struct().name("O").field("i", inner1).build()
    outer2 = SchemaBuilder.struct().name("O").field("i", inner2).build()
    record = Struct(outer1).put("i", Struct(inner1))
    projected = SchemaProjector.project(outer1, record, outer2)
    assert projected.get("i").get("x") == 4
    assert projected.get("i").schema == inner2


def test_array_and_map_projection() -> None:
    source = SchemaBuilder.array(INT8_SCHEMA).build()
    target = SchemaBuilder.array(FLOAT64_SCHEMA).build()
    assert SchemaProjector.project(source, [1, 2], target) == [1.0, 2.0]
    m1 = SchemaBuilder.map(STRING_SCHEMA, INT16_SCHEMA).build()
    m2 = SchemaBuilder.map(STRING_SCHEMA, FLOAT32_SCHEMA).build()
    result = SchemaProjector.project(m1, {"a": 1}, m2)
    assert result == {"a": 1.0}
    assert isinstance(result["a"], float)
    with pytest.raises(SchemaProjectorError):
        SchemaProjector.project(source, [1], SchemaBuilder.array(STRING_SCHEMA).build())


def test_wrong_python_container_is_reported() -> None:
    with pytest.raises(SchemaProjectorError, match="Expected a Struct"):
        SchemaProjector.project(V1, {"id": 1}, V1)


@given(st.lists(st.integers(-(2**31), 2**31 - 1)), st.one_of(st.none(), st.text()))
def test_projecting_onto_the_same_schema_is_identity(ids: list[int], note: str | None) -> None:
    schema = (
        SchemaBuilder.struct()
        .name("S")
        .field("ids", SchemaBuilder.array(INT32_SCHEMA).build())
        .field("note", OPTIONAL_STRING_SCHEMA)
        .build()
    )
    record = Struct(schema).put("ids", ids).put("note", note)
    assert SchemaProjector.project(schema, record, schema) == record


@given(st.integers(-(2**63), 2**63 - 1))
def test_int64_to_float64_matches_python_float(value: int) -> None:
    assert SchemaProjector.project(INT64_SCHEMA, value, FLOAT64_SCHEMA) == float(value)
