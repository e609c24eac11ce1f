"""Avro schema (JSON form) -> Connect schema, following Confluent's ``AvroData.toConnectSchema``.

Reads both schemas written by Connect (``connect.*`` properties restore name, version, doc,
parameters, defaults and INT8/INT16) and plain Avro written by other producers:

* ``int``/``long``/``float``/``double``/``boolean``/``string``/``bytes`` -> the matching type;
  ``fixed`` -> BYTES; ``enum`` -> STRING named after the enum, symbols kept as parameters.
* ``date``, ``time-millis``, ``timestamp-millis`` and ``decimal`` (bytes or fixed) -> the Connect
  logical types (``precision`` other than 64 kept as ``connect.decimal.precision``); other logical
  types read as their underlying type.
* ``record`` -> STRUCT named after the record's full name (field and record docs as
  ``io.confluent.connect.avro.*doc*`` parameters); an ``array`` of ``MapEntry`` records -> MAP.
* ``["null", T]`` (either order) -> optional T; any other union -> an optional-member STRUCT named
  ``io.confluent.connect.avro.Union`` whose fields are named after the member types.
* A field default without a ``connect.default`` adds ``io.confluent.connect.avro.field.default``.

Not representable, so ``DataError``: recursive records, a standalone ``null``. A struct-typed
default is dropped (a Connect struct default would have to contain its own schema).
Pure and synchronous.
"""

from __future__ import annotations

import json
from typing import Any

from distconnect.api.data import STRING_SCHEMA, Schema, SchemaBuilder
from distconnect.api.errors import DataError
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.converters import avro_names as n
from distconnect.converters.avro_defaults import default_from_json, is_null

_MISSING: Any = object()
_SIMPLE = {
    "boolean": SchemaBuilder.boolean,
    "float": SchemaBuilder.float32,
    "double": SchemaBuilder.float64,
    "string": SchemaBuilder.string,
}


def to_connect_schema(avro: Any, *, version: int | None = None, connect_meta_data: bool = True) -> Schema:
    """The Connect schema for an Avro schema given as parsed JSON (or its JSON text).

    ``version`` (e.g. the registry's version of the subject) is used when the schema carries no
    ``connect.version`` of its own.
    """
    if isinstance(avro, str) and avro.lstrip()[:1] in ("{", "[", '"'):
        try:
            avro = json.loads(avro)
        except ValueError as e:
            raise DataError(f"Avro schema is not valid JSON: {e}") from None
    return _ToConnect(connect_meta_data).convert(avro, None, False, _MISSING, version)


class _ToConnect:
    def __init__(self, connect_meta_data: bool) -> None:
        self._meta = connect_meta_data
        self._named: dict[str, tuple[dict[str, Any], str | None]] = {}  # full name -> (node, namespace)
        self._active: set[str] = set()  # records being converted (to detect recursion)

    # -- name resolution ----------------------------------------------------------------------

    def resolve(self, avro: Any, namespace: str | None) -> tuple[Any, str | None, str | None]:
        """(node, namespace for its children, full name if named) with references looked up."""
        if isinstance(avro, str):
            if avro in n.PRIMITIVES:
                return avro, namespace, None
            candidates = [avro] if "." in avro else [f"{namespace}.{avro}" if namespace else avro, avro]
            for full in candidates:
                if full in self._named:
                    node, node_ns = self._named[full]
                    return node, node_ns, full
            raise DataError(f"Avro schema refers to unknown type {avro!r}")
        if isinstance(avro, list):
            return avro, namespace, None
        if not isinstance(avro, dict) or "type" not in avro:
            raise DataError(f"Not an Avro schema: {avro!r:.200}")
        kind = avro["type"]
        if not isinstance(kind, str):
            return self.resolve(kind, namespace)
        if kind not in n.NAMED_TYPES:
            return avro, namespace, None
        name = avro.get("name")
        if not isinstance(name, str) or not name:
            raise DataError(f"Avro {kind} without a name: {avro!r:.200}")
        if "." in name:
            full = name
        else:
            own_ns = avro.get("namespace", namespace)
            full = f"{own_ns}.{name}" if own_ns else name
        child_ns = n.split_name(full)[0]
        self._named[full] = (avro, child_ns)
        return avro, child_ns, full

    # -- conversion ---------------------------------------------------------------------------

    def convert(
        self, avro: Any, namespace: str | None, force_optional: bool, field_default: Any, version: int | None
    ) -> Schema:
        node, ns, full = self.resolve(avro, namespace)
        if isinstance(node, list):
            return self._union(node, ns, force_optional)
        props: dict[str, Any] = {}
        if isinstance(node, dict):
            kind = n.avro_type_name(node)
            props = {k: v for k, v in node.items() if k not in n.RESERVED_ATTRIBUTES}
        else:
            kind = node
        logical = props.get(n.AVRO_LOGICAL_TYPE_PROP)
        builder = self._base(kind, node, ns, full, props, logical)

        if self._meta and isinstance(props.get(n.CONNECT_DOC_PROP), str):
            builder.doc(props[n.CONNECT_DOC_PROP])
        declared = props.get(n.CONNECT_VERSION_PROP)
        if declared is not None:
            if not isinstance(declared, int) or isinstance(declared, bool):
                raise DataError(f"Invalid Connect version found: {declared!r}")
            builder.version(declared)
        elif version is not None and version >= 0:
            builder.version(version)
        parameters = props.get(n.CONNECT_PARAMETERS_PROP)
        if self._meta and parameters is not None:
            if not isinstance(parameters, dict):
                raise DataError(f"Expected a JSON object for schema parameters but found: {parameters!r}")
            for key, value in parameters.items():
                if not isinstance(value, str):
                    raise DataError(f"Expected schema parameter values to be strings but found: {value!r}")
                builder.parameter(key, value)
        for key, value in props.items():
            if key.startswith(n.AVRO_PROP):
                builder.parameter(key, value if isinstance(value, str) else json.dumps(value))

        connect_default = props.get(n.CONNECT_DEFAULT_VALUE_PROP, _MISSING)
        if field_default is _MISSING:
            field_default = connect_default
        elif connect_default is _MISSING:
            builder.parameter(n.AVRO_FIELD_DEFAULT_FLAG_PROP, "true")

        name = props.get(n.CONNECT_NAME_PROP)
        if name is not None and not isinstance(name, str):
            raise DataError(f"Invalid schema name: {name!r}")
        if name is None and kind in ("record", "error", "enum"):
            name = full
        if name is not None and not n.is_generated_name(name):
            builder.name(name)
        if force_optional:
            builder.optional()
        # A struct default cannot be expressed: the Struct would need the very schema being built.
        if field_default is not _MISSING and field_default is not None and kind not in ("record", "error"):
            builder.default(default_from_json(builder.build(), node, ns, field_default, self.resolve))
        return builder.build()

    def _base(
        self, kind: str, node: Any, ns: str | None, full: str | None, props: dict[str, Any], logical: Any
    ) -> SchemaBuilder:
        if kind in _SIMPLE:
            return _SIMPLE[kind]()
        if kind in ("bytes", "fixed"):
            if isinstance(logical, str) and logical.lower() == n.AVRO_LOGICAL_DECIMAL:
                return _decimal(node)
            return SchemaBuilder.bytes_()
        if kind == "int":
            connect_type = props.get(n.CONNECT_TYPE_PROP)
            if logical == n.AVRO_LOGICAL_DATE:
                return Date.builder()
            if logical == n.AVRO_LOGICAL_TIME_MILLIS:
                return Time.builder()
            if logical is not None or connect_type is None:
                return SchemaBuilder.int32()
            if connect_type == n.CONNECT_TYPE_INT8:
                return SchemaBuilder.int8()
            if connect_type == n.CONNECT_TYPE_INT16:
                return SchemaBuilder.int16()
            raise DataError(f"Unknown Connect type annotation {connect_type!r} on an Avro int")
        if kind == "long":
            return (
                Timestamp.builder() if logical == n.AVRO_LOGICAL_TIMESTAMP_MILLIS else SchemaBuilder.int64()
            )
        if kind == "array":
            return self._array(node, ns)
        if kind == "map":
            return SchemaBuilder.map(STRING_SCHEMA, self.convert(node["values"], ns, False, _MISSING, None))
        if kind in ("record", "error"):
            return self._record(node, ns, full)
        if kind == "enum":
            return self._enum(node, full)
        if kind == "null":
            raise DataError("Standalone null schemas are not supported by this converter")
        raise DataError(f"Couldn't translate unsupported Avro schema type {kind!r}")

    def _array(self, node: dict[str, Any], ns: str | None) -> SchemaBuilder:
        items, items_ns, items_full = self.resolve(node["items"], ns)
        if is_map_entry(items, items_full):
            fields = {f.get("name"): f for f in items.get("fields", [])}
            if len(fields) != 2 or n.KEY_FIELD not in fields or n.VALUE_FIELD not in fields:
                raise DataError(
                    "Found map encoded as array of key-value pairs, but array elements do not match "
                    "the expected format."
                )
            key = self.convert(fields[n.KEY_FIELD]["type"], items_ns, False, _MISSING, None)
            value = self.convert(fields[n.VALUE_FIELD]["type"], items_ns, False, _MISSING, None)
            return SchemaBuilder.map(key, value)
        return SchemaBuilder.array(self.convert(node["items"], ns, False, _MISSING, None))

    def _record(self, node: dict[str, Any], ns: str | None, full: str | None) -> SchemaBuilder:
        assert full is not None
        if full in self._active:
            raise DataError(f"Recursive Avro record {full!r} cannot be represented as a Connect schema")
        self._active.add(full)
        try:
            builder = SchemaBuilder.struct()
            if self._meta and isinstance(node.get("doc"), str):
                builder.parameter(n.AVRO_RECORD_DOC_PROP, node["doc"])
            for field in node.get("fields", []):
                field_name = field.get("name")
                if not isinstance(field_name, str) or "type" not in field:
                    raise DataError(f"Invalid field in Avro record {full!r}: {field!r:.200}")
                if self._meta and isinstance(field.get("doc"), str):
                    builder.parameter(n.AVRO_FIELD_DOC_PREFIX_PROP + field_name, field["doc"])
                default = field.get("default", _MISSING)
                builder.field(field_name, self.convert(field["type"], ns, False, default, None))
            return builder
        finally:
            self._active.discard(full)

    def _enum(self, node: dict[str, Any], full: str | None) -> SchemaBuilder:
        assert full is not None
        simple = n.split_name(full)[1]
        builder = SchemaBuilder.string()
        if self._meta:
            if isinstance(node.get("doc"), str):
                builder.parameter(n.AVRO_ENUM_DOC_PREFIX_PROP + simple, node["doc"])
            if isinstance(node.get("default"), str):
                builder.parameter(n.AVRO_ENUM_DEFAULT_PREFIX_PROP + simple, node["default"])
        builder.parameter(n.AVRO_TYPE_ENUM, full)
        for symbol in node.get("symbols", []):
            builder.parameter(f"{n.AVRO_TYPE_ENUM}.{symbol}", str(symbol))
        return builder

    def _union(self, members: list[Any], ns: str | None, force_optional: bool) -> Schema:
        nulls = [m for m in members if is_null(m)]
        if len(members) == 2 and len(nulls) == 1:
            other = members[1] if is_null(members[0]) else members[0]
            return self.convert(other, ns, True, _MISSING, None)
        builder = SchemaBuilder.struct().name(n.AVRO_TYPE_UNION)
        seen: set[str] = set()
        for member in members:
            if is_null(member):
                builder.optional()
                continue
            node, _, full = self.resolve(member, ns)
            field_name = n.union_member_name(node, full)
            if field_name in seen:
                raise DataError("Multiple union schemas map to the Connect union field name " + field_name)
            seen.add(field_name)
            builder.field(field_name, self.convert(member, ns, True, _MISSING, None))
        if force_optional:
            builder.optional()
        return builder.build()


def is_map_entry(node: Any, full: str | None) -> bool:
    """Whether an array's items are Connect's key/value records for a non-string-keyed map."""
    if not isinstance(node, dict) or node.get("type") not in ("record", "error") or full is None:
        return False
    if node.get(n.CONNECT_INTERNAL_TYPE_NAME) == n.MAP_ENTRY_TYPE_NAME:
        return True
    return full == f"{n.NAMESPACE}.{n.MAP_ENTRY_TYPE_NAME}"


def _decimal(node: Any) -> SchemaBuilder:
    scale = node.get(n.AVRO_LOGICAL_DECIMAL_SCALE_PROP) if isinstance(node, dict) else None
    if not isinstance(scale, int) or isinstance(scale, bool):
        raise DataError("scale must be specified and must be a number.")
    builder = Decimal.builder(scale)
    precision = node.get(n.AVRO_LOGICAL_DECIMAL_PRECISION_PROP)
    if precision is not None:
        if not isinstance(precision, int) or isinstance(precision, bool):
            raise DataError(f"{n.AVRO_LOGICAL_DECIMAL_PRECISION_PROP} property must be a JSON Integer.")
        if precision != n.CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT:
            builder.parameter(n.CONNECT_AVRO_DECIMAL_PRECISION_PROP, str(precision))
    return builder
