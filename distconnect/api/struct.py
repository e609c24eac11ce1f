"""``Struct``, a STRUCT schema's value, and ``validate_value`` (Java ``ConnectSchema.validateValue``).

A Struct is mutable while it is being filled (``put`` validates each value against its field) and
is meant to be treated as immutable once handed to the runtime; like Java's, it is hashable by
content, so do not mutate a Struct that is used as a dict key or a schema default. Not thread-safe
while being mutated.
"""

from __future__ import annotations

import datetime
import decimal
import math
from collections.abc import Sequence
from typing import Any

from distconnect.api.errors import DataError
from distconnect.api.logical import (
    DATE_LOGICAL_NAME,
    DECIMAL_LOGICAL_NAME,
    TIME_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Decimal,
)
from distconnect.api.schema import Field, Schema, Type, hash_value

_INT_RANGES = {
    Type.INT8: (-(2**7), 2**7 - 1),
    Type.INT16: (-(2**15), 2**15 - 1),
    Type.INT32: (-(2**31), 2**31 - 1),
    Type.INT64: (-(2**63), 2**63 - 1),
}
# Smallest magnitude that rounds to infinity in single precision (FLT_MAX plus half an ulp).
_FLOAT32_OVERFLOW = 3.4028235677973366e38

_PLAIN_TYPES: dict[Type, type | tuple[type, ...]] = {
    Type.BOOLEAN: bool,
    Type.STRING: str,
    Type.BYTES: (bytes, bytearray, memoryview),
    Type.ARRAY: list,
    Type.MAP: dict,
}


def validate_value(schema: Schema, value: Any, field_name: str | None = None) -> None:
    """Raise DataError unless ``value`` is a valid Python value for ``schema`` (deeply).

    ``None`` is valid only for optional schemas. Integers are range-checked and ``bool`` is not an
    integer; floats must be ``float`` (FLOAT32: finite values must not overflow single precision).
    Logical schemas take their Python type (see :mod:`distconnect.api.logical`); a Decimal's
    exponent must match the schema's scale. Nested structs must be complete and have the same
    shape (fields, name, version, doc, parameters; optionality and default may differ).
    The message names ``field_name`` (or "value").
    """
    _validate(schema, value, "value" if field_name is None else f'field: "{field_name}"')


def _validate(schema: Schema, value: Any, location: str) -> None:
    if value is None:
        if not schema.optional:
            raise DataError(
                f"Invalid value: null used for required {location}, schema type: {schema.type.name}"
            )
        return
    logical = schema.name
    if logical in _LOGICAL_CHECKS:
        _LOGICAL_CHECKS[logical](schema, value, location)
        return
    t = schema.type
    if t in _INT_RANGES:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _wrong_class(schema, value, location)
        low, high = _INT_RANGES[t]
        if not low <= value <= high:
            raise DataError(f"Value {value} out of range for {t.name} [{low}, {high}] for {location}")
    elif t is Type.FLOAT32 or t is Type.FLOAT64:
        if not isinstance(value, float):
            raise _wrong_class(schema, value, location)
        if t is Type.FLOAT32 and math.isfinite(value) and abs(value) >= _FLOAT32_OVERFLOW:
            raise DataError(f"Value {value} out of range for FLOAT32 for {location}")
    elif t is Type.STRUCT:
        if not isinstance(value, Struct):
            raise _wrong_class(schema, value, location)
        if not _same_struct_shape(value.schema, schema):
            raise DataError(f"Struct schemas do not match for {location}: {value.schema!r} vs {schema!r}")
        value.validate()
    elif not isinstance(value, _PLAIN_TYPES[t]):
        raise _wrong_class(schema, value, location)
    elif isinstance(value, list):
        where = f"element of array {location}"
        element_schema = _require(schema.has_value_schema, schema, where).value_schema
        for element in value:
            _validate(element_schema, element, where)
    elif isinstance(value, dict):
        key_where, value_where = f"key of map {location}", f"value of map {location}"
        key_schema = _require(schema.has_key_schema, schema, key_where).key_schema
        value_schema = _require(schema.has_value_schema, schema, value_where).value_schema
        for k, v in value.items():
            _validate(key_schema, k, key_where)
            _validate(value_schema, v, value_where)


def _same_struct_shape(actual: Schema, expected: Schema) -> bool:
    # Optionality and default are properties of the slot, not of the struct's shape: a struct made
    # for the required schema fits an optional field of that schema, and a struct schema's default
    # (which cannot contain itself) only has to match in shape. Java demands full equality.
    return actual is expected or (
        actual.fields == expected.fields
        and actual.name == expected.name
        and actual.version == expected.version
        and actual.doc == expected.doc
        and actual.parameters == expected.parameters
    )


def _require(present: bool, schema: Schema, location: str) -> Schema:
    if not present:
        raise DataError(f"No schema defined for {location}")
    return schema


def _wrong_class(schema: Schema, value: Any, location: str) -> DataError:
    named = f' "{schema.name}"' if schema.name is not None else ""
    return DataError(
        f"Invalid Python object for schema{named} with type {schema.type.name}: "
        f"{type(value).__name__} for {location}"
    )


def _check_decimal(schema: Schema, value: Any, location: str) -> None:
    if not isinstance(value, decimal.Decimal) or not value.is_finite():
        raise DataError(f"Decimal {location} needs a finite decimal.Decimal, got {value!r}")
    # Stricter than Java (which fails later, when serialising): the scale must match the schema's.
    expected = Decimal.scale(schema)
    exponent = value.as_tuple().exponent
    if exponent != -expected:
        raise DataError(f"Decimal {location} must have scale {expected}, got {value!r}")


def _check_date(schema: Schema, value: Any, location: str) -> None:
    if not isinstance(value, datetime.date):
        raise DataError(f"Date {location} needs a datetime.date, got {type(value).__name__}")
    if isinstance(value, datetime.datetime) and value.utcoffset() is None:
        raise DataError(f"Date {location} got a naive datetime; use a datetime.date")


def _check_time(schema: Schema, value: Any, location: str) -> None:
    if not isinstance(value, datetime.time):
        raise DataError(f"Time {location} needs a datetime.time, got {type(value).__name__}")


def _check_timestamp(schema: Schema, value: Any, location: str) -> None:
    if not isinstance(value, datetime.datetime):
        raise DataError(f"Timestamp {location} needs a datetime.datetime, got {type(value).__name__}")
    if value.utcoffset() is None:
        raise DataError(
            f"Timestamp {location} needs a timezone-aware datetime, got naive {value.isoformat()}"
        )


_LOGICAL_CHECKS = {
    DECIMAL_LOGICAL_NAME: _check_decimal,
    DATE_LOGICAL_NAME: _check_date,
    TIME_LOGICAL_NAME: _check_time,
    TIMESTAMP_LOGICAL_NAME: _check_timestamp,
}


class Struct:
    """A value of a STRUCT schema: one slot per field, all initially unset (None)."""

    __slots__ = ("_schema", "_values")

    def __init__(self, schema: Schema) -> None:
        if not isinstance(schema, Schema) or schema.type is not Type.STRUCT:
            raise DataError(f"Not a struct schema: {schema!r}")
        self._schema = schema
        self._values: list[Any] = [None] * len(schema.fields)

    @classmethod
    def from_values(cls, schema: Schema, values: Sequence[Any]) -> Struct:
        """A Struct with every field set at once, ``values`` in field order (None = unset).

        Each value is validated as :meth:`put` would, in one pass without name lookups: the fast
        way for converters that decode a whole record.
        """
        struct = cls(schema)
        fields = schema.fields
        if len(values) != len(fields):
            raise DataError(f"{len(values)} values given for a struct with {len(fields)} fields")
        for field, value in zip(fields, values, strict=True):
            if value is not None:
                validate_value(field.schema, value, field.name)
        struct._values = list(values)
        return struct

    def values(self) -> tuple[Any, ...]:
        """Every field's value as set (None when unset, defaults not applied), in field order."""
        return tuple(self._values)

    @property
    def schema(self) -> Schema:
        return self._schema

    def _lookup(self, name_or_field: str | Field) -> Field:
        if isinstance(name_or_field, Field):
            index = name_or_field.index
            fields = self._schema.fields
            if not 0 <= index < len(fields) or fields[index] != name_or_field:
                raise DataError(f"{name_or_field.name} is not a field of {self._schema!r}")
            return name_or_field
        field = self._schema.field(name_or_field)
        if field is None:
            raise DataError(f"{name_or_field} is not a valid field name")
        return field

    def put(self, name_or_field: str | Field, value: Any) -> Struct:
        """Set a field after validating ``value`` against it (DataError names the field)."""
        field = self._lookup(name_or_field)
        validate_value(field.schema, value, field.name)
        self._values[field.index] = value
        return self

    def get(self, name_or_field: str | Field) -> Any:
        """The field's value, or its schema default when unset."""
        field = self._lookup(name_or_field)
        value = self._values[field.index]
        return field.schema.default_value if value is None else value

    def get_without_default(self, name_or_field: str | Field) -> Any:
        """The field's value as set (None when unset), ignoring the default."""
        return self._values[self._lookup(name_or_field).index]

    def get_checked(self, name: str, expected: Type) -> Any:
        """The raw value of field ``name`` after checking its schema type (Java's ``getInt32`` etc.)."""
        field = self._lookup(name)
        if field.schema.type is not expected:
            raise DataError(f"Field '{name}' is not of type {expected.name}")
        return self._values[field.index]

    def validate(self) -> None:
        """DataError unless every required field without a default has a value."""
        for field in self._schema.fields:
            value = self._values[field.index]
            if value is None and (field.schema.optional or field.schema.default_value is not None):
                continue
            validate_value(field.schema, value, field.name)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Struct):
            return NotImplemented
        return self._schema == other._schema and self._values == other._values

    def __hash__(self) -> int:
        return hash((self._schema, hash_value(self._values)))

    def __repr__(self) -> str:
        parts = (
            f"{field.name}={self._values[field.index]!r}"
            for field in self._schema.fields
            if self._values[field.index] is not None
        )
        return "Struct{" + ",".join(parts) + "}"
