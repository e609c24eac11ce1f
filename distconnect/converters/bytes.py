"""``ByteArrayConverter``: Apache Kafka's pass-through converter for raw bytes.

Values go to Kafka unchanged and come back with the optional BYTES schema. Writing checks that
the schema (when given) is BYTES and that the value is bytes-like (``bytes``, ``bytearray`` or
``memoryview``), raising ``DataError`` otherwise, exactly where Java's
``org.apache.kafka.connect.converters.ByteArrayConverter`` does.

Stateless, synchronous and I/O-free: one instance may serve any number of records and topics.
It is also a header converter, as Java's is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigDef
from distconnect.api.data import OPTIONAL_BYTES_SCHEMA, Schema, SchemaAndValue, Type
from distconnect.api.errors import DataError
from distconnect.api.headers import Headers
from distconnect.api.plugins import Converter, HeaderConverter
from distconnect.converters.json import converter_config_def

_CONFIG_DEF = converter_config_def()


class ByteArrayConverter(Converter, HeaderConverter):
    """Bytes in, bytes out (see module docs)."""

    def configure(self, configs: Mapping[str, Any], is_key: bool = False) -> None:
        """Nothing to configure (Java's ignores its settings too)."""

    def config(self) -> ConfigDef:
        return _CONFIG_DEF

    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        if schema is not None and schema.type is not Type.BYTES:
            raise DataError(f"Invalid schema type for ByteArrayConverter: {schema.type.name}")
        if value is None or type(value) is bytes:
            return value
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        raise DataError(f"ByteArrayConverter is not compatible with objects of type {type(value)}")

    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        return SchemaAndValue(OPTIONAL_BYTES_SCHEMA, value)

    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)


__all__ = ["ByteArrayConverter"]
