"""Names and schema properties of the Connect <-> Avro mapping, as Confluent's ``AvroData`` uses them.

Keeping these identical to Confluent's lets schemas written by Java Connect workers and by this
runtime be read by either side (the ``connect.*`` properties carry what Avro cannot express).
Pure constants and helpers; no I/O.
"""

from __future__ import annotations

import re
from typing import Any

from distconnect.api.errors import DataError

NAMESPACE = "io.confluent.connect.avro"
DEFAULT_SCHEMA_NAME = "ConnectDefault"
DEFAULT_SCHEMA_FULL_NAME = f"{NAMESPACE}.{DEFAULT_SCHEMA_NAME}"
MAP_ENTRY_TYPE_NAME = "MapEntry"
KEY_FIELD = "key"
VALUE_FIELD = "value"

CONNECT_NAME_PROP = "connect.name"
CONNECT_DOC_PROP = "connect.doc"
CONNECT_VERSION_PROP = "connect.version"
CONNECT_DEFAULT_VALUE_PROP = "connect.default"
CONNECT_PARAMETERS_PROP = "connect.parameters"
CONNECT_INTERNAL_TYPE_NAME = "connect.internal.type"
CONNECT_TYPE_PROP = "connect.type"
CONNECT_TYPE_INT8 = "int8"
CONNECT_TYPE_INT16 = "int16"

AVRO_RECORD_DOC_PROP = f"{NAMESPACE}.record.doc"
AVRO_FIELD_DOC_PREFIX_PROP = f"{NAMESPACE}.field.doc."
AVRO_FIELD_DEFAULT_FLAG_PROP = f"{NAMESPACE}.field.default"
AVRO_ENUM_DOC_PREFIX_PROP = f"{NAMESPACE}.enum.doc."
AVRO_ENUM_DEFAULT_PREFIX_PROP = f"{NAMESPACE}.enum.default."
AVRO_TYPE_UNION = f"{NAMESPACE}.Union"
AVRO_TYPE_ENUM = f"{NAMESPACE}.Enum"

#: Schema parameters whose key starts with this are copied to Avro properties and back.
AVRO_PROP = "avro"
AVRO_LOGICAL_TYPE_PROP = "logicalType"
AVRO_LOGICAL_TIMESTAMP_MILLIS = "timestamp-millis"
AVRO_LOGICAL_TIME_MILLIS = "time-millis"
AVRO_LOGICAL_DATE = "date"
AVRO_LOGICAL_DECIMAL = "decimal"
AVRO_LOGICAL_DECIMAL_SCALE_PROP = "scale"
AVRO_LOGICAL_DECIMAL_PRECISION_PROP = "precision"
CONNECT_AVRO_DECIMAL_PRECISION_PROP = "connect.decimal.precision"
CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT = 64

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED_TYPES = frozenset({"record", "error", "enum", "fixed"})

#: Attributes that belong to Avro itself; every other key of a schema object is a property.
RESERVED_ATTRIBUTES = frozenset(
    {"type", "name", "namespace", "doc", "fields", "items", "values", "symbols", "size", "aliases", "default"}
)

# Unnamed structs and map entries get ConnectDefault, ConnectDefault2, ... within one schema (Avro
# forbids two different definitions of one name); all of them mean "no Connect name" on the way back.
_GENERATED_NAME = re.compile(rf"^{re.escape(NAMESPACE)}\.(?:{DEFAULT_SCHEMA_NAME}|{MAP_ENTRY_TYPE_NAME})\d*$")


_NAME_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_avro_name(name: str, what: str, *, dotted: bool = True) -> None:
    """DataError unless ``name`` is a valid Avro (dotted, if allowed) name."""
    parts = name.split(".") if dotted else [name]
    if not all(_NAME_PART.match(part) for part in parts):
        raise DataError(
            f"{what} {name!r} is not a valid Avro name (letters, digits and _, not starting with a digit"
            f"{', dot-separated' if dotted else ''})"
        )


def split_name(full_name: str) -> tuple[str | None, str]:
    """``"a.b.C"`` -> ``("a.b", "C")``; a name without dots has no namespace."""
    namespace, dot, name = full_name.rpartition(".")
    return (namespace if dot else None), name


def is_generated_name(full_name: str) -> bool:
    """Whether an Avro full name was made up for an unnamed Connect struct or map entry."""
    return _GENERATED_NAME.match(full_name) is not None


def avro_type_name(avro: Any) -> str:
    """The Avro type of a schema in JSON form (``"int"``, ``"record"``, a referenced name...)."""
    if isinstance(avro, str):
        return avro
    if isinstance(avro, list):
        return "union"
    if isinstance(avro, dict):
        inner = avro.get("type")
        return inner if isinstance(inner, str) else avro_type_name(inner)
    raise TypeError(f"not an Avro schema: {avro!r}")


def union_member_name(avro: Any, full_name: str | None) -> str:
    """The Connect union-struct field name of an Avro union member (Confluent's naming): the
    simple name of a named type, else the Avro type name."""
    if full_name is not None:
        return split_name(full_name)[1]
    return avro_type_name(avro)
