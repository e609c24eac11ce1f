"""Connect values <-> Avro datums (the Python objects fastavro reads and writes).

The datums are *raw*: logical values are converted here by Connect's own rules (Decimal -> two's-
complement bytes, Date -> days, Time -> ms of day, Timestamp -> epoch ms) and fastavro is given a
schema without ``logicalType`` (see :func:`codec_schema`), so fastavro is a pure binary codec and
the Connect semantics (no silent rescaling, millisecond truncation, UTC) hold exactly.

Datum shapes: records are ``dict``s keyed by field name, maps with string keys are ``dict``s,
other maps are ``list``s of ``{"key", "value"}`` dicts, bytes are ``bytes``. On the way back a
value read from a union of named types may arrive as fastavro's ``(full name, value)`` tuple
(``return_named_type=True``); it selects the member of a Connect union struct and is unwrapped
everywhere else.

Pure and synchronous. Errors are ``DataError`` naming what did not fit.
"""

from __future__ import annotations

from typing import Any

from distconnect.api.data import Schema, Type
from distconnect.api.errors import DataError
from distconnect.api.logical import LOGICAL_NAMES, from_logical_value, to_logical_value
from distconnect.api.struct import Struct
from distconnect.converters import avro_names as n
from distconnect.converters.avro_defaults import is_string_keyed

_INT_RANGES = {
    Type.INT8: (-(2**7), 2**7 - 1),
    Type.INT16: (-(2**15), 2**15 - 1),
    Type.INT32: (-(2**31), 2**31 - 1),
    Type.INT64: (-(2**63), 2**63 - 1),
}
_PY_TYPES: dict[Type, type | tuple[type, ...]] = {
    Type.FLOAT32: float,
    Type.FLOAT64: float,
    Type.BOOLEAN: bool,
    Type.STRING: str,
}


def from_connect_value(schema: Schema, value: Any) -> Any:
    """The Avro datum for a Connect value of ``schema`` (None stays None for optional schemas)."""
    if value is None:
        # Struct fields arrive with their defaults already applied (Struct.get), as in Confluent.
        if not schema.optional:
            raise DataError(f"Found null value for non-optional schema {schema!r}")
        return None
    if schema.name in LOGICAL_NAMES:
        return from_logical_value(schema, value)
    t = schema.type
    if t in _INT_RANGES:
        low, high = _INT_RANGES[t]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise _invalid(schema, value)
        return value
    if t in _PY_TYPES:
        if not isinstance(value, _PY_TYPES[t]):
            raise _invalid(schema, value)
        return value
    if t is Type.BYTES:
        if isinstance(value, bytes):
            return value
        if isinstance(value, bytearray | memoryview):
            return bytes(value)
        raise _invalid(schema, value)
    if t is Type.ARRAY:
        if not isinstance(value, list | tuple):
            raise _invalid(schema, value)
        element = schema.value_schema
        return [from_connect_value(element, v) for v in value]
    if t is Type.MAP:
        if not isinstance(value, dict):
            raise _invalid(schema, value)
        key_schema, value_schema = schema.key_schema, schema.value_schema
        if is_string_keyed(schema):
            return {
                from_connect_value(key_schema, k): from_connect_value(value_schema, v)
                for k, v in value.items()
            }
        return [
            {
                n.KEY_FIELD: from_connect_value(key_schema, k),
                n.VALUE_FIELD: from_connect_value(value_schema, v),
            }
            for k, v in value.items()
        ]
    if not isinstance(value, Struct):
        raise _invalid(schema, value)
    if value.schema is not schema and value.schema != schema:
        raise DataError(f"Mismatching struct schema: value has {value.schema!r}, expected {schema!r}")
    if schema.name == n.AVRO_TYPE_UNION:
        for field in schema.fields:
            member = value.get(field.name)
            if member is not None:
                datum = from_connect_value(field.schema, member)
                branch = _branch_name(field.schema)
                # fastavro's tuple notation names the union branch; left alone it would pick the
                # first branch the datum fits (an int also fits "double").
                return datum if branch is None else (branch, datum)
        return None
    return {f.name: from_connect_value(f.schema, value.get(f.name)) for f in schema.fields}


_BRANCHES = {
    Type.INT8: "int",
    Type.INT16: "int",
    Type.INT32: "int",
    Type.INT64: "long",
    Type.FLOAT32: "float",
    Type.FLOAT64: "double",
    Type.BOOLEAN: "boolean",
    Type.STRING: "string",
    Type.BYTES: "bytes",
    Type.ARRAY: "array",
}


def _branch_name(schema: Schema) -> str | None:
    """The Avro union branch a union-struct member is written as (None: unnamed record)."""
    if schema.type is Type.MAP:
        return "map" if is_string_keyed(schema) else "array"
    if schema.type is Type.STRUCT:
        return schema.name
    return _BRANCHES[schema.type]


def to_connect_value(schema: Schema, datum: Any) -> Any:
    """The Connect value of ``schema`` for an Avro datum read with the matching writer schema."""
    if datum is None:
        if not schema.optional:
            raise DataError(f"Found null value for non-optional schema {schema!r}")
        return None
    t = schema.type
    if isinstance(datum, tuple) and not (t is Type.STRUCT and schema.name == n.AVRO_TYPE_UNION):
        datum = datum[1]
    if t is Type.ARRAY:
        element = schema.value_schema
        return [to_connect_value(element, v) for v in _expect(schema, datum, list)]
    if t is Type.MAP:
        key_schema, value_schema = schema.key_schema, schema.value_schema
        try:
            if isinstance(datum, dict):
                return {
                    to_connect_value(key_schema, k): to_connect_value(value_schema, v)
                    for k, v in datum.items()
                }
            return {
                to_connect_value(key_schema, e[n.KEY_FIELD]): to_connect_value(value_schema, e[n.VALUE_FIELD])
                for e in _expect(schema, datum, list)
            }
        except (TypeError, KeyError) as e:
            raise DataError(f"Invalid Avro map entries for {schema!r}: {e}") from None
    if t is Type.STRUCT:
        if schema.name == n.AVRO_TYPE_UNION:
            return _to_union(schema, datum)
        record = _expect(schema, datum, dict)
        return Struct.from_values(
            schema, [to_connect_value(field.schema, record.get(field.name)) for field in schema.fields]
        )
    if t is Type.BYTES and isinstance(datum, bytearray | memoryview):
        datum = bytes(datum)
    raw = datum
    if schema.name in LOGICAL_NAMES:
        return to_logical_value(schema, raw)
    if t in _INT_RANGES:
        low, high = _INT_RANGES[t]
        if not isinstance(raw, int) or isinstance(raw, bool) or not low <= raw <= high:
            raise _invalid(schema, raw)
    elif t is Type.BYTES:
        _expect(schema, raw, bytes)
    elif not isinstance(raw, _PY_TYPES[t]):
        raise _invalid(schema, raw)
    return raw


def _to_union(schema: Schema, datum: Any) -> Struct:
    """Pick the union-struct member a datum belongs to (by named type, else by Python type)."""
    struct = Struct(schema)
    if isinstance(datum, tuple):
        field = schema.field(n.split_name(datum[0])[1])
        if field is not None:
            return struct.put(field, to_connect_value(field.schema, datum[1]))
    for field in schema.fields:
        if _matches(field.schema, datum):
            return struct.put(field, to_connect_value(field.schema, datum))
    raise DataError(f"Did not find matching union field for data: {datum!r:.200}")


def _matches(schema: Schema, datum: Any) -> bool:
    t = schema.type
    if t in _INT_RANGES:
        return isinstance(datum, int) and not isinstance(datum, bool)
    if t is Type.BYTES:
        return isinstance(datum, bytes)
    if t is Type.ARRAY:
        return isinstance(datum, list)
    if t is Type.MAP:
        return isinstance(datum, dict) if is_string_keyed(schema) else isinstance(datum, list)
    if t is Type.STRUCT:
        return isinstance(datum, dict)
    return isinstance(datum, _PY_TYPES[t])


def _expect(schema: Schema, datum: Any, kind: type) -> Any:
    if not isinstance(datum, kind):
        raise _invalid(schema, datum)
    return datum


def _invalid(schema: Schema, value: Any) -> DataError:
    named = f" {schema.name}" if schema.name else ""
    return DataError(f"Invalid type for {schema.type.name}{named}: {type(value).__name__}")
