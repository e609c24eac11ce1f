"""``Values``: conversions for schemaless data (Java ``org.apache.kafka.connect.data.Values``).

Every ``convert_to_*(schema, value)`` takes the value's *source* schema (may be None) and returns
the Python representation of the target type, or raises ``DataError`` naming the value. Strings
are parsed with :func:`Values.parse_string` first (``"1"`` -> ``True``, ``"[1,2]"`` -> list).
Scalar converters return None for None; the list/map/struct/temporal/decimal ones raise, as in Java.

Deliberate differences from Java:

* Narrowing is range-checked: ``convert_to_byte(None, 300)`` raises instead of wrapping to 44.
* Python's temporal types are unambiguous, so ``date``/``time``/``datetime`` convert to numbers
  (days / ms of day / epoch ms) even without a source schema, and :func:`Values.infer_schema`
  infers Date/Time/Timestamp/Decimal schemas. ``int`` infers INT64, ``float`` FLOAT64.
* ``bool`` is not a number (as Java's Boolean is not a Number): ``convert_to_integer(None, True)``
  raises; ``convert_to_boolean`` of a number is ``number != 0``.
* Temporals print in UTC: ``yyyy-MM-dd``, ``HH:mm:ss.SSSZ``, ``yyyy-MM-ddTHH:mm:ss.SSSZ``.

Pure functions; thread-safe.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import math
from collections.abc import Mapping
from typing import Any

from distconnect.api.data import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT64_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaAndValue,
    SchemaBuilder,
    Type,
)
from distconnect.api.errors import DataError
from distconnect.api.logical import MILLIS_PER_DAY, Date, Decimal, Time, Timestamp
from distconnect.api.struct import Struct
from distconnect.api.values_parser import NUMBER_RE, parse_string

_INT_BOUNDS = {"byte": 2**7, "short": 2**15, "integer": 2**31, "long": 2**63}


def _fail(value: Any, target: str, cause: BaseException | None = None) -> DataError:
    error = DataError(f"Unable to convert {value!r} ({type(value).__name__}) to {target}")
    error.__cause__ = cause
    return error


def _as_long(value: Any, schema: Schema | None) -> int:
    """An integer (truncating toward zero) from a number, numeric string or temporal."""
    if isinstance(value, bool):
        raise _fail(value, "a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float | decimal.Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail(value, "an integer")
        if isinstance(value, decimal.Decimal) and not value.is_finite():
            raise _fail(value, "an integer")
        return int(value)
    if isinstance(value, str):
        if NUMBER_RE.fullmatch(value):
            return int(decimal.Decimal(value))
        raise _fail(value, "a number")
    if isinstance(value, datetime.datetime):
        return Timestamp.from_logical(Timestamp.SCHEMA, value)
    if isinstance(value, datetime.date):
        return Date.from_logical(Date.SCHEMA, value)
    if isinstance(value, datetime.time):
        return Time.from_logical(Time.SCHEMA, value)
    raise _fail(value, repr(schema) if schema is not None else "a number")


def _as_double(value: Any, schema: Schema | None) -> float:
    if isinstance(value, float):
        return value
    if isinstance(value, decimal.Decimal) or (isinstance(value, int) and not isinstance(value, bool)):
        try:
            return float(value)
        except OverflowError as e:
            raise _fail(value, "a double", e) from e
    if isinstance(value, str) and NUMBER_RE.fullmatch(value):
        return float(decimal.Decimal(value))
    return float(_as_long(value, schema))


def _as_int(value: Any, schema: Schema | None, kind: str) -> int:
    result = _as_long(value, schema)
    bound = _INT_BOUNDS[kind]
    if not -bound <= result < bound:
        raise DataError(f"Value {value!r} is out of range for a {kind}")
    return result


def _parsed(value: Any) -> Any:
    return parse_string(value).value if isinstance(value, str) else value


def _format(value: Any, embedded: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        if not embedded:
            return value
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes | bytearray | memoryview):
        encoded = base64.b64encode(bytes(value)).decode("ascii")
        return f'"{encoded}"' if embedded else encoded
    if isinstance(value, list | tuple):
        return "[" + ",".join(_format(v, True) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_format(k, True)}:{_format(v, True)}" for k, v in value.items()) + "}"
    if isinstance(value, Struct):
        fields = value.schema.fields
        return "{" + ",".join(f"{_format(f.name, True)}:{_format(value.get(f), True)}" for f in fields) + "}"
    if isinstance(value, datetime.datetime):
        utc = value.astimezone(datetime.UTC) if value.utcoffset() is not None else value
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    raise DataError(f"Failed to serialize unexpected value type {type(value).__name__}: {value!r}")


def _infer_elements(values: list[Any]) -> Schema | None:
    """The one schema all non-null ``values`` share (optional if any is null), else None."""
    common: Schema | None = None
    optional = False
    for v in values:
        if v is None:
            optional = True
            continue
        schema = Values.infer_schema(v)
        if schema is None or (common is not None and schema != common):
            return None
        common = schema
    if common is None or not optional or common.optional:
        return common
    return Schema(
        common.type,
        True,
        common.default_value,
        common.name,
        common.version,
        common.doc,
        common.parameters,
        common.fields if common.type is Type.STRUCT else None,
        common.key_schema if common.has_key_schema else None,
        common.value_schema if common.has_value_schema else None,
    )


class Values:
    """Static helpers mirroring Java's ``Values``."""

    @staticmethod
    def parse_string(text: str | None) -> SchemaAndValue:
        """See :mod:`distconnect.api.values_parser`; ``"null"`` and None give (None, None)."""
        return parse_string(text)

    @staticmethod
    def convert_to_boolean(schema: Schema | None, value: Any) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            parsed = parse_string(value).value
            if isinstance(parsed, bool):
                return parsed
        return _as_long(value, schema) != 0

    @staticmethod
    def convert_to_byte(schema: Schema | None, value: Any) -> int | None:
        return None if value is None else _as_int(value, schema, "byte")

    @staticmethod
    def convert_to_short(schema: Schema | None, value: Any) -> int | None:
        return None if value is None else _as_int(value, schema, "short")

    @staticmethod
    def convert_to_integer(schema: Schema | None, value: Any) -> int | None:
        return None if value is None else _as_int(value, schema, "integer")

    @staticmethod
    def convert_to_long(schema: Schema | None, value: Any) -> int | None:
        return None if value is None else _as_int(value, schema, "long")

    @staticmethod
    def convert_to_float(schema: Schema | None, value: Any) -> float | None:
        return None if value is None else _as_double(value, schema)

    @staticmethod
    def convert_to_double(schema: Schema | None, value: Any) -> float | None:
        return None if value is None else _as_double(value, schema)

    @staticmethod
    def convert_to_string(schema: Schema | None, value: Any) -> str | None:
        """Connect's string form: parses back with :meth:`parse_string` for supported values."""
        return None if value is None else _format(value, False)

    @staticmethod
    def convert_to_list(schema: Schema | None, value: Any) -> list[Any]:
        parsed = _parsed(value)
        if isinstance(parsed, list):
            return parsed
        if isinstance(parsed, tuple):
            return list(parsed)
        raise _fail(value, "a list")

    @staticmethod
    def convert_to_map(schema: Schema | None, value: Any) -> dict[Any, Any]:
        parsed = _parsed(value)
        if isinstance(parsed, dict):
            return parsed
        if isinstance(parsed, Mapping):
            return dict(parsed)
        raise _fail(value, "a map")

    @staticmethod
    def convert_to_struct(schema: Schema | None, value: Any) -> Struct:
        if isinstance(value, Struct):
            return value
        raise _fail(value, "a struct")

    @staticmethod
    def convert_to_date(schema: Schema | None, value: Any) -> datetime.date:
        """A date; a datetime gives its UTC date, a number is days since the epoch."""
        parsed = _parsed(value)
        if isinstance(parsed, datetime.datetime):
            days = Timestamp.from_logical(Timestamp.SCHEMA, parsed) // MILLIS_PER_DAY
            return Date.to_logical(Date.SCHEMA, days)
        if isinstance(parsed, datetime.date):
            return parsed
        if parsed is None or isinstance(parsed, datetime.time):
            raise _fail(value, "a date")
        return Date.to_logical(Date.SCHEMA, _as_long(parsed, schema))

    @staticmethod
    def convert_to_time(schema: Schema | None, value: Any) -> datetime.time:
        """A naive UTC time of day; a datetime gives its UTC time, a number is ms of the day."""
        parsed = _parsed(value)
        if isinstance(parsed, datetime.datetime):
            millis = Timestamp.from_logical(Timestamp.SCHEMA, parsed) % MILLIS_PER_DAY
            return Time.to_logical(Time.SCHEMA, millis)
        if isinstance(parsed, datetime.time):
            return parsed
        if parsed is None or isinstance(parsed, datetime.date):
            raise _fail(value, "a time")
        return Time.to_logical(Time.SCHEMA, _as_long(parsed, schema))

    @staticmethod
    def convert_to_timestamp(schema: Schema | None, value: Any) -> datetime.datetime:
        """A tz-aware UTC datetime; dates are midnight UTC, times are on 1970-01-01, numbers are ms."""
        parsed = _parsed(value)
        if isinstance(parsed, datetime.datetime):
            Timestamp.from_logical(Timestamp.SCHEMA, parsed)  # rejects naive datetimes
            return parsed
        if isinstance(parsed, datetime.date):
            millis = Date.from_logical(Date.SCHEMA, parsed) * MILLIS_PER_DAY
            return Timestamp.to_logical(Timestamp.SCHEMA, millis)
        if parsed is None:
            raise _fail(value, "a timestamp")
        return Timestamp.to_logical(Timestamp.SCHEMA, _as_long(parsed, schema))

    @staticmethod
    def convert_to_decimal(schema: Schema | None, value: Any, scale: int) -> decimal.Decimal:
        """A Decimal: bytes are unscaled with ``scale``; other inputs keep their own scale (as Java)."""
        if isinstance(value, bytes | bytearray | memoryview):
            return Decimal.to_logical(Decimal.schema(scale), value)
        if isinstance(value, decimal.Decimal):
            return value
        if isinstance(value, float):
            return decimal.Decimal(repr(value))
        if isinstance(value, int) and not isinstance(value, bool):
            return decimal.Decimal(value)
        if isinstance(value, str) and NUMBER_RE.fullmatch(value.strip()):
            return decimal.Decimal(value.strip())
        raise _fail(value, f"a decimal with scale {scale}")

    @staticmethod
    def infer_schema(value: Any) -> Schema | None:
        """The schema for a schemaless value, or None when it cannot be inferred (e.g. ``[]``)."""
        if isinstance(value, str):
            return STRING_SCHEMA
        if isinstance(value, bool):
            return BOOLEAN_SCHEMA
        if isinstance(value, int):
            return INT64_SCHEMA if -(2**63) <= value < 2**63 else None
        if isinstance(value, float):
            return FLOAT64_SCHEMA
        if isinstance(value, bytes | bytearray | memoryview):
            return BYTES_SCHEMA
        if isinstance(value, decimal.Decimal):
            exponent = value.as_tuple().exponent
            return Decimal.schema(-exponent) if isinstance(exponent, int) else None
        if isinstance(value, datetime.datetime):
            return Timestamp.SCHEMA
        if isinstance(value, datetime.date):
            return Date.SCHEMA
        if isinstance(value, datetime.time):
            return Time.SCHEMA
        if isinstance(value, Struct):
            return value.schema
        if isinstance(value, list) and value:
            element = _infer_elements(value)
            return None if element is None else SchemaBuilder.array(element).build()
        if isinstance(value, Mapping) and value:
            key, val = _infer_elements(list(value.keys())), _infer_elements(list(value.values()))
            return None if key is None or val is None else SchemaBuilder.map(key, val).build()
        return None
