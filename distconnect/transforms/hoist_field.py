"""HoistField: wrap the whole key or value in a single-field Struct (with schema) or map
(schemaless). Port of Kafka's ``HoistField``; use ``HoistField.Key`` or ``HoistField.Value``.

Lifecycle: ``configure`` once, then ``apply`` per record on the task's loop; the wrapping schema
is cached per input schema. Not thread-safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from distconnect.api.config import NO_DEFAULT, ConfigDef, ConfigType, Importance
from distconnect.api.data import SchemaBuilder
from distconnect.api.plugins import Transformation
from distconnect.api.struct import Struct
from distconnect.transforms.util import KeyOrValue, KeySide, R, SchemaCache, ValueSide, attach_variants

FIELD = "field"

CONFIG_DEF = ConfigDef().define(
    FIELD,
    ConfigType.STRING,
    NO_DEFAULT,
    None,
    Importance.MEDIUM,
    "Field name for the single field that will be created in the resulting Struct or Map.",
)


class HoistField(KeyOrValue, Transformation[R]):
    """Wrap data using the specified field name in a Struct when schema present, or a map in the
    case of schemaless data.

    Null is wrapped too, as in Apache Kafka: ``{field: None}`` schemaless, and with a schema the
    put fails unless the wrapped schema is optional.
    """

    Key: ClassVar[type[HoistField[Any]]]
    Value: ClassVar[type[HoistField[Any]]]

    def __init__(self) -> None:
        self._field = ""
        self._cache = SchemaCache()

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        self._field = CONFIG_DEF.parse(configs)[FIELD]
        self._cache = SchemaCache()

    def apply(self, record: R) -> R:
        schema = self.operating_schema(record)
        value = self.operating_value(record)
        if schema is None:
            return self.new_record(record, None, {self._field: value})
        updated_schema = self._cache.get(schema)
        if updated_schema is None:
            updated_schema = SchemaBuilder.struct().field(self._field, schema).build()
            self._cache.put(schema, updated_schema)
        return self.new_record(record, updated_schema, Struct(updated_schema).put(self._field, value))

    def close(self) -> None:
        self._cache.clear()


class _HoistFieldKey(KeySide, HoistField[R]):
    """Wrap the record key in a single-field struct or map."""


class _HoistFieldValue(ValueSide, HoistField[R]):
    """Wrap the record value in a single-field struct or map."""


attach_variants(HoistField, _HoistFieldKey, _HoistFieldValue)

__all__ = ["CONFIG_DEF", "HoistField"]
