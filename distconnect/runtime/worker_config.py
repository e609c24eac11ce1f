"""Worker configuration: the settings of ``worker.properties``, with Apache Kafka Connect's names,
defaults and importance (``WorkerConfig``, ``StandaloneConfig``, ``DistributedConfig``).

Settings that only make sense for the JVM are still accepted, so existing files keep working:
``plugin.path`` and ``plugin.discovery`` (plugins come from Python entry points; a set
``plugin.path`` is logged and ignored), the metrics keys are not declared and are simply unused.
Kafka client settings for the worker's producers, consumers and admin clients are passed through
with the ``producer.``, ``consumer.`` and ``admin.`` prefixes (:meth:`WorkerConfig.client_configs`);
connectors may override them per the ``connector.client.config.override.policy``.

Lifecycle: parsed once at start-up (ConfigError names the first missing or bad key) and then only
read, so one instance is shared by every component of the worker. Pure and synchronous.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

from distconnect.api.config import AbstractConfig, ConfigDef, ConfigType, Importance
from distconnect.api.config_types import config_failure, invalid_value
from distconnect.runtime.config_providers import ConfigProviders, loggable
from distconnect.runtime.plugin_kinds import class_validator
from distconnect.runtime.worker_config_defs import (
    INTER_WORKER_SIGNATURE_ALGORITHM_CONFIG,
    INTER_WORKER_VERIFICATION_ALGORITHMS_CONFIG,
    base_config_def,
    distributed_config_def,
    hmac_digest,
)

if TYPE_CHECKING:
    from distconnect.runtime.plugins import PluginRegistry

log = logging.getLogger(__name__)

BOOTSTRAP_SERVERS_CONFIG: Final = "bootstrap.servers"
KEY_CONVERTER_CLASS_CONFIG: Final = "key.converter"
VALUE_CONVERTER_CLASS_CONFIG: Final = "value.converter"
HEADER_CONVERTER_CLASS_CONFIG: Final = "header.converter"
HEADER_CONVERTER_CLASS_DEFAULT: Final = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
OFFSET_STORAGE_FILE_FILENAME_CONFIG: Final = "offset.storage.file.filename"
#: Passed to a converter's ``configure`` as Java does, so one class can tell its roles apart.
CONVERTER_TYPE_CONFIG: Final = "converter.type"

# ``connector.client.config.override.policy`` values: the aliases and Java class names.
_POLICY_PACKAGE = "org.apache.kafka.connect.connector.policy."
_POLICIES: Final = {
    name: canonical
    for canonical in ("All", "None", "Principal")
    for name in (
        canonical,
        f"{canonical}ConnectorClientConfigOverridePolicy",
        f"{_POLICY_PACKAGE}{canonical}ConnectorClientConfigOverridePolicy",
    )
}


def _ensure_policy(name: str, value: Any) -> None:
    if value not in _POLICIES:
        raise config_failure(
            name, f"Invalid value {value} for configuration {name}: expected one of All, None, Principal"
        )


class WorkerConfig(AbstractConfig):
    """The settings every worker has. Subclasses add the mode-specific ones.

    Passing ``registry`` also checks that the converter classes resolve to installed plugins,
    so a misspelt converter fails the worker at start-up rather than its first task.
    """

    CONFIG_DEF: ClassVar[ConfigDef] = base_config_def(_ensure_policy)

    def __init__(
        self,
        props: Mapping[str, Any],
        *,
        registry: PluginRegistry | None = None,
        definition: ConfigDef | None = None,
    ) -> None:
        # KIP-297/KIP-421: the worker's own settings may hold ${provider:path:key} placeholders,
        # resolved before parsing; the same providers serve connector configs (the Worker).
        self.config_providers = ConfigProviders.from_worker_props(props)
        self.raw_originals = dict(props)
        super().__init__(definition or type(self).CONFIG_DEF, self.config_providers.resolve(props))
        if registry is not None:
            self._check_plugins(registry)
        if self.get("plugin.path") is not None:
            log.info(
                "Ignoring plugin.path=%s: distconnect discovers plugins through Python entry points",
                ",".join(self.get_list("plugin.path") or []),
            )

    def _check_plugins(self, registry: PluginRegistry) -> None:
        checks = (
            (KEY_CONVERTER_CLASS_CONFIG, registry.converter_class),
            (VALUE_CONVERTER_CLASS_CONFIG, registry.converter_class),
            (HEADER_CONVERTER_CLASS_CONFIG, registry.header_converter_class),
        )
        for key, lookup in checks:
            class_validator(lookup, "")(key, self.get(key))

    def loggable(self) -> str:
        """Every declared key and value on one line for the start-up log; see :func:`loggable`."""
        return loggable(f"{type(self).__name__} values", self.definition, self.values(), self.raw_originals)

    # -- typed accessors -----------------------------------------------------------------------

    @property
    def bootstrap_servers(self) -> str:
        """Comma-joined, as Kafka clients take it."""
        return ",".join(self.get_list(BOOTSTRAP_SERVERS_CONFIG) or [])

    @property
    def key_converter(self) -> str:
        return str(self.get_class(KEY_CONVERTER_CLASS_CONFIG))

    @property
    def value_converter(self) -> str:
        return str(self.get_class(VALUE_CONVERTER_CLASS_CONFIG))

    @property
    def header_converter(self) -> str:
        return str(self.get_class(HEADER_CONVERTER_CLASS_CONFIG))

    def converter_settings(self, class_config: str) -> dict[str, Any]:
        """Settings for the converter named by ``class_config`` (``key.converter``, ...): the
        originals under ``<class_config>.``, plus ``converter.type`` as Java adds it."""
        settings = self.originals_with_prefix(class_config + ".")
        settings[CONVERTER_TYPE_CONFIG] = class_config.split(".", 1)[0]
        return settings

    @property
    def offset_flush_interval_ms(self) -> int:
        return int(self.get("offset.flush.interval.ms"))

    @property
    def offset_flush_timeout_ms(self) -> int:
        return int(self.get("offset.flush.timeout.ms"))

    @property
    def task_shutdown_graceful_timeout_ms(self) -> int:
        """Budget for stopping *all* tasks, not each one."""
        return int(self.get("task.shutdown.graceful.timeout.ms"))

    @property
    def listeners(self) -> list[str]:
        return self.get_list("listeners") or []

    @property
    def admin_listeners(self) -> list[str] | None:
        """``None``: serve admin endpoints on :attr:`listeners`; ``[]``: disable them."""
        return self.get_list("admin.listeners")

    @property
    def rest_advertised_host_name(self) -> str | None:
        return self.get_string("rest.advertised.host.name")

    @property
    def rest_advertised_port(self) -> int | None:
        return self.get_int("rest.advertised.port")

    @property
    def rest_advertised_listener(self) -> str | None:
        return self.get_string("rest.advertised.listener")

    @property
    def topic_creation_enable(self) -> bool:
        return bool(self.get("topic.creation.enable"))

    @property
    def connector_client_config_override_policy(self) -> str:
        """``All``, ``None`` or ``Principal`` (Java class names are mapped to these)."""
        return _POLICIES[str(self.get("connector.client.config.override.policy"))]

    @property
    def exactly_once_source_enabled(self) -> bool:
        return False

    @property
    def group_id(self) -> str | None:
        """The Connect cluster's group; ``None`` for a worker that forms no cluster."""
        return None

    def client_configs(self, client: str) -> dict[str, Any]:
        """Base settings for a Kafka client of kind ``producer``, ``consumer`` or ``admin``:
        ``bootstrap.servers`` plus the worker's ``<client>.``-prefixed settings (which win).
        Connector overrides and the runtime's own defaults are layered on top by the caller."""
        if client not in ("producer", "consumer", "admin"):
            raise ValueError(f"unknown client kind {client!r}")
        prefixed = self.originals_with_prefix(client + ".")
        if client == "admin":  # admin.listeners* are REST settings, not admin-client ones
            prefixed = {k: v for k, v in prefixed.items() if not k.startswith("listeners")}
        return {BOOTSTRAP_SERVERS_CONFIG: self.bootstrap_servers, **prefixed}


class StandaloneConfig(WorkerConfig):
    """``connect-standalone`` settings: source offsets live in a local file."""

    CONFIG_DEF: ClassVar[ConfigDef] = ConfigDef(WorkerConfig.CONFIG_DEF).define(
        OFFSET_STORAGE_FILE_FILENAME_CONFIG,
        ConfigType.STRING,
        importance=Importance.HIGH,
        documentation="File in which source connector offsets are stored.",
    )

    @property
    def offset_storage_file_filename(self) -> str:
        return str(self.get_string(OFFSET_STORAGE_FILE_FILENAME_CONFIG))


class DistributedConfig(WorkerConfig):
    """``connect-distributed`` settings: the worker group and its internal topics.

    ``group.instance.id`` is a distconnect addition (not in Apache Kafka Connect): static group
    membership, so a worker restarted within ``session.timeout.ms`` keeps its assignment.
    """

    CONFIG_DEF: ClassVar[ConfigDef] = distributed_config_def(WorkerConfig.CONFIG_DEF)

    def __init__(
        self,
        props: Mapping[str, Any],
        *,
        registry: PluginRegistry | None = None,
        definition: ConfigDef | None = None,
    ) -> None:
        super().__init__(props, registry=registry, definition=definition)
        signature = self.get_string(INTER_WORKER_SIGNATURE_ALGORITHM_CONFIG)
        verification = self.get_list(INTER_WORKER_VERIFICATION_ALGORITHMS_CONFIG) or []
        if signature not in verification:
            raise invalid_value(
                INTER_WORKER_SIGNATURE_ALGORITHM_CONFIG,
                signature,
                f"Signature algorithm must be present in {INTER_WORKER_VERIFICATION_ALGORITHMS_CONFIG} list",
            )

    @property
    def group_id(self) -> str:
        return str(self.get_string("group.id"))

    @property
    def group_instance_id(self) -> str | None:
        return self.get_string("group.instance.id")

    @property
    def exactly_once_source_enabled(self) -> bool:
        return str(self.get("exactly.once.source.support")).lower() == "enabled"

    @property
    def connect_protocol(self) -> str:
        """``eager``, ``compatible`` or ``sessioned`` (lower-cased)."""
        return str(self.get("connect.protocol")).lower()

    def topic_settings(self, prefix: str) -> dict[str, Any]:
        """Extra topic configs for an internal topic from ``config.storage.``/``offset.storage.``/
        ``status.storage.`` originals, without the keys Connect controls itself (name, partitions,
        replication factor, ``cleanup.policy``, which is always ``compact``)."""
        settings = self.originals_with_prefix(prefix)
        if prefix == "config.storage." and "partitions" in settings:
            log.warning(
                "Ignoring '%spartitions=%s': the config topic always has 1", prefix, settings["partitions"]
            )
        if "cleanup.policy" in settings:
            log.warning(
                "Ignoring '%scleanup.policy=%s': compaction is always used",
                prefix,
                settings["cleanup.policy"],
            )
        for key in ("topic", "partitions", "replication.factor", "cleanup.policy"):
            settings.pop(key, None)
        return settings

    def hmac_digest(self, config: str = INTER_WORKER_SIGNATURE_ALGORITHM_CONFIG) -> str:
        """The :mod:`hashlib` name for a Java MAC algorithm setting (``HmacSHA256`` -> ``sha256``)."""
        return hmac_digest(str(self.get_string(config)))


__all__ = [
    "BOOTSTRAP_SERVERS_CONFIG",
    "CONVERTER_TYPE_CONFIG",
    "HEADER_CONVERTER_CLASS_CONFIG",
    "HEADER_CONVERTER_CLASS_DEFAULT",
    "KEY_CONVERTER_CLASS_CONFIG",
    "OFFSET_STORAGE_FILE_FILENAME_CONFIG",
    "VALUE_CONVERTER_CLASS_CONFIG",
    "DistributedConfig",
    "StandaloneConfig",
    "WorkerConfig",
]
