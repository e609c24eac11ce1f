"""Connect schemas <-> the JsonConverter envelope's ``"schema"`` JSON, with Java's LRU caches.

:class:`JsonSchemaCodec` is the per-converter state of Apache Kafka's ``asJsonSchema`` /
``asConnectSchema``: two LRU caches of ``schemas.cache.size`` entries each, one keyed by
``Schema`` and one by the schema's JSON, each caching every nested schema it converts (so their
sizes match Java's). A cache entry also carries, compiled on first top-level use, the encoder or
decoder for values of that schema and the schema's serialised bytes, so the per-record path is a
cache lookup plus one pass over the value.

Schema JSON keys are written in Java's order: ``type``; ``items`` or ``keys``/``values`` or
``fields``; ``optional``; then ``name``, ``version``, ``doc``, ``parameters``, ``default`` when
set; a struct field's schema ends with ``"field": <name>``.

Not thread-safe (the caches mutate on reads); each converter instance owns one codec and is
used by one task on the event loop.
"""

from __future__ import annotations

import decimal
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import orjson

from distconnect.api.data import Schema, SchemaBuilder, Type
from distconnect.api.errors import DataError
from distconnect.api.logical import DECIMAL_LOGICAL_NAME
from distconnect.converters.json_decode import Decoder, build_decoder
from distconnect.converters.json_encode import Encoder, build_encoder

K = TypeVar("K")
V = TypeVar("V")

_TYPE_NAMES = {
    Type.BOOLEAN: "boolean",
    Type.INT8: "int8",
    Type.INT16: "int16",
    Type.INT32: "int32",
    Type.INT64: "int64",
    Type.FLOAT32: "float",
    Type.FLOAT64: "double",
    Type.BYTES: "bytes",
    Type.STRING: "string",
    Type.ARRAY: "array",
    Type.MAP: "map",
    Type.STRUCT: "struct",
}
_TYPES_BY_NAME = {name: schema_type for schema_type, name in _TYPE_NAMES.items()}


class LRUCache(Generic[K, V]):
    """Java's ``LRUCache``: access-ordered, evicting the least recently used beyond ``max_size``."""

    __slots__ = ("_entries", "max_size")

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while self._entries and len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class Writer:
    """A schema's JSON and, once used at the top level, its bytes and value encoder."""

    __slots__ = ("encoder", "text", "tree")

    def __init__(self, tree: dict[str, Any]) -> None:
        self.tree = tree
        self.text: bytes | None = None
        self.encoder: Encoder | None = None


class Reader:
    """A parsed schema and, once used at the top level, its value decoder."""

    __slots__ = ("decoder", "has_decimal", "schema")

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.decoder: Decoder | None = None
        self.has_decimal: bool | None = None


def node_key(node: Any) -> bytes:
    """A hashable key equal for equal JSON values (object key order ignored, as in Jackson)."""
    try:
        return orjson.dumps(node, option=orjson.OPT_SORT_KEYS, default=_exact_number)
    except TypeError:  # an integer beyond 64 bits, e.g. a wide NUMERIC Decimal default
        return json.dumps(node, sort_keys=True, default=_tagged_number).encode()


def _exact_number(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return orjson.Fragment(str(value))
    raise TypeError(f"unexpected {type(value).__name__} in parsed JSON")


def _tagged_number(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return {"\u0000decimal": str(value)}
    raise TypeError(f"unexpected {type(value).__name__} in parsed JSON")


def contains_decimal(schema: Schema) -> bool:
    """Whether any part of ``schema`` is the Decimal logical type (whose numbers need exact parsing)."""
    if schema.name == DECIMAL_LOGICAL_NAME:
        return True
    if schema.type is Type.STRUCT:
        return any(contains_decimal(field.schema) for field in schema.fields)
    if schema.type is Type.MAP and contains_decimal(schema.key_schema):
        return True
    if schema.type in (Type.MAP, Type.ARRAY):
        return contains_decimal(schema.value_schema)
    return False


class JsonSchemaCodec:
    """Schema conversions of one converter, with its settings and caches (see module docs)."""

    def __init__(self, cache_size: int, numeric_decimals: bool, replace_null_with_default: bool) -> None:
        self.numeric_decimals = numeric_decimals
        self.replace_null_with_default = replace_null_with_default
        self.from_connect_cache: LRUCache[Schema, Writer] = LRUCache(cache_size)
        self.to_connect_cache: LRUCache[bytes, Reader] = LRUCache(cache_size)

    # -- Connect -> JSON -------------------------------------------------------------------------

    def writer(self, schema: Schema, dumps: Callable[[Any], bytes]) -> Writer:
        """The top-level writer for ``schema``; ``dumps`` serialises a tree exactly like Jackson."""
        entry = self.from_connect_cache.get(schema)
        if entry is None:
            entry = Writer(self._build_json_schema(schema))
            self.from_connect_cache.put(schema, entry)
        if entry.encoder is None:
            entry.text = dumps(entry.tree)
            entry.encoder = build_encoder(schema, self.numeric_decimals, self.replace_null_with_default)
        return entry

    def as_json_schema(self, schema: Schema) -> dict[str, Any]:
        """Java's ``asJsonSchema``: the schema's JSON tree, caching it and every nested schema."""
        entry = self.from_connect_cache.get(schema)
        if entry is not None:
            return entry.tree
        tree = self._build_json_schema(schema)
        self.from_connect_cache.put(schema, Writer(tree))
        return tree

    def _build_json_schema(self, schema: Schema) -> dict[str, Any]:
        tree: dict[str, Any] = {"type": _TYPE_NAMES[schema.type]}
        if schema.type is Type.ARRAY:
            tree["items"] = self.as_json_schema(schema.value_schema)
        elif schema.type is Type.MAP:
            tree["keys"] = self.as_json_schema(schema.key_schema)
            tree["values"] = self.as_json_schema(schema.value_schema)
        elif schema.type is Type.STRUCT:
            tree["fields"] = [{**self.as_json_schema(f.schema), "field": f.name} for f in schema.fields]
        tree["optional"] = schema.optional
        if schema.name is not None:
            tree["name"] = schema.name
        if schema.version is not None:
            tree["version"] = schema.version
        if schema.doc is not None:
            tree["doc"] = schema.doc
        if schema.parameters is not None:
            tree["parameters"] = dict(schema.parameters)
        if schema.default_value is not None:
            encode = build_encoder(schema, self.numeric_decimals, self.replace_null_with_default)
            tree["default"] = encode(schema.default_value)
        return tree

    # -- JSON -> Connect -------------------------------------------------------------------------

    def reader(self, node: Any) -> Reader | None:
        """The top-level reader for a parsed ``"schema"`` node (None for JSON null)."""
        if node is None:
            return None
        key = node_key(node)
        entry = self.to_connect_cache.get(key)
        if entry is None:
            entry = Reader(self._build_connect_schema(node))
            self.to_connect_cache.put(key, entry)
        if entry.decoder is None:
            entry.has_decimal = contains_decimal(entry.schema)
            entry.decoder = build_decoder(entry.schema, self.replace_null_with_default)
        return entry

    def as_connect_schema(self, node: Any) -> Schema:
        """Java's ``asConnectSchema`` for a non-null node, caching it and every nested schema."""
        key = node_key(node)
        entry = self.to_connect_cache.get(key)
        if entry is not None:
            return entry.schema
        schema = self._build_connect_schema(node)
        self.to_connect_cache.put(key, Reader(schema))
        return schema

    def _build_connect_schema(self, node: Any) -> Schema:
        type_name = node.get("type") if type(node) is dict else None
        if type(type_name) is not str:
            raise DataError("Schema must contain 'type' field")
        schema_type = _TYPES_BY_NAME.get(type_name)
        if schema_type is None:
            raise DataError(f"Unknown schema type: {type_name}")
        builder = self._typed_builder(schema_type, node)
        if node.get("optional") is True:
            builder.optional()
        else:
            builder.required()
        name, version, doc = node.get("name"), node.get("version"), node.get("doc")
        if type(name) is str:
            builder.name(name)
        if type(version) is int:
            builder.version(version)
        if type(doc) is str:
            builder.doc(doc)
        parameters = node.get("parameters")
        if type(parameters) is dict:
            for param, value in parameters.items():
                if type(value) is not str:
                    raise DataError("Schema parameters must have string values.")
                builder.parameter(param, value)
        if "default" in node:
            # Java decodes the default against the schema built so far, which has no default yet.
            decode = build_decoder(builder.build(), self.replace_null_with_default)
            default = decode(node["default"])
            if default is not None:
                builder.default(default)
        return builder.build()

    def _typed_builder(self, schema_type: Type, node: dict[str, Any]) -> SchemaBuilder:
        if schema_type is Type.ARRAY:
            items = node.get("items")
            if items is None:
                raise DataError("Array schema did not specify the element type")
            return SchemaBuilder.array(self.as_connect_schema(items))
        if schema_type is Type.MAP:
            if "keys" not in node:
                raise DataError("Map schema did not specify the key type")
            if "values" not in node:
                raise DataError("Map schema did not specify the value type")
            if node["keys"] is None or node["values"] is None:
                raise DataError("Map schema's key and value types cannot be null")
            return SchemaBuilder.map(
                self.as_connect_schema(node["keys"]), self.as_connect_schema(node["values"])
            )
        if schema_type is not Type.STRUCT:
            return SchemaBuilder.type(schema_type)
        fields = node.get("fields")
        if type(fields) is not list:
            raise DataError('Struct schema\'s "fields" argument is not an array.')
        builder = SchemaBuilder.struct()
        for field in fields:
            field_name = field.get("field") if type(field) is dict else None
            if type(field_name) is not str:
                raise DataError("Struct schema's field name not specified properly")
            builder.field(field_name, self.as_connect_schema(field))
        return builder


__all__ = ["JsonSchemaCodec", "LRUCache", "Reader", "Writer", "contains_decimal", "node_key"]
