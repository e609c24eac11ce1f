"""What every herder answers the same way, from its worker alone (Apache's ``AbstractHerder``):
the installed plugins and their config definitions, connector config validation, and this
worker's log levels.

``GET /connector-plugins...`` and the validate endpoint are read-only and local in Apache: no
herder lock, no forwarding, no cluster state. Herders own one :class:`HerderAdmin` each and get
the contract's methods from the :class:`AdminOperations` mixin.

Concurrency: built once per herder and used from its event loop. Plugin config definitions and
validation instantiate plugins and call their ``config()``/``validate()``, which may block (a
connector's ``validate`` can reach out to its system), so those run in a worker thread; several
may run at once (the registry is read-only and every call gets its own plugin instances).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from distconnect.api.config import ConfigDef, ConfigKey, ConfigValue
from distconnect.api.config_rest import (
    config_key_info,
    merge_config_infos,
    prefixed_config_infos,
    validation_response,
)
from distconnect.api.errors import ConfigError, ConnectError, NotFoundError
from distconnect.runtime.config_providers import ConfigProviders
from distconnect.runtime.connector_config import validate_connector_config
from distconnect.runtime.connector_config_defs import sink_config_def, source_config_def
from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.loggers import LoggerLevel, Loggers
from distconnect.runtime.plugins import PluginDesc, PluginRegistry, PluginType

log = logging.getLogger(__name__)

Json = dict[str, Any]

#: The 400 for a validate body without ``connector.class``. Apache prints the whole config here;
#: we name the key instead, as the herders do for create (the config may hold secrets).
NO_CONNECTOR_TYPE = "Connector config contains no connector type: 'connector.class' is missing"


class HerderAdmin:
    """See the module docstring. ``loggers`` defaults to the process's logger hierarchy."""

    def __init__(
        self,
        registry: PluginRegistry,
        *,
        topic_creation_enabled: bool = True,
        loggers: Loggers | None = None,
        providers: ConfigProviders | None = None,
        worker_converters: Mapping[str, str] | None = None,
    ) -> None:
        """``providers`` resolve ``${...}`` placeholders before validation, as Apache does;
        ``worker_converters`` (the worker's converter settings) are shown as the converter keys'
        defaults."""
        self.registry = registry
        self.worker_converters = dict(worker_converters or {})
        self.providers = providers
        self.topic_creation_enabled = topic_creation_enabled
        self.loggers = loggers or Loggers()

    # -- plugins ---------------------------------------------------------------------------------
    def plugins(self, connectors_only: bool = True) -> list[PluginDesc]:
        """``GET /connector-plugins``: sinks, sources, then (unless ``connectors_only``)
        transformations, predicates, converters and header converters; no duplicates."""
        unique: dict[tuple[str, str, str | None], PluginDesc] = {}
        for desc in self.registry.plugins(connectors_only):
            unique.setdefault((desc.class_name, desc.type.value, desc.version), desc)
        return list(unique.values())

    async def plugin_config(self, plugin: str) -> list[Json]:
        """``GET /connector-plugins/{plugin}/config``: ConfigKeyInfo of each key, the plugin's
        own first and then (connectors) the framework's, the plugin's winning a clash."""
        return await asyncio.to_thread(self._plugin_config, plugin)

    def _plugin_config(self, plugin: str) -> list[Json]:
        desc = self.registry.plugin_desc(plugin)
        registry = self.registry
        new: dict[PluginType, Callable[[str], Any]] = {
            PluginType.SOURCE: registry.new_connector,
            PluginType.SINK: registry.new_connector,
            PluginType.CONVERTER: registry.new_converter,
            PluginType.HEADER_CONVERTER: registry.new_header_converter,
            PluginType.TRANSFORMATION: registry.new_transformation,
            PluginType.PREDICATE: registry.new_predicate,
        }
        instance = new[desc.type](desc.class_name)
        own = instance.config()
        if not isinstance(own, ConfigDef):
            raise ConnectError(f"{desc.class_name}.config() must return a ConfigDef that is not null.")
        keys: dict[str, ConfigKey] = dict(own.config_keys)
        # Apache shows the installed version as the connector's version default here too.
        pinned = {"connector.plugin.version": desc.version}
        if desc.type is PluginType.SINK:
            base: ConfigDef | None = sink_config_def(registry, pinned)
        elif desc.type is PluginType.SOURCE:
            base = source_config_def(registry, pinned)
        else:
            base = None
        if base is not None:
            for name, key in base.config_keys.items():
                keys.setdefault(name, key)
        return [config_key_info(key) for key in keys.values()]

    # -- validation ------------------------------------------------------------------------------
    async def validate(self, config: Mapping[str, str | None]) -> Json:
        """``PUT /connector-plugins/{plugin}/config/validate``: ConfigInfos for ``config``.

        A missing ``connector.class`` or one that names no installed connector is a 400 (Apache
        answers the latter with a 500; it is the client's mistake). PASSWORD values render as
        ``[hidden]``.
        """
        return await asyncio.to_thread(self._validate, dict(config))

    def _validate(self, props: dict[str, str | None]) -> Json:
        connector_class = props.get("connector.class")
        if connector_class is None:
            raise ConnectRestError(400, NO_CONNECTOR_TYPE)
        try:
            definition, values = validate_connector_config(
                self.registry,
                props,
                topic_creation_enabled=self.topic_creation_enabled,
                providers=self.providers,
                worker_converters=self.worker_converters,
            )
        except NotFoundError as err:
            raise ConnectRestError(400, str(err)) from err
        except ConfigError as err:
            raise ConnectRestError(400, str(err)) from err
        by_name = {value.name: value for value in values}
        # Converter checks first: a converter that fails to load adds an error to its class key,
        # which the main result must count (Apache's order).
        converters = [
            self._converter_infos(props, by_name.get(prop), prop, new, kind)
            for prop, new, kind in (
                ("header.converter", self.registry.new_header_converter, "header"),
                ("key.converter", self.registry.new_converter, "key"),
                ("value.converter", self.registry.new_converter, "value"),
            )
        ]
        main = validation_response(connector_class, definition, values)
        return merge_config_infos(connector_class, main, *converters)

    def _converter_infos(
        self,
        props: Mapping[str, str | None],
        class_value: ConfigValue | None,
        prop: str,
        new: Callable[[str], Any],
        kind: str,
    ) -> Json | None:
        """Apache's ``validateConverterConfig``: the converter's own settings (``<prop>.*``)
        validated against its ConfigDef; None when no valid converter class is set."""
        class_name = props.get(prop)
        if class_name is None or class_value is None or class_value.errors:
            return None
        label = f"{kind} converter"
        try:
            converter = new(class_name)
        except Exception as err:
            class_value.add_error(f"Failed to load class {class_name}: {err}")
            return None
        try:
            definition = converter.config()
        except Exception as err:
            log.error("Failed to load ConfigDef from %s of type %s", label, class_name, exc_info=err)
            class_value.add_error(f"Failed to load ConfigDef from {label}: {err}")
            return None
        if not isinstance(definition, ConfigDef):
            return None  # as Apache: tolerated, no further validation for this converter
        prefix = f"{prop}."
        settings = {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}
        settings.setdefault("converter.type", kind)
        try:
            results = definition.validate(settings)
        except Exception as err:
            log.error(
                "Failed to perform config validation for %s of type %s", label, class_name, exc_info=err
            )
            class_value.add_error(f"Failed to perform config validation for {label}: {err}")
            return None
        return prefixed_config_infos(definition.config_keys, results, prefix)

    # -- log levels (this worker only) ------------------------------------------------------------
    def logger_level(self, name: str) -> LoggerLevel | None:
        return self.loggers.level(name)

    def all_logger_levels(self) -> dict[str, LoggerLevel]:
        return self.loggers.all_levels()

    def set_worker_logger_level(self, namespace: str, level: str) -> list[str]:
        return self.loggers.set_level(namespace, level)


class AdminOperations:
    """The herder contract's plugin, validation and log-level methods, delegated to ``admin``
    (set by the herder's ``__init__``). A mixin placed before ``Herder`` in a herder's bases; the
    cluster scope here is this worker alone, which is right for standalone mode (this worker is
    the whole cluster, as Apache's standalone herder says); the distributed herder overrides it."""

    admin: HerderAdmin

    async def connector_plugins(self, connectors_only: bool = True) -> list[PluginDesc]:
        return self.admin.plugins(connectors_only)

    async def connector_plugin_config(self, plugin: str) -> list[dict[str, Any]]:
        return await self.admin.plugin_config(plugin)

    async def validate_connector_config(self, config: Mapping[str, str | None]) -> dict[str, Any]:
        return await self.admin.validate(config)

    async def logger_level(self, name: str) -> LoggerLevel | None:
        return self.admin.logger_level(name)

    async def all_logger_levels(self) -> dict[str, LoggerLevel]:
        return self.admin.all_logger_levels()

    async def set_worker_logger_level(self, namespace: str, level: str) -> list[str]:
        return self.admin.set_worker_logger_level(namespace, level)

    async def set_cluster_logger_level(self, namespace: str, level: str) -> None:
        self.admin.set_worker_logger_level(namespace, level)


__all__ = ["NO_CONNECTOR_TYPE", "AdminOperations", "HerderAdmin"]
