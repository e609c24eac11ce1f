"""Flatten: turn nested structs/maps into one level, joining field names with a delimiter. Port
of Kafka's ``Flatten``; use ``Flatten.Key`` or ``Flatten.Value``.

Arrays and their contents are left alone. With a schema, MAP fields are rejected (as in Apache
Kafka); a flattened field is optional if any ancestor was, and inherits a default from the
nearest ancestor default when it has none of its own.

Lifecycle: ``configure`` once, then ``apply`` per record on the task's loop; the flattened schema
is cached per input schema. Not thread-safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from distconnect.api.config import ConfigDef, ConfigType, Importance
from distconnect.api.data import Schema, SchemaBuilder, Type
from distconnect.api.errors import DataError
from distconnect.api.plugins import Transformation
from distconnect.api.struct import Struct
from distconnect.transforms.util import (
    KeyOrValue,
    KeySide,
    R,
    SchemaCache,
    ValueSide,
    attach_variants,
    copy_schema_basics,
    require_map,
    require_struct,
    schema_type_of,
)

DELIMITER = "delimiter"
DELIMITER_DEFAULT = "."
_PURPOSE = "flattening"

CONFIG_DEF = ConfigDef().define(
    DELIMITER,
    ConfigType.STRING,
    DELIMITER_DEFAULT,
    None,
    Importance.MEDIUM,
    "Delimiter to insert between field names from the input record when generating field names for the "
    "output record",
)

# Types copied as-is into the flattened output (everything but MAP and STRUCT).
_LEAF_TYPES = frozenset(
    {
        Type.INT8,
        Type.INT16,
        Type.INT32,
        Type.INT64,
        Type.FLOAT32,
        Type.FLOAT64,
        Type.BOOLEAN,
        Type.STRING,
        Type.BYTES,
        Type.ARRAY,
    }
)


class Flatten(KeyOrValue, Transformation[R]):
    """Flatten a nested data structure, generating names for each field by concatenating the
    field names at each level with a configurable delimiter character. Applies to Struct when
    schema present, or a map in the case of schemaless data. The default delimiter is '.'.

    A null key/value (e.g. a tombstone) passes through unchanged, schema included.
    """

    Key: ClassVar[type[Flatten[Any]]]
    Value: ClassVar[type[Flatten[Any]]]

    def __init__(self) -> None:
        self._delimiter = DELIMITER_DEFAULT
        self._cache = SchemaCache()

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        self._delimiter = CONFIG_DEF.parse(configs)[DELIMITER]
        self._cache = SchemaCache()

    def apply(self, record: R) -> R:
        value = self.operating_value(record)
        if value is None:
            return record
        schema = self.operating_schema(record)
        if schema is None:
            flat: dict[str, Any] = {}
            self._flatten_map(require_map(value, _PURPOSE), "", flat)
            return self.new_record(record, None, flat)
        struct = require_struct(value, _PURPOSE)
        updated_schema = self._cache.get(schema)
        if updated_schema is None:
            builder = copy_schema_basics(schema, SchemaBuilder.struct())
            self._flatten_schema(schema, "", builder, schema.optional, schema.default_value)
            updated_schema = builder.build()
            self._cache.put(schema, updated_schema)
        result = Struct(updated_schema)
        self._flatten_struct(struct, "", result)
        return self.new_record(record, updated_schema, result)

    def close(self) -> None:
        self._cache.clear()

    def _name(self, prefix: str, name: Any) -> str:
        return str(name) if not prefix else f"{prefix}{self._delimiter}{name}"

    def _flatten_map(self, original: Mapping[Any, Any], prefix: str, out: dict[str, Any]) -> None:
        for key, item in original.items():
            name = self._name(prefix, key)
            if item is None:
                out[name] = None
                continue
            kind = schema_type_of(item)
            if kind is None:
                raise DataError(
                    f"Flatten transformation was passed a value of type {type(item).__qualname__} "
                    "which is not supported by Connect's data API"
                )
            if kind in _LEAF_TYPES:
                out[name] = item
            elif kind is Type.MAP:
                self._flatten_map(require_map(item, _PURPOSE), name, out)
            else:
                raise DataError(
                    f"Flatten transformation does not support {type(item).__qualname__} "
                    f"for record without schemas (for field {name})."
                )

    def _flatten_schema(
        self, schema: Schema, prefix: str, out: SchemaBuilder, optional: bool, parent_default: Any
    ) -> None:
        for field in schema.fields:
            name = self._name(prefix, field.name)
            field_optional = optional or field.schema.optional
            field_default = field.schema.default_value
            if field_default is None and isinstance(parent_default, Struct):
                field_default = parent_default.get(field.name)
            kind = field.schema.type
            if kind in _LEAF_TYPES:
                out.field(name, _leaf_schema(field.schema, field_optional, field_default))
            elif kind is Type.STRUCT:
                self._flatten_schema(field.schema, name, out, field_optional, field_default)
            else:
                raise DataError(
                    f"Flatten transformation does not support {kind.name} for record with schemas "
                    f"(for field {name})."
                )

    def _flatten_struct(self, struct: Struct | None, prefix: str, out: Struct) -> None:
        if struct is None:
            return
        for field in struct.schema.fields:
            name = self._name(prefix, field.name)
            kind = field.schema.type
            if kind in _LEAF_TYPES:
                out.put(name, struct.get(field))
            elif kind is Type.STRUCT:
                self._flatten_struct(struct.get(field), name, out)
            else:
                raise DataError(
                    f"Flatten transformation does not support {kind.name} for record with schemas "
                    f"(for field {name})."
                )


def _leaf_schema(original: Schema, optional: bool, default: Any) -> Schema:
    # Only top-level translations are cached; leaf schemas are cheap to rebuild.
    builder = copy_schema_basics(original)
    if optional:
        builder.optional()
    if default is not None:
        builder.default(default)
    return builder.build()


class _FlattenKey(KeySide, Flatten[R]):
    """Flatten the record key."""


class _FlattenValue(ValueSide, Flatten[R]):
    """Flatten the record value."""


attach_variants(Flatten, _FlattenKey, _FlattenValue)

__all__ = ["CONFIG_DEF", "Flatten"]
