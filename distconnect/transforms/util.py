"""Helpers shared by the bundled transforms (the counterpart of Java's ``transforms.util``).

* ``require_*``: type guards that raise :class:`DataError` with Connect's wording, so a transform
  handed the wrong kind of value fails with a message naming its purpose.
* :func:`copy_schema_basics`: carry name, version, doc and parameters onto a new builder.
* :class:`SchemaCache`: a small LRU map from an input schema to the derived output schema.
* :class:`KeyOrValue`, :class:`KeySide`, :class:`ValueSide`: the pattern behind Java's
  ``InsertField$Key`` / ``InsertField$Value``. A transform subclasses :class:`KeyOrValue` and
  implements its logic against ``operating_schema`` / ``operating_value`` / ``new_record``; its
  two public variants are ``class _Key(KeySide, MyTransform)`` and ``class _Value(ValueSide,
  MyTransform)``, published with :func:`attach_variants` as ``MyTransform.Key`` / ``.Value``.
* :class:`NonEmptyList`: a ConfigDef validator rejecting an empty LIST.

Concurrency: a transform instance belongs to one task and is only called from that task's
loop, so nothing here locks. Everything is sync and I/O-free.
"""

from __future__ import annotations

import abc
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, TypeVar

from distconnect.api.config import Validator
from distconnect.api.data import Schema, SchemaBuilder, Type
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.records import ConnectRecord, SinkRecord
from distconnect.api.struct import Struct

R = TypeVar("R", bound=ConnectRecord)


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__qualname__


def require_schema(schema: Schema | None, purpose: str) -> Schema:
    """Return ``schema``; raise DataError if the record carries none."""
    if schema is None:
        raise DataError(f"Schema required for [{purpose}]")
    return schema


def require_map(value: Any, purpose: str) -> dict[str, Any]:
    """Return ``value`` as a schemaless map (any Mapping; a non-dict Mapping is copied)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    raise DataError(
        f"Only Map objects supported in absence of schema for [{purpose}], found: {_type_name(value)}"
    )


def require_map_or_none(value: Any, purpose: str) -> dict[str, Any] | None:
    return None if value is None else require_map(value, purpose)


def require_struct(value: Any, purpose: str) -> Struct:
    """Return ``value`` if it is a Struct; raise DataError otherwise."""
    if not isinstance(value, Struct):
        raise DataError(f"Only Struct objects supported for [{purpose}], found: {_type_name(value)}")
    return value


def require_struct_or_none(value: Any, purpose: str) -> Struct | None:
    return None if value is None else require_struct(value, purpose)


def require_sink_record(record: ConnectRecord, purpose: str) -> SinkRecord:
    if not isinstance(record, SinkRecord):
        raise DataError(f"Only SinkRecord supported for [{purpose}], found: {_type_name(record)}")
    return record


def copy_schema_basics(source: Schema, builder: SchemaBuilder | None = None) -> SchemaBuilder:
    """Copy name, version, doc and parameters of ``source`` onto ``builder``.

    Without a builder a fresh one of the source's type is made (an ARRAY keeps its element
    schema, a MAP its key and value schemas); fields, optionality and default are not copied.
    """
    if builder is None:
        if source.type is Type.ARRAY and source.has_value_schema:
            builder = SchemaBuilder.array(source.value_schema)
        elif source.type is Type.MAP and source.has_key_schema and source.has_value_schema:
            builder = SchemaBuilder.map(source.key_schema, source.value_schema)
        else:
            builder = SchemaBuilder.type(source.type)
    # Setting an attribute to None is skipped: the builder may treat None as "unset" already
    # and Java only rejects re-setting a *different* value.
    if source.name is not None:
        builder.name(source.name)
    if source.version is not None:
        builder.version(source.version)
    if source.doc is not None:
        builder.doc(source.doc)
    if source.parameters:
        builder.parameters(dict(source.parameters))
    return builder


def struct_get(struct: Struct, name: str, with_default: bool = True) -> Any:
    """A field's value, falling back to the field default only when ``with_default``.

    Backs the ``replace.null.with.default`` option several transforms share.
    """
    return struct.get(name) if with_default else struct.get_without_default(name)


def schema_type_of(value: Any) -> Type | None:
    """The Connect type a schemaless value has, or None if Connect has no type for it.

    The counterpart of Java's ``ConnectSchema.schemaType(Class)``. Python has a single ``int``,
    so every integer reports INT64 and every ``float`` FLOAT64. Logical-type values (Decimal,
    date, time, datetime) have no schemaless type, as in Java.
    """
    if isinstance(value, bool):
        return Type.BOOLEAN
    if isinstance(value, int):
        return Type.INT64
    if isinstance(value, float):
        return Type.FLOAT64
    if isinstance(value, str):
        return Type.STRING
    if isinstance(value, bytes | bytearray | memoryview):
        return Type.BYTES
    if isinstance(value, list):
        return Type.ARRAY
    if isinstance(value, Mapping):
        return Type.MAP
    if isinstance(value, Struct):
        return Type.STRUCT
    return None


class SchemaCache:
    """A bounded least-recently-used map from an input schema to its derived schema.

    Transforms cache the output schema per input schema so a stream of records sharing one
    schema builds it once. Not thread-safe: an instance is owned by one transform instance.
    """

    __slots__ = ("_entries", "_max_size")

    def __init__(self, max_size: int = 16) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self._max_size = max_size
        self._entries: OrderedDict[Schema, Schema] = OrderedDict()

    def get(self, key: Schema) -> Schema | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: Schema, value: Schema) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries


class KeyOrValue(abc.ABC):
    """Which half of a record a transform reads and rewrites.

    Mixed into a transform's base class; :class:`KeySide` and :class:`ValueSide` supply the
    three methods. ``new_record`` keeps topic, partition, timestamp, headers and the other half.
    """

    #: "key" or "value"; handy for messages.
    side: str = ""

    @abc.abstractmethod
    def operating_schema(self, record: ConnectRecord) -> Schema | None: ...

    @abc.abstractmethod
    def operating_value(self, record: ConnectRecord) -> Any: ...

    @abc.abstractmethod
    def new_record(self, record: R, schema: Schema | None, value: Any) -> R: ...


class KeySide(KeyOrValue):
    side = "key"

    def operating_schema(self, record: ConnectRecord) -> Schema | None:
        return record.key_schema

    def operating_value(self, record: ConnectRecord) -> Any:
        return record.key

    def new_record(self, record: R, schema: Schema | None, value: Any) -> R:
        return record.new_record(key_schema=schema, key=value)


class ValueSide(KeyOrValue):
    side = "value"

    def operating_schema(self, record: ConnectRecord) -> Schema | None:
        return record.value_schema

    def operating_value(self, record: ConnectRecord) -> Any:
        return record.value

    def new_record(self, record: R, schema: Schema | None, value: Any) -> R:
        return record.new_record(value_schema=schema, value=value)


def attach_variants(base: type[Any], key: type[Any], value: type[Any]) -> None:
    """Publish ``key``/``value`` as ``base.Key``/``base.Value``.

    The qualified names are rewritten to ``Base.Key``/``Base.Value`` so a dotted class name
    ``module.Base.Value`` (the Python spelling of Java's ``Base$Value``) resolves and reprs read
    naturally.
    """
    for attr, cls in (("Key", key), ("Value", value)):
        cls.__name__ = attr
        cls.__qualname__ = f"{base.__qualname__}.{attr}"
        cls.__module__ = base.__module__
        setattr(base, attr, cls)


class NonEmptyList(Validator):
    """ConfigDef validator: the LIST value must hold at least one element."""

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None or len(value) == 0:
            raise ConfigError(name, value, "Empty list")

    def __str__(self) -> str:
        return "non-empty list"


__all__ = [
    "KeyOrValue",
    "KeySide",
    "NonEmptyList",
    "SchemaCache",
    "ValueSide",
    "attach_variants",
    "copy_schema_basics",
    "require_map",
    "require_map_or_none",
    "require_schema",
    "require_sink_record",
    "require_struct",
    "require_struct_or_none",
    "schema_type_of",
    "struct_get",
]
