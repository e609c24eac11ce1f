"""Parsed JSON -> Connect data, as Apache Kafka's ``JsonConverter.convertToConnect`` reads it.

A *decoder* is compiled once per schema (the converter caches it with the schema) and turns a
parsed JSON tree into Python Connect values. JSON numbers arrive as ``int``/``float``, or as
``decimal.Decimal`` when the document was parsed exactly (done whenever the schema holds a
Decimal, so NUMERIC decimals keep every digit).

Java reads mistyped JSON leniently and silently (a string where an int is expected becomes 0, an
int32 of 99999999999 wraps, 1.7 truncates to 1); these decoders raise ``DataError`` naming the
expected type and what was found instead. Integral floats (``2.0``) are still accepted for
integer schemas, and the strings ``"NaN"``/``"Infinity"``/``"-Infinity"`` (which Jackson writes
for non-finite floats) read back as those floats rather than Java's 0.0.

Like Java, which parses every non-integral number as a ``BigDecimal``, ``-0.0`` reads as ``0.0``.

Pure and synchronous; decoders hold no mutable state and may be shared.
"""

from __future__ import annotations

import binascii
import decimal
import math
from collections.abc import Callable
from typing import Any

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
from distconnect.converters.json_numbers import to_float32

Decoder = Callable[[Any], Any]

_INT_RANGES = {
    Type.INT8: (-(2**7), 2**7 - 1),
    Type.INT16: (-(2**15), 2**15 - 1),
    Type.INT32: (-(2**31), 2**31 - 1),
    Type.INT64: (-(2**63), 2**63 - 1),
}
_NON_FINITE_TEXT = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def node_type(node: Any) -> str:
    """The Jackson ``JsonNodeType`` name of a parsed JSON value, for error messages."""
    if node is None:
        return "NULL"
    if isinstance(node, bool):
        return "BOOLEAN"
    if isinstance(node, int | float | decimal.Decimal):
        return "NUMBER"
    if isinstance(node, str):
        return "STRING"
    if isinstance(node, list):
        return "ARRAY"
    return "OBJECT"


def build_decoder(schema: Schema, replace_null_with_default: bool) -> Decoder:
    """The decoder for JSON values of ``schema`` (null and missing handling included)."""
    decode = _decoder_for_type(schema, replace_null_with_default)
    default = schema.default_value
    optional = schema.optional
    use_default = default is not None and replace_null_with_default
    message = f"Invalid null value for required {schema.type.name} field"

    def decode_nullable(node: Any) -> Any:
        if node is None:
            if use_default:
                return default
            if optional:
                return None
            raise DataError(message)
        return decode(node)

    return decode_nullable


def decode_base64(node: str) -> bytes:
    """Strict base64 (padding required, no whitespace), as Jackson's default variant reads it."""
    return binascii.a2b_base64(node.encode("ascii"), strict_mode=True)


def _mistyped(expected: str, schema_type: Type, node: Any) -> DataError:
    return DataError(
        f"Expected {expected} for {schema_type.name} value, but found {node_type(node)}: {node!r}"
    )


def _decoder_for_type(schema: Schema, replace: bool) -> Decoder:
    logical = _logical_decoder(schema)
    if logical is not None:
        return logical
    schema_type = schema.type
    if schema_type in _INT_RANGES:
        return _int_decoder(schema_type)
    if schema_type is Type.FLOAT64 or schema_type is Type.FLOAT32:
        return _float_decoder(schema_type)
    if schema_type is Type.BOOLEAN or schema_type is Type.STRING:
        python_type = bool if schema_type is Type.BOOLEAN else str
        expected = "a JSON boolean" if schema_type is Type.BOOLEAN else "a JSON string"

        def decode_plain(node: Any) -> Any:
            if type(node) is not python_type:
                raise _mistyped(expected, schema_type, node)
            return node

        return decode_plain
    if schema_type is Type.BYTES:

        def decode_bytes(node: Any) -> Any:
            if type(node) is not str:
                raise _mistyped("a base64 JSON string", schema_type, node)
            try:
                return decode_base64(node)
            except (binascii.Error, UnicodeEncodeError) as e:
                raise DataError(f"Invalid bytes field: {e}") from e

        return decode_bytes
    if schema_type is Type.ARRAY:
        decode_item = build_decoder(schema.value_schema, replace)

        def decode_array(node: Any) -> Any:
            if type(node) is not list:
                raise DataError(f"Arrays should be encoded as JSON arrays, but found {node_type(node)}")
            return [decode_item(item) for item in node]

        return decode_array
    if schema_type is Type.MAP:
        return _map_decoder(schema, replace)
    return _struct_decoder(schema, replace)


def _int_decoder(schema_type: Type) -> Decoder:
    low, high = _INT_RANGES[schema_type]

    def decode_int(node: Any) -> Any:
        if type(node) is not int:
            if not isinstance(node, float | decimal.Decimal) or not _is_integral(node):
                raise _mistyped("an integral JSON number", schema_type, node)
            node = int(node)
        if not low <= node <= high:
            raise DataError(f"Value {node} out of range for {schema_type.name} [{low}, {high}]")
        return node

    return decode_int


def _is_integral(node: float | decimal.Decimal) -> bool:
    return (
        node.is_finite() and node == node.to_integral_value()
        if isinstance(node, decimal.Decimal)
        else (math.isfinite(node) and node.is_integer())
    )


def _float_decoder(schema_type: Type) -> Decoder:
    single = schema_type is Type.FLOAT32

    def decode_floating(node: Any) -> Any:
        if type(node) is float:
            value = node
        elif type(node) is int or isinstance(node, decimal.Decimal):
            try:
                value = float(node)
            except OverflowError:
                value = math.copysign(math.inf, node)
        elif type(node) is str and node in _NON_FINITE_TEXT:
            return _NON_FINITE_TEXT[node]
        else:
            raise _mistyped("a JSON number", schema_type, node)
        if value == 0.0:
            return 0.0  # Java reads numbers as BigDecimal, which has no negative zero
        if single:
            try:
                return to_float32(value)
            except OverflowError:
                return math.copysign(math.inf, value)  # Java's BigDecimal.floatValue() saturates
        return value

    return decode_floating


def _map_decoder(schema: Schema, replace: bool) -> Decoder:
    key_schema = schema.key_schema
    decode_value = build_decoder(schema.value_schema, replace)
    if key_schema.type is Type.STRING:

        def decode_object(node: Any) -> Any:
            if type(node) is not dict:
                raise DataError(
                    f"Maps with string fields should be encoded as JSON objects, but found {node_type(node)}"
                )
            return {key: decode_value(item) for key, item in node.items()}

        return decode_object
    decode_key = build_decoder(key_schema, replace)

    def decode_pairs(node: Any) -> Any:
        if type(node) is not list:
            raise DataError(
                "Maps with non-string fields should be encoded as JSON array of tuples, "
                f"but found {node_type(node)}"
            )
        result: dict[Any, Any] = {}
        for entry in node:
            if type(entry) is not list:
                raise DataError(f"Found invalid map entry instead of array tuple: {node_type(entry)}")
            if len(entry) != 2:
                raise DataError(f"Found invalid map entry, expected length 2 but found :{len(entry)}")
            key, value = decode_key(entry[0]), decode_value(entry[1])
            try:
                result[key] = value
            except TypeError:
                raise DataError(
                    f"Map keys of type {key_schema.type.name} cannot be Python dict keys"
                ) from None
        return result

    return decode_pairs


def _struct_decoder(schema: Schema, replace: bool) -> Decoder:
    fields = [(field.name, build_decoder(field.schema, replace)) for field in schema.fields]

    def decode_struct(node: Any) -> Any:
        if type(node) is not dict:
            raise DataError(f"Structs should be encoded as JSON objects, but found {node_type(node)}")
        return Struct.from_values(schema, [decode(node.get(name)) for name, decode in fields])

    return decode_struct


def _logical_decoder(schema: Schema) -> Decoder | None:
    name = schema.name
    if name == DECIMAL_LOGICAL_NAME:
        scale = Decimal.scale(schema)

        def decode_decimal(node: Any) -> Any:
            if isinstance(node, decimal.Decimal):
                return _rescaled(node, scale)
            if type(node) is int:
                return _rescaled(decimal.Decimal(node), scale)
            if type(node) is float:
                return _rescaled(decimal.Decimal(repr(node)), scale)
            if type(node) is str:
                try:
                    return Decimal.to_logical(schema, decode_base64(node))
                except (binascii.Error, UnicodeEncodeError, DataError) as e:
                    raise DataError(f"Invalid bytes for Decimal field: {e}") from e
            raise DataError(
                "Invalid type for Decimal, underlying representation should be numeric or bytes "
                f"but was {node_type(node)}"
            )

        return decode_decimal
    if name == DATE_LOGICAL_NAME:
        return _temporal(schema, "Date", "integer", Type.INT32, Date.to_logical)
    if name == TIME_LOGICAL_NAME:
        return _temporal(schema, "Time", "integer", Type.INT32, Time.to_logical)
    if name == TIMESTAMP_LOGICAL_NAME:
        return _temporal(schema, "Timestamp", "integral", Type.INT64, Timestamp.to_logical)
    return None


_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _rescaled(value: decimal.Decimal, scale: int) -> decimal.Decimal:
    """A NUMERIC decimal at the schema's scale when no digit is lost (``12.3`` -> ``12.30``).

    Java keeps the scale as written; a Decimal whose scale differs from its schema's cannot be
    written again in BASE64 (by Java either), so distconnect aligns it whenever that is exact.
    """
    if value.is_zero() and value.is_signed():
        value = value.copy_abs()  # BigDecimal has no negative zero
    exponent = value.as_tuple().exponent
    if exponent == -scale or not isinstance(exponent, int):
        return value
    try:
        aligned = value.quantize(decimal.Decimal((0, (1,), -scale)), context=_EXACT)
    except decimal.InvalidOperation:
        return value
    return aligned if aligned == value else value


def _temporal(
    schema: Schema, what: str, kind: str, raw_type: Type, to_logical: Callable[[Schema, int], Any]
) -> Decoder:
    low, high = _INT_RANGES[raw_type]

    def decode_temporal(node: Any) -> Any:
        if type(node) is not int or not low <= node <= high:
            raise DataError(
                f"Invalid type for {what}, underlying representation should be {kind} but was "
                f"{node_type(node)}: {node!r}"
            )
        return to_logical(schema, node)

    return decode_temporal


__all__ = ["Decoder", "build_decoder", "decode_base64", "node_type"]
