"""Cast: change the type of fields, or of the whole key or value, to another primitive type.
Port of Kafka's ``Cast``; use ``Cast.Key`` or ``Cast.Value``.

``spec`` is either one type (cast the entire key/value) or a list of ``field:type`` pairs (cast
those top-level fields of a Struct or map). Targets: int8, int16, int32, int64, float32,
float64, boolean, string. Sources: the same plus bytes (which, except Decimals, casts only to
string, as base64). Date/Time/Timestamp values cast to numbers through their raw encoding.

Lifecycle: ``configure`` once, then ``apply`` per record on the task's loop; the output schema is
cached per input schema. Not thread-safe.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from distconnect.api.config import NO_DEFAULT, ConfigDef, ConfigType, Importance
from distconnect.api.data import Schema, SchemaBuilder, Type
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.logical import LOGICAL_NAMES
from distconnect.api.plugins import Transformation
from distconnect.api.struct import Struct
from distconnect.transforms.cast_values import SUPPORTED_OUTPUT_TYPES, cast_value, type_list
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
    struct_get,
)

_log = logging.getLogger(__name__)

SPEC = "spec"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"
_PURPOSE = "cast types"


def _parse_type(text: str) -> Type:
    name = text.strip().upper()
    if name not in Type.__members__:
        raise ConfigError(SPEC, text.strip(), f"Invalid type found in casting spec: {text.strip()}")
    kind = Type[name]
    if kind not in SUPPORTED_OUTPUT_TYPES:
        raise ConfigError(
            SPEC,
            text.strip(),
            f"Cast transformation does not support casting to {kind.name}; supported types are "
            f"{type_list(SUPPORTED_OUTPUT_TYPES)}",
        )
    return kind


def parse_cast_spec(mappings: Sequence[str] | None) -> tuple[Type | None, dict[str, Type]]:
    """``(whole-value type, {})`` or ``(None, {field: type})``; ConfigError naming ``spec``."""
    if not mappings:
        raise ConfigError(SPEC, mappings, "Must specify at least one field to cast.")
    whole: Type | None = None
    casts: dict[str, Type] = {}
    for mapping in mappings:
        parts = mapping.split(":")
        if len(parts) > 2:
            raise ConfigError(SPEC, list(mappings), f"Invalid cast mapping: {mapping}")
        if len(parts) == 1:
            whole = _parse_type(parts[0])
        else:
            casts[parts[0].strip()] = _parse_type(parts[1])
    if whole is not None and len(mappings) > 1:
        raise ConfigError(
            SPEC,
            list(mappings),
            "Cast transformations that specify a type to cast the entire value to may only specify a "
            "single cast in their spec",
        )
    return whole, casts


class _SpecValidator:
    def __call__(self, name: str, value: Any) -> None:
        parse_cast_spec(value)

    def __str__(self) -> str:
        return "list of colon-delimited pairs, e.g. foo:bar,abc:xyz"


CONFIG_DEF = (
    ConfigDef()
    .define(SPEC, ConfigType.LIST, NO_DEFAULT, _SpecValidator(), Importance.HIGH,
            "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields "
            "of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, "
            "int64, float32, float64, boolean, and string. Note that binary fields can only be cast to "
            "string.")
    .define(REPLACE_NULL_WITH_DEFAULT, ConfigType.BOOLEAN, True, None, Importance.MEDIUM,
            "Whether to replace fields that have a default value and that are null to the default value. "
            "When set to true, the default value is used, otherwise null is used.")
)  # fmt: skip


class Cast(KeyOrValue, Transformation[R]):
    """Cast fields or the entire key or value to a specific type, e.g. to force an integer field
    to a smaller width. Cast from integers, floats, boolean and string to any other type, and
    cast binary to string (base64 encoded).

    Null keys/values pass through unchanged.
    """

    Key: ClassVar[type[Cast[Any]]]
    Value: ClassVar[type[Cast[Any]]]

    def __init__(self) -> None:
        self._whole: Type | None = None
        self._casts: dict[str, Type] = {}
        self._replace_null_with_default = True
        self._cache = SchemaCache()

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        self._whole, self._casts = parse_cast_spec(parsed[SPEC])
        self._replace_null_with_default = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()

    def apply(self, record: R) -> R:
        value = self.operating_value(record)
        if value is None:
            return record
        schema = self.operating_schema(record)
        if schema is None:
            if self._whole is not None:
                return self.new_record(record, None, cast_value(None, value, self._whole))
            original = require_map(value, _PURPOSE)
            updated = dict(original)
            # As in Java, a cast field absent from the map is added with a null value.
            for name, target in self._casts.items():
                updated[name] = cast_value(None, original.get(name), target)
            return self.new_record(record, None, updated)

        updated_schema = self._updated_schema(schema)
        if self._whole is not None:
            return self.new_record(record, updated_schema, cast_value(schema, value, self._whole))
        struct = require_struct(value, _PURPOSE)
        result = Struct(updated_schema)
        for field in struct.schema.fields:
            current = struct_get(struct, field.name, self._replace_null_with_default)
            field_target = self._casts.get(field.name)
            cast = cast_value(field.schema, current, field_target) if field_target is not None else current
            _log.debug("Cast field %r from %r to %r", field.name, current, cast)
            result.put(field.name, cast)
        return self.new_record(record, updated_schema, result)

    def close(self) -> None:
        self._cache.clear()

    def _updated_schema(self, schema: Schema) -> Schema:
        cached = self._cache.get(schema)
        if cached is not None:
            return cached
        target_type: Type
        if self._whole is not None:
            target_type = self._whole
            builder = SchemaBuilder.type(target_type)
            # Java copies name/version/doc/parameters even onto the new type; a logical type's
            # name on a different encoding would mislead every converter, so those are dropped.
            if schema.name not in LOGICAL_NAMES:
                copy_schema_basics(schema, builder)
        else:
            if schema.type is not Type.STRUCT:
                raise DataError(
                    f"Only Struct objects supported for [{_PURPOSE}], found schema of type {schema.type.name}"
                )
            target_type = Type.STRUCT
            builder = copy_schema_basics(schema, SchemaBuilder.struct())
            for field in schema.fields:
                target = self._casts.get(field.name)
                if target is None:
                    builder.field(field.name, field.schema)
                    continue
                field_builder = SchemaBuilder.type(target)
                if field.schema.optional:
                    field_builder.optional()
                if field.schema.default_value is not None:
                    field_builder.default(cast_value(field.schema, field.schema.default_value, target))
                builder.field(field.name, field_builder.build())
        if schema.optional:
            builder.optional()
        if schema.default_value is not None:
            builder.default(cast_value(schema, schema.default_value, target_type))
        updated = builder.build()
        self._cache.put(schema, updated)
        return updated


class _CastKey(KeySide, Cast[R]):
    """Cast the record key or its fields."""


class _CastValue(ValueSide, Cast[R]):
    """Cast the record value or its fields."""


attach_variants(Cast, _CastKey, _CastValue)

__all__ = ["CONFIG_DEF", "Cast", "parse_cast_spec"]
