"""Default values between Connect and Avro's JSON default encoding (both directions).

Avro writes a field default as JSON matching the field's type (bytes as a string of code points
0-255, records as objects, a union's default for its first branch). Connect holds defaults as
Python values of the schema. Pure and synchronous.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from distconnect.api.data import Schema, Type
from distconnect.api.errors import DataError
from distconnect.api.logical import from_logical_value, to_logical_value
from distconnect.api.struct import Struct
from distconnect.converters import avro_names as n

#: Looks up an Avro schema (resolving named references): (node, namespace, full name or None).
Resolver = Callable[[Any, str | None], tuple[Any, str | None, str | None]]


def is_string_keyed(schema: Schema) -> bool:
    """Whether a MAP schema becomes an Avro ``map`` (required STRING keys) rather than entries."""
    key = schema.key_schema
    return key.type is Type.STRING and not key.optional


def is_null(avro: Any) -> bool:
    return avro == "null" or (isinstance(avro, dict) and avro.get("type") == "null")


def default_to_json(schema: Schema, value: Any) -> Any:
    """A Connect (default) value in Avro's JSON default encoding for the mapped schema."""
    if value is None:
        return None
    raw = from_logical_value(schema, value)
    t = schema.type
    try:
        if t in (Type.INT8, Type.INT16, Type.INT32, Type.INT64):
            return int(raw)
        if t in (Type.FLOAT32, Type.FLOAT64):
            return float(raw)
        if t is Type.BOOLEAN:
            return bool(raw)
        if t is Type.STRING:
            return str(raw)
        if t is Type.BYTES:
            # Avro encodes bytes defaults as a string of code points 0-255.
            return bytes(raw).decode("latin-1")
        if t is Type.ARRAY:
            return [default_to_json(schema.value_schema, v) for v in raw]
        if t is Type.MAP:
            if is_string_keyed(schema):
                return {k: default_to_json(schema.value_schema, v) for k, v in raw.items()}
            return [
                {
                    n.KEY_FIELD: default_to_json(schema.key_schema, k),
                    n.VALUE_FIELD: default_to_json(schema.value_schema, v),
                }
                for k, v in raw.items()
            ]
        if schema.name == n.AVRO_TYPE_UNION:
            member = next((f for f in schema.fields if raw.get(f.name) is not None), None)
            return None if member is None else default_to_json(member.schema, raw.get(member.name))
        return {f.name: default_to_json(f.schema, raw.get(f.name)) for f in schema.fields}
    except (TypeError, ValueError, AttributeError) as e:
        raise DataError(f"Invalid default value {value!r} for {t.name} schema: {e}") from None


def default_from_json(schema: Schema, avro: Any, ns: str | None, value: Any, resolve: Resolver) -> Any:
    """A JSON default for Avro schema ``avro`` as a Connect value of ``schema`` (None for null)."""
    if value is None:
        return None
    node, node_ns, _ = resolve(avro, ns)
    try:
        raw = _raw_default(schema, node, node_ns, value, resolve)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        raise DataError(f"Invalid default value {value!r:.100} for Avro schema {node!r:.100}: {e}") from None
    return to_logical_value(schema, raw)


def _raw_default(schema: Schema, node: Any, ns: str | None, value: Any, resolve: Resolver) -> Any:
    if isinstance(node, list):
        if schema.name == n.AVRO_TYPE_UNION:
            return _union_default(schema, node, ns, value, resolve)
        member, member_ns, _ = resolve(next(m for m in node if not is_null(m)), ns)
        return _raw_default(schema, member, member_ns, value, resolve)
    kind = n.avro_type_name(node)
    if kind in ("int", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("expected an integer")
        return value
    if kind in ("float", "double"):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise TypeError("expected a number")
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise TypeError("expected a boolean")
        return value
    if kind in ("string", "enum"):
        if not isinstance(value, str):
            raise TypeError("expected a string")
        return value
    if kind in ("bytes", "fixed"):
        if not isinstance(value, str):
            raise TypeError("expected a string of code points 0-255")
        return value.encode("latin-1")
    if kind == "map":
        return {
            k: default_from_json(schema.value_schema, node["values"], ns, v, resolve)
            for k, v in value.items()
        }
    if kind == "array":
        items, items_ns, _ = resolve(node["items"], ns)
        if schema.type is Type.MAP:
            # Connect writes entries as {"key": k, "value": v}; Confluent writes [k, v] pairs.
            types = {f["name"]: f["type"] for f in items["fields"]}
            result = {}
            for entry in value:
                k, v = (entry[n.KEY_FIELD], entry[n.VALUE_FIELD]) if isinstance(entry, dict) else entry
                key = default_from_json(schema.key_schema, types[n.KEY_FIELD], items_ns, k, resolve)
                result[key] = default_from_json(
                    schema.value_schema, types[n.VALUE_FIELD], items_ns, v, resolve
                )
            return result
        return [default_from_json(schema.value_schema, node["items"], ns, e, resolve) for e in value]
    if kind in ("record", "error"):
        struct = Struct(schema)
        for avro_field in node["fields"]:
            field = schema.field(avro_field["name"])
            if field is None:
                continue
            entry = value.get(avro_field["name"], avro_field.get("default"))
            struct.put(field, default_from_json(field.schema, avro_field["type"], ns, entry, resolve))
        return struct
    return None


def _union_default(schema: Schema, members: list[Any], ns: str | None, value: Any, resolve: Resolver) -> Any:
    """A union-struct value for JSON ``value``: the first member whose type the JSON fits."""
    for member in members:
        if is_null(member):
            continue
        node, _, full = resolve(member, ns)
        field = schema.field(n.union_member_name(node, full))
        if field is None:
            continue
        try:
            converted = default_from_json(field.schema, member, ns, value, resolve)
        except DataError:
            continue
        return Struct(schema).put(field, converted)
    raise ValueError("no union member fits the value")
