"""Connect's logical types: Decimal, Date, Time and Timestamp (named primitive schemas).

Each class mirrors the Java one: ``LOGICAL_NAME``, ``builder()``, ``schema()``,
``from_logical(schema, value)`` (Python value -> raw schema value) and ``to_logical(schema, raw)``.
All are pure functions raising ``DataError`` on bad input.

Python representations and the choices that differ from Java's ``java.util.Date``:

* Decimal: ``decimal.Decimal``; raw = minimal big-endian two's-complement unscaled bytes
  (``BigInteger.toByteArray()``). The value's exponent must equal ``-scale`` (no silent rescaling).
* Date: ``datetime.date``; raw = days since 1970-01-01. A tz-aware ``datetime`` at UTC midnight is
  also accepted; any other time of day is rejected.
* Time: ``datetime.time``; raw = ms since midnight (UTC). ``to_logical`` returns a naive time;
  ``from_logical`` accepts naive times or times whose UTC offset is zero.
* Timestamp: ``datetime.datetime``; raw = ms since the epoch. ``to_logical`` returns a tz-aware UTC
  datetime. **Naive datetimes are rejected** (``DataError``): their instant is ambiguous and
  guessing local time or UTC silently shifts data; attach ``tzinfo=datetime.timezone.utc``.

Connect carries milliseconds, so sub-millisecond microseconds are truncated (floored) on the way
to raw, exactly as a Java ``Date`` would hold them.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any, ClassVar

from distconnect.api.errors import DataError
from distconnect.api.schema import Schema
from distconnect.api.schema_builder import SchemaBuilder

DECIMAL_LOGICAL_NAME = "org.apache.kafka.connect.data.Decimal"
DATE_LOGICAL_NAME = "org.apache.kafka.connect.data.Date"
TIME_LOGICAL_NAME = "org.apache.kafka.connect.data.Time"
TIMESTAMP_LOGICAL_NAME = "org.apache.kafka.connect.data.Timestamp"

MILLIS_PER_DAY = 24 * 60 * 60 * 1000
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
_ONE_MS = datetime.timedelta(milliseconds=1)


def _check_name(schema: Schema, logical_name: str, what: str) -> None:
    if schema.name != logical_name:
        raise DataError(f"Requested conversion of {what} object but the schema does not match: {schema!r}")


def _check_raw_int(raw: Any, what: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise DataError(f"{what} raw value must be an int, got {type(raw).__name__}")
    return raw


def _utc_millis(value: datetime.datetime, what: str) -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        raise DataError(
            f"{what} needs a timezone-aware datetime; got naive {value.isoformat()} "
            "(its instant is ambiguous: attach tzinfo=datetime.timezone.utc)"
        )
    return (value - _EPOCH) // _ONE_MS


class Decimal:
    """Arbitrary-precision decimal on BYTES with a fixed ``scale`` parameter."""

    LOGICAL_NAME: ClassVar[str] = DECIMAL_LOGICAL_NAME
    SCALE_FIELD: ClassVar[str] = "scale"

    @staticmethod
    def builder(scale: int) -> SchemaBuilder:
        return (
            SchemaBuilder.bytes_()
            .name(DECIMAL_LOGICAL_NAME)
            .parameter(Decimal.SCALE_FIELD, str(scale))
            .version(1)
        )

    @staticmethod
    def schema(scale: int) -> Schema:
        return Decimal.builder(scale).build()

    @staticmethod
    def scale(schema: Schema) -> int:
        """The schema's ``scale`` parameter; DataError if missing or not an integer."""
        text = (schema.parameters or {}).get(Decimal.SCALE_FIELD)
        if text is None:
            raise DataError("Invalid Decimal schema: scale parameter not found.")
        try:
            return int(text)
        except ValueError:
            raise DataError(f"Invalid scale parameter found in Decimal schema: {text!r}") from None

    @staticmethod
    def from_logical(schema: Schema, value: decimal.Decimal) -> bytes:
        """The unscaled value as minimal two's-complement big-endian bytes (at least one byte)."""
        if not isinstance(value, decimal.Decimal):
            raise DataError(f"Decimal value must be a decimal.Decimal, got {type(value).__name__}")
        sign, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int):
            raise DataError(f"Decimal value must be finite, got {value}")
        schema_scale = Decimal.scale(schema)
        if -exponent != schema_scale:
            raise DataError(
                "Decimal value has mismatching scale for given Decimal schema. "
                f"Schema has scale {schema_scale}, value has scale {-exponent}."
            )
        unscaled = int("".join(map(str, digits)) or "0")
        if sign:
            unscaled = -unscaled
        bits = unscaled.bit_length() if unscaled >= 0 else (~unscaled).bit_length()
        return unscaled.to_bytes(bits // 8 + 1, "big", signed=True)

    @staticmethod
    def to_logical(schema: Schema, raw: bytes | bytearray | memoryview) -> decimal.Decimal:
        if not isinstance(raw, bytes | bytearray | memoryview):
            raise DataError(f"Decimal raw value must be bytes, got {type(raw).__name__}")
        if len(raw) == 0:
            raise DataError("Decimal raw value is empty (zero-length unscaled integer)")
        unscaled = int.from_bytes(raw, "big", signed=True)
        # Built from a string so the context precision cannot round wide values.
        return decimal.Decimal(f"{unscaled}E{-Decimal.scale(schema)}")


class Date:
    """A calendar date on INT32 (days since the Unix epoch)."""

    LOGICAL_NAME: ClassVar[str] = DATE_LOGICAL_NAME
    SCHEMA: ClassVar[Schema]

    @staticmethod
    def builder() -> SchemaBuilder:
        return SchemaBuilder.int32().name(DATE_LOGICAL_NAME).version(1)

    @staticmethod
    def schema() -> Schema:
        return Date.SCHEMA

    @staticmethod
    def from_logical(schema: Schema, value: datetime.date) -> int:
        _check_name(schema, DATE_LOGICAL_NAME, "Date")
        if isinstance(value, datetime.datetime):
            millis = _utc_millis(value, "Date")
            if millis % MILLIS_PER_DAY:
                raise DataError(
                    "Kafka Connect Date type should not have any time fields set to non-zero values."
                )
            return millis // MILLIS_PER_DAY
        if not isinstance(value, datetime.date):
            raise DataError(f"Date value must be a datetime.date, got {type(value).__name__}")
        return value.toordinal() - _EPOCH_ORDINAL

    @staticmethod
    def to_logical(schema: Schema, raw: int) -> datetime.date:
        _check_name(schema, DATE_LOGICAL_NAME, "Date")
        days = _check_raw_int(raw, "Date")
        try:
            return datetime.date.fromordinal(_EPOCH_ORDINAL + days)
        except (ValueError, OverflowError):
            raise DataError(f"Date value {days} days since epoch is outside the supported range") from None


class Time:
    """A time of day on INT32 (milliseconds since midnight, UTC)."""

    LOGICAL_NAME: ClassVar[str] = TIME_LOGICAL_NAME
    SCHEMA: ClassVar[Schema]

    @staticmethod
    def builder() -> SchemaBuilder:
        return SchemaBuilder.int32().name(TIME_LOGICAL_NAME).version(1)

    @staticmethod
    def schema() -> Schema:
        return Time.SCHEMA

    @staticmethod
    def from_logical(schema: Schema, value: datetime.time) -> int:
        _check_name(schema, TIME_LOGICAL_NAME, "Time")
        if not isinstance(value, datetime.time):
            raise DataError(f"Time value must be a datetime.time, got {type(value).__name__}")
        if value.tzinfo is not None and value.utcoffset() != datetime.timedelta(0):
            raise DataError(f"Time value must be naive or in UTC, got offset {value.utcoffset()}")
        seconds = (value.hour * 60 + value.minute) * 60 + value.second
        return seconds * 1000 + value.microsecond // 1000

    @staticmethod
    def to_logical(schema: Schema, raw: int) -> datetime.time:
        _check_name(schema, TIME_LOGICAL_NAME, "Time")
        millis = _check_raw_int(raw, "Time")
        if not 0 <= millis < MILLIS_PER_DAY:
            raise DataError(f"Time values must be milliseconds in [0, {MILLIS_PER_DAY}), got {millis}")
        seconds, ms = divmod(millis, 1000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return datetime.time(hour, minute, second, ms * 1000)


class Timestamp:
    """An instant on INT64 (milliseconds since the Unix epoch, UTC)."""

    LOGICAL_NAME: ClassVar[str] = TIMESTAMP_LOGICAL_NAME
    SCHEMA: ClassVar[Schema]

    @staticmethod
    def builder() -> SchemaBuilder:
        return SchemaBuilder.int64().name(TIMESTAMP_LOGICAL_NAME).version(1)

    @staticmethod
    def schema() -> Schema:
        return Timestamp.SCHEMA

    @staticmethod
    def from_logical(schema: Schema, value: datetime.datetime) -> int:
        _check_name(schema, TIMESTAMP_LOGICAL_NAME, "Timestamp")
        if not isinstance(value, datetime.datetime):
            raise DataError(f"Timestamp value must be a datetime.datetime, got {type(value).__name__}")
        return _utc_millis(value, "Timestamp")

    @staticmethod
    def to_logical(schema: Schema, raw: int) -> datetime.datetime:
        _check_name(schema, TIMESTAMP_LOGICAL_NAME, "Timestamp")
        millis = _check_raw_int(raw, "Timestamp")
        try:
            return _EPOCH + datetime.timedelta(milliseconds=millis)
        except OverflowError:
            raise DataError(f"Timestamp {millis} ms since epoch is outside the supported range") from None


Date.SCHEMA = Date.builder().build()
Time.SCHEMA = Time.builder().build()
Timestamp.SCHEMA = Timestamp.builder().build()

LOGICAL_NAMES = frozenset(
    {DECIMAL_LOGICAL_NAME, DATE_LOGICAL_NAME, TIME_LOGICAL_NAME, TIMESTAMP_LOGICAL_NAME}
)


def to_logical_value(schema: Schema, raw: Any) -> Any:
    """Raw -> Python value for a logical schema; other schemas (and None) pass through unchanged."""
    if raw is None:
        return None
    name = schema.name
    if name == DECIMAL_LOGICAL_NAME:
        return Decimal.to_logical(schema, raw)
    if name == DATE_LOGICAL_NAME:
        return Date.to_logical(schema, raw)
    if name == TIME_LOGICAL_NAME:
        return Time.to_logical(schema, raw)
    if name == TIMESTAMP_LOGICAL_NAME:
        return Timestamp.to_logical(schema, raw)
    return raw


def from_logical_value(schema: Schema, value: Any) -> Any:
    """Python value -> raw for a logical schema; other schemas (and None) pass through unchanged."""
    if value is None:
        return None
    name = schema.name
    if name == DECIMAL_LOGICAL_NAME:
        return Decimal.from_logical(schema, value)
    if name == DATE_LOGICAL_NAME:
        return Date.from_logical(schema, value)
    if name == TIME_LOGICAL_NAME:
        return Time.from_logical(schema, value)
    if name == TIMESTAMP_LOGICAL_NAME:
        return Timestamp.from_logical(schema, value)
    return value
