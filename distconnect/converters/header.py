"""``SimpleHeaderConverter``: Apache Kafka's default header converter.

Header values are written as their ``Values.convert_to_string`` text in UTF-8 (no schema is
stored: ``42``, ``true``, ``[1,2]``, ``{"a":1}``, ISO timestamps, base64 bytes) and read back with
``Values.parse_string``, which infers the narrowest schema that fits (INT8 for ``1``, BOOLEAN for
``true``, an ARRAY or MAP for bracketed text, a temporal for ISO dates, else STRING). Text that
cannot be parsed falls back to the raw bytes with the BYTES schema, as in Java.

Stateless, synchronous and I/O-free.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigDef
from distconnect.api.data import BYTES_SCHEMA, NULL_SCHEMA_AND_VALUE, Schema, SchemaAndValue
from distconnect.api.plugins import HeaderConverter
from distconnect.api.values import Values

_log = logging.getLogger(__name__)
_CONFIG_DEF = ConfigDef()


class SimpleHeaderConverter(HeaderConverter):
    """Header values as plain strings with inferred schemas (see module docs)."""

    def configure(self, configs: Mapping[str, Any]) -> None:
        """Nothing to configure."""

    def config(self) -> ConfigDef:
        return _CONFIG_DEF

    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None:
        if value is None:
            return None
        text = Values.convert_to_string(schema, value)
        return None if text is None else text.encode("utf-8", "replace")

    def to_connect_header(self, topic: str, key: str, value: bytes | None) -> SchemaAndValue:
        if value is None:
            return NULL_SCHEMA_AND_VALUE
        try:
            return Values.parse_string(value.decode("utf-8", "replace"))
        except Exception as e:  # any parse failure keeps the raw bytes, as Java does
            _log.warning(
                "Failed to deserialize value for header '%s' on topic '%s', so using byte array: %s",
                key,
                topic,
                e,
            )
            return SchemaAndValue(BYTES_SCHEMA, value)


__all__ = ["SimpleHeaderConverter"]
