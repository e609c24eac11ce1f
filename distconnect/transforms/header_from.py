"""HeaderFrom: copy or move fields of the key or value into headers. Port of Kafka's
``HeaderFrom``; use ``HeaderFrom.Key`` or ``HeaderFrom.Value``.

``fields`` and ``headers`` are parallel lists: field *i* goes to header *i* (appended, so an
existing header of the same key is kept). With a schema the key/value must be a Struct and each
header takes its field's schema; schemaless it must be a map and headers are schemaless (a
missing key gives a null header). ``move`` also removes the fields (and, with a schema, derives
a schema without them).

Lifecycle: ``configure`` once, then ``apply`` per record on the task's loop; ``close`` drops the
schema cache. Not thread-safe (one instance per task).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from distconnect.api.config import ConfigDef, ConfigType, Importance, ValidString
from distconnect.api.data import Schema, SchemaBuilder
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.plugins import Transformation
from distconnect.api.struct import Struct
from distconnect.transforms.util import (
    KeyOrValue,
    KeySide,
    NonEmptyList,
    R,
    SchemaCache,
    ValueSide,
    attach_variants,
    copy_schema_basics,
    require_map,
    require_struct,
    struct_get,
)

FIELDS = "fields"
HEADERS = "headers"
OPERATION = "operation"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"
MOVE = "move"
COPY = "copy"

OVERVIEW_DOC = (
    "Moves or copies fields in the key/value of a record into that record's headers. Corresponding "
    "elements of fields and headers together identify a field and the header it should be moved or "
    "copied to. Use the concrete transformation type designed for the record key (HeaderFrom.Key) or "
    "value (HeaderFrom.Value)."
)

CONFIG_DEF = (
    ConfigDef()
    .define(FIELDS, ConfigType.LIST, validator=NonEmptyList(), importance=Importance.HIGH,
            documentation="Field names in the record whose values are to be copied or moved to headers.")
    .define(HEADERS, ConfigType.LIST, validator=NonEmptyList(), importance=Importance.HIGH,
            documentation="Header names, in the same order as the field names listed in the fields "
            "configuration property.")
    .define(OPERATION, ConfigType.STRING, validator=ValidString.in_(MOVE, COPY), importance=Importance.HIGH,
            documentation="Either ``move`` if the fields are to be moved to the headers (removed from the "
            "key/value), or ``copy`` if the fields are to be copied to the headers (retained in the "
            "key/value).")
    .define(REPLACE_NULL_WITH_DEFAULT, ConfigType.BOOLEAN, default=True, importance=Importance.MEDIUM,
            documentation="Whether to replace fields that have a default value and that are null to the "
            "default value. When set to true, the default value is used, otherwise null is used.")
)  # fmt: skip


class HeaderFrom(KeyOrValue, Transformation[R]):
    """Copy or move key/value fields into headers."""

    Key: ClassVar[type[HeaderFrom[Any]]]
    Value: ClassVar[type[HeaderFrom[Any]]]

    def __init__(self) -> None:
        self._fields: list[str] = []
        self._headers: list[str] = []
        self._move = False
        self._replace_null_with_default = True
        self._cache = SchemaCache()

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        fields: list[str] = parsed[FIELDS]
        headers: list[str] = parsed[HEADERS]
        if len(fields) != len(headers):
            raise ConfigError(
                HEADERS,
                headers,
                f"'{FIELDS}' config must have the same number of elements as '{HEADERS}' config.",
            )
        self._fields, self._headers = list(fields), list(headers)
        self._move = parsed[OPERATION] == MOVE
        self._replace_null_with_default = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()

    def close(self) -> None:
        self._cache.clear()

    @property
    def _purpose(self) -> str:
        return f"header {MOVE if self._move else COPY}"

    def apply(self, record: R) -> R:
        schema = self.operating_schema(record)
        if schema is None:
            return self._apply_schemaless(record)
        return self._apply_with_schema(record, schema)

    def _apply_with_schema(self, record: R, schema: Schema) -> R:
        value = require_struct(self.operating_value(record), self._purpose)
        added: list[tuple[str, Any, Schema]] = []
        for field_name, header in zip(self._fields, self._headers, strict=True):
            field = schema.field(field_name)
            if field is None:
                raise DataError(
                    f"Field '{field_name}' for [{self._purpose}] is not in the {self.side} schema"
                )
            added.append(
                (header, struct_get(value, field_name, self._replace_null_with_default), field.schema)
            )
        if self._move:
            updated_schema = self._moved_schema(schema)
            updated_value = Struct(updated_schema)
            for kept in updated_schema.fields:
                updated_value.put(kept, struct_get(value, kept.name, self._replace_null_with_default))
            updated = self.new_record(record, updated_schema, updated_value)
        else:
            updated = self.new_record(record, schema, value)
        for header, header_value, header_schema in added:
            updated.headers.add(header, header_value, header_schema)
        return updated

    def _moved_schema(self, schema: Schema) -> Schema:
        moved = self._cache.get(schema)
        if moved is None:
            builder = copy_schema_basics(schema, SchemaBuilder.struct())
            for field in schema.fields:
                if field.name not in self._fields:
                    builder.field(field.name, field.schema)
            moved = builder.build()
            self._cache.put(schema, moved)
        return moved

    def _apply_schemaless(self, record: R) -> R:
        value = require_map(self.operating_value(record), self._purpose)
        updated_value = dict(value)
        added: list[tuple[str, Any]] = []
        for field_name, header in zip(self._fields, self._headers, strict=True):
            added.append((header, value.get(field_name)))
            if self._move:
                updated_value.pop(field_name, None)
        updated = self.new_record(record, None, updated_value)
        for header, header_value in added:
            updated.headers.add(header, header_value)
        return updated


class _HeaderFromKey(KeySide, HeaderFrom[R]):
    """Copy or move fields of the record key into headers."""


class _HeaderFromValue(ValueSide, HeaderFrom[R]):
    """Copy or move fields of the record value into headers."""


attach_variants(HeaderFrom, _HeaderFromKey, _HeaderFromValue)

__all__ = ["CONFIG_DEF", "OVERVIEW_DOC", "HeaderFrom"]
