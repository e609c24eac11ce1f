"""Connect <-> Avro mapping: generated schemas and values survive the trip through Avro bytes.

Property tests generate Connect schemas (primitives with metadata and defaults, logical types,
optional fields, nested structs, arrays, string- and non-string-keyed maps, union structs) and
values for them, and check that (1) the Avro schema maps back to an equal Connect schema and
(2) a value written with fastavro and read back is equal to the original with struct defaults
applied, both through the pure mapping and through an ``AvroConverter`` over a stub registry.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import io
from collections.abc import Callable
from typing import Any

import fastavro
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distconnect.api.data import (
    BOOLEAN_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
    Type,
)
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.api.struct import Struct
from distconnect.converters.avro import AvroConverter
from distconnect.converters.avro_data import (
    codec_schema,
    from_connect_schema,
    from_connect_value,
    schema_text,
    to_connect_schema,
    to_connect_value,
)
from distconnect.converters.schema_registry import SchemaRegistryClient

UNION = "io.confluent.connect.avro.Union"
UTC = datetime.UTC
_INT_BOUNDS = {Type.INT8: 7, Type.INT16: 15, Type.INT32: 31, Type.INT64: 63}
_PRIMITIVES = [*_INT_BOUNDS, Type.FLOAT32, Type.FLOAT64, Type.BOOLEAN, Type.STRING, Type.BYTES]


# -- values ------------------------------------------------------------------------------------


def values(schema: Schema) -> st.SearchStrategy[Any]:
    """Valid Connect values of ``schema`` (None included when optional)."""
    present = _present_values(schema)
    return st.none() | present if schema.optional else present


def _present_values(schema: Schema) -> st.SearchStrategy[Any]:
    name, t = schema.name, schema.type
    if name == Decimal.LOGICAL_NAME:
        scale = Decimal.scale(schema)
        return st.integers(-(10**30), 10**30).map(lambda u: decimal.Decimal(f"{u}E-{scale}"))
    if name == Date.LOGICAL_NAME:
        return st.dates()
    if name == Time.LOGICAL_NAME:
        return st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
    if name == Timestamp.LOGICAL_NAME:
        return st.datetimes(timezones=st.just(UTC)).map(
            lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
        )
    if t in _INT_BOUNDS:
        bits = _INT_BOUNDS[t]
        return st.integers(-(2**bits), 2**bits - 1)
    simple: dict[Type, st.SearchStrategy[Any]] = {
        Type.FLOAT32: st.floats(width=32, allow_nan=False),
        Type.FLOAT64: st.floats(allow_nan=False),
        Type.BOOLEAN: st.booleans(),
        Type.STRING: st.text(max_size=8),
        Type.BYTES: st.binary(max_size=8),
    }
    if t in simple:
        return simple[t]
    if t is Type.ARRAY:
        return st.lists(values(schema.value_schema), max_size=3)
    if t is Type.MAP:
        return st.dictionaries(values(schema.key_schema), values(schema.value_schema), max_size=3)
    if schema.name == UNION:
        return st.one_of(
            [_present_values(f.schema).map(_union_member(schema, f.name)) for f in schema.fields]
        )
    return st.fixed_dictionaries({f.name: values(f.schema) for f in schema.fields}).map(
        lambda d: _struct(schema, d)
    )


def _union_member(schema: Schema, name: str) -> Callable[[Any], Struct]:
    return lambda value: Struct(schema).put(name, value)


def _struct(schema: Schema, fields: dict[str, Any]) -> Struct:
    struct = Struct(schema)
    for name, value in fields.items():
        struct.put(name, value)
    return struct


def applied_defaults(schema: Schema, value: Any) -> Any:
    """``value`` as it reads back: struct fields left None take their defaults (Struct.get)."""
    if value is None:
        return None
    if schema.type is Type.ARRAY:
        return [applied_defaults(schema.value_schema, v) for v in value]
    if schema.type is Type.MAP:
        return {k: applied_defaults(schema.value_schema, v) for k, v in value.items()}
    if schema.type is Type.STRUCT:
        return _struct(schema, {f.name: applied_defaults(f.schema, value.get(f)) for f in schema.fields})
    return value


# -- schemas -----------------------------------------------------------------------------------


@st.composite
def _decorated(draw: st.DrawFn, builder: SchemaBuilder, *, named: bool = True) -> Schema:
    """Optional doc, version, parameters, name, optionality and default on top of ``builder``."""
    if named and draw(st.booleans()):
        builder.name(draw(st.sampled_from(["com.example.Thing", "Thing", "a.b.Id"])))
    if draw(st.booleans()):
        builder.doc(draw(st.text(max_size=6)))
    if draw(st.booleans()):
        builder.version(draw(st.integers(0, 9)))
    if draw(st.booleans()):
        builder.parameters(
            draw(st.dictionaries(st.sampled_from(["k", "x.y", "avro.java.string"]), st.text()))
        )
    return draw(_optional_with_default(builder))


@st.composite
def _optional_with_default(draw: st.DrawFn, builder: SchemaBuilder) -> Schema:
    if draw(st.booleans()):
        builder.optional()
    plain = builder.build()
    # A JSON default cannot say which union member it is (bytes and strings are both JSON strings).
    if not _has_union(plain) and draw(st.booleans()):
        default = draw(_present_values(plain).filter(_finite))
        # Avro defaults are complete values: a struct field left unset comes back as its default.
        builder.default(applied_defaults(plain, default))
    return builder.build()


def _has_union(schema: Schema) -> bool:
    if schema.type is Type.STRUCT:
        return schema.name == UNION or any(_has_union(f.schema) for f in schema.fields)
    if schema.type is Type.MAP:
        return _has_union(schema.key_schema) or _has_union(schema.value_schema)
    return schema.type is Type.ARRAY and _has_union(schema.value_schema)


def _finite(value: Any) -> bool:
    # JSON has no NaN/Infinity, and Avro defaults are JSON.
    return not (isinstance(value, float) and abs(value) == float("inf"))


def _primitive(t: Type) -> st.SearchStrategy[Schema]:
    return st.builds(SchemaBuilder.type, st.just(t)).flatmap(_decorated)


_LOGICAL = st.one_of(
    st.builds(Decimal.builder, st.integers(0, 8)),
    st.integers(0, 8).map(lambda s: Decimal.builder(s).parameter("connect.decimal.precision", str(s + 10))),
    st.builds(Date.builder),
    st.builds(Time.builder),
    st.builds(Timestamp.builder),
).flatmap(_optional_with_default)

_MAP_KEYS = st.one_of(
    st.just(STRING_SCHEMA),
    st.sampled_from([INT32_SCHEMA, INT64_SCHEMA, BOOLEAN_SCHEMA]),
    st.sampled_from([Type.INT8, Type.STRING, Type.BYTES]).map(
        lambda t: SchemaBuilder.type(t).optional().build()
    ),
)

# One member per Python type: a value read from an ["int", "long"] union is an int either way,
# so which of the two members was set cannot survive the trip (the same for float and double).
_UNION_MEMBERS = st.lists(
    st.sampled_from([("int", Type.INT32), ("string", Type.STRING), ("boolean", Type.BOOLEAN),
                     ("bytes", Type.BYTES), ("double", Type.FLOAT64)]),
    min_size=2, max_size=4, unique=True,
)  # fmt: skip


@st.composite
def _union(draw: st.DrawFn) -> Schema:
    builder = SchemaBuilder.struct().name(UNION)
    for field_name, t in draw(_UNION_MEMBERS):
        builder.field(field_name, SchemaBuilder.type(t).optional().build())
    if draw(st.booleans()):
        builder.optional()
    return builder.build()


@st.composite
def _struct_schema(draw: st.DrawFn, children: st.SearchStrategy[Schema]) -> Schema:
    names = draw(
        st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True), min_size=1, max_size=4, unique=True)
    )
    fields = [(n, draw(children)) for n in names]
    named = draw(st.booleans())
    builder = SchemaBuilder.struct()
    for field_name, schema in fields:
        builder.field(field_name, schema)
    if named:
        # A content-derived name: equal structs share it, different structs never clash (Avro
        # allows one definition per name).
        digest = hashlib.sha1(schema_text(from_connect_schema(builder.build())).encode()).hexdigest()[:10]
        builder = SchemaBuilder.struct().name(f"com.example.R{digest}")
        for field_name, schema in fields:
            builder.field(field_name, schema)
    if draw(st.booleans()):
        builder.doc(draw(st.text(max_size=6)))
    if draw(st.booleans()):
        builder.version(draw(st.integers(1, 5)))
    if draw(st.booleans()):
        builder.parameter(f"io.confluent.connect.avro.field.doc.{names[0]}", draw(st.text(max_size=5)))
    if draw(st.booleans()):
        builder.optional()
    return builder.build()


def _extend(children: st.SearchStrategy[Schema]) -> st.SearchStrategy[Schema]:
    return st.one_of(
        children.map(SchemaBuilder.array).flatmap(lambda b: _decorated(b, named=False)),
        st.tuples(_MAP_KEYS, children)
        .map(lambda kv: SchemaBuilder.map(*kv))
        .flatmap(lambda b: _decorated(b, named=False)),
        _struct_schema(children),
    )


SCHEMAS = st.recursive(
    st.one_of(st.sampled_from(_PRIMITIVES).flatmap(_primitive), _LOGICAL, _union()), _extend, max_leaves=8
)
SCHEMAS_AND_VALUES = SCHEMAS.flatmap(lambda s: st.tuples(st.just(s), values(s)))


def _avro_round_trip(avro: Any, datum: Any) -> Any:
    codec = codec_schema(avro)
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, codec, datum)
    buf.seek(0)
    return fastavro.schemaless_reader(buf, codec, None, return_named_type=True)


def describe(schema: Schema, indent: str = "") -> str:
    """A readable dump of a schema tree (for failure messages)."""
    s = schema
    text = (
        f"{indent}{s.type.name} optional={s.optional} name={s.name} version={s.version} doc={s.doc!r} "
        f"params={dict(s.parameters or {})} default={s.default_value!r}\n"
    )
    if s.type is Type.STRUCT:
        text += "".join(f"{indent} .{f.name}:\n" + describe(f.schema, indent + "   ") for f in s.fields)
    if s.type is Type.MAP:
        text += describe(s.key_schema, indent + "  ")
    if s.type in (Type.MAP, Type.ARRAY):
        text += describe(s.value_schema, indent + "  ")
    return text


# -- properties --------------------------------------------------------------------------------

RT = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RT
@given(SCHEMAS)
def test_schema_round_trips_through_avro(schema: Schema) -> None:
    text = schema_text(from_connect_schema(schema))
    back = to_connect_schema(text)
    assert back == schema, f"{describe(schema)}!=\n{describe(back)}{text}"


@RT
@given(SCHEMAS_AND_VALUES)
def test_value_round_trips_through_avro_bytes(schema_and_value: tuple[Schema, Any]) -> None:
    schema, value = schema_and_value
    avro = from_connect_schema(schema)
    read_schema = to_connect_schema(schema_text(avro))
    back = to_connect_value(read_schema, _avro_round_trip(avro, from_connect_value(schema, value)))
    assert back == applied_defaults(schema, value)


class OneSchemaRegistry(SchemaRegistryClient):
    """Just enough registry for one converter round trip: every schema gets the next id."""

    def __init__(self) -> None:
        super().__init__(["http://registry.invalid"])
        self.texts: list[str] = []

    async def register(self, subject: str, schema: str) -> int:
        self.texts.append(schema)
        return len(self.texts)

    async def schema_by_id(self, schema_id: int) -> str:
        return self.texts[schema_id - 1]

    async def get_version(self, subject: str, schema: str) -> int | None:
        return None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCHEMAS_AND_VALUES)
async def test_converter_round_trips_generated_schemas_and_values(
    schema_and_value: tuple[Schema, Any],
) -> None:
    schema, value = schema_and_value
    conv = AvroConverter(OneSchemaRegistry())
    conv.configure({"schema.registry.url": "http://registry.invalid"}, False)
    await conv.prepare_from_connect("t", [schema])
    data = conv.from_connect_data("t", schema, value)
    if data is None:
        assert value is None
        return
    assert data[:5] == b"\x00\x00\x00\x00\x01"
    await conv.prepare_to_connect("t", [data])
    assert conv.to_connect_data("t", data) == (schema, applied_defaults(schema, value))
