"""Settings of :class:`~distconnect.converters.avro.AvroConverter` and its subject naming.

The keys and defaults are those of Confluent's ``AvroConverter`` (``schema.registry.url``,
``auto.register.schemas``, ``use.latest.version``, ``connect.meta.data``, ``schemas.cache.config``,
``basic.auth.user.info``, ``key/value.subject.name.strategy``), so a connector configuration written
for a Java worker works unchanged. Pure; no I/O.
"""

from __future__ import annotations

from typing import Any

from distconnect.api.config import ConfigDef, ConfigType, Importance, ValidString
from distconnect.api.errors import DataError
from distconnect.converters.avro_names import avro_type_name

_STRATEGY_PREFIX = "io.confluent.kafka.serializers.subject."
TOPIC_NAME_STRATEGY = _STRATEGY_PREFIX + "TopicNameStrategy"
RECORD_NAME_STRATEGY = _STRATEGY_PREFIX + "RecordNameStrategy"
TOPIC_RECORD_NAME_STRATEGY = _STRATEGY_PREFIX + "TopicRecordNameStrategy"
_STRATEGIES = (TOPIC_NAME_STRATEGY, RECORD_NAME_STRATEGY, TOPIC_RECORD_NAME_STRATEGY)

SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url"
BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info"
AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas"
USE_LATEST_VERSION_CONFIG = "use.latest.version"
CONNECT_META_DATA_CONFIG = "connect.meta.data"
SCHEMAS_CACHE_SIZE_CONFIG = "schemas.cache.config"
REQUEST_TIMEOUT_CONFIG = "schema.registry.request.timeout.ms"

CONFIG_DEF = (
    ConfigDef()
    .define(
        SCHEMA_REGISTRY_URL_CONFIG,
        ConfigType.LIST,
        documentation="Comma-separated URLs of the Confluent-compatible schema registry; "
        "tried in order when one is down.",
        importance=Importance.HIGH,
    )
    .define(
        BASIC_AUTH_USER_INFO_CONFIG,
        ConfigType.PASSWORD,
        None,
        importance=Importance.MEDIUM,
        documentation="HTTP basic auth credentials for the registry, as <username>:<password>.",
    )
    .define(
        AUTO_REGISTER_SCHEMAS_CONFIG,
        ConfigType.BOOLEAN,
        True,
        importance=Importance.MEDIUM,
        documentation="Register the Avro schema of outgoing data under its subject. When false, the "
        "schema must already be registered (or use.latest.version is used).",
    )
    .define(
        USE_LATEST_VERSION_CONFIG,
        ConfigType.BOOLEAN,
        False,
        importance=Importance.LOW,
        documentation="With auto.register.schemas=false, write with the subject's latest registered "
        "schema instead of looking up the exact schema.",
    )
    .define(
        CONNECT_META_DATA_CONFIG,
        ConfigType.BOOLEAN,
        True,
        importance=Importance.LOW,
        documentation="Carry Connect schema metadata (name, version, doc, parameters, defaults) "
        "in connect.* Avro properties.",
    )
    .define(
        SCHEMAS_CACHE_SIZE_CONFIG,
        ConfigType.INT,
        1000,
        importance=Importance.LOW,
        documentation="Size of the Connect <-> Avro schema caches.",
    )
    .define(
        REQUEST_TIMEOUT_CONFIG,
        ConfigType.INT,
        30000,
        importance=Importance.LOW,
        documentation="Timeout of one schema registry request, in milliseconds.",
    )
    .define(
        "key.subject.name.strategy",
        ConfigType.STRING,
        TOPIC_NAME_STRATEGY,
        ValidString.in_(*_STRATEGIES),
        Importance.MEDIUM,
        "How the subject of record keys is named.",
    )
    .define(
        "value.subject.name.strategy",
        ConfigType.STRING,
        TOPIC_NAME_STRATEGY,
        ValidString.in_(*_STRATEGIES),
        Importance.MEDIUM,
        "How the subject of record values is named.",
    )
)


def subject_name(strategy: str, topic: str, is_key: bool, avro: Any) -> str:
    """The registry subject for a schema written to ``topic`` (Confluent's three strategies)."""
    if strategy == TOPIC_NAME_STRATEGY:
        return f"{topic}-{'key' if is_key else 'value'}"
    if not isinstance(avro, dict) or avro_type_name(avro) != "record":
        kind = avro_type_name(avro) if isinstance(avro, str | dict | list) else type(avro).__name__
        raise DataError(f"{strategy} needs a record schema, got {kind!r}")
    name, namespace = avro["name"], avro.get("namespace")
    full = name if "." in name or not namespace else f"{namespace}.{name}"
    return full if strategy == RECORD_NAME_STRATEGY else f"{topic}-{full}"
