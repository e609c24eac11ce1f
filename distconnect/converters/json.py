"""``JsonConverter``: Apache Kafka's ``org.apache.kafka.connect.json.JsonConverter``, byte for byte.

With ``schemas.enable=true`` (the default) every key or value is written as the envelope
``{"schema":<schema JSON or null>,"payload":<value JSON>}`` and read back into the same schema
and value; with ``false`` only the bare value JSON is written, and reading yields no schema (JSON
integers become ``int``, other numbers ``float``, objects ``dict`` and arrays ``list``, as Java's
Long/Double/Map/List). Bytes are base64 text; Decimals are base64 of the unscaled integer or, with
``decimal.format=NUMERIC``, JSON numbers; Date/Time/Timestamp are integers; maps whose keys are
not strings are arrays of ``[key, value]`` pairs; floats are spelled like Java's
``Double.toString``/``Float.toString`` (the JDK 19+ algorithm: ``1.0``, ``1.0E20``).

Malformed input raises ``DataError``: unparseable JSON, a missing or extended envelope, an
invalid schema, or a payload that does not fit its schema. Where Java silently coerces a
mistyped payload (``"abc"`` as an int32 reads as 0) this converter raises instead; see
:mod:`distconnect.converters.json_decode`.

Lifecycle: construct, ``configure`` once, then call the per-record methods from one task on the
event loop; they are synchronous, do no I/O, and keep two per-instance LRU caches of schema
conversions (``schemas.cache.size`` each), so an instance must not be shared between threads.
The instance is also a header converter (Java's is), converting header values the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distconnect.api.config import (
    NO_DEFAULT,
    CaseInsensitiveValidString,
    ConfigDef,
    ConfigType,
    Importance,
    ValidString,
    Width,
)
from distconnect.api.data import NULL_SCHEMA_AND_VALUE, Schema, SchemaAndValue
from distconnect.api.errors import DataError
from distconnect.api.headers import Headers
from distconnect.api.logical import DECIMAL_LOGICAL_NAME
from distconnect.api.plugins import Converter, HeaderConverter
from distconnect.converters.json_decode import Decoder, build_decoder
from distconnect.converters.json_encode import encode_schemaless
from distconnect.converters.json_schema import JsonSchemaCodec, contains_decimal
from distconnect.converters.json_text import MISSING, dumps, loads, may_hold_negative_zero, plain_numbers

TYPE_CONFIG = "converter.type"
SCHEMAS_ENABLE_CONFIG = "schemas.enable"
SCHEMAS_CACHE_SIZE_CONFIG = "schemas.cache.size"
SCHEMA_CONTENT_CONFIG = "schema.content"
DECIMAL_FORMAT_CONFIG = "decimal.format"
REPLACE_NULL_WITH_DEFAULT_CONFIG = "replace.null.with.default"


def converter_config_def() -> ConfigDef:
    """Java's ``ConverterConfig.newConfigDef()``: just the required ``converter.type``."""
    return ConfigDef().define(
        TYPE_CONFIG,
        ConfigType.STRING,
        NO_DEFAULT,
        ValidString.in_("key", "value", "header"),
        Importance.LOW,
        "How this converter will be used.",
    )


def _json_config_def() -> ConfigDef:
    config = converter_config_def()
    config.define(
        SCHEMAS_ENABLE_CONFIG,
        ConfigType.BOOLEAN,
        True,
        None,
        Importance.HIGH,
        "Include schemas within each of the serialized values and keys.",
        order_in_group=0,
        display_name="Enable Schemas",
        group="Schemas",
        width=Width.MEDIUM,
    )
    config.define(
        SCHEMAS_CACHE_SIZE_CONFIG,
        ConfigType.INT,
        1000,
        None,
        Importance.HIGH,
        "The maximum number of schemas that can be cached in this converter instance.",
        order_in_group=1,
        display_name="Schema Cache Size",
        group="Schemas",
        width=Width.MEDIUM,
    )
    config.define(
        SCHEMA_CONTENT_CONFIG,
        ConfigType.STRING,
        None,
        None,
        Importance.HIGH,
        "When set, this is used as the schema for all messages, and the schemas within each of the "
        "message will be ignored.Otherwise, the schema will be included in the content of each message. "
        "This configuration applies only 'schemas.enable' is true, and it exclusively affects the sink "
        "connector.",
        order_in_group=2,
        display_name="Schema Content",
        group="Schemas",
        width=Width.MEDIUM,
    )
    config.define(
        DECIMAL_FORMAT_CONFIG,
        ConfigType.STRING,
        "BASE64",
        CaseInsensitiveValidString.in_("BASE64", "NUMERIC"),
        Importance.LOW,
        "Controls which format this converter will serialize decimals in. This value is case insensitive "
        "and can be either 'BASE64' (default) or 'NUMERIC'",
        group="Serialization",
        order_in_group=0,
        width=Width.MEDIUM,
        display_name="Decimal Format",
    )
    config.define(
        REPLACE_NULL_WITH_DEFAULT_CONFIG,
        ConfigType.BOOLEAN,
        True,
        None,
        Importance.LOW,
        "Whether to replace fields that have a default value and that are null to the default value. "
        "When set to true, the default value is used, otherwise null is used.",
        group="Serialization",
        order_in_group=1,
        width=Width.MEDIUM,
        display_name="Replace null with default",
    )
    return config


JSON_CONVERTER_CONFIG_DEF = _json_config_def()

_ENVELOPE_REQUIRED = (
    'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain '
    "additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in "
    "your converter configuration."
)
_DECIMAL_NAME = DECIMAL_LOGICAL_NAME.encode()


class JsonConverter(Converter, HeaderConverter):
    """Connect data <-> JSON bytes, identical to Apache Kafka's JsonConverter (see module docs).

    Usable with default settings before :meth:`configure`; configure replaces the caches.
    """

    def __init__(self) -> None:
        self._apply(JSON_CONVERTER_CONFIG_DEF.parse({TYPE_CONFIG: "value"}))

    def configure(self, configs: Mapping[str, Any], is_key: bool = False) -> None:
        """Apply settings. ``is_key`` wins over a ``converter.type`` in ``configs`` (as in Java)."""
        props = dict(configs)
        if is_key or TYPE_CONFIG not in props:
            props[TYPE_CONFIG] = "key" if is_key else "value"
        self._apply(JSON_CONVERTER_CONFIG_DEF.parse(props))

    def _apply(self, parsed: Mapping[str, Any]) -> None:
        self.schemas_enabled: bool = parsed[SCHEMAS_ENABLE_CONFIG]
        self.is_key = parsed[TYPE_CONFIG] == "key"
        self._codec = JsonSchemaCodec(
            parsed[SCHEMAS_CACHE_SIZE_CONFIG],
            parsed[DECIMAL_FORMAT_CONFIG].upper() == "NUMERIC",
            parsed[REPLACE_NULL_WITH_DEFAULT_CONFIG],
        )
        self._fixed_schema: Schema | None = None
        self._fixed_decoder: Decoder | None = None
        self._fixed_exact = False
        content = parsed[SCHEMA_CONTENT_CONFIG]
        if content:
            try:
                node, _ = loads(content.encode("utf-8"), exact=True)
            except DataError as e:
                raise DataError(
                    f"Failed to parse schema in converter config due to serialization error: {e}"
                ) from e
            if node is not None and node is not MISSING:
                self._fixed_schema = self._codec.as_connect_schema(node)
                self._fixed_decoder = build_decoder(self._fixed_schema, self._codec.replace_null_with_default)
                self._fixed_exact = contains_decimal(self._fixed_schema)

    def config(self) -> ConfigDef:
        return JSON_CONVERTER_CONFIG_DEF

    @property
    def from_connect_schema_cache_size(self) -> int:
        """Entries in the Connect-schema -> JSON cache (Java's ``sizeOfFromConnectSchemaCache``)."""
        return len(self._codec.from_connect_cache)

    @property
    def to_connect_schema_cache_size(self) -> int:
        """Entries in the JSON -> Connect-schema cache (Java's ``sizeOfToConnectSchemaCache``)."""
        return len(self._codec.to_connect_cache)

    def as_json_schema(self, schema: Schema | None) -> dict[str, Any] | None:
        """The envelope's ``"schema"`` JSON tree for ``schema`` (Java's public ``asJsonSchema``)."""
        return None if schema is None else self._codec.as_json_schema(schema)

    def as_connect_schema(self, node: Any) -> Schema | None:
        """The Connect schema of a parsed ``"schema"`` JSON tree (Java's ``asConnectSchema``)."""
        return None if node is None else self._codec.as_connect_schema(node)

    # -- Converter ---------------------------------------------------------------------------------

    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        if schema is None:
            if value is None:
                return None
            payload = dumps(encode_schemaless(value))
            return b'{"schema":null,"payload":' + payload + b"}" if self.schemas_enabled else payload
        writer = self._codec.writer(schema, dumps)
        assert writer.encoder is not None
        assert writer.text is not None
        payload = dumps(writer.encoder(value))
        if not self.schemas_enabled:
            return payload
        return b'{"schema":' + writer.text + b',"payload":' + payload + b"}"

    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        if value is None:
            return NULL_SCHEMA_AND_VALUE
        if not self.schemas_enabled:
            node, exact = loads(value)
            if node is MISSING:
                return NULL_SCHEMA_AND_VALUE
            return SchemaAndValue(
                None, plain_numbers(node) if exact or may_hold_negative_zero(value) else node
            )
        if self._fixed_decoder is not None:
            node, _ = loads(value, exact=self._fixed_exact)
            return SchemaAndValue(self._fixed_schema, self._fixed_decoder(None if node is MISSING else node))
        node, exact = loads(value, exact=_DECIMAL_NAME in value)
        if type(node) is not dict or len(node) != 2 or "schema" not in node or "payload" not in node:
            raise DataError(_ENVELOPE_REQUIRED)
        reader = self._codec.reader(node["schema"])
        if reader is None:
            payload = node["payload"]
            return SchemaAndValue(
                None, plain_numbers(payload) if exact or may_hold_negative_zero(value) else payload
            )
        if reader.has_decimal and not exact:
            # The Decimal's name was spelled with escapes, so the quick check missed it.
            return self._to_connect_exact(value)
        assert reader.decoder is not None
        return SchemaAndValue(reader.schema, reader.decoder(node["payload"]))

    def _to_connect_exact(self, value: bytes) -> SchemaAndValue:
        node, _ = loads(value, exact=True)
        reader = self._codec.reader(node["schema"])
        assert reader is not None
        assert reader.decoder is not None
        return SchemaAndValue(reader.schema, reader.decoder(node["payload"]))

    # -- HeaderConverter -----------------------------------------------------------------------------

    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)


__all__ = [
    "DECIMAL_FORMAT_CONFIG",
    "JSON_CONVERTER_CONFIG_DEF",
    "REPLACE_NULL_WITH_DEFAULT_CONFIG",
    "SCHEMAS_CACHE_SIZE_CONFIG",
    "SCHEMAS_ENABLE_CONFIG",
    "SCHEMA_CONTENT_CONFIG",
    "TYPE_CONFIG",
    "JsonConverter",
    "converter_config_def",
]
