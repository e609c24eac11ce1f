"""Shared transform helpers in distconnect.transforms.util."""

from __future__ import annotations

import datetime
import decimal
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import INT32_SCHEMA, INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder, Type
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.headers import Headers
from distconnect.api.records import SinkRecord, SourceRecord
from distconnect.api.struct import Struct
from distconnect.transforms.util import (
    KeySide,
    NonEmptyList,
    SchemaCache,
    ValueSide,
    attach_variants,
    copy_schema_basics,
    require_map,
    require_map_or_none,
    require_schema,
    require_sink_record,
    require_struct,
    require_struct_or_none,
    schema_type_of,
    struct_get,
)

STRUCT = SchemaBuilder.struct().field("a", INT32_SCHEMA).build()


def test_require_helpers() -> None:
    assert require_schema(INT32_SCHEMA, "p") is INT32_SCHEMA
    with pytest.raises(DataError, match=r"Schema required for \[p\]"):
        require_schema(None, "p")
    value = {"a": 1}
    assert require_map(value, "p") is value
    assert require_map(OrderedDict(a=1), "p") == {"a": 1}
    with pytest.raises(
        DataError, match=r"Only Map objects supported in absence of schema for \[p\], found: str"
    ):
        require_map("x", "p")
    with pytest.raises(DataError, match="found: null"):
        require_map(None, "p")
    assert require_map_or_none(None, "p") is None
    struct = Struct(STRUCT)
    assert require_struct(struct, "p") is struct
    with pytest.raises(DataError, match=r"Only Struct objects supported for \[p\], found: dict"):
        require_struct({}, "p")
    assert require_struct_or_none(None, "p") is None
    sink = SinkRecord(topic="t", kafka_offset=1)
    assert require_sink_record(sink, "p") is sink
    with pytest.raises(DataError, match="Only SinkRecord supported"):
        require_sink_record(SourceRecord(topic="t"), "p")


def test_copy_schema_basics() -> None:
    source = (
        SchemaBuilder.struct()
        .name("n")
        .version(2)
        .doc("d")
        .parameter("k", "v")
        .field("a", INT32_SCHEMA)
        .build()
    )
    copied = copy_schema_basics(source, SchemaBuilder.struct()).build()
    assert (copied.name, copied.version, copied.doc, dict(copied.parameters or {})) == (
        "n",
        2,
        "d",
        {"k": "v"},
    )
    assert copied.fields == ()
    array = SchemaBuilder.array(STRING_SCHEMA).name("arr").optional().build()
    rebuilt = copy_schema_basics(array).build()
    assert (rebuilt.type, rebuilt.value_schema, rebuilt.name, rebuilt.optional) == (
        Type.ARRAY,
        STRING_SCHEMA,
        "arr",
        False,
    )
    bare = copy_schema_basics(INT64_SCHEMA).build()
    assert bare == INT64_SCHEMA


def test_schema_cache_is_lru() -> None:
    cache = SchemaCache(max_size=2)
    s1, s2, s3 = (SchemaBuilder.int32().version(v).build() for v in (1, 2, 3))
    cache.put(s1, STRING_SCHEMA)
    cache.put(s2, STRING_SCHEMA)
    assert cache.get(s1) is STRING_SCHEMA  # s1 is now most recently used
    cache.put(s3, INT32_SCHEMA)
    assert s2 not in cache
    assert s1 in cache
    assert s3 in cache
    assert len(cache) == 2
    # Equal (not identical) schemas hit the same entry.
    assert cache.get(SchemaBuilder.int32().version(3).build()) is INT32_SCHEMA
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(ValueError, match="at least 1"):
        SchemaCache(0)


@given(st.lists(st.integers(min_value=0, max_value=20), max_size=60), st.integers(min_value=1, max_value=5))
def test_schema_cache_never_exceeds_bound_and_keeps_latest(versions: list[int], size: int) -> None:
    cache = SchemaCache(size)
    for version in versions:
        cache.put(SchemaBuilder.int8().version(version).build(), INT32_SCHEMA)
        assert len(cache) <= size
    recent = list(dict.fromkeys(reversed(versions)))[:size]
    for version in recent:
        assert SchemaBuilder.int8().version(version).build() in cache


class _Probe:
    """A minimal transform-like base to exercise the side mixins."""

    def run(self, record: Any) -> Any:
        side: Any = self
        return side.new_record(record, STRING_SCHEMA, f"{side.operating_value(record)}!")


class _ProbeKey(KeySide, _Probe):
    pass


class _ProbeValue(ValueSide, _Probe):
    pass


def test_key_and_value_sides() -> None:
    headers = Headers().add("h", 1)
    record = SinkRecord(
        topic="t", kafka_partition=3, kafka_offset=9, key_schema=INT32_SCHEMA, key=1,
        value_schema=INT64_SCHEMA, value=2, timestamp=5, headers=headers,
    )  # fmt: skip
    keyed = _ProbeKey().run(record)
    assert (keyed.key_schema, keyed.key, keyed.value_schema, keyed.value) == (
        STRING_SCHEMA,
        "1!",
        INT64_SCHEMA,
        2,
    )
    valued = _ProbeValue().run(record)
    assert (valued.key_schema, valued.key, valued.value_schema, valued.value) == (
        INT32_SCHEMA,
        1,
        STRING_SCHEMA,
        "2!",
    )
    for out in (keyed, valued):
        assert isinstance(out, SinkRecord)
        assert (out.topic, out.kafka_partition, out.kafka_offset, out.timestamp) == ("t", 3, 9, 5)
        assert out.headers == headers
        assert out.headers is not headers
    assert (record.key, record.value) == (1, 2)
    assert (_ProbeKey.side, _ProbeValue.side) == ("key", "value")
    assert _ProbeKey().operating_schema(record) is INT32_SCHEMA
    assert _ProbeValue().operating_schema(record) is INT64_SCHEMA


def test_attach_variants() -> None:
    class Base:
        pass

    class _K(Base):
        pass

    class _V(Base):
        pass

    attach_variants(Base, _K, _V)
    assert Base.Key is _K  # type: ignore[attr-defined]
    assert Base.Value is _V  # type: ignore[attr-defined]
    assert _K.__qualname__.endswith("Base.Key")
    assert _V.__name__ == "Value"
    assert _V.__module__ == Base.__module__


def test_non_empty_list() -> None:
    validator = NonEmptyList()
    validator("f", ["a"])
    bad: list[str] | None
    for bad in ([], None):
        with pytest.raises(ConfigError) as err:
            validator("f", bad)
        assert err.value.name == "f"
    assert str(validator) == "non-empty list"


def test_struct_get() -> None:
    schema = SchemaBuilder.struct().field("a", SchemaBuilder.int32().optional().default(4).build()).build()
    struct = Struct(schema)
    assert struct_get(struct, "a") == 4
    assert struct_get(struct, "a", with_default=False) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, Type.BOOLEAN),
        (1, Type.INT64),
        (1.5, Type.FLOAT64),
        ("s", Type.STRING),
        (b"b", Type.BYTES),
        (bytearray(b"b"), Type.BYTES),
        ([1], Type.ARRAY),
        ({"a": 1}, Type.MAP),
        (Struct(STRUCT), Type.STRUCT),
        (decimal.Decimal(1), None),
        (datetime.date(2020, 1, 1), None),
        (object(), None),
    ],
)
def test_schema_type_of(value: Any, expected: Type | None) -> None:
    assert schema_type_of(value) is expected
