"""AvroConverter against an in-memory registry: wire format, batch hooks, caching and errors.

The registry double implements the client's public methods with dicts and counts calls, so these
tests check what the converter asks the registry and when (only in the async hooks, once per new
schema or id), without a network.
"""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distconnect.api.data import INT32_SCHEMA, STRING_SCHEMA, SchemaBuilder
from distconnect.api.errors import DataError, IllegalWorkerStateError
from distconnect.api.logical import Decimal, Timestamp
from distconnect.api.struct import Struct
from distconnect.converters.avro import AvroConverter
from distconnect.converters.schema_registry import RegisteredSchema, SchemaRegistryClient


class MemoryRegistry(SchemaRegistryClient):
    """Subjects and ids in dicts; ``calls`` records every registry operation."""

    def __init__(self) -> None:
        super().__init__(["http://registry.invalid"])
        self.subjects: dict[str, list[str]] = {}
        self.ids: dict[str, int] = {}
        self.calls: list[tuple[str, str]] = []

    async def register(self, subject: str, schema: str) -> int:
        self.calls.append(("register", subject))
        versions = self.subjects.setdefault(subject, [])
        if schema not in versions:
            versions.append(schema)
        return self.ids.setdefault(schema, len(self.ids) + 1)

    async def lookup(self, subject: str, schema: str) -> RegisteredSchema:
        self.calls.append(("lookup", subject))
        versions = self.subjects.get(subject, [])
        if schema not in versions:
            raise DataError(f"Schema not found under subject {subject!r}")
        return RegisteredSchema(subject, self.ids[schema], versions.index(schema) + 1, schema)

    async def get_id(self, subject: str, schema: str) -> int:
        return (await self.lookup(subject, schema)).id

    async def get_version(self, subject: str, schema: str) -> int | None:
        try:
            return (await self.lookup(subject, schema)).version
        except DataError:
            return None

    async def latest(self, subject: str) -> RegisteredSchema:
        self.calls.append(("latest", subject))
        schema = self.subjects[subject][-1]
        return RegisteredSchema(subject, self.ids[schema], len(self.subjects[subject]), schema)

    async def schema_by_id(self, schema_id: int) -> str:
        self.calls.append(("schema_by_id", str(schema_id)))
        for schema, known in self.ids.items():
            if known == schema_id:
                return schema
        raise DataError(f"Schema id {schema_id} not found")


def converter(
    registry: MemoryRegistry, configs: dict[str, str] | None = None, is_key: bool = False
) -> AvroConverter:
    conv = AvroConverter(registry)
    conv.configure({"schema.registry.url": "http://registry.invalid", **(configs or {})}, is_key)
    return conv


PERSON = (
    SchemaBuilder.struct()
    .name("com.example.Person")
    .version(1)
    .field("name", STRING_SCHEMA)
    .field("age", SchemaBuilder.int16().optional().build())
    .field("balance", Decimal.builder(2).optional().build())
    .field("seen", Timestamp.builder().optional().build())
    .field("tags", SchemaBuilder.array(STRING_SCHEMA).build())
    .field("scores", SchemaBuilder.map(INT32_SCHEMA, SchemaBuilder.float64().optional().build()).build())
    .build()
)


def person(name: str = "ada", **fields: Any) -> Struct:
    struct = Struct(PERSON).put("name", name).put("tags", []).put("scores", {})
    for key, value in fields.items():
        struct.put(key, value)
    return struct


async def test_records_round_trip_with_the_confluent_header_and_registry_calls_only_in_the_hooks() -> None:
    registry = MemoryRegistry()
    conv = converter(registry)
    value = person(
        age=36,
        balance=decimal.Decimal("-12.50"),
        seen=datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=datetime.UTC),
        tags=["x", "y"],
        scores={1: 0.5, 2: None},
    )
    await conv.prepare_from_connect("people", [PERSON, None, PERSON])
    assert registry.calls == [("register", "people-value")]
    data = conv.from_connect_data("people", PERSON, value)
    assert data is not None
    assert data[:5] == b"\x00\x00\x00\x00\x01"
    assert json.loads(registry.subjects["people-value"][0])["name"] == "Person"

    await conv.prepare_from_connect("people", [PERSON])
    await conv.prepare_to_connect("people", [data, None, data])
    # One fetch of the writer schema and one lookup of its version under the subject.
    assert registry.calls == [("register", "people-value"), ("schema_by_id", "1"), ("lookup", "people-value")]
    back = conv.to_connect_data("people", data)
    assert back.schema == PERSON
    assert back.value == value
    assert conv.to_connect_data("people", None) == (None, None)
    assert conv.from_connect_data("people", None, None) is None


async def test_a_schema_without_connect_version_reads_back_with_its_registry_version() -> None:
    registry = MemoryRegistry()
    conv = converter(registry)
    v1 = SchemaBuilder.struct().name("r.R").field("a", INT32_SCHEMA).build()
    v2 = SchemaBuilder.struct().name("r.R").field("a", INT32_SCHEMA).field("b", STRING_SCHEMA).build()
    await conv.prepare_from_connect("t", [v1, v2])
    first = conv.from_connect_data("t", v1, Struct(v1).put("a", 1))
    second = conv.from_connect_data("t", v2, Struct(v2).put("a", 2).put("b", "x"))
    assert first is not None
    assert second is not None
    await conv.prepare_to_connect("t", [first, second])
    schemas = [conv.to_connect_data("t", d).schema for d in (first, second)]
    assert [s.version if s else None for s in schemas] == [1, 2]


async def test_keys_use_the_key_subject() -> None:
    registry = MemoryRegistry()
    conv = converter(registry, is_key=True)
    await conv.prepare_from_connect("t", [STRING_SCHEMA])
    assert conv.from_connect_data("t", STRING_SCHEMA, "k") == b"\x00\x00\x00\x00\x01\x02k"
    assert list(registry.subjects) == ["t-key"]


async def test_record_name_strategies() -> None:
    registry = MemoryRegistry()
    strategy = "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"
    conv = converter(registry, {"value.subject.name.strategy": strategy})
    await conv.prepare_from_connect("t", [PERSON])
    assert list(registry.subjects) == ["t-com.example.Person"]
    with pytest.raises(DataError, match="record schema"):
        await conv.prepare_from_connect("t", [STRING_SCHEMA])


async def test_without_auto_register_the_schema_must_already_be_registered() -> None:
    registry = MemoryRegistry()
    conv = converter(registry, {"auto.register.schemas": "false"})
    with pytest.raises(DataError, match="people-value"):
        await conv.prepare_from_connect("people", [PERSON])
    await converter(registry).prepare_from_connect("people", [PERSON])
    await conv.prepare_from_connect("people", [PERSON])
    assert registry.calls[-1] == ("lookup", "people-value")
    assert (conv.from_connect_data("people", PERSON, person()) or b"")[:5] == b"\x00\x00\x00\x00\x01"


async def test_use_latest_version_writes_with_the_subjects_latest_schema() -> None:
    registry = MemoryRegistry()
    older = SchemaBuilder.struct().name("p.P").version(1).field("name", STRING_SCHEMA).build()
    newer = (
        SchemaBuilder.struct()
        .name("p.P")
        .version(1)
        .field("name", STRING_SCHEMA)
        .field("nick", SchemaBuilder.string().optional().build())
        .build()
    )
    await converter(registry).prepare_from_connect("people", [older])
    await converter(registry).prepare_from_connect("people", [newer])
    conv = converter(registry, {"auto.register.schemas": "false", "use.latest.version": "true"})
    await conv.prepare_from_connect("people", [older])
    assert registry.calls[-1] == ("latest", "people-value")
    data = conv.from_connect_data("people", older, Struct(older).put("name", "bo"))
    assert data is not None
    assert data[:5] == b"\x00\x00\x00\x00\x02"
    reader = converter(registry)
    await reader.prepare_to_connect("people", [data])
    assert reader.to_connect_data("people", data).value == Struct(newer).put("name", "bo")

    # A value that cannot fill the latest schema's required fields is bad data.
    empty = SchemaBuilder.struct().name("p.P").version(1).build()
    await conv.prepare_from_connect("people", [empty])
    with pytest.raises(DataError, match="name"):
        conv.from_connect_data("people", empty, Struct(empty))


async def test_unprepared_schemas_and_ids_are_a_clear_error() -> None:
    conv = converter(MemoryRegistry())
    with pytest.raises(IllegalWorkerStateError, match="prepare_from_connect"):
        conv.from_connect_data("t", PERSON, person())
    with pytest.raises(IllegalWorkerStateError, match="prepare_to_connect"):
        conv.to_connect_data("t", b"\x00\x00\x00\x00\x07\x02")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "magic byte"),
        (b"\x01\x00\x00\x00\x01\x02", "magic byte 1"),
        (b"\x00\x00\x00", "magic byte"),
    ],
)
def test_malformed_headers_raise_data_error(payload: bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        converter(MemoryRegistry()).to_connect_data("t", payload)


async def test_truncated_avro_body_raises_data_error_naming_the_schema_id() -> None:
    registry = MemoryRegistry()
    conv = converter(registry)
    await conv.prepare_from_connect("t", [PERSON])
    data = conv.from_connect_data("t", PERSON, person("a much longer name"))
    assert data is not None
    await conv.prepare_to_connect("t", [data])
    with pytest.raises(DataError, match="schema id 1"):
        conv.to_connect_data("t", data[:8])


async def test_unknown_schema_id_raises_data_error_naming_the_id() -> None:
    with pytest.raises(DataError, match="Schema id 77"):
        await converter(MemoryRegistry()).prepare_to_connect("t", [b"\x00\x00\x00\x00\x4d\x00"])


async def test_null_for_a_required_schema_is_a_data_error() -> None:
    conv = converter(MemoryRegistry())
    await conv.prepare_from_connect("t", [PERSON])
    with pytest.raises(DataError, match="non-optional"):
        conv.from_connect_data("t", PERSON, None)
    with pytest.raises(DataError, match="needs a schema"):
        conv.from_connect_data("t", None, {"schemaless": True})


@settings(max_examples=50, deadline=None)
@given(
    st.text(max_size=20),
    st.none() | st.integers(-(2**15), 2**15 - 1),
    st.lists(st.text(max_size=3), max_size=4),
    st.dictionaries(st.integers(-(2**31), 2**31 - 1), st.none() | st.floats(allow_nan=False), max_size=4),
)
async def test_converter_round_trips_generated_people(
    name: str, age: int | None, tags: list[str], scores: dict[int, float | None]
) -> None:
    registry = MemoryRegistry()
    conv = converter(registry)
    value = person(name, age=age, tags=tags, scores=scores)
    await conv.prepare_from_connect("t", [PERSON])
    data = conv.from_connect_data("t", PERSON, value)
    assert data is not None
    await conv.prepare_to_connect("t", [data])
    assert conv.to_connect_data("t", data) == (PERSON, value)


def test_config_declares_confluents_keys() -> None:
    keys = set(AvroConverter().config().names())
    assert {
        "schema.registry.url",
        "auto.register.schemas",
        "use.latest.version",
        "basic.auth.user.info",
    } <= keys
