"""ExtractField: replace the key or value with one of its fields. Port of Kafka's
``ExtractField``; use ``ExtractField.Key`` or ``ExtractField.Value``.

With ``field.syntax.version=V2`` the field may be a dotted path into nested structs/maps (see
:mod:`distconnect.transforms.field_path`).

Lifecycle: ``configure`` once, then ``apply`` per record on the task's loop. Stateless between
records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from distconnect.api.config import NO_DEFAULT, ConfigDef, ConfigType, Importance
from distconnect.api.errors import DataError
from distconnect.api.plugins import Transformation
from distconnect.transforms.field_path import FieldSyntaxVersion, SingleFieldPath
from distconnect.transforms.util import (
    KeyOrValue,
    KeySide,
    R,
    ValueSide,
    attach_variants,
    require_map_or_none,
    require_struct_or_none,
)

FIELD = "field"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"
_PURPOSE = "field extraction"

CONFIG_DEF = FieldSyntaxVersion.append_config_to(
    ConfigDef()
    .define(FIELD, ConfigType.STRING, NO_DEFAULT, None, Importance.MEDIUM, "Field name to extract.")
    .define(REPLACE_NULL_WITH_DEFAULT, ConfigType.BOOLEAN, True, None, Importance.MEDIUM,
            "Whether to replace fields that have a default value and that are null to the default value. "
            "When set to true, the default value is used, otherwise null is used.")
)  # fmt: skip


class ExtractField(KeyOrValue, Transformation[R]):
    """Extract the specified field from a Struct when schema present, or a map in the case of
    schemaless data. Any null values are passed through unmodified (with a schema, the record's
    schema still becomes the field's schema).
    """

    Key: ClassVar[type[ExtractField[Any]]]
    Value: ClassVar[type[ExtractField[Any]]]

    def __init__(self) -> None:
        self._original_path = ""
        self._path = SingleFieldPath("", FieldSyntaxVersion.V1)
        self._replace_null_with_default = True

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        self._original_path = parsed[FIELD]
        self._path = SingleFieldPath(self._original_path, FieldSyntaxVersion.from_config(parsed))
        self._replace_null_with_default = parsed[REPLACE_NULL_WITH_DEFAULT]

    def apply(self, record: R) -> R:
        schema = self.operating_schema(record)
        if schema is None:
            mapping = require_map_or_none(self.operating_value(record), _PURPOSE)
            return self.new_record(
                record, None, None if mapping is None else self._path.value_from_map(mapping)
            )
        struct = require_struct_or_none(self.operating_value(record), _PURPOSE)
        field = self._path.field_from(schema)
        if field is None:
            raise DataError(f"Unknown field: {self._original_path}")
        extracted = self._path.value_from_struct(struct, self._replace_null_with_default)
        return self.new_record(record, field.schema, extracted)


class _ExtractFieldKey(KeySide, ExtractField[R]):
    """Extract a field of the record key as the new key."""


class _ExtractFieldValue(ValueSide, ExtractField[R]):
    """Extract a field of the record value as the new value."""


attach_variants(ExtractField, _ExtractFieldKey, _ExtractFieldValue)

__all__ = ["CONFIG_DEF", "ExtractField"]
