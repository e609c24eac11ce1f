"""The pure Connect <-> Avro mapping (schemas and values), compatible with Confluent's ``AvroData``.

This module is the public face of the mapping; the rules live in
:mod:`~distconnect.converters.avro_from_connect` (Connect -> Avro schema),
:mod:`~distconnect.converters.avro_to_connect` (Avro -> Connect schema) and
:mod:`~distconnect.converters.avro_values` (values both ways). :class:`AvroData` adds bounded
caches for the schema conversions, which are the expensive part, plus :func:`codec_schema`, the
fastavro-parsed form used for the binary encoding.

Everything here is synchronous and does no I/O. An :class:`AvroData` instance is not thread-safe
(one per converter, used from one event loop).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Generic, TypeVar

import fastavro

from distconnect.api.data import Schema
from distconnect.api.errors import DataError
from distconnect.converters.avro_defaults import default_to_json
from distconnect.converters.avro_from_connect import from_connect_schema, non_optional
from distconnect.converters.avro_names import AVRO_LOGICAL_TYPE_PROP
from distconnect.converters.avro_to_connect import to_connect_schema
from distconnect.converters.avro_values import from_connect_value, to_connect_value

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """A small least-recently-used map (Kafka's ``LRUCache``)."""

    def __init__(self, capacity: int) -> None:
        self._capacity = max(1, capacity)
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self._capacity:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class AvroData:
    """Caching Connect <-> Avro schema conversion (Confluent's ``AvroData``)."""

    def __init__(self, *, connect_meta_data: bool = True, cache_size: int = 1000) -> None:
        self.connect_meta_data = connect_meta_data
        self._from_connect: LruCache[Schema, Any] = LruCache(cache_size)
        self._to_connect: LruCache[tuple[str, int | None], Schema] = LruCache(cache_size)

    def from_connect_schema(self, schema: Schema) -> Any:
        """The Avro schema (parsed JSON) for ``schema``; do not mutate the result."""
        cached = self._from_connect.get(schema)
        if cached is None:
            cached = from_connect_schema(schema, connect_meta_data=self.connect_meta_data)
            self._from_connect.put(schema, cached)
        return cached

    def to_connect_schema(self, avro_text: str, version: int | None = None) -> Schema:
        """The Connect schema for Avro schema text (``version`` used without ``connect.version``)."""
        key = (avro_text, version)
        cached = self._to_connect.get(key)
        if cached is None:
            cached = to_connect_schema(avro_text, version=version, connect_meta_data=self.connect_meta_data)
            self._to_connect.put(key, cached)
        return cached


def schema_text(avro: Any) -> str:
    """Compact JSON text of an Avro schema, as registered with a schema registry."""
    return json.dumps(avro, separators=(",", ":"), ensure_ascii=False)


def strip_logical_types(avro: Any) -> Any:
    """A copy of an Avro schema without ``logicalType`` annotations (same binary encoding)."""
    if isinstance(avro, dict):
        return {k: strip_logical_types(v) for k, v in avro.items() if k != AVRO_LOGICAL_TYPE_PROP}
    if isinstance(avro, list):
        return [strip_logical_types(v) for v in avro]
    return avro


def codec_schema(avro: Any) -> Any:
    """fastavro's parsed form of ``avro`` for raw datums; DataError if Avro rejects the schema."""
    try:
        return fastavro.parse_schema(strip_logical_types(avro))
    except Exception as e:  # fastavro raises SchemaParseException, ValueError, KeyError, TypeError...
        raise DataError(f"Invalid Avro schema: {e}") from None


__all__ = [
    "AvroData",
    "LruCache",
    "codec_schema",
    "default_to_json",
    "from_connect_schema",
    "from_connect_value",
    "non_optional",
    "schema_text",
    "strip_logical_types",
    "to_connect_schema",
    "to_connect_value",
]
