"""Connect data -> JSON trees, as Apache Kafka's ``JsonConverter.convertToJson`` builds them.

An *encoder* is compiled once per schema (the converter caches it next to the schema's JSON) and
turns a Python Connect value into a tree that ``orjson`` serialises to Java's exact bytes: plain
``dict``/``list``/``str``/``int``/``bool``/``None``, with ``orjson.Fragment`` for numbers whose
text Jackson spells differently from orjson (most floats, NUMERIC decimals). Bytes and BASE64
decimals become base64 text; non-finite floats become the strings ``"NaN"``/``"Infinity"``, as
Jackson writes them. Errors raise ``DataError`` with Java's wording where Java has one.

Pure and synchronous; encoders hold no mutable state and may be shared.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import math
from collections.abc import Callable
from typing import Any

import orjson

from distconnect.api.data import Schema, Type
from distconnect.api.errors import DataError
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
from distconnect.converters.json_numbers import java_double_str, java_float_str

Encoder = Callable[[Any], Any]

_INT_RANGES = {
    Type.INT8: (-(2**7), 2**7 - 1),
    Type.INT16: (-(2**15), 2**15 - 1),
    Type.INT32: (-(2**31), 2**31 - 1),
    Type.INT64: (-(2**63), 2**63 - 1),
}
_INT64_MIN, _INT64_MAX = _INT_RANGES[Type.INT64]
_BYTES_TYPES = (bytes, bytearray, memoryview)
_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def build_encoder(schema: Schema, numeric_decimals: bool, replace_null_with_default: bool) -> Encoder:
    """The encoder for values of ``schema`` (null handling included)."""
    encode = _encoder_for_type(schema, numeric_decimals, replace_null_with_default)
    default = schema.default_value
    optional = schema.optional
    use_default = default is not None and replace_null_with_default

    def encode_nullable(value: Any) -> Any:
        if value is None:
            if use_default:
                return encode(default)
            if optional:
                return None
            raise DataError(
                "Conversion error: null value for field that is required and has no default value"
            )
        return encode(value)

    return encode_nullable


def encode_double(value: float) -> Any:
    """A FLOAT64 value spelled like Jackson (``Double.toString``)."""
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7 or magnitude == 0.0:
        return value  # orjson's text equals Java's in this range
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return _NON_FINITE[value]
    return orjson.Fragment(java_double_str(value))


def encode_float(value: float) -> Any:
    """A FLOAT32 value spelled like Jackson (``Float.toString``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return _NON_FINITE[value]
    try:
        return orjson.Fragment(java_float_str(value))
    except OverflowError:
        raise DataError(f"Value {value!r} out of range for FLOAT32") from None


def java_decimal_str(value: decimal.Decimal) -> str:
    """``BigDecimal.toString()``: the same scientific-string rules as Python, but no negative zero."""
    return str(value.copy_abs() if value.is_zero() else value)


def encode_schemaless(value: Any) -> Any:
    """Encode a value that has no schema, inferring the type from its Python class like Java."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return _check_int(Type.INT64, value)
    if isinstance(value, float):
        return encode_double(value)
    if isinstance(value, _BYTES_TYPES):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list | tuple):
        return [encode_schemaless(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: encode_schemaless(item) for key, item in value.items()}
        return [[encode_schemaless(key), encode_schemaless(item)] for key, item in value.items()]
    if isinstance(value, Struct):
        raise DataError("Mismatching schema.")
    raise DataError(f"Python type {type(value)} does not have corresponding schema type.")


def _invalid_type(schema: Schema, value: Any) -> DataError:
    return DataError(f"Invalid type for {schema.type.name}: {type(value)}")


def _check_int(schema_type: Type, value: int) -> int:
    low, high = _INT_RANGES[schema_type]
    if not low <= value <= high:
        raise DataError(f"Value {value} out of range for {schema_type.name} [{low}, {high}]")
    return int(value)


def _encoder_for_type(schema: Schema, numeric: bool, replace: bool) -> Encoder:
    logical = _logical_encoder(schema, numeric)
    if logical is not None:
        return logical
    schema_type = schema.type
    if schema_type in _INT_RANGES:
        low, high = _INT_RANGES[schema_type]

        def encode_int(value: Any) -> Any:
            if type(value) is int and low <= value <= high:
                return value
            if not isinstance(value, int) or isinstance(value, bool):
                raise _invalid_type(schema, value)
            return _check_int(schema_type, value)

        return encode_int
    if schema_type is Type.FLOAT64 or schema_type is Type.FLOAT32:
        spell = encode_double if schema_type is Type.FLOAT64 else encode_float

        def encode_floating(value: Any) -> Any:
            if not isinstance(value, float):
                raise _invalid_type(schema, value)
            return spell(value)

        return encode_floating
    if schema_type is Type.BOOLEAN:
        return _expect(schema, bool)
    if schema_type is Type.STRING:
        return _expect(schema, str)
    if schema_type is Type.BYTES:

        def encode_bytes(value: Any) -> Any:
            if not isinstance(value, _BYTES_TYPES):
                raise DataError(f"Invalid type for bytes type: {type(value)}")
            return base64.b64encode(value).decode("ascii")

        return encode_bytes
    if schema_type is Type.ARRAY:
        return _array_encoder(schema, numeric, replace)
    if schema_type is Type.MAP:
        return _map_encoder(schema, numeric, replace)
    return _struct_encoder(schema, numeric, replace)


def _expect(schema: Schema, python_type: type) -> Encoder:
    def encode_plain(value: Any) -> Any:
        if not isinstance(value, python_type):
            raise _invalid_type(schema, value)
        return value

    return encode_plain


def _array_encoder(schema: Schema, numeric: bool, replace: bool) -> Encoder:
    encode_item = build_encoder(schema.value_schema, numeric, replace)

    def encode_array(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise _invalid_type(schema, value)
        return [encode_item(item) for item in value]

    return encode_array


def _map_encoder(schema: Schema, numeric: bool, replace: bool) -> Encoder:
    encode_key = build_encoder(schema.key_schema, numeric, replace)
    encode_value = build_encoder(schema.value_schema, numeric, replace)
    if schema.key_schema.type is Type.STRING:

        def encode_object(value: Any) -> Any:
            if not isinstance(value, dict):
                raise _invalid_type(schema, value)
            # Jackson uses the key node's text, so a null key becomes "null".
            return {_key_text(encode_key(k)): encode_value(v) for k, v in value.items()}

        return encode_object

    def encode_pairs(value: Any) -> Any:
        if not isinstance(value, dict):
            raise _invalid_type(schema, value)
        return [[encode_key(k), encode_value(v)] for k, v in value.items()]

    return encode_pairs


def _key_text(key: Any) -> str:
    return "null" if key is None else str(key)


def _struct_encoder(schema: Schema, numeric: bool, replace: bool) -> Encoder:
    fields = [(field.name, build_encoder(field.schema, numeric, replace)) for field in schema.fields]

    def encode_struct(value: Any) -> Any:
        if not isinstance(value, Struct):
            raise _invalid_type(schema, value)
        if value.schema is not schema and value.schema != schema:
            raise DataError("Mismatching schema.")
        return {name: encode(raw) for (name, encode), raw in zip(fields, value.values(), strict=True)}

    return encode_struct


def _logical_encoder(schema: Schema, numeric: bool) -> Encoder | None:
    name = schema.name
    if name == DECIMAL_LOGICAL_NAME:

        def encode_decimal(value: Any) -> Any:
            if not isinstance(value, decimal.Decimal):
                raise DataError(f"Invalid type for Decimal, expected decimal.Decimal but was {type(value)}")
            if numeric:
                if not value.is_finite():
                    raise DataError(f"Decimal value must be finite, got {value}")
                return orjson.Fragment(java_decimal_str(value))
            return base64.b64encode(Decimal.from_logical(schema, value)).decode("ascii")

        return encode_decimal
    if name == DATE_LOGICAL_NAME:
        return _temporal(schema, "Date", datetime.date, Date.from_logical)
    if name == TIME_LOGICAL_NAME:
        return _temporal(schema, "Time", datetime.time, Time.from_logical)
    if name == TIMESTAMP_LOGICAL_NAME:
        return _temporal(schema, "Timestamp", datetime.datetime, Timestamp.from_logical)
    return None


def _temporal(
    schema: Schema, what: str, python_type: type, from_logical: Callable[[Schema, Any], int]
) -> Encoder:
    def encode_temporal(value: Any) -> Any:
        if not isinstance(value, python_type):
            raise DataError(f"Invalid type for {what}, expected {python_type.__name__} but was {type(value)}")
        return from_logical(schema, value)

    return encode_temporal


__all__ = [
    "Encoder",
    "build_encoder",
    "encode_double",
    "encode_float",
    "encode_schemaless",
    "java_decimal_str",
]
