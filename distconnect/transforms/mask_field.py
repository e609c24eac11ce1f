"""MaskField: replace the values of named fields with their type's "null" (0, false, "", epoch,
empty list/map) or with a configured replacement. Port of Kafka's ``MaskField``; use
``MaskField.Key`` or ``MaskField.Value``.

Lifecycle: ``configure`` once, then ``apply`` per record on the task's loop. Stateless between
records, so safe to share, though the runtime never does.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from distconnect.api.config import ConfigDef, ConfigType, Importance, NonEmptyString
from distconnect.api.data import Schema, Type
from distconnect.api.errors import DataError
from distconnect.api.logical import DECIMAL_LOGICAL_NAME, Decimal
from distconnect.api.plugins import Transformation
from distconnect.api.struct import Struct
from distconnect.api.values import Values
from distconnect.transforms.util import (
    KeyOrValue,
    KeySide,
    NonEmptyList,
    R,
    ValueSide,
    attach_variants,
    require_map,
    require_struct,
    struct_get,
)

FIELDS = "fields"
REPLACEMENT = "replacement"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"
_PURPOSE = "mask fields"

CONFIG_DEF = (
    ConfigDef()
    .define(FIELDS, ConfigType.LIST, validator=NonEmptyList(), importance=Importance.HIGH,
            documentation="Names of fields to mask.")
    .define(REPLACEMENT, ConfigType.STRING, None, NonEmptyString(), Importance.LOW,
            "Custom value replacement, that will be applied to all 'fields' values (numeric or "
            "non-empty string values only).")
    .define(REPLACE_NULL_WITH_DEFAULT, ConfigType.BOOLEAN, True, None, Importance.MEDIUM,
            "Whether to replace fields that have a default value and that are null to the default value. "
            "When set to true, the default value is used, otherwise null is used.")
)  # fmt: skip

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

# Parsers of the replacement text per integer/float schema type (Java picks by boxed class).
_NUMBER_PARSERS: dict[Type, Callable[[str], Any]] = {
    Type.INT8: lambda text: Values.convert_to_byte(None, text),
    Type.INT16: lambda text: Values.convert_to_short(None, text),
    Type.INT32: lambda text: Values.convert_to_integer(None, text),
    Type.INT64: lambda text: Values.convert_to_long(None, text),
    Type.FLOAT32: lambda text: Values.convert_to_float(None, text),
    Type.FLOAT64: lambda text: Values.convert_to_double(None, text),
}


def _describe(value: Any) -> str:
    return type(value).__qualname__


def null_equivalent(value: Any, schema: Schema | None = None) -> Any:
    """The masking value for ``value``: its type's zero/empty value.

    Bytes and structs have none (DataError), as in Apache Kafka. A Decimal keeps its schema's
    scale so the masked value still serialises.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0
    if isinstance(value, decimal.Decimal):
        if schema is not None and schema.name == DECIMAL_LOGICAL_NAME:
            return decimal.Decimal(0).scaleb(-Decimal.scale(schema))
        return decimal.Decimal(0)
    if isinstance(value, str):
        return ""
    if isinstance(value, datetime.datetime):
        return _EPOCH
    if isinstance(value, datetime.date):
        return _EPOCH.date()
    if isinstance(value, datetime.time):
        return datetime.time(0, tzinfo=value.tzinfo)
    if isinstance(value, list):
        return []
    if isinstance(value, Mapping):
        return {}
    raise DataError(f"Cannot mask value of type: {_describe(value)}")


def custom_replacement(value: Any, replacement: str, schema: Schema | None = None) -> Any:
    """Parse ``replacement`` as the type of ``value`` (numbers and strings only)."""
    if isinstance(value, str):
        return replacement
    if isinstance(value, decimal.Decimal):
        try:
            return decimal.Decimal(replacement)
        except decimal.InvalidOperation:
            raise DataError(f"Unable to convert {replacement} (str) to number") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if schema is not None and schema.type in _NUMBER_PARSERS:
            schema_type = schema.type
        else:
            schema_type = Type.INT64 if isinstance(value, int) else Type.FLOAT64
        return _NUMBER_PARSERS[schema_type](replacement)
    raise DataError(f"Cannot mask value of type {_describe(value)} with custom replacement.")


class MaskField(KeyOrValue, Transformation[R]):
    """Mask specified fields with a valid null value for the field type (i.e. 0, false, empty
    string, and so on). For numeric and string fields, an optional replacement value can be
    specified that is converted to the correct type.

    Null keys/values pass through unchanged (Apache Kafka fails on them instead).
    """

    Key: ClassVar[type[MaskField[Any]]]
    Value: ClassVar[type[MaskField[Any]]]

    def __init__(self) -> None:
        self._fields: tuple[str, ...] = ()
        self._replacement: str | None = None
        self._replace_null_with_default = True

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        self._fields = tuple(dict.fromkeys(parsed[FIELDS]))
        self._replacement = parsed[REPLACEMENT]
        self._replace_null_with_default = parsed[REPLACE_NULL_WITH_DEFAULT]

    def apply(self, record: R) -> R:
        value = self.operating_value(record)
        if value is None:
            return record
        schema = self.operating_schema(record)
        if schema is None:
            original = require_map(value, _PURPOSE)
            updated = dict(original)
            # Like Java, a masked field missing from the map is added with a null value.
            for name in self._fields:
                updated[name] = self._masked(original.get(name), None)
            return self.new_record(record, None, updated)
        struct = require_struct(value, _PURPOSE)
        result = Struct(struct.schema)
        masked = set(self._fields)
        for field in struct.schema.fields:
            current = struct_get(struct, field.name, self._replace_null_with_default)
            result.put(field, self._masked(current, field.schema) if field.name in masked else current)
        return self.new_record(record, schema, result)

    def _masked(self, value: Any, schema: Schema | None) -> Any:
        if value is None:
            return None
        if self._replacement is None:
            return null_equivalent(value, schema)
        return custom_replacement(value, self._replacement, schema)


class _MaskFieldKey(KeySide, MaskField[R]):
    """Mask fields of the record key."""


class _MaskFieldValue(ValueSide, MaskField[R]):
    """Mask fields of the record value."""


attach_variants(MaskField, _MaskFieldKey, _MaskFieldValue)

__all__ = ["CONFIG_DEF", "MaskField", "custom_replacement", "null_equivalent"]
