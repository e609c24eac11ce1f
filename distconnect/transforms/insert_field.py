"""InsertField: add record metadata (topic, partition, offset, timestamp) or a static value as
fields of the key or value. Port of Kafka's ``InsertField``; use ``InsertField.Key`` or
``InsertField.Value``.

Lifecycle: ``configure`` once, then ``apply`` per record on the task's loop; ``close`` drops the
schema cache. Not thread-safe (one instance per task).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from distconnect.api.config import ConfigDef, ConfigType, Importance
from distconnect.api.data import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from distconnect.api.errors import ConfigError
from distconnect.api.logical import Timestamp
from distconnect.api.plugins import Transformation
from distconnect.api.records import ConnectRecord
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
    require_sink_record,
    require_struct,
    struct_get,
)

TOPIC_FIELD = "topic.field"
PARTITION_FIELD = "partition.field"
OFFSET_FIELD = "offset.field"
TIMESTAMP_FIELD = "timestamp.field"
STATIC_FIELD = "static.field"
STATIC_VALUE = "static.value"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"

REPLACE_NULL_WITH_DEFAULT_DOC = (
    "Whether to replace fields that have a default value and that are null to the default value. "
    "When set to true, the default value is used, otherwise null is used."
)
_OPTIONALITY_DOC = (
    "Suffix with ``!`` to make this a required field, or ``?`` to keep it optional (the default)."
)
_PURPOSE = "field insertion"
_OPTIONAL_TIMESTAMP_SCHEMA = Timestamp.builder().optional().build()

CONFIG_DEF = (
    ConfigDef()
    .define(TOPIC_FIELD, ConfigType.STRING, None, None, Importance.MEDIUM,
            f"Field name for Kafka topic. {_OPTIONALITY_DOC}")
    .define(PARTITION_FIELD, ConfigType.STRING, None, None, Importance.MEDIUM,
            f"Field name for Kafka partition. {_OPTIONALITY_DOC}")
    .define(OFFSET_FIELD, ConfigType.STRING, None, None, Importance.MEDIUM,
            f"Field name for Kafka offset - only applicable to sink connectors. {_OPTIONALITY_DOC}")
    .define(TIMESTAMP_FIELD, ConfigType.STRING, None, None, Importance.MEDIUM,
            f"Field name for record timestamp. {_OPTIONALITY_DOC}")
    .define(STATIC_FIELD, ConfigType.STRING, None, None, Importance.MEDIUM,
            f"Field name for static data field. {_OPTIONALITY_DOC}")
    .define(STATIC_VALUE, ConfigType.STRING, None, None, Importance.MEDIUM,
            "Static field value, if field name configured.")
    .define(REPLACE_NULL_WITH_DEFAULT, ConfigType.BOOLEAN, True, None, Importance.MEDIUM,
            REPLACE_NULL_WITH_DEFAULT_DOC)
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class InsertionSpec:
    """A field to insert: its name and whether its schema is optional."""

    name: str
    optional: bool

    @staticmethod
    def parse(spec: str | None) -> InsertionSpec | None:
        """``name?`` or ``name`` is optional, ``name!`` required; None stays None."""
        if spec is None:
            return None
        if spec.endswith("?"):
            return InsertionSpec(spec[:-1], True)
        if spec.endswith("!"):
            return InsertionSpec(spec[:-1], False)
        return InsertionSpec(spec, True)


class InsertField(KeyOrValue, Transformation[R]):
    """Insert fields using attributes from the record metadata or a configured static value.

    Schemaless keys/values must be maps; with a schema they must be Structs, and the inserted
    fields are appended to a derived schema (topic: string, partition: int32, offset: int64,
    timestamp: Timestamp logical type, static: string). Null keys/values pass through unchanged.
    """

    Key: ClassVar[type[InsertField[Any]]]
    Value: ClassVar[type[InsertField[Any]]]

    def __init__(self) -> None:
        self._topic: InsertionSpec | None = None
        self._partition: InsertionSpec | None = None
        self._offset: InsertionSpec | None = None
        self._timestamp: InsertionSpec | None = None
        self._static: InsertionSpec | None = None
        self._static_value: str | None = None
        self._replace_null_with_default = True
        self._cache = SchemaCache()

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        self._topic = InsertionSpec.parse(parsed[TOPIC_FIELD])
        self._partition = InsertionSpec.parse(parsed[PARTITION_FIELD])
        self._offset = InsertionSpec.parse(parsed[OFFSET_FIELD])
        self._timestamp = InsertionSpec.parse(parsed[TIMESTAMP_FIELD])
        self._static = InsertionSpec.parse(parsed[STATIC_FIELD])
        self._static_value = parsed[STATIC_VALUE]
        self._replace_null_with_default = parsed[REPLACE_NULL_WITH_DEFAULT]
        if not any((self._topic, self._partition, self._offset, self._timestamp, self._static)):
            raise ConfigError(
                TOPIC_FIELD,
                None,
                f"No field insertion configured: set at least one of {TOPIC_FIELD}, {PARTITION_FIELD}, "
                f"{OFFSET_FIELD}, {TIMESTAMP_FIELD} or {STATIC_FIELD}",
            )
        if self._static is not None and self._static_value is None:
            raise ConfigError(STATIC_VALUE, None, f"No value specified for static field: {self._static.name}")
        self._cache = SchemaCache()

    def apply(self, record: R) -> R:
        if self.operating_value(record) is None:
            return record
        if self.operating_schema(record) is None:
            return self._apply_schemaless(record)
        return self._apply_with_schema(record)

    def close(self) -> None:
        self._cache.clear()

    def _metadata(self, record: ConnectRecord, *, logical_timestamp: bool) -> list[tuple[str, Any]]:
        """(field name, value) pairs to insert; unset partition/timestamp are skipped, as in Java."""
        out: list[tuple[str, Any]] = []
        if self._topic is not None:
            out.append((self._topic.name, record.topic))
        if self._partition is not None and record.kafka_partition is not None:
            out.append((self._partition.name, record.kafka_partition))
        if self._offset is not None:
            out.append((self._offset.name, require_sink_record(record, _PURPOSE).kafka_offset))
        if self._timestamp is not None and record.timestamp is not None:
            ts: Any = record.timestamp
            if logical_timestamp:
                ts = Timestamp.to_logical(Timestamp.schema(), record.timestamp)
            out.append((self._timestamp.name, ts))
        if self._static is not None and self._static_value is not None:
            out.append((self._static.name, self._static_value))
        return out

    def _apply_schemaless(self, record: R) -> R:
        updated = dict(require_map(self.operating_value(record), _PURPOSE))
        updated.update(self._metadata(record, logical_timestamp=False))
        return self.new_record(record, None, updated)

    def _apply_with_schema(self, record: R) -> R:
        value = require_struct(self.operating_value(record), _PURPOSE)
        updated_schema = self._cache.get(value.schema)
        if updated_schema is None:
            updated_schema = self._updated_schema(value.schema)
            self._cache.put(value.schema, updated_schema)
        updated = Struct(updated_schema)
        for field in value.schema.fields:
            updated.put(field.name, struct_get(value, field.name, self._replace_null_with_default))
        for name, inserted in self._metadata(record, logical_timestamp=True):
            updated.put(name, inserted)
        return self.new_record(record, updated_schema, updated)

    def _updated_schema(self, schema: Schema) -> Schema:
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for field in schema.fields:
            builder.field(field.name, field.schema)
        if self._topic is not None:
            builder.field(self._topic.name, OPTIONAL_STRING_SCHEMA if self._topic.optional else STRING_SCHEMA)
        if self._partition is not None:
            builder.field(
                self._partition.name, OPTIONAL_INT32_SCHEMA if self._partition.optional else INT32_SCHEMA
            )
        if self._offset is not None:
            builder.field(self._offset.name, OPTIONAL_INT64_SCHEMA if self._offset.optional else INT64_SCHEMA)
        if self._timestamp is not None:
            builder.field(
                self._timestamp.name,
                _OPTIONAL_TIMESTAMP_SCHEMA if self._timestamp.optional else Timestamp.schema(),
            )
        if self._static is not None:
            builder.field(
                self._static.name, OPTIONAL_STRING_SCHEMA if self._static.optional else STRING_SCHEMA
            )
        return builder.build()


class _InsertFieldKey(KeySide, InsertField[R]):
    """Insert fields into the record key."""


class _InsertFieldValue(ValueSide, InsertField[R]):
    """Insert fields into the record value."""


attach_variants(InsertField, _InsertFieldKey, _InsertFieldValue)

__all__ = ["CONFIG_DEF", "InsertField", "InsertionSpec"]
