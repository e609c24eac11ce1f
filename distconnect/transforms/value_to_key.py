"""ValueToKey: replace the record key with one built from fields of the value. Port of Kafka's
``ValueToKey`` (no key/value variants).

Lifecycle: ``configure`` once, then ``apply`` per record on the task's loop; the key schema is
cached per value schema. Not thread-safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigDef, ConfigType, Importance
from distconnect.api.data import Schema, SchemaBuilder
from distconnect.api.errors import DataError
from distconnect.api.plugins import Transformation
from distconnect.api.struct import Struct
from distconnect.transforms.util import (
    NonEmptyList,
    R,
    SchemaCache,
    require_map,
    require_struct,
    struct_get,
)

FIELDS = "fields"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"
_PURPOSE = "copying fields from value to key"

CONFIG_DEF = (
    ConfigDef()
    .define(FIELDS, ConfigType.LIST, validator=NonEmptyList(), importance=Importance.HIGH,
            documentation="Field names on the record value to extract as the record key.")
    .define(REPLACE_NULL_WITH_DEFAULT, ConfigType.BOOLEAN, True, None, Importance.MEDIUM,
            "Whether to replace fields that have a default value and that are null to the default value. "
            "When set to true, the default value is used, otherwise null is used.")
)  # fmt: skip


class ValueToKey(Transformation[R]):
    """Replace the record key with a new key formed from a subset of fields in the record value.

    Schemaless values must be maps (the key becomes a map); with a schema the value must be a
    Struct and the key becomes a Struct of the chosen fields. As in Apache Kafka a null value
    (tombstone) is an error: there is nothing to build the key from.
    """

    def __init__(self) -> None:
        self._fields: list[str] = []
        self._replace_null_with_default = True
        self._cache = SchemaCache()

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        self._fields = list(parsed[FIELDS])
        self._replace_null_with_default = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()

    def apply(self, record: R) -> R:
        if record.value_schema is None:
            value = require_map(record.value, _PURPOSE)
            key = {name: value.get(name) for name in self._fields}
            return record.new_record(key_schema=None, key=key)
        struct = require_struct(record.value, _PURPOSE)
        key_schema = self._cache.get(struct.schema)
        if key_schema is None:
            key_schema = self._key_schema(struct.schema)
            self._cache.put(struct.schema, key_schema)
        new_key = Struct(key_schema)
        for name in self._fields:
            new_key.put(name, struct_get(struct, name, self._replace_null_with_default))
        return record.new_record(key_schema=key_schema, key=new_key)

    def close(self) -> None:
        self._cache.clear()

    def _key_schema(self, value_schema: Schema) -> Schema:
        builder = SchemaBuilder.struct()
        for name in self._fields:
            field = value_schema.field(name)
            if field is None:
                raise DataError(f"Field does not exist: {name}")
            builder.field(name, field.schema)
        return builder.build()


__all__ = ["CONFIG_DEF", "ValueToKey"]
