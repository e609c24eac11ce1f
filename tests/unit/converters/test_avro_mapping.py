"""The Connect <-> Avro mapping spelled out: the exact Avro Confluent's ``AvroData`` produces for
Connect schemas, how plain Avro from other producers reads, and what is rejected."""

from __future__ import annotations

import decimal
import io
from typing import Any

import fastavro
import pytest

from distconnect.api.data import INT32_SCHEMA, STRING_SCHEMA, Schema, SchemaBuilder, Type
from distconnect.api.errors import DataError
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.api.struct import Struct
from distconnect.converters.avro_data import (
    codec_schema,
    from_connect_schema,
    from_connect_value,
    schema_text,
    to_connect_schema,
    to_connect_value,
)

UNION = "io.confluent.connect.avro.Union"


def _avro_round_trip(avro: Any, datum: Any) -> Any:
    codec = codec_schema(avro)
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, codec, datum)
    buf.seek(0)
    return fastavro.schemaless_reader(buf, codec, None, return_named_type=True)


# -- the mapping, spelled out (Confluent's AvroData output) -------------------------------------


def _field(avro: Any, name: str) -> Any:
    return next(f for f in avro["fields"] if f["name"] == name)


def test_optional_fields_are_null_unions_with_null_default_and_int8_keeps_its_connect_type() -> None:
    schema = (
        SchemaBuilder.struct()
        .name("com.example.Row")
        .field("small", SchemaBuilder.int8().optional().build())
        .field("n", SchemaBuilder.int32().optional().default(7).build())
        .build()
    )
    avro = from_connect_schema(schema)
    assert (avro["type"], avro["name"], avro["namespace"]) == ("record", "Row", "com.example")
    assert avro["connect.name"] == "com.example.Row"
    assert _field(avro, "small") == {
        "name": "small",
        "type": ["null", {"type": "int", "connect.type": "int8"}],
        "default": None,
    }
    # A non-null default must match the union's first branch, so the type comes first.
    assert _field(avro, "n") == {
        "name": "n",
        "type": [{"type": "int", "connect.default": 7}, "null"],
        "default": 7,
    }


def test_logical_types_map_to_avro_logical_types() -> None:
    schema = (
        SchemaBuilder.struct()
        .field("price", Decimal.builder(2).parameter("connect.decimal.precision", "10").build())
        .field("day", Date.schema())
        .field("at", Time.schema())
        .field("ts", Timestamp.schema())
        .build()
    )
    avro = from_connect_schema(schema)
    assert avro["name"] == "ConnectDefault"
    assert avro["namespace"] == "io.confluent.connect.avro"
    assert _field(avro, "price")["type"] == {
        "type": "bytes",
        "scale": 2,
        "precision": 10,
        "connect.version": 1,
        "connect.parameters": {"scale": "2", "connect.decimal.precision": "10"},
        "connect.name": "org.apache.kafka.connect.data.Decimal",
        "logicalType": "decimal",
    }
    assert _field(avro, "day")["type"]["logicalType"] == "date"
    assert _field(avro, "at")["type"] == {
        "type": "int",
        "connect.version": 1,
        "connect.name": "org.apache.kafka.connect.data.Time",
        "logicalType": "time-millis",
    }
    assert _field(avro, "ts")["type"]["type"] == "long"
    assert _field(avro, "ts")["type"]["logicalType"] == "timestamp-millis"


def test_maps_with_non_string_keys_become_arrays_of_key_value_records() -> None:
    schema = SchemaBuilder.map(INT32_SCHEMA, STRING_SCHEMA).build()
    avro = from_connect_schema(schema)
    assert avro == {
        "type": "array",
        "items": {
            "type": "record",
            "name": "MapEntry",
            "namespace": "io.confluent.connect.avro",
            "fields": [{"name": "key", "type": "int"}, {"name": "value", "type": "string"}],
        },
    }
    value = {1: "a", -5: "b"}
    assert from_connect_value(schema, value) == [{"key": 1, "value": "a"}, {"key": -5, "value": "b"}]
    assert (
        to_connect_value(to_connect_schema(avro), _avro_round_trip(avro, from_connect_value(schema, value)))
        == value
    )


def test_a_struct_used_twice_is_defined_once_and_then_referenced_by_name() -> None:
    point = SchemaBuilder.struct().name("geo.Point").field("x", INT32_SCHEMA).build()
    schema = SchemaBuilder.struct().name("geo.Line").field("a", point).field("b", point).build()
    avro = from_connect_schema(schema)
    assert _field(avro, "a")["type"]["name"] == "Point"
    assert _field(avro, "b")["type"] == "geo.Point"
    assert to_connect_schema(schema_text(avro)) == schema


def test_two_different_structs_with_one_name_are_rejected() -> None:
    one = SchemaBuilder.struct().name("x.Same").field("a", INT32_SCHEMA).build()
    two = SchemaBuilder.struct().name("x.Same").field("b", INT32_SCHEMA).build()
    schema = SchemaBuilder.struct().field("one", one).field("two", two).build()
    with pytest.raises(DataError, match=r"x\.Same"):
        from_connect_schema(schema)


# -- plain Avro from other producers ------------------------------------------------------------


PLAIN_AVRO = {
    "type": "record",
    "name": "Order",
    "namespace": "shop",
    "doc": "an order",
    "fields": [
        {"name": "id", "type": "long", "doc": "the id"},
        {"name": "qty", "type": "int", "default": 1},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "DONE"]}},
        {"name": "digest", "type": {"type": "fixed", "name": "Md5", "size": 2}},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
        {"name": "note", "type": ["string", "null"], "default": "none"},
        {"name": "either", "type": ["null", "int", "string"], "default": None},
        {"name": "uuid", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "micros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    ],
}


def test_plain_avro_maps_like_confluent() -> None:
    schema = to_connect_schema(PLAIN_AVRO, version=4)
    assert (schema.name, schema.version) == ("shop.Order", 4)
    assert schema.parameters == {
        "io.confluent.connect.avro.record.doc": "an order",
        "io.confluent.connect.avro.field.doc.id": "the id",
    }
    qty = schema.field("qty")
    assert qty is not None
    assert qty.schema.default_value == 1
    assert qty.schema.parameters == {"io.confluent.connect.avro.field.default": "true"}
    status = schema.field("status")
    assert status is not None
    assert (status.schema.type, status.schema.name) == (Type.STRING, "shop.Status")
    assert status.schema.parameters == {
        "io.confluent.connect.avro.Enum": "shop.Status",
        "io.confluent.connect.avro.Enum.NEW": "NEW",
        "io.confluent.connect.avro.Enum.DONE": "DONE",
    }
    types = {f.name: (f.schema.type, f.schema.name, f.schema.optional) for f in schema.fields}
    assert types["digest"] == (Type.BYTES, None, False)
    assert types["amount"] == (Type.BYTES, Decimal.LOGICAL_NAME, False)
    assert types["note"] == (Type.STRING, None, True)
    assert types["either"] == (Type.STRUCT, UNION, True)
    assert types["uuid"] == (Type.STRING, None, False)
    assert types["micros"] == (Type.INT64, None, False)
    amount = schema.field("amount")
    assert amount is not None
    assert amount.schema.parameters == {"scale": "2", "connect.decimal.precision": "9"}

    datum = {"id": 1, "qty": 2, "status": "DONE", "digest": b"\x01\x02", "amount": b"\x04\xd2",
             "note": None, "either": "x", "uuid": "u", "micros": 5}  # fmt: skip
    value = to_connect_value(schema, _avro_round_trip(PLAIN_AVRO, datum))
    assert value.get("status") == "DONE"
    assert value.get("amount") == decimal.Decimal("12.34")
    assert value.get("either") == Struct(types_schema(schema, "either")).put("string", "x")


def types_schema(schema: Schema, name: str) -> Schema:
    field = schema.field(name)
    assert field is not None
    return field.schema


@pytest.mark.parametrize(
    ("avro", "message"),
    [
        (
            {"type": "record", "name": "Node", "fields": [{"name": "next", "type": ["null", "Node"]}]},
            "Recursive",
        ),
        ("null", "Standalone null"),
        ({"type": "bytes", "logicalType": "decimal"}, "scale"),
        ({"type": "record", "name": "R", "fields": [{"name": "a", "type": "Nope"}]}, "unknown type"),
        ({"type": "int", "connect.type": "int128"}, "int128"),
    ],
)
def test_unrepresentable_avro_schemas_raise_data_error(avro: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        to_connect_schema(avro)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        (INT32_SCHEMA, None),
        (INT32_SCHEMA, "1"),
        (SchemaBuilder.int8().build(), 300),
        (SchemaBuilder.float64().build(), 1),
        (SchemaBuilder.struct().field("a", INT32_SCHEMA).build(), {"a": 1}),
        (Date.schema(), "2020-01-01"),
    ],
)
def test_values_that_do_not_fit_the_schema_raise_data_error(schema: Schema, value: Any) -> None:
    with pytest.raises(DataError):
        from_connect_value(schema, value)


def test_a_struct_of_another_schema_is_rejected() -> None:
    a = SchemaBuilder.struct().field("a", INT32_SCHEMA).build()
    b = SchemaBuilder.struct().field("a", INT32_SCHEMA).optional().build()
    with pytest.raises(DataError, match="Mismatching struct schema"):
        from_connect_value(b, Struct(a).put("a", 1))


def test_union_structs_write_the_member_that_is_set() -> None:
    point = SchemaBuilder.struct().name("geo.Point").field("x", INT32_SCHEMA).optional().build()
    union = (
        SchemaBuilder.struct()
        .name(UNION)
        .field("double", SchemaBuilder.float64().optional().build())
        .field("int", SchemaBuilder.int32().optional().build())
        .field("Point", point)
        .optional()
        .build()
    )
    avro = from_connect_schema(union)
    assert avro[:3] == ["null", "double", "int"]
    assert avro[3]["name"] == "Point"
    read_schema = to_connect_schema(schema_text(avro))
    assert read_schema == union
    for member, value in [("int", 3), ("double", 3.0), ("Point", Struct(point).put("x", 1))]:
        written = Struct(union).put(member, value)
        # An int also fits the "double" branch: the member decides, not the first fitting branch.
        datum = _avro_round_trip(avro, from_connect_value(union, written))
        assert to_connect_value(read_schema, datum) == written


@pytest.mark.parametrize(
    "schema",
    [
        SchemaBuilder.struct().name("bad-name").field("a", INT32_SCHEMA).build(),
        SchemaBuilder.struct().field("my field", INT32_SCHEMA).build(),
        SchemaBuilder.struct().field("1st", INT32_SCHEMA).build(),
    ],
)
def test_names_avro_cannot_hold_are_rejected(schema: Schema) -> None:
    with pytest.raises(DataError, match="not a valid Avro name"):
        from_connect_schema(schema)
