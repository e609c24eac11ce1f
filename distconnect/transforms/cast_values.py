"""Value casting for :mod:`distconnect.transforms.cast`, with Java's narrowing semantics.

Numbers narrow the way Java's ``Number.byteValue()`` etc. do: integers wrap to the target width
(two's complement), floats truncate toward zero and saturate at int32 (int8/16/32) or int64
before wrapping, NaN becomes 0. Strings parse strictly (``Byte.parseByte`` and friends) and a
failed parse is a :class:`DataError`. Casting to string formats floats like Java's
``Double.toString``/``Float.toString``, bytes as base64 and dates like Connect's ``Values``.

Pure functions, safe from any thread.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import math
import re
import struct
from typing import Any

from distconnect.api.data import Schema, Type
from distconnect.api.errors import DataError
from distconnect.api.logical import (
    DATE_LOGICAL_NAME,
    MILLIS_PER_DAY,
    TIME_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Date,
    Time,
    Timestamp,
)
from distconnect.transforms.util import schema_type_of

SUPPORTED_INPUT_TYPES = (
    Type.INT8, Type.INT16, Type.INT32, Type.INT64, Type.FLOAT32, Type.FLOAT64,
    Type.BOOLEAN, Type.STRING, Type.BYTES,
)  # fmt: skip
SUPPORTED_OUTPUT_TYPES = SUPPORTED_INPUT_TYPES[:-1]

_BITS = {Type.INT8: 8, Type.INT16: 16, Type.INT32: 32, Type.INT64: 64}
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[+-]?(NaN|Infinity|(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?))[fFdD]?")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def type_list(types: tuple[Type, ...]) -> str:
    """Java's EnumSet rendering, e.g. ``[INT8, INT16]``."""
    return "[" + ", ".join(t.name for t in types) + "]"


def check_input_type(kind: Type) -> None:
    if kind not in SUPPORTED_INPUT_TYPES:
        raise DataError(
            f"Cast transformation does not support casting from {kind.name}; supported types are "
            f"{type_list(SUPPORTED_INPUT_TYPES)}"
        )


def wrap(value: int, bits: int) -> int:
    """Keep the low ``bits`` bits of ``value`` as a signed integer (Java narrowing)."""
    mask = (1 << bits) - 1
    value &= mask
    return value - (1 << bits) if value >> (bits - 1) else value


def _float_to_int(value: float, bits: int) -> int:
    """Java's ``(long) d`` for 64 bits, else ``(int) d`` then narrow."""
    if math.isnan(value):
        return 0
    limit_bits = 64 if bits == 64 else 32
    low, high = -(1 << (limit_bits - 1)), (1 << (limit_bits - 1)) - 1
    if math.isinf(value):
        value = math.copysign(2.0**limit_bits, value)  # finite stand-in, clamped below
    return wrap(max(low, min(high, int(value))), bits)


def to_float32(value: float) -> float:
    """Round to the nearest float32, overflowing to infinity like Java's ``(float)``."""
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def _unexpected(value: Any) -> DataError:
    return DataError(f"Unexpected type in Cast transformation: {type(value).__qualname__}")


def _out_of_range(value: Any) -> DataError:
    return DataError(f"Value ({value}) was out of range for requested data type")


def _to_int(value: Any, bits: int) -> int:
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return wrap(value, bits)
    if isinstance(value, float):
        return _float_to_int(value, bits)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise _out_of_range(value)
        # BigDecimal.intValue()/longValue(): drop the fraction, keep the low-order bits.
        return wrap(int(value), bits)
    if isinstance(value, str):
        if not _INT_TEXT.fullmatch(value):
            raise _out_of_range(value)
        parsed = int(value)
        if wrap(parsed, bits) != parsed:
            raise _out_of_range(value)
        return parsed
    raise _unexpected(value)


def _parse_float(text: str) -> float:
    stripped = text.strip()
    if not _FLOAT_TEXT.fullmatch(stripped):
        raise _out_of_range(text)
    if stripped[-1] in "fFdD" and not stripped.endswith("Infinity"):
        stripped = stripped[:-1]
    return float(stripped)


def _to_float(value: Any, single: bool) -> float:
    if isinstance(value, bool):
        result = 1.0 if value else 0.0
    elif isinstance(value, int | float | decimal.Decimal):
        result = float(value)
    elif isinstance(value, str):
        result = _parse_float(value)
    else:
        raise _unexpected(value)
    return to_float32(result) if single else result


def _to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | decimal.Decimal):
        return _to_int(value, 64) != 0
    if isinstance(value, str):
        return value.lower() == "true"
    raise _unexpected(value)


def java_float_string(value: float, single: bool = False) -> str:
    """``Double.toString`` (or ``Float.toString`` when ``single``) with shortest digits."""
    if single:
        value = to_float32(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if single:
        text = next(f"{value:.{p}e}" for p in range(9) if to_float32(float(f"{value:.{p}e}")) == value)
    else:
        text = repr(value)
    sign, digit_tuple, exponent = decimal.Decimal(text).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    point = len(digit_tuple) - 1 + exponent  # decimal exponent of the leading digit
    prefix = "-" if sign else ""
    if -3 <= point < 7:
        if point >= 0:
            whole = digits[: point + 1].ljust(point + 1, "0")
            fraction = digits[point + 1 :] or "0"
            return f"{prefix}{whole}.{fraction}"
        return f"{prefix}0.{'0' * (-point - 1)}{digits}"
    return f"{prefix}{digits[0]}.{digits[1:] or '0'}E{point}"


def _millis_of(value: datetime.date | datetime.time) -> int:
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)
        return (moment - _EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(value, datetime.date):
        return (value.toordinal() - _EPOCH.date().toordinal()) * MILLIS_PER_DAY
    return (value.hour * 3600 + value.minute * 60 + value.second) * 1000 + value.microsecond // 1000


def format_date(value: datetime.date | datetime.time) -> str:
    """Connect's ``Values.dateFormatFor``: time-of-day below one day, a date at midnight, else
    a full ISO-8601 UTC timestamp."""
    millis = _millis_of(value)
    moment = _EPOCH + datetime.timedelta(milliseconds=millis)
    if millis < MILLIS_PER_DAY:
        return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if millis % MILLIS_PER_DAY == 0:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _to_string(value: Any, schema_type: Type | None) -> str:
    if isinstance(value, datetime.date | datetime.time):
        return format_date(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_float_string(value, single=schema_type is Type.FLOAT32)
    return str(value)


def _encode_logical(schema: Schema, value: Any) -> Any:
    if schema.name == DATE_LOGICAL_NAME:
        return Date.from_logical(schema, value)
    if schema.name == TIME_LOGICAL_NAME:
        return Time.from_logical(schema, value)
    if schema.name == TIMESTAMP_LOGICAL_NAME:
        return Timestamp.from_logical(schema, value)
    return value


def cast_value(schema: Schema | None, value: Any, target: Type) -> Any:
    """Cast ``value`` (described by ``schema``, or inferred when None) to ``target``."""
    if value is None:
        return None
    source = schema.type if schema is not None else schema_type_of(value)
    if source is None:
        raise DataError(
            f"Cast transformation was passed a value of type {type(value).__qualname__} "
            "which is not supported by Connect's data API"
        )
    check_input_type(source)
    if schema is not None and schema.name is not None and target is not Type.STRING:
        value = _encode_logical(schema, value)
    if target in _BITS:
        return _to_int(value, _BITS[target])
    if target is Type.FLOAT32 or target is Type.FLOAT64:
        return _to_float(value, single=target is Type.FLOAT32)
    if target is Type.BOOLEAN:
        return _to_boolean(value)
    if target is Type.STRING:
        return _to_string(value, source)
    raise DataError(f"{target.name} is not supported in the Cast transformation.")


__all__ = [
    "SUPPORTED_INPUT_TYPES",
    "SUPPORTED_OUTPUT_TYPES",
    "cast_value",
    "check_input_type",
    "format_date",
    "java_float_string",
    "to_float32",
    "type_list",
    "wrap",
]
