"""Connect schema -> Avro schema (JSON form), following Confluent's ``AvroData.fromConnectSchema``.

The mapping, in short:

* INT8/INT16 -> ``int`` with ``connect.type``; INT32 -> ``int``; INT64 -> ``long``; FLOAT32/64 ->
  ``float``/``double``; BOOLEAN, STRING, BYTES -> the same Avro primitive.
* Decimal -> ``bytes`` + ``logicalType: decimal`` with ``scale`` and ``precision`` (from the
  ``connect.decimal.precision`` parameter, default 64); Date -> ``int``/``date``; Time ->
  ``int``/``time-millis``; Timestamp -> ``long``/``timestamp-millis``.
* ARRAY -> ``array``; MAP with required STRING keys -> ``map``; any other MAP -> an ``array`` of
  ``{key, value}`` records (``io.confluent.connect.avro.MapEntry``).
* STRUCT -> ``record`` named after the Connect name (unnamed: ``io.confluent.connect.avro.
  ConnectDefault``); a struct named ``io.confluent.connect.avro.Union`` -> an Avro union.
* Optional -> ``["null", T]`` with field default ``null`` (``[T, "null"]`` when the schema has a
  non-null default, because an Avro default must match the first branch).
* Connect name, version, doc, parameters and default travel in ``connect.*`` properties (when
  ``connect_meta_data`` is on, the default), so the Connect schema comes back intact.

Where Confluent would emit an invalid schema this module differs: a second, different unnamed
struct (or map entry) in one schema is named ``ConnectDefault2``/``MapEntry2``... instead of
silently re-using the first definition, two different structs with the same Connect name raise
``DataError``, non-string map defaults use the Avro JSON form of an array of records, and an
optional struct with a default puts the record first in its union.

Pure and synchronous; a new converter object per top-level schema keeps the named-type table local.
"""

from __future__ import annotations

from typing import Any

from distconnect.api.data import Schema, Type
from distconnect.api.errors import DataError
from distconnect.api.logical import (
    DATE_LOGICAL_NAME,
    DECIMAL_LOGICAL_NAME,
    TIME_LOGICAL_NAME,
    TIMESTAMP_LOGICAL_NAME,
    Decimal,
)
from distconnect.converters import avro_names as n
from distconnect.converters.avro_defaults import default_to_json, is_string_keyed

_PLAIN = {
    Type.INT8: "int",
    Type.INT16: "int",
    Type.INT32: "int",
    Type.INT64: "long",
    Type.FLOAT32: "float",
    Type.FLOAT64: "double",
    Type.BOOLEAN: "boolean",
    Type.STRING: "string",
    Type.BYTES: "bytes",
}
_CONNECT_TYPE = {Type.INT8: n.CONNECT_TYPE_INT8, Type.INT16: n.CONNECT_TYPE_INT16}
_LOGICAL = {
    DATE_LOGICAL_NAME: n.AVRO_LOGICAL_DATE,
    TIME_LOGICAL_NAME: n.AVRO_LOGICAL_TIME_MILLIS,
    TIMESTAMP_LOGICAL_NAME: n.AVRO_LOGICAL_TIMESTAMP_MILLIS,
    DECIMAL_LOGICAL_NAME: n.AVRO_LOGICAL_DECIMAL,
}


def from_connect_schema(schema: Schema, *, connect_meta_data: bool = True) -> Any:
    """The Avro schema (JSON-compatible ``str``/``dict``/``list``) for a Connect schema."""
    return _FromConnect(connect_meta_data).convert(schema)


def non_optional(schema: Schema) -> Schema:
    """The same schema with ``optional=False`` (everything else kept, default included)."""
    if not schema.optional:
        return schema
    return Schema(
        schema.type,
        optional=False,
        default_value=schema.default_value,
        name=schema.name,
        version=schema.version,
        doc=schema.doc,
        parameters=schema.parameters,
        fields=schema.fields if schema.type is Type.STRUCT else None,
        key_schema=schema.key_schema if schema.has_key_schema else None,
        value_schema=schema.value_schema if schema.has_value_schema else None,
    )


class _FromConnect:
    def __init__(self, connect_meta_data: bool) -> None:
        self._meta = connect_meta_data
        self._defined: set[str] = set()  # Avro full names already defined in this schema
        self._by_identity: dict[Any, str] = {}  # Connect identity -> Avro full name

    def convert(self, schema: Schema, ignore_optional: bool = False) -> Any:
        t = schema.type
        if t is Type.STRUCT:
            if schema.name == n.AVRO_TYPE_UNION:
                members = [self.convert(non_optional(f.schema), True) for f in schema.fields]
                return ["null", *members] if schema.optional else members
            record = self._record(non_optional(schema))
            if not schema.optional or ignore_optional:
                return record
            return [record, "null"] if schema.default_value is not None else ["null", record]
        base: dict[str, Any]
        if t in _PLAIN:
            base = {"type": _PLAIN[t]}
            if t is Type.BYTES and schema.name == DECIMAL_LOGICAL_NAME:
                base[n.AVRO_LOGICAL_DECIMAL_SCALE_PROP] = Decimal.scale(schema)
                base[n.AVRO_LOGICAL_DECIMAL_PRECISION_PROP] = _precision(schema)
        elif t is Type.ARRAY:
            base = {"type": "array", "items": self.convert(schema.value_schema)}
        elif is_string_keyed(schema):
            base = {"type": "map", "values": self.convert(schema.value_schema)}
        else:
            base = {"type": "array", "items": self._map_entry(schema)}
        self._annotate(schema, base, _CONNECT_TYPE.get(t))
        avro: Any = base["type"] if len(base) == 1 and t in _PLAIN else base
        if not schema.optional or ignore_optional:
            return avro
        return [avro, "null"] if schema.default_value is not None else ["null", avro]

    # -- named types --------------------------------------------------------------------------

    def _claim(self, identity: Any, connect_name: str | None, generated: str) -> str | None:
        """The Avro full name to define for ``identity``, or None if it is already defined."""
        if identity in self._by_identity:
            return None
        if connect_name is not None:
            n.check_avro_name(connect_name, "schema name")
            if connect_name in self._defined:
                raise DataError(
                    f"Schema name {connect_name!r} is used for two different schemas; "
                    "Avro allows one definition per name"
                )
            full = connect_name
        else:
            full, suffix = f"{n.NAMESPACE}.{generated}", 1
            while full in self._defined:
                suffix += 1
                full = f"{n.NAMESPACE}.{generated}{suffix}"
        self._defined.add(full)
        self._by_identity[identity] = full
        return full

    def _record(self, schema: Schema) -> Any:
        full = self._claim(schema, schema.name, n.DEFAULT_SCHEMA_NAME)
        if full is None:
            return self._by_identity[schema]
        namespace, name = n.split_name(full)
        record: dict[str, Any] = {"type": "record", "name": name, "namespace": namespace or ""}
        params = schema.parameters or {}
        if n.AVRO_RECORD_DOC_PROP in params:
            record["doc"] = params[n.AVRO_RECORD_DOC_PROP]
        record["fields"] = [
            self._field(f.name, f.schema, params.get(n.AVRO_FIELD_DOC_PREFIX_PROP + f.name))
            for f in schema.fields
        ]
        self._annotate(schema, record, None)
        return record

    def _map_entry(self, schema: Schema) -> Any:
        identity = ("map-entry", schema.name, schema.key_schema, schema.value_schema)
        full = self._claim(identity, schema.name, n.MAP_ENTRY_TYPE_NAME)
        if full is None:
            return self._by_identity[identity]
        namespace, name = n.split_name(full)
        record: dict[str, Any] = {
            "type": "record",
            "name": name,
            "namespace": namespace or "",
            "fields": [
                self._field(n.KEY_FIELD, schema.key_schema, None),
                self._field(n.VALUE_FIELD, schema.value_schema, None),
            ],
        }
        if full != f"{n.NAMESPACE}.{n.MAP_ENTRY_TYPE_NAME}":
            record[n.CONNECT_INTERNAL_TYPE_NAME] = n.MAP_ENTRY_TYPE_NAME
        return record

    def _field(self, name: str, schema: Schema, doc: str | None) -> dict[str, Any]:
        n.check_avro_name(name, "field name", dotted=False)
        field: dict[str, Any] = {"name": name, "type": self.convert(schema)}
        if doc is not None:
            field["doc"] = doc
        if schema.default_value is not None:
            field["default"] = default_to_json(schema, schema.default_value)
        elif schema.optional:
            field["default"] = None
        return field

    # -- properties ---------------------------------------------------------------------------

    def _annotate(self, schema: Schema, base: dict[str, Any], connect_type: str | None) -> None:
        params = schema.parameters or {}
        if self._meta:
            if schema.doc is not None:
                base[n.CONNECT_DOC_PROP] = schema.doc
            if schema.version is not None:
                base[n.CONNECT_VERSION_PROP] = schema.version
            kept = {k: v for k, v in params.items() if k != n.AVRO_FIELD_DEFAULT_FLAG_PROP}
            if kept:
                base[n.CONNECT_PARAMETERS_PROP] = kept
            if schema.default_value is not None and n.AVRO_FIELD_DEFAULT_FLAG_PROP not in params:
                base[n.CONNECT_DEFAULT_VALUE_PROP] = default_to_json(schema, schema.default_value)
            if schema.name is not None:
                base[n.CONNECT_NAME_PROP] = schema.name
            if connect_type is not None:
                base[n.CONNECT_TYPE_PROP] = connect_type
        logical = _LOGICAL.get(schema.name or "")
        if logical is not None and schema.type.value == _LOGICAL_BASE[logical]:
            base[n.AVRO_LOGICAL_TYPE_PROP] = logical
        for key, value in params.items():
            if key.startswith(n.AVRO_PROP):
                base[key] = value


# A logical name on the wrong base type (say a STRING named "...Date") gets no logicalType.
_LOGICAL_BASE = {
    n.AVRO_LOGICAL_DATE: "int32",
    n.AVRO_LOGICAL_TIME_MILLIS: "int32",
    n.AVRO_LOGICAL_TIMESTAMP_MILLIS: "int64",
    n.AVRO_LOGICAL_DECIMAL: "bytes",
}


def _precision(schema: Schema) -> int:
    text = (schema.parameters or {}).get(n.CONNECT_AVRO_DECIMAL_PRECISION_PROP)
    if text is None:
        return n.CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT
    try:
        return int(text)
    except ValueError:
        raise DataError(f"Invalid {n.CONNECT_AVRO_DECIMAL_PRECISION_PROP} parameter: {text!r}") from None
