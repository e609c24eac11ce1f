"""``AvroConverter``: Connect data <-> Avro in the Confluent wire format, with a schema registry.

Wire format: magic byte ``0``, the schema id as a 4-byte big-endian int, then the Avro binary
encoding of the value (no container header). Schemas are mapped as Confluent's ``AvroData`` does
(see :mod:`distconnect.converters.avro_data`), so records interoperate with Confluent's
converter and serializers in any language.

Registry I/O happens only in the async batch hooks, which the runtime awaits before each batch:

* :meth:`AvroConverter.prepare_from_connect` maps each new Connect schema to Avro and, per
  subject, registers it (``auto.register.schemas=true``, the default), uses the subject's latest
  version (``use.latest.version=true``) or looks up its id;
* :meth:`AvroConverter.prepare_to_connect` fetches the writer schema of each new id.

The per-record :meth:`~AvroConverter.from_connect_data` / :meth:`~AvroConverter.to_connect_data`
are synchronous, use only those caches and raise ``IllegalWorkerStateError`` for a schema or id
that was not prepared. Subjects follow ``key.subject.name.strategy`` /
``value.subject.name.strategy`` (TopicNameStrategy ``<topic>-key``/``<topic>-value`` by default).

Lifecycle: ``configure`` once, then any number of batches, then ``aclose`` (closes the registry
client's HTTP session). One instance serves one task on one event loop; not thread-safe.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import fastavro

from distconnect.api.config import AbstractConfig, ConfigDef, Password
from distconnect.api.data import NULL_SCHEMA_AND_VALUE, Schema, SchemaAndValue
from distconnect.api.errors import DataError, IllegalWorkerStateError
from distconnect.api.headers import Headers
from distconnect.api.plugins import Converter
from distconnect.converters import avro_names as n
from distconnect.converters.avro_config import (
    AUTO_REGISTER_SCHEMAS_CONFIG,
    BASIC_AUTH_USER_INFO_CONFIG,
    CONFIG_DEF,
    CONNECT_META_DATA_CONFIG,
    REQUEST_TIMEOUT_CONFIG,
    SCHEMA_REGISTRY_URL_CONFIG,
    SCHEMAS_CACHE_SIZE_CONFIG,
    TOPIC_NAME_STRATEGY,
    USE_LATEST_VERSION_CONFIG,
    subject_name,
)
from distconnect.converters.avro_data import (
    AvroData,
    codec_schema,
    from_connect_value,
    schema_text,
    to_connect_value,
)
from distconnect.converters.schema_registry import SchemaRegistryClient

MAGIC_BYTE = 0
_HEADER = 5


@dataclass(frozen=True, slots=True)
class _Writer:
    header: bytes  # magic byte + schema id
    codec: Any  # fastavro-parsed writer schema


@dataclass(frozen=True, slots=True)
class _Reader:
    schema: Schema
    codec: Any


class AvroConverter(Converter):
    """Converter for Avro data in the Confluent wire format, backed by a schema registry."""

    def __init__(self, registry: SchemaRegistryClient | None = None) -> None:
        """``registry`` replaces the client ``configure`` would build (tests, shared clients)."""
        self._client: SchemaRegistryClient | None = registry
        self._own_client = registry is None
        self._is_key = False
        self._auto_register = True
        self._use_latest = False
        self._strategy = TOPIC_NAME_STRATEGY
        self._data = AvroData()
        self._writers: dict[tuple[str, Schema], _Writer] = {}
        self._readers: dict[tuple[str, int], _Reader] = {}

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None:
        parsed = AbstractConfig(CONFIG_DEF, configs)
        password = parsed.get_password(BASIC_AUTH_USER_INFO_CONFIG)
        if self._own_client:
            self._client = SchemaRegistryClient(
                parsed.get_list(SCHEMA_REGISTRY_URL_CONFIG) or [],
                user_info=password.value if isinstance(password, Password) else None,
                timeout=(parsed.get_int(REQUEST_TIMEOUT_CONFIG) or 30000) / 1000,
            )
        self._is_key = is_key
        self._auto_register = bool(parsed.get_boolean(AUTO_REGISTER_SCHEMAS_CONFIG))
        self._use_latest = bool(parsed.get_boolean(USE_LATEST_VERSION_CONFIG))
        strategy = parsed.get_string("key.subject.name.strategy" if is_key else "value.subject.name.strategy")
        self._strategy = strategy or TOPIC_NAME_STRATEGY
        self._data = AvroData(
            connect_meta_data=bool(parsed.get_boolean(CONNECT_META_DATA_CONFIG)),
            cache_size=parsed.get_int(SCHEMAS_CACHE_SIZE_CONFIG) or 1000,
        )

    @property
    def registry(self) -> SchemaRegistryClient:
        if self._client is None:
            raise IllegalWorkerStateError("AvroConverter used before configure()")
        return self._client

    def subject_name(self, topic: str, avro: Any) -> str:
        """The registry subject of a schema written to ``topic`` under the configured strategy."""
        return subject_name(self._strategy, topic, self._is_key, avro)

    # -- batch hooks (registry I/O) -----------------------------------------------------------

    async def prepare_from_connect(self, topic: str, schemas: Sequence[Schema | None]) -> None:
        for schema in dict.fromkeys(s for s in schemas if s is not None):
            if (topic, schema) in self._writers:
                continue
            avro = self._data.from_connect_schema(schema)
            text = schema_text(avro)
            subject = self.subject_name(topic, avro)
            if self._auto_register:
                schema_id = await self.registry.register(subject, text)
            elif self._use_latest:
                latest = await self.registry.latest(subject)
                schema_id, text = latest.id, latest.schema
                avro = text
            else:
                schema_id = await self.registry.get_id(subject, text)
            codec = codec_schema(_loads(avro))
            self._writers[(topic, schema)] = _Writer(_header(schema_id), codec)

    async def prepare_to_connect(self, topic: str, values: Sequence[bytes | None]) -> None:
        ids = {
            int.from_bytes(v[1:_HEADER], "big")
            for v in values
            if v is not None and len(v) >= _HEADER and v[0] == MAGIC_BYTE
        }
        for schema_id in sorted(ids):
            if (topic, schema_id) in self._readers:
                continue
            text = await self.registry.schema_by_id(schema_id)
            avro = _loads(text)
            version = None
            if self._strategy == TOPIC_NAME_STRATEGY or n.avro_type_name(avro) == "record":
                # Like Confluent's converter: a schema without connect.version gets the version it
                # has under this topic's subject (None when it is not registered there).
                version = await self.registry.get_version(self.subject_name(topic, avro), text)
            schema = self._data.to_connect_schema(text, version)
            self._readers[(topic, schema_id)] = _Reader(schema, codec_schema(avro))

    # -- per record (no I/O) ------------------------------------------------------------------

    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        if value is None and (schema is None or schema.optional):
            return None
        if schema is None:
            raise DataError(f"AvroConverter needs a schema for data bound for topic {topic!r}")
        writer = self._writers.get((topic, schema))
        if writer is None:
            raise IllegalWorkerStateError(
                f"Schema {schema!r} for topic {topic!r} was not prepared: await prepare_from_connect() "
                "with the batch's schemas first"
            )
        if value is None:
            raise DataError(f"Found null value for non-optional schema {schema!r} (topic {topic!r})")
        datum = from_connect_value(schema, value)
        out = io.BytesIO()
        out.write(writer.header)
        try:
            fastavro.schemaless_writer(out, writer.codec, datum)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
            raise DataError(f"Cannot write {schema!r} value as Avro for topic {topic!r}: {e}") from None
        return out.getvalue()

    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        if value is None:
            return NULL_SCHEMA_AND_VALUE
        if len(value) < _HEADER or value[0] != MAGIC_BYTE:
            first = f"{value[0]}" if value else "none (empty value)"
            raise DataError(
                f"Failed to deserialize data for topic {topic!r} to Avro: unknown magic byte {first}, "
                f"expected {MAGIC_BYTE} followed by a 4-byte schema id"
            )
        schema_id = int.from_bytes(value[1:_HEADER], "big")
        reader = self._readers.get((topic, schema_id))
        if reader is None:
            raise IllegalWorkerStateError(
                f"Schema id {schema_id} for topic {topic!r} was not prepared: await prepare_to_connect() "
                "with the batch's values first"
            )
        try:
            datum = fastavro.schemaless_reader(
                io.BytesIO(memoryview(value)[_HEADER:]), reader.codec, None, return_named_type=True
            )
        except Exception as e:  # untrusted bytes: fastavro fails with many exception types
            raise DataError(
                f"Cannot decode Avro data with schema id {schema_id} for topic {topic!r}: {e}"
            ) from None
        return SchemaAndValue(reader.schema, to_connect_value(reader.schema, datum))

    async def aclose(self) -> None:
        """Close the registry client this converter created (a client passed in stays open)."""
        if self._client is not None and self._own_client:
            await self._client.aclose()


def _header(schema_id: int) -> bytes:
    return bytes([MAGIC_BYTE]) + schema_id.to_bytes(4, "big")


def _loads(avro: Any) -> Any:
    if isinstance(avro, str):
        try:
            return json.loads(avro)
        except ValueError:
            # A bare primitive name such as ``string`` is a valid Avro schema too.
            return avro
    return avro


__all__ = ["CONFIG_DEF", "MAGIC_BYTE", "AvroConverter"]
