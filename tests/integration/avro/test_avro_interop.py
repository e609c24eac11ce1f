"""AvroConverter against a real schema registry and Confluent's own Python serializers.

Records our converter writes are read by confluent-kafka's ``AvroDeserializer``; records its
``AvroSerializer`` writes are read by our converter; with the same schema both produce the same
bytes. The registry is Apicurio (Confluent-compatible API) started by the session fixture.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient as ConfluentRegistry
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from distconnect.api.data import INT32_SCHEMA, STRING_SCHEMA, Schema, SchemaBuilder, Type
from distconnect.api.errors import DataError, RetriableError
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.api.struct import Struct
from distconnect.converters.avro import AvroConverter
from distconnect.local.process import free_port

pytestmark = pytest.mark.java

UTC = datetime.UTC
OPT_STRING = SchemaBuilder.string().optional().build()
ADDRESS = (
    SchemaBuilder.struct()
    .name("com.example.Address")
    .field("street", STRING_SCHEMA)
    .field("zip", OPT_STRING)
    .build()
)
# The same record type, optional: Avro defines it once and references it by name afterwards.
OPTIONAL_ADDRESS = (
    SchemaBuilder.struct()
    .name("com.example.Address")
    .field("street", STRING_SCHEMA)
    .field("zip", OPT_STRING)
    .optional()
    .build()
)
CUSTOMER = (
    SchemaBuilder.struct()
    .name("com.example.Customer")
    .version(1)
    .field("id", SchemaBuilder.int64().build())
    .field("small", SchemaBuilder.int8().build())
    .field("name", STRING_SCHEMA)
    .field("nick", OPT_STRING)
    .field("balance", Decimal.builder(2).optional().build())
    .field("born", Date.schema())
    .field("wakes", Time.builder().optional().build())
    .field("seen", Timestamp.schema())
    .field("ratio", SchemaBuilder.float32().build())
    .field("blob", SchemaBuilder.bytes_().optional().build())
    .field("active", SchemaBuilder.boolean().build())
    .field("home", ADDRESS)
    .field("work", OPTIONAL_ADDRESS)
    .field("tags", SchemaBuilder.array(STRING_SCHEMA).build())
    .field("previous", SchemaBuilder.array(ADDRESS).optional().build())
    .field("phones", SchemaBuilder.map(STRING_SCHEMA, OPT_STRING).build())
    .field("scores", SchemaBuilder.map(INT32_SCHEMA, SchemaBuilder.float64().build()).build())
    .build()
)  # fmt: skip


def address(street: str, zip_code: str | None = None) -> Struct:
    return Struct(ADDRESS).put("street", street).put("zip", zip_code)


FULL = (
    Struct(CUSTOMER)
    .put("id", 2**40)
    .put("small", -7)
    .put("name", "Ada Lovelace")
    .put("nick", "ada")
    .put("balance", decimal.Decimal("-1234.50"))
    .put("born", datetime.date(1815, 12, 10))
    .put("wakes", datetime.time(6, 30, 15, 250000))
    .put("seen", datetime.datetime(2024, 2, 29, 23, 59, 58, 999000, tzinfo=UTC))
    .put("ratio", 0.25)
    .put("blob", b"\x00\xff\x10")
    .put("active", True)
    .put("home", address("12 St James's Square", "SW1Y"))
    .put("work", Struct(OPTIONAL_ADDRESS).put("street", "Analytical Engine Ln"))
    .put("tags", ["math", "poetry"])
    .put("previous", [address("Marylebone"), address("Ockham", "KT11")])
    .put("phones", {"home": "+44 1", "fax": None})
    .put("scores", {1: 9.5, -2: 0.125})
)
SPARSE = (
    Struct(CUSTOMER)
    .put("id", -1)
    .put("small", 127)
    .put("name", "")
    .put("born", datetime.date(1970, 1, 1))
    .put("seen", datetime.datetime(1969, 12, 31, 23, 59, 59, 1000, tzinfo=UTC))
    .put("ratio", -3.5)
    .put("active", False)
    .put("home", address(""))
    .put("tags", [])
    .put("phones", {})
    .put("scores", {})
)

# What Confluent's deserializer returns for FULL: plain dicts, maps with non-string keys as
# key/value records, logical types as Python dates/times/decimals.
FULL_AS_CONFLUENT_DICT = {
    "id": 2**40,
    "small": -7,
    "name": "Ada Lovelace",
    "nick": "ada",
    "balance": decimal.Decimal("-1234.50"),
    "born": datetime.date(1815, 12, 10),
    "wakes": datetime.time(6, 30, 15, 250000),
    "seen": datetime.datetime(2024, 2, 29, 23, 59, 58, 999000, tzinfo=UTC),
    "ratio": 0.25,
    "blob": b"\x00\xff\x10",
    "active": True,
    "home": {"street": "12 St James's Square", "zip": "SW1Y"},
    "work": {"street": "Analytical Engine Ln", "zip": None},
    "tags": ["math", "poetry"],
    "previous": [{"street": "Marylebone", "zip": None}, {"street": "Ockham", "zip": "KT11"}],
    "phones": {"home": "+44 1", "fax": None},
    "scores": [{"key": 1, "value": 9.5}, {"key": -2, "value": 0.125}],
}


@pytest.fixture
def confluent(schema_registry_url: str) -> Iterator[ConfluentRegistry]:
    """confluent-kafka's own registry client, closed afterwards (it holds an HTTP pool)."""
    with ConfluentRegistry({"url": schema_registry_url}) as client:
        yield client


def topic() -> str:
    return f"avro-interop-{uuid.uuid4().hex[:10]}"


def ctx(name: str) -> SerializationContext:
    return SerializationContext(name, MessageField.VALUE)


def converter(url: str, **configs: Any) -> AvroConverter:
    conv = AvroConverter()
    conv.configure({"schema.registry.url": url, **configs}, False)
    return conv


async def write(conv: AvroConverter, name: str, schema: Schema, *values: Any) -> list[bytes]:
    await conv.prepare_from_connect(name, [schema] * len(values))
    out = [conv.from_connect_data(name, schema, v) for v in values]
    assert all(isinstance(b, bytes) for b in out)
    return [b for b in out if b is not None]


async def read(conv: AvroConverter, name: str, data: list[bytes]) -> list[Any]:
    await conv.prepare_to_connect(name, data)
    return [conv.to_connect_data(name, d) for d in data]


async def test_records_we_write_are_read_by_confluents_deserializer(
    schema_registry_url: str, confluent: ConfluentRegistry
) -> None:
    name = topic()
    conv = converter(schema_registry_url)
    try:
        full, sparse = await write(conv, name, CUSTOMER, FULL, SPARSE)
    finally:
        await conv.aclose()
    deserializer = AvroDeserializer(confluent)
    assert deserializer(full, ctx(name)) == FULL_AS_CONFLUENT_DICT
    got = deserializer(sparse, ctx(name))
    assert got["nick"] is None
    assert got["balance"] is None
    assert got["work"] is None
    assert got["seen"] == datetime.datetime(1969, 12, 31, 23, 59, 59, 1000, tzinfo=UTC)
    assert got["scores"] == []
    assert got["small"] == 127


async def test_same_schema_same_values_give_the_same_bytes_both_ways(
    schema_registry_url: str, confluent: ConfluentRegistry
) -> None:
    name = topic()
    conv = converter(schema_registry_url)
    try:
        (ours,) = await write(conv, name, CUSTOMER, FULL)
        registered = confluent.get_latest_version(f"{name}-value")
        serializer = AvroSerializer(confluent, registered.schema.schema_str)
        theirs = serializer(FULL_AS_CONFLUENT_DICT, ctx(name))
        assert theirs == ours
        (back,) = await read(conv, name, [theirs])
    finally:
        await conv.aclose()
    assert back.schema == CUSTOMER
    assert back.value == FULL


ORDER_AVRO = {
    "type": "record",
    "name": "Order",
    "namespace": "shop",
    "fields": [
        {"name": "id", "type": "long"},
        {
            "name": "customer",
            "type": {
                "type": "record",
                "name": "Customer",
                "fields": [
                    {"name": "name", "type": "string"},
                    {"name": "email", "type": ["null", "string"], "default": None},
                ],
            },
        },
        {
            "name": "items",
            "type": {
                "type": "array",
                "items": {
                    "type": "record",
                    "name": "Item",
                    "fields": [{"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}],
                },
            },
        },
        {"name": "attrs", "type": {"type": "map", "values": "string"}},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "at", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "gift", "type": ["null", "Customer"], "default": None},
    ],
}
ORDER = {
    "id": 99,
    "customer": {"name": "Bo", "email": None},
    "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}],
    "attrs": {"channel": "web"},
    "price": decimal.Decimal("19.99"),
    "day": datetime.date(2024, 1, 31),
    "at": datetime.time(13, 14, 15, 16000),
    "ts": datetime.datetime(2024, 1, 31, 13, 14, 15, 16000, tzinfo=UTC),
    "status": "PAID",
    "note": "leave at door",
    "gift": {"name": "Cy", "email": "cy@example.com"},
}


def _field_schema(schema: Schema, name: str) -> Schema:
    field = schema.field(name)
    assert field is not None, name
    return field.schema


async def test_records_confluents_serializer_writes_are_read_by_our_converter(
    schema_registry_url: str, confluent: ConfluentRegistry
) -> None:
    name = topic()
    serializer = AvroSerializer(confluent, json.dumps(ORDER_AVRO))
    data = serializer(ORDER, ctx(name))
    assert data is not None
    conv = converter(schema_registry_url)
    try:
        (result,) = await read(conv, name, [data])
    finally:
        await conv.aclose()
    schema = result.schema
    assert (schema.name, schema.version) == ("shop.Order", 1)  # the registry's version of the subject
    customer = _field_schema(schema, "customer")
    assert customer.name == "shop.Customer"
    assert _field_schema(customer, "email").optional
    price = _field_schema(schema, "price")
    assert (price.name, price.parameters) == (
        Decimal.LOGICAL_NAME,
        {"scale": "2", "connect.decimal.precision": "10"},
    )
    assert _field_schema(schema, "day") == Date.schema()
    assert _field_schema(schema, "at") == Time.schema()
    assert _field_schema(schema, "ts") == Timestamp.schema()
    assert _field_schema(schema, "status").parameters == {
        "io.confluent.connect.avro.Enum": "shop.Status",
        "io.confluent.connect.avro.Enum.NEW": "NEW",
        "io.confluent.connect.avro.Enum.PAID": "PAID",
    }
    assert _field_schema(schema, "attrs").key_schema.type is Type.STRING
    item = _field_schema(schema, "items").value_schema
    gift = _field_schema(schema, "gift")
    assert gift.optional
    expected = (
        Struct(schema)
        .put("id", 99)
        .put("customer", Struct(customer).put("name", "Bo"))
        .put(
            "items",
            [Struct(item).put("sku", "A-1").put("qty", 2), Struct(item).put("sku", "B-2").put("qty", 1)],
        )
        .put("attrs", {"channel": "web"})
        .put("price", decimal.Decimal("19.99"))
        .put("day", datetime.date(2024, 1, 31))
        .put("at", datetime.time(13, 14, 15, 16000))
        .put("ts", datetime.datetime(2024, 1, 31, 13, 14, 15, 16000, tzinfo=UTC))
        .put("status", "PAID")
        .put("note", "leave at door")
        .put("gift", Struct(gift).put("name", "Cy").put("email", "cy@example.com"))
    )
    assert result.value == expected


async def test_unknown_schema_id_is_a_data_error_naming_the_id(schema_registry_url: str) -> None:
    conv = converter(schema_registry_url)
    try:
        with pytest.raises(DataError, match="987654") as info:
            await conv.prepare_to_connect(topic(), [b"\x00" + (987654).to_bytes(4, "big") + b"\x02"])
    finally:
        await conv.aclose()
    assert not info.value.retriable


async def test_registry_down_is_retriable_and_names_the_url() -> None:
    down = f"http://127.0.0.1:{free_port()}/apis/ccompat/v7"
    conv = converter(down)
    try:
        with pytest.raises(RetriableError, match=down) as info:
            await conv.prepare_from_connect(topic(), [CUSTOMER])
        with pytest.raises(RetriableError, match=down):
            await conv.prepare_to_connect(topic(), [b"\x00\x00\x00\x00\x01\x00"])
    finally:
        await conv.aclose()
    assert info.value.retriable


async def test_a_registry_list_fails_over_to_the_live_one(schema_registry_url: str) -> None:
    down = f"http://127.0.0.1:{free_port()}/apis/ccompat/v7"
    conv = converter(f"{down},{schema_registry_url}")
    name = topic()
    try:
        (data,) = await write(conv, name, CUSTOMER, FULL)
        (back,) = await read(conv, name, [data])
    finally:
        await conv.aclose()
    assert back.value == FULL


async def test_without_auto_register_an_unregistered_schema_is_a_data_error(schema_registry_url: str) -> None:
    name = topic()
    strict = converter(schema_registry_url, **{"auto.register.schemas": "false"})
    registering = converter(schema_registry_url)
    try:
        with pytest.raises(DataError, match=f"{name}-value"):
            await strict.prepare_from_connect(name, [CUSTOMER])
        (registered,) = await write(registering, name, CUSTOMER, FULL)
        (looked_up,) = await write(strict, name, CUSTOMER, FULL)
    finally:
        await strict.aclose()
        await registering.aclose()
    assert looked_up == registered
