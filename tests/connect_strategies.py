"""Hypothesis strategies for Connect schemas and values, and a neutral description of both.

Shared by the JsonConverter unit tests and the Java interop test (import as
``from connect_strategies import ...``; ``tests/`` is on ``sys.path`` through its conftest).

* :func:`schemas` draws schemas of every type: primitives, the four logical types, arrays, maps
  (string and non-string keys) and structs, with optional/name/version/doc/parameters/default.
* :func:`values_for` draws a valid Python value for a schema (``None`` where optional).
* :func:`describe_schema` / :func:`describe_value` give a JSON-able, exact description that does
  not depend on the Connect JSON format: the same one ``tests/interop/java/JsonConverterProbe.java``
  reads and writes (floats as bit patterns, temporals as epoch milliseconds, maps as pair lists).
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import math
import struct
from typing import Any

from hypothesis import strategies as st

from distconnect.api.data import Schema, SchemaBuilder, Type
from distconnect.api.logical import (
    DATE_LOGICAL_NAME,
    DECIMAL_LOGICAL_NAME,
    TIME_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Date,
    Decimal,
    Time,
    Timestamp,
)
from distconnect.api.struct import Struct

INT_RANGES = {
    Type.INT8: (-(2**7), 2**7 - 1),
    Type.INT16: (-(2**15), 2**15 - 1),
    Type.INT32: (-(2**31), 2**31 - 1),
    Type.INT64: (-(2**63), 2**63 - 1),
}
_TAGS = {Type.BOOLEAN: "boolean", Type.STRING: "string"}
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

# -- schemas -----------------------------------------------------------------------------------------

_names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
_texts = st.text(st.characters(codec="utf-8"), max_size=12)


def _primitive_builders() -> st.SearchStrategy[SchemaBuilder]:
    plain = st.sampled_from(
        [
            Type.INT8,
            Type.INT16,
            Type.INT32,
            Type.INT64,
            Type.FLOAT32,
            Type.FLOAT64,
            Type.BOOLEAN,
            Type.STRING,
            Type.BYTES,
        ]
    ).map(SchemaBuilder.type)
    logical = st.one_of(
        st.integers(-3, 8).map(Decimal.builder),
        st.just(None).map(lambda _: Date.builder()),
        st.just(None).map(lambda _: Time.builder()),
        st.just(None).map(lambda _: Timestamp.builder()),
    )
    return st.one_of(plain, logical)


@st.composite
def _finish(draw: st.DrawFn, builder: SchemaBuilder, allow_default: bool = True) -> Schema:
    """Add optional/metadata/default to a builder and build it."""
    if draw(st.booleans()):
        builder.optional()
    logical = builder.build().name is not None
    if not logical:
        if draw(st.booleans()):
            builder.name(draw(_names))
        if draw(st.booleans()):
            builder.version(draw(st.integers(0, 2**31 - 1)))
        if draw(st.integers(0, 3)) == 0:
            builder.parameters(draw(st.dictionaries(_names, _texts, min_size=1, max_size=3)))
    if draw(st.integers(0, 3)) == 0:
        builder.doc(draw(_texts))
    draft = builder.build()
    if allow_default and draft.type is not Type.STRUCT and draw(st.integers(0, 3)) == 0:
        default = draw(values_for(draft, allow_none=False, finite=True))
        # Nested nulls are written as their own defaults; normalise so a round trip keeps the schema.
        builder.default(with_defaults(draft, default))
    return builder.build()


def schemas(max_leaves: int = 8) -> st.SearchStrategy[Schema]:
    """Connect schemas of every type, nested up to ``max_leaves`` primitives."""
    primitives = _primitive_builders().flatmap(_finish)

    def extend(children: st.SearchStrategy[Schema]) -> st.SearchStrategy[Schema]:
        # An optional string key would be written as the text "null" (as Java does): no round trip.
        keys = (
            _primitive_builders()
            .flatmap(lambda b: _finish(b, allow_default=False))
            .filter(lambda k: not (k.type is Type.STRING and k.optional))
        )
        arrays = children.map(SchemaBuilder.array)
        maps = st.one_of(
            children.map(lambda v: SchemaBuilder.map(SchemaBuilder.string().build(), v)),
            st.tuples(keys, children).map(lambda kv: SchemaBuilder.map(*kv)),
        )
        structs = st.lists(st.tuples(_names, children), max_size=4, unique_by=lambda f: f[0]).map(_struct)
        return st.one_of(arrays, maps, structs).flatmap(_finish)

    return st.recursive(primitives, extend, max_leaves=max_leaves)


def _struct(fields: list[tuple[str, Schema]]) -> SchemaBuilder:
    builder = SchemaBuilder.struct()
    for name, schema in fields:
        builder.field(name, schema)
    return builder


# -- values ------------------------------------------------------------------------------------------


def values_for(schema: Schema, allow_none: bool = True, finite: bool = False) -> st.SearchStrategy[Any]:
    """Valid values of ``schema``; ``None`` sometimes when optional; ``finite`` rules out NaN/inf."""
    strategy = _non_null(schema, finite)
    if allow_none and schema.optional:
        return st.one_of(st.none(), strategy)
    return strategy


def _non_null(schema: Schema, finite: bool) -> st.SearchStrategy[Any]:
    name = schema.name
    if name == DECIMAL_LOGICAL_NAME:
        scale = Decimal.scale(schema)
        return st.integers(-(10**30), 10**30).map(lambda u: decimal.Decimal(f"{u}E{-scale}"))
    if name == DATE_LOGICAL_NAME:
        return st.dates()
    if name == TIME_LOGICAL_NAME:
        return st.integers(0, 86_399_999).map(lambda ms: Time.to_logical(schema, ms))
    if name == TIMESTAMP_LOGICAL_NAME:
        low, high = -62_135_596_800_000, 253_402_300_799_999  # years 1..9999
        return st.integers(low, high).map(lambda ms: Timestamp.to_logical(schema, ms))
    t = schema.type
    if t in INT_RANGES:
        return st.integers(*INT_RANGES[t])
    # -0.0 is read back as 0.0 (Jackson's behaviour, kept on purpose), so it cannot round-trip;
    # adding 0.0 turns it into 0.0 and leaves every other value alone.
    if t is Type.FLOAT32:
        return st.floats(width=32, allow_nan=not finite, allow_infinity=not finite).map(lambda f: f + 0.0)
    if t is Type.FLOAT64:
        return st.floats(allow_nan=not finite, allow_infinity=not finite).map(lambda f: f + 0.0)
    if t is Type.BOOLEAN:
        return st.booleans()
    if t is Type.STRING:
        return st.text(st.characters(codec="utf-8"), max_size=20)
    if t is Type.BYTES:
        return st.binary(max_size=20)
    if t is Type.ARRAY:
        return st.lists(values_for(schema.value_schema, finite=finite), max_size=4)
    if t is Type.MAP:
        keys = values_for(schema.key_schema, finite=True)
        return st.dictionaries(keys, values_for(schema.value_schema, finite=finite), max_size=4)
    return _structs(schema, finite)


@st.composite
def _structs(draw: st.DrawFn, schema: Schema, finite: bool) -> Struct:
    result = Struct(schema)
    for field in schema.fields:
        # A required field with a default may be left unset (its default is then written).
        nullable = field.schema.optional or field.schema.default_value is not None
        value = draw(
            st.one_of(st.none(), _non_null(field.schema, finite))
            if nullable
            else _non_null(field.schema, finite)
        )
        if value is not None:
            result.put(field, value)
    return result


@st.composite
def schemas_and_values(draw: st.DrawFn, max_leaves: int = 8, finite: bool = False) -> tuple[Schema, Any]:
    schema = draw(schemas(max_leaves))
    return schema, draw(values_for(schema, finite=finite))


def with_defaults(schema: Schema, value: Any) -> Any:
    """``value`` with every null that has a schema default replaced by it (what a round trip yields)."""
    if value is None:
        return schema.default_value
    if schema.name is not None and schema.name.startswith("org.apache.kafka.connect.data."):
        return value
    if schema.type is Type.ARRAY:
        return [with_defaults(schema.value_schema, item) for item in value]
    if schema.type is Type.MAP:
        return {
            with_defaults(schema.key_schema, k): with_defaults(schema.value_schema, v)
            for k, v in value.items()
        }
    if schema.type is Type.STRUCT:
        result = Struct(schema)
        for field in schema.fields:
            item = with_defaults(field.schema, value.get_without_default(field))
            if item is not None:
                result.put(field, item)
        return result
    return value


# -- neutral descriptions ----------------------------------------------------------------------------


def describe_schema(schema: Schema | None, all_fields: bool = False) -> Any:
    """The probe's neutral schema description (``all_fields``: see :func:`describe_value`)."""
    if schema is None:
        return None
    d: dict[str, Any] = {"type": schema.type.value, "optional": schema.optional}
    if schema.name is not None:
        d["name"] = schema.name
    if schema.version is not None:
        d["version"] = schema.version
    if schema.doc is not None:
        d["doc"] = schema.doc
    if schema.parameters is not None:
        d["params"] = [[k, v] for k, v in schema.parameters.items()]
    if schema.default_value is not None:
        d["default"] = describe_value(schema, schema.default_value, all_fields)
    if schema.type is Type.ARRAY:
        d["values"] = describe_schema(schema.value_schema, all_fields)
    elif schema.type is Type.MAP:
        d["keys"] = describe_schema(schema.key_schema, all_fields)
        d["values"] = describe_schema(schema.value_schema, all_fields)
    elif schema.type is Type.STRUCT:
        d["fields"] = [[f.name, describe_schema(f.schema, all_fields)] for f in schema.fields]
    return d


def describe_value(schema: Schema | None, value: Any, all_fields: bool = False) -> Any:
    """The probe's neutral value description; ``all_fields`` lists null struct fields too."""
    if value is None:
        return None
    if schema is None:
        return _describe_schemaless(value)
    name = schema.name
    if name == DECIMAL_LOGICAL_NAME:
        return {"t": "decimal", "v": str(value)}
    if name in (DATE_LOGICAL_NAME, TIME_LOGICAL_NAME, TIMESTAMP_LOGICAL_NAME):
        return {"t": "date", "v": epoch_millis(schema, value)}
    t = schema.type
    if t in INT_RANGES:
        return {"t": t.value, "v": value}
    # NaN payload bits cannot survive a text format (JSON writes every NaN as "NaN"), so any NaN is
    # described as the canonical quiet NaN; every other value is compared (and sent) bit for bit.
    if t is Type.FLOAT32:
        value = math.nan if math.isnan(value) else value
        return {"t": "float32", "v": struct.unpack("<i", struct.pack("<f", value))[0]}
    if t is Type.FLOAT64:
        value = math.nan if math.isnan(value) else value
        return {"t": "float64", "v": str(struct.unpack("<q", struct.pack("<d", value))[0])}
    if t is Type.BYTES:
        return {"t": "bytes", "v": base64.b64encode(value).decode()}
    if t is Type.ARRAY:
        return {"t": "array", "v": [describe_value(schema.value_schema, v, all_fields) for v in value]}
    if t is Type.MAP:
        pairs = [
            [
                describe_value(schema.key_schema, k, all_fields),
                describe_value(schema.value_schema, v, all_fields),
            ]
            for k, v in value.items()
        ]
        return {"t": "map", "v": pairs}
    if t is Type.STRUCT:
        fields = [
            [f.name, describe_value(f.schema, value.get_without_default(f), all_fields)]
            for f in schema.fields
        ]
        return {"t": "struct", "v": [f for f in fields if all_fields or f[1] is not None]}
    return {"t": _TAGS[t], "v": value}


def _describe_schemaless(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return {"t": "boolean", "v": value}
    if isinstance(value, int):
        return {"t": "int64", "v": value}
    if isinstance(value, float):
        return {"t": "float64", "v": str(struct.unpack("<q", struct.pack("<d", value))[0])}
    if isinstance(value, str):
        return {"t": "string", "v": value}
    if isinstance(value, bytes):
        return {"t": "bytes", "v": base64.b64encode(value).decode()}
    if isinstance(value, decimal.Decimal):
        return {"t": "decimal", "v": str(value)}
    if isinstance(value, list):
        return {"t": "array", "v": [_describe_schemaless(v) for v in value]}
    if isinstance(value, dict):
        return {
            "t": "map",
            "v": [[_describe_schemaless(k), _describe_schemaless(v)] for k, v in value.items()],
        }
    raise TypeError(f"cannot describe {type(value).__name__} without a schema")


def epoch_millis(schema: Schema, value: Any) -> int:
    """A temporal value as the epoch milliseconds of the ``java.util.Date`` Java would hold."""
    if schema.name == DATE_LOGICAL_NAME:
        return Date.from_logical(schema, value) * 86_400_000
    if schema.name == TIME_LOGICAL_NAME:
        return Time.from_logical(schema, value)
    return Timestamp.from_logical(schema, value)


def canonical(description: Any) -> Any:
    """A description with map entries sorted, for comparing with Java's unordered HashMaps."""
    if isinstance(description, list):
        return [canonical(item) for item in description]
    if isinstance(description, dict):
        result = {k: canonical(v) for k, v in description.items()}
        if result.get("t") == "map":
            result["v"] = sorted(result["v"], key=lambda pair: json.dumps(pair, sort_keys=True))
        return result
    return description


def float_bits_equal(a: float, b: float) -> bool:
    """Equality that treats NaN as equal to NaN and tells 0.0 from -0.0."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
