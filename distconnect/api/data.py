"""The Connect data model (port of ``org.apache.kafka.connect.data``): import schemas from here.

Python value representation per schema type: INT8/16/32/64 -> ``int`` (range-checked, ``bool``
rejected), FLOAT32/64 -> ``float`` (``int`` rejected, as Java does), BOOLEAN -> ``bool``, STRING ->
``str``, BYTES -> ``bytes`` (``bytearray``/``memoryview`` accepted), ARRAY -> ``list``, MAP ->
``dict``, STRUCT -> :class:`~distconnect.api.struct.Struct`. Schemas named by a logical type take
that type's Python value instead (see :mod:`distconnect.api.logical`).
"""

from __future__ import annotations

from distconnect.api.schema import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    NULL_SCHEMA_AND_VALUE,
    OPTIONAL_BOOLEAN_SCHEMA,
    OPTIONAL_BYTES_SCHEMA,
    OPTIONAL_FLOAT32_SCHEMA,
    OPTIONAL_FLOAT64_SCHEMA,
    OPTIONAL_INT8_SCHEMA,
    OPTIONAL_INT16_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Field,
    Schema,
    SchemaAndValue,
    Type,
    hash_value,
)
from distconnect.api.schema_builder import SchemaBuilder

__all__ = [
    "BOOLEAN_SCHEMA",
    "BYTES_SCHEMA",
    "FLOAT32_SCHEMA",
    "FLOAT64_SCHEMA",
    "INT8_SCHEMA",
    "INT16_SCHEMA",
    "INT32_SCHEMA",
    "INT64_SCHEMA",
    "NULL_SCHEMA_AND_VALUE",
    "OPTIONAL_BOOLEAN_SCHEMA",
    "OPTIONAL_BYTES_SCHEMA",
    "OPTIONAL_FLOAT32_SCHEMA",
    "OPTIONAL_FLOAT64_SCHEMA",
    "OPTIONAL_INT8_SCHEMA",
    "OPTIONAL_INT16_SCHEMA",
    "OPTIONAL_INT32_SCHEMA",
    "OPTIONAL_INT64_SCHEMA",
    "OPTIONAL_STRING_SCHEMA",
    "STRING_SCHEMA",
    "Field",
    "Schema",
    "SchemaAndValue",
    "SchemaBuilder",
    "Type",
    "hash_value",
]
