"""``StringConverter``: Apache Kafka's converter that stores every key or value as text.

Writing ignores the schema and turns the value into its Java ``toString()`` form: strings as is,
``true``/``false``, integers, floats as ``Double.toString`` (``Float.toString`` under a FLOAT32
schema), decimals as ``BigDecimal.toString``, lists as ``[a, b]``, maps as ``{k=v}`` and structs as
``Struct{a=1,b=x}``. Two deliberate differences, where Java's text is meaningless: ``bytes`` are
decoded with the converter's encoding (Java prints the array's identity, ``[B@1b6d3586``) and
dates/times use ISO 8601 (Java uses the JVM's time zone and locale).

Reading always yields the optional STRING schema. ``converter.encoding`` (default ``UTF-8``) names
a Java charset; unencodable characters become ``?`` and undecodable bytes U+FFFD, as in Java.
``UTF-16`` writes a big-endian byte order mark and ``UTF-32`` writes big-endian without one, like
Java's charsets of those names.

Synchronous and I/O-free; the instance holds only its settings. It is also a header converter.
"""

from __future__ import annotations

import codecs
import datetime
import decimal
from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigDef, ConfigType, Importance, Width
from distconnect.api.data import OPTIONAL_STRING_SCHEMA, Schema, SchemaAndValue, Type
from distconnect.api.errors import ConfigError
from distconnect.api.headers import Headers
from distconnect.api.plugins import Converter, HeaderConverter
from distconnect.api.struct import Struct
from distconnect.converters.json import TYPE_CONFIG, converter_config_def
from distconnect.converters.json_encode import java_decimal_str
from distconnect.converters.json_numbers import java_double_str, java_float_str

ENCODING_CONFIG = "converter.encoding"

STRING_CONVERTER_CONFIG_DEF = converter_config_def().define(
    ENCODING_CONFIG,
    ConfigType.STRING,
    "UTF-8",
    None,
    Importance.HIGH,
    "The name of the Java character set to use for encoding strings as byte arrays.",
    width=Width.MEDIUM,
    display_name="Encoding",
)


class StringConverter(Converter, HeaderConverter):
    """Connect data <-> text in ``converter.encoding`` (see module docs)."""

    def __init__(self) -> None:
        self.encoding = "UTF-8"
        self._codec = "utf-8"

    def configure(self, configs: Mapping[str, Any], is_key: bool = False) -> None:
        props = dict(configs)
        if is_key or TYPE_CONFIG not in props:
            props[TYPE_CONFIG] = "key" if is_key else "value"
        encoding = STRING_CONVERTER_CONFIG_DEF.parse(props)[ENCODING_CONFIG]
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise ConfigError(ENCODING_CONFIG, encoding, "unsupported character set") from None
        self.encoding, self._codec = encoding, codec

    def config(self) -> ConfigDef:
        return STRING_CONVERTER_CONFIG_DEF

    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        if value is None:
            return None
        text = value if type(value) is str else self._to_string(schema, value)
        if self._codec == "utf-16":
            return codecs.BOM_UTF16_BE + text.encode("utf-16-be", "replace")
        if self._codec == "utf-32":
            return text.encode("utf-32-be", "replace")
        return text.encode(self._codec, "replace")

    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        if value is None:
            return SchemaAndValue(OPTIONAL_STRING_SCHEMA, None)
        return SchemaAndValue(OPTIONAL_STRING_SCHEMA, self._decode(bytes(value)))

    def _decode(self, raw: bytes) -> str:
        if self._codec == "utf-16":
            if raw.startswith(codecs.BOM_UTF16_LE):
                return raw[2:].decode("utf-16-le", "replace")
            return raw.removeprefix(codecs.BOM_UTF16_BE).decode("utf-16-be", "replace")
        if self._codec == "utf-32":
            return raw.decode("utf-32-be", "replace")
        return raw.decode(self._codec, "replace")

    def _to_string(self, schema: Schema | None, value: Any) -> str:
        if isinstance(value, bytes | bytearray | memoryview):
            return self._decode(bytes(value))
        return java_to_string(value, schema)

    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)


def java_to_string(value: Any, schema: Schema | None = None) -> str:
    """The text Java's ``toString()`` gives the Java counterpart of ``value`` (see module docs)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            java_float_str(value)
            if schema is not None and schema.type is Type.FLOAT32
            else java_double_str(value)
        )
    if isinstance(value, decimal.Decimal):
        return java_decimal_str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        element = schema.value_schema if schema is not None and schema.type is Type.ARRAY else None
        return "[" + ", ".join(java_to_string(item, element) for item in value) + "]"
    if isinstance(value, dict):
        keys = values = None
        if schema is not None and schema.type is Type.MAP:
            keys, values = schema.key_schema, schema.value_schema
        pairs = (f"{java_to_string(k, keys)}={java_to_string(v, values)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, Struct):
        fields = (
            f"{field.name}={java_to_string(item, field.schema)}"
            for field in value.schema.fields
            if (item := value.get_without_default(field)) is not None
        )
        return "Struct{" + ",".join(fields) + "}"
    return str(value)


__all__ = ["ENCODING_CONFIG", "STRING_CONVERTER_CONFIG_DEF", "StringConverter", "java_to_string"]
