"""TimestampConverter: convert a timestamp between Unix epoch numbers, formatted strings and
Connect's Date / Time / Timestamp logical types. Port of Kafka's ``TimestampConverter``; use
``TimestampConverter.Key`` or ``TimestampConverter.Value``.

Every conversion goes through milliseconds since the epoch (Java's ``java.util.Date``), so
sub-millisecond parts are lost, as in Kafka. Strings use a Java ``SimpleDateFormat`` pattern in UTC
(see :mod:`distconnect.transforms.date_format` for the supported letters).

Schemaless values are typed by their Python class: ``datetime.datetime`` is a Timestamp, ``int``
a Unix time, ``str`` a formatted string. Java cannot tell a Date or Time from a Timestamp without
a schema; Python can, so a bare ``datetime.date`` is read as a Date and ``datetime.time`` as a Time.

Lifecycle: ``configure`` once, then ``apply`` per record on the task's loop; ``close`` drops the
schema cache. Not thread-safe (one instance per task).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from distconnect.api.config import ConfigDef, ConfigType, Importance, ValidString
from distconnect.api.data import (
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
    Type,
)
from distconnect.api.errors import ConfigError, ConnectError, DataError
from distconnect.api.logical import MILLIS_PER_DAY, Date, Time, Timestamp
from distconnect.api.plugins import Transformation
from distconnect.api.struct import Struct
from distconnect.transforms.date_format import DateFormatPatternError, DateParseError, SimpleDateFormat
from distconnect.transforms.util import (
    KeyOrValue,
    KeySide,
    R,
    SchemaCache,
    ValueSide,
    attach_variants,
    copy_schema_basics,
    require_map,
    require_struct_or_none,
    struct_get,
)

FIELD = "field"
TARGET_TYPE = "target.type"
FORMAT = "format"
UNIX_PRECISION = "unix.precision"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"

TYPE_STRING = "string"
TYPE_UNIX = "unix"
TYPE_DATE = "Date"
TYPE_TIME = "Time"
TYPE_TIMESTAMP = "Timestamp"

PRECISION_SECONDS = "seconds"
PRECISION_MILLIS = "milliseconds"
PRECISION_MICROS = "microseconds"
PRECISION_NANOS = "nanoseconds"

OPTIONAL_DATE_SCHEMA = Date.builder().optional().build()
OPTIONAL_TIME_SCHEMA = Time.builder().optional().build()
OPTIONAL_TIMESTAMP_SCHEMA = Timestamp.builder().optional().build()

_PURPOSE = "converting timestamp formats"
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1

CONFIG_DEF = (
    ConfigDef()
    .define(FIELD, ConfigType.STRING, default="", importance=Importance.HIGH,
            documentation="The field containing the timestamp, or empty if the entire value is a timestamp")
    .define(TARGET_TYPE, ConfigType.STRING,
            validator=ValidString.in_(TYPE_STRING, TYPE_UNIX, TYPE_DATE, TYPE_TIME, TYPE_TIMESTAMP),
            importance=Importance.HIGH,
            documentation="The desired timestamp representation: string, unix, Date, Time, or Timestamp")
    .define(FORMAT, ConfigType.STRING, default="", importance=Importance.MEDIUM,
            documentation="A SimpleDateFormat-compatible format for the timestamp. Used to generate the "
            "output when type=string or used to parse the input if the input is a string.")
    .define(UNIX_PRECISION, ConfigType.STRING, default=PRECISION_MILLIS,
            validator=ValidString.in_(PRECISION_NANOS, PRECISION_MICROS, PRECISION_MILLIS, PRECISION_SECONDS),
            importance=Importance.LOW,
            documentation="The desired Unix precision for the timestamp: seconds, milliseconds, "
            "microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse "
            "the input if the input is a Long. Note: This SMT will cause precision loss during "
            "conversions from, and to, values with sub-millisecond components.")
    .define(REPLACE_NULL_WITH_DEFAULT, ConfigType.BOOLEAN, default=True, importance=Importance.MEDIUM,
            documentation="Whether to replace fields that have a default value and that are null to the "
            "default value. When set to true, the default value is used, otherwise null is used.")
)  # fmt: skip

_TYPE_SCHEMAS = {
    TYPE_STRING: (STRING_SCHEMA, OPTIONAL_STRING_SCHEMA),
    TYPE_UNIX: (INT64_SCHEMA, OPTIONAL_INT64_SCHEMA),
    TYPE_DATE: (Date.SCHEMA, OPTIONAL_DATE_SCHEMA),
    TYPE_TIME: (Time.SCHEMA, OPTIONAL_TIME_SCHEMA),
    TYPE_TIMESTAMP: (Timestamp.SCHEMA, OPTIONAL_TIMESTAMP_SCHEMA),
}
_PRECISION_FACTOR = {PRECISION_SECONDS: 1000, PRECISION_MICROS: 1000, PRECISION_NANOS: 1_000_000}


def _trunc_div(value: int, divisor: int) -> int:
    # Java's TimeUnit conversions divide with truncation towards zero.
    quotient = abs(value) // divisor
    return quotient if value >= 0 else -quotient


def _saturate(value: int) -> int:
    # TimeUnit saturates at Long.MIN_VALUE / MAX_VALUE instead of overflowing.
    return max(_LONG_MIN, min(_LONG_MAX, value))


def _type_schema(timestamp_type: str, optional: bool) -> Schema:
    required_schema, optional_schema = _TYPE_SCHEMAS[timestamp_type]
    return optional_schema if optional else required_schema


def _type_from_schema(schema: Schema) -> str:
    """The timestamp representation a schema implies (Java's ``timestampTypeFromSchema``)."""
    if schema.name == Timestamp.LOGICAL_NAME:
        return TYPE_TIMESTAMP
    if schema.name == Date.LOGICAL_NAME:
        return TYPE_DATE
    if schema.name == Time.LOGICAL_NAME:
        return TYPE_TIME
    if schema.type is Type.STRING:
        return TYPE_STRING
    if schema.type is Type.INT64:
        return TYPE_UNIX
    raise ConnectError(f"Schema {schema!r} does not correspond to a known timestamp type format")


def _infer_type(value: Any) -> str:
    """The timestamp representation of a schemaless value."""
    if isinstance(value, dt.datetime):
        return TYPE_TIMESTAMP
    if isinstance(value, dt.date):
        return TYPE_DATE
    if isinstance(value, dt.time):
        return TYPE_TIME
    if isinstance(value, int) and not isinstance(value, bool):
        return TYPE_UNIX
    if isinstance(value, str):
        return TYPE_STRING
    raise DataError(f"TimestampConverter does not support {type(value)} objects as timestamps")


class TimestampConverter(KeyOrValue, Transformation[R]):
    """Convert the whole key/value, or one field of it, to the configured ``target.type``."""

    Key: ClassVar[type[TimestampConverter[Any]]]
    Value: ClassVar[type[TimestampConverter[Any]]]

    def __init__(self) -> None:
        self._field = ""
        self._target = TYPE_TIMESTAMP
        self._format: SimpleDateFormat | None = None
        self._precision = PRECISION_MILLIS
        self._replace_null_with_default = True
        self._cache = SchemaCache()

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        pattern: str = parsed[FORMAT]
        target: str = parsed[TARGET_TYPE]
        if target == TYPE_STRING and not pattern.strip():
            raise ConfigError(
                FORMAT,
                None,
                "TimestampConverter requires format option to be specified when using string timestamps",
            )
        fmt = None
        if pattern.strip():
            try:
                fmt = SimpleDateFormat(pattern)
            except DateFormatPatternError as e:
                raise ConfigError(
                    FORMAT,
                    pattern,
                    "TimestampConverter requires a SimpleDateFormat-compatible pattern for string "
                    f"timestamps: {pattern} ({e})",
                ) from e
        self._field = parsed[FIELD]
        self._target = target
        self._format = fmt
        self._precision = parsed[UNIX_PRECISION]
        self._replace_null_with_default = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()

    def close(self) -> None:
        self._cache.clear()

    def apply(self, record: R) -> R:
        schema = self.operating_schema(record)
        if schema is None:
            return self._apply_schemaless(record)
        return self._apply_with_schema(record, schema)

    # -- the two record shapes ------------------------------------------------------------------

    def _apply_schemaless(self, record: R) -> R:
        raw = self.operating_value(record)
        if raw is None or not self._field:
            return self.new_record(record, None, self.convert(raw))
        updated = dict(require_map(raw, _PURPOSE))
        # Java puts the key even when it was absent (as null).
        updated[self._field] = self.convert(updated.get(self._field))
        return self.new_record(record, None, updated)

    def _apply_with_schema(self, record: R, schema: Schema) -> R:
        if not self._field:
            target_schema = _type_schema(self._target, schema.optional)
            source_type = _type_from_schema(schema)
            return self.new_record(
                record, target_schema, self.convert(self.operating_value(record), source_type)
            )
        value = require_struct_or_none(self.operating_value(record), _PURPOSE)
        updated_schema = self._cache.get(schema)
        if updated_schema is None:
            updated_schema = self._updated_schema(schema)
            self._cache.put(schema, updated_schema)
        return self.new_record(record, updated_schema, self._convert_struct(value, updated_schema))

    def _updated_schema(self, schema: Schema) -> Schema:
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for field in schema.fields:
            if field.name == self._field:
                builder.field(field.name, _type_schema(self._target, field.schema.optional))
            else:
                builder.field(field.name, field.schema)
        if schema.optional:
            builder.optional()
        updated = builder.build()
        if schema.default_value is None:
            return updated
        # A struct default must be converted too. Its Struct needs the new schema, which the
        # builder cannot express (it would contain itself), so the final schema is assembled directly.
        default = self._convert_struct(schema.default_value, updated)
        return Schema(
            Type.STRUCT,
            optional=updated.optional,
            default_value=default,
            name=updated.name,
            version=updated.version,
            doc=updated.doc,
            parameters=updated.parameters,
            fields=updated.fields,
        )

    def _convert_struct(self, value: Struct | None, updated_schema: Schema) -> Struct | None:
        if value is None:
            return None
        updated = Struct(updated_schema)
        for field in value.schema.fields:
            field_value = struct_get(value, field.name, self._replace_null_with_default)
            if field.name == self._field:
                field_value = self.convert(field_value, _type_from_schema(field.schema))
            updated.put(field.name, field_value)
        return updated

    # -- conversions ----------------------------------------------------------------------------

    def convert(self, timestamp: Any, source_type: str | None = None) -> Any:
        """Convert one timestamp to the target type; ``source_type=None`` infers it from the value."""
        if timestamp is None:
            return None
        if source_type is None:
            source_type = _infer_type(timestamp)
        return self._from_millis(self._to_millis(timestamp, source_type))

    def _to_millis(self, value: Any, source_type: str) -> int:
        if source_type == TYPE_STRING:
            if not isinstance(value, str):
                raise DataError(f"Expected string timestamp to be a String, but found {type(value)}")
            if self._format is None:
                raise DataError(f"Could not parse timestamp: value ({value}) needs the '{FORMAT}' option")
            try:
                return self._format.parse_millis(value)
            except DateParseError as e:
                pattern = self._format.pattern
                raise DataError(
                    f"Could not parse timestamp: value ({value}) does not match pattern ({pattern})"
                ) from e
        if source_type == TYPE_UNIX:
            if not isinstance(value, int) or isinstance(value, bool):
                raise DataError(f"Expected Unix timestamp to be a Long, but found {type(value)}")
            if self._precision == PRECISION_SECONDS:
                return _saturate(value * 1000)
            if self._precision == PRECISION_MILLIS:
                return value
            return _trunc_div(value, _PRECISION_FACTOR[self._precision])
        if source_type == TYPE_DATE:
            if isinstance(value, dt.datetime):
                return Timestamp.from_logical(Timestamp.SCHEMA, value)
            if not isinstance(value, dt.date):
                raise DataError(f"Expected Date to be a datetime.date, but found {type(value)}")
            return Date.from_logical(Date.SCHEMA, value) * MILLIS_PER_DAY
        if source_type == TYPE_TIME:
            if not isinstance(value, dt.time):
                raise DataError(f"Expected Time to be a datetime.time, but found {type(value)}")
            return Time.from_logical(Time.SCHEMA, value)
        if not isinstance(value, dt.datetime):
            raise DataError(f"Expected Timestamp to be a datetime.datetime, but found {type(value)}")
        return Timestamp.from_logical(Timestamp.SCHEMA, value)

    def _from_millis(self, millis: int) -> Any:
        target = self._target
        if target == TYPE_STRING:
            assert self._format is not None  # configure() insists on a format for string targets
            try:
                return self._format.format_millis(millis)
            except ValueError as e:
                raise DataError(f"Could not format timestamp {millis} ms: {e}") from e
        if target == TYPE_UNIX:
            if self._precision == PRECISION_SECONDS:
                return _trunc_div(millis, 1000)
            if self._precision == PRECISION_MILLIS:
                return millis
            return _saturate(millis * _PRECISION_FACTOR[self._precision])
        if target == TYPE_DATE:
            return Date.to_logical(Date.SCHEMA, millis // MILLIS_PER_DAY)
        if target == TYPE_TIME:
            return Time.to_logical(Time.SCHEMA, millis % MILLIS_PER_DAY)
        return Timestamp.to_logical(Timestamp.SCHEMA, millis)


class _TimestampConverterKey(KeySide, TimestampConverter[R]):
    """Convert a timestamp in the record key."""


class _TimestampConverterValue(ValueSide, TimestampConverter[R]):
    """Convert a timestamp in the record value."""


attach_variants(TimestampConverter, _TimestampConverterKey, _TimestampConverterValue)

__all__ = [
    "CONFIG_DEF",
    "OPTIONAL_DATE_SCHEMA",
    "OPTIONAL_TIMESTAMP_SCHEMA",
    "OPTIONAL_TIME_SCHEMA",
    "TimestampConverter",
]
