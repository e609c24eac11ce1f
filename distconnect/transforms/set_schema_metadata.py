"""SetSchemaMetadata: set the name and/or version of the key or value schema. Port of Kafka's
``SetSchemaMetadata``; use ``SetSchemaMetadata.Key`` or ``SetSchemaMetadata.Value``.

Only the top-level schema changes; a Struct key/value is rebuilt against the renamed schema
(its nested structs keep theirs). A record with neither schema nor value passes through; a
schemaless one with a value fails with DataError.

Lifecycle: ``configure`` once, then ``apply`` per record; stateless apart from configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from distconnect.api.config import ConfigDef, ConfigType, Importance
from distconnect.api.data import Schema, Type
from distconnect.api.errors import ConfigError
from distconnect.api.plugins import Transformation
from distconnect.api.struct import Struct
from distconnect.transforms.util import (
    KeyOrValue,
    KeySide,
    R,
    ValueSide,
    attach_variants,
    require_schema,
    struct_get,
)

SCHEMA_NAME = "schema.name"
SCHEMA_VERSION = "schema.version"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"

OVERVIEW_DOC = (
    "Set the schema name, version or both on the record's key (SetSchemaMetadata.Key) or value "
    "(SetSchemaMetadata.Value) schema."
)

CONFIG_DEF = (
    ConfigDef()
    .define(SCHEMA_NAME, ConfigType.STRING, default=None, importance=Importance.HIGH,
            documentation="Schema name to set.")
    .define(SCHEMA_VERSION, ConfigType.INT, default=None, importance=Importance.HIGH,
            documentation="Schema version to set.")
    .define(REPLACE_NULL_WITH_DEFAULT, ConfigType.BOOLEAN, default=True, importance=Importance.MEDIUM,
            documentation="Whether to replace fields that have a default value and that are null to the "
            "default value. When set to true, the default value is used, otherwise null is used.")
)  # fmt: skip


class SetSchemaMetadata(KeyOrValue, Transformation[R]):
    """Rename and/or re-version the key or value schema."""

    Key: ClassVar[type[SetSchemaMetadata[Any]]]
    Value: ClassVar[type[SetSchemaMetadata[Any]]]

    def __init__(self) -> None:
        self._name: str | None = None
        self._version: int | None = None
        self._replace_null_with_default = True

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        if parsed[SCHEMA_NAME] is None and parsed[SCHEMA_VERSION] is None:
            raise ConfigError(SCHEMA_NAME, None, "Neither schema name nor version configured")
        self._name = parsed[SCHEMA_NAME]
        self._version = parsed[SCHEMA_VERSION]
        self._replace_null_with_default = parsed[REPLACE_NULL_WITH_DEFAULT]

    def apply(self, record: R) -> R:
        value = self.operating_value(record)
        schema = self.operating_schema(record)
        if value is None and schema is None:
            return record
        schema = require_schema(schema, "updating schema metadata")
        updated_schema = Schema(
            schema.type,
            optional=schema.optional,
            default_value=schema.default_value,
            name=self._name if self._name is not None else schema.name,
            version=self._version if self._version is not None else schema.version,
            doc=schema.doc,
            parameters=schema.parameters,
            fields=schema.fields if schema.type is Type.STRUCT else None,
            key_schema=schema.key_schema if schema.has_key_schema else None,
            value_schema=schema.value_schema if schema.has_value_schema else None,
        )
        return self.new_record(record, updated_schema, self._update_schema_in(value, updated_schema))

    def _update_schema_in(self, value: Any, updated_schema: Schema) -> Any:
        """Rebuild a Struct against the updated schema (same fields); other values are unchanged."""
        if not isinstance(value, Struct):
            return value
        updated = Struct(updated_schema)
        for field in updated_schema.fields:
            updated.put(field, struct_get(value, field.name, self._replace_null_with_default))
        return updated


class _SetSchemaMetadataKey(KeySide, SetSchemaMetadata[R]):
    """Set the name and/or version of the key schema."""


class _SetSchemaMetadataValue(ValueSide, SetSchemaMetadata[R]):
    """Set the name and/or version of the value schema."""


attach_variants(SetSchemaMetadata, _SetSchemaMetadataKey, _SetSchemaMetadataValue)

__all__ = ["CONFIG_DEF", "OVERVIEW_DOC", "SetSchemaMetadata"]
