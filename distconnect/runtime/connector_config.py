"""Connector-level configuration: :class:`ConnectorConfig` and its sink and source variants with
Apache Kafka Connect's keys and defaults, the transformation chain they configure, and
:func:`validate_connector_config` for ``PUT /connector-plugins/{plugin}/config/validate``.

A config object is built for a connector or task about to run: construction parses the enriched
definition (see :mod:`distconnect.runtime.connector_enrich`) and raises ConfigError naming the
first bad key. Validation, in contrast, never raises for bad input; it reports per-key errors.

Lifecycle and concurrency: config objects are immutable after construction and may be shared.
Everything is synchronous; :func:`validate_connector_config` calls the connector's ``validate``,
which may block, so run it in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from distconnect.api.config import AbstractConfig, ConfigDef, ConfigValue
from distconnect.api.config_types import config_failure, invalid_value
from distconnect.api.connector import SinkConnector
from distconnect.runtime import topic_creation as tc
from distconnect.runtime.config_providers import ConfigProviders, has_variables
from distconnect.runtime.connector_config_defs import (
    ADMIN_OVERRIDES_PREFIX,
    CONNECTOR_CLASS_CONFIG,
    CONSUMER_OVERRIDES_PREFIX,
    PREDICATES_CONFIG,
    PRODUCER_OVERRIDES_PREFIX,
    TOPICS_CONFIG,
    TOPICS_REGEX_CONFIG,
    TRANSFORMS_CONFIG,
    connector_config_def,
    embed_with_full_names,
    parse_topics,
    sink_config_def,
    source_config_def,
    validate_sink,
)
from distconnect.runtime.connector_enrich import NEGATE_CONFIG, PREDICATE_CONFIG, TransformationStage, enrich
from distconnect.runtime.plugin_versions import apply_versions, dynamic_defaults
from distconnect.runtime.plugins import PluginRegistry

log = logging.getLogger(__name__)


class ConnectorConfig(AbstractConfig):
    """The settings every connector has, plus its transforms' and predicates' settings."""

    def __init__(
        self, registry: PluginRegistry, props: Mapping[str, Any], definition: ConfigDef | None = None
    ) -> None:
        base = definition if definition is not None else connector_config_def(registry)
        super().__init__(enrich(registry, base, props, require_full=True), props)

    @property
    def name(self) -> str:
        return str(self.get_string("name"))

    @property
    def connector_class(self) -> str:
        return str(self.get_string(CONNECTOR_CLASS_CONFIG))

    @property
    def tasks_max(self) -> int:
        return int(self.get("tasks.max"))

    @property
    def tasks_max_enforce(self) -> bool:
        return bool(self.get("tasks.max.enforce"))

    def converter_class(self, key: str) -> str | None:
        """The connector's own ``key.converter``/``value.converter``/``header.converter``, or
        ``None`` when the worker's applies."""
        return self.get_class(key)

    @property
    def errors_retry_timeout_ms(self) -> int:
        """How long to retry a failed operation; 0 = never, -1 = forever."""
        return int(self.get("errors.retry.timeout"))

    @property
    def errors_retry_delay_max_ms(self) -> int:
        return int(self.get("errors.retry.delay.max.ms"))

    @property
    def errors_tolerance_all(self) -> bool:
        return str(self.get("errors.tolerance")) == "all"

    @property
    def errors_log_enable(self) -> bool:
        return bool(self.get("errors.log.enable"))

    @property
    def errors_log_include_messages(self) -> bool:
        return bool(self.get("errors.log.include.messages"))

    @property
    def producer_overrides(self) -> dict[str, Any]:
        return self.originals_with_prefix(PRODUCER_OVERRIDES_PREFIX)

    @property
    def consumer_overrides(self) -> dict[str, Any]:
        return self.originals_with_prefix(CONSUMER_OVERRIDES_PREFIX)

    @property
    def admin_overrides(self) -> dict[str, Any]:
        return self.originals_with_prefix(ADMIN_OVERRIDES_PREFIX)

    def transformation_stages(self, registry: PluginRegistry) -> list[TransformationStage]:
        """New, configured transformation stages in ``transforms`` order; each plugin gets its
        prefixed settings with the prefix stripped (``predicate``/``negate`` removed for the
        transformation). The caller owns them and closes them with the task."""
        stages: list[TransformationStage] = []
        try:
            for alias in self.get_list(TRANSFORMS_CONFIG) or []:
                prefix = f"{TRANSFORMS_CONFIG}.{alias}."
                settings = self.originals_with_prefix(prefix)
                predicate_alias = settings.pop(PREDICATE_CONFIG, None)
                negate = str(settings.pop(NEGATE_CONFIG, "false")).strip().lower() == "true"
                transformation = registry.new_transformation(str(self.get_class(prefix + "type")))
                transformation.configure(settings)
                predicate = None
                if predicate_alias is not None:
                    predicate_prefix = f"{PREDICATES_CONFIG}.{predicate_alias}."
                    predicate = registry.new_predicate(str(self.get_class(predicate_prefix + "type")))
                    predicate.configure(self.originals_with_prefix(predicate_prefix))
                stages.append(TransformationStage(alias, transformation, predicate, negate))
        except BaseException:
            for stage in stages:
                stage.close()
            raise
        return stages


class SinkConnectorConfig(ConnectorConfig):
    """A sink connector's settings. Construction also applies the ``topics``/``topics.regex``
    and dead-letter-queue rules, raising ConfigError for the first violation."""

    def __init__(self, registry: PluginRegistry, props: Mapping[str, Any]) -> None:
        super().__init__(registry, props, sink_config_def(registry))
        results: dict[str, ConfigValue] = {}
        validate_sink(props, results)
        for result in results.values():
            if result.errors:
                raise invalid_value(result.name, result.value, result.errors[0])

    @property
    def topics(self) -> list[str]:
        return parse_topics(self.get_list(TOPICS_CONFIG))

    @property
    def topics_regex(self) -> str | None:
        return self.get_string(TOPICS_REGEX_CONFIG) or None

    @property
    def dlq_topic(self) -> str | None:
        return self.get_string("errors.deadletterqueue.topic.name") or None

    @property
    def dlq_replication_factor(self) -> int:
        return int(self.get("errors.deadletterqueue.topic.replication.factor"))

    @property
    def dlq_context_headers_enable(self) -> bool:
        return bool(self.get("errors.deadletterqueue.context.headers.enable"))

    @property
    def errant_record_reporter_enabled(self) -> bool:
        """Java gives a sink task an errant record reporter if there is a DLQ or error logging."""
        return self.dlq_topic is not None or self.errors_log_enable


class SourceConnectorConfig(ConnectorConfig):
    """A source connector's settings, including its topic creation groups when it sets any
    ``topic.creation.*`` key and ``topic_creation_enabled`` (the worker's setting) is true."""

    def __init__(
        self, registry: PluginRegistry, props: Mapping[str, Any], topic_creation_enabled: bool = True
    ) -> None:
        base = source_config_def(registry)
        self._uses_topic_creation = topic_creation_enabled and tc.uses_topic_creation(props)
        if self._uses_topic_creation:
            base, props = tc.with_topic_creation(base, props)
        super().__init__(registry, props, base)

    @property
    def exactly_once_support_required(self) -> bool:
        return str(self.get("exactly.once.support")).lower() == "required"

    @property
    def transaction_boundary(self) -> str:
        """``poll``, ``interval`` or ``connector``."""
        return str(self.get("transaction.boundary")).lower()

    @property
    def transaction_boundary_interval_ms(self) -> int | None:
        return self.get_long("transaction.boundary.interval.ms")

    @property
    def offsets_storage_topic(self) -> str | None:
        return self.get_string("offsets.storage.topic")

    @property
    def uses_topic_creation(self) -> bool:
        return self._uses_topic_creation

    def topic_creation_groups(self) -> list[tc.TopicCreationGroup]:
        """The listed groups in order, then ``default`` last; empty without topic creation."""
        if not self._uses_topic_creation:
            return []
        names = [
            g
            for g in self.get_list(tc.TOPIC_CREATION_GROUPS_CONFIG) or []
            if g != tc.DEFAULT_TOPIC_CREATION_GROUP
        ]
        return [self._group(name) for name in [*dict.fromkeys(names), tc.DEFAULT_TOPIC_CREATION_GROUP]]

    def _group(self, name: str) -> tc.TopicCreationGroup:
        prefix = f"{tc.TOPIC_CREATION_PREFIX}{name}."
        reserved = {
            tc.INCLUDE_REGEX_CONFIG,
            tc.EXCLUDE_REGEX_CONFIG,
            tc.REPLICATION_FACTOR_CONFIG,
            tc.PARTITIONS_CONFIG,
        }
        return tc.TopicCreationGroup(
            name,
            tuple(self.get_list(prefix + tc.INCLUDE_REGEX_CONFIG) or ()),
            tuple(self.get_list(prefix + tc.EXCLUDE_REGEX_CONFIG) or ()),
            int(self.get(prefix + tc.REPLICATION_FACTOR_CONFIG)),
            int(self.get(prefix + tc.PARTITIONS_CONFIG)),
            {k: v for k, v in self.originals_with_prefix(prefix).items() if k not in reserved},
        )


def validate_connector_config(
    registry: PluginRegistry,
    props: Mapping[str, Any],
    *,
    topic_creation_enabled: bool = True,
    providers: ConfigProviders | None = None,
    worker_converters: Mapping[str, str] | None = None,
) -> tuple[ConfigDef, list[ConfigValue]]:
    """Validate a connector configuration as ``PUT .../config/validate`` does (Java's
    ``AbstractHerder.validateConnectorConfig``, without the client-override checks).

    Returns the definition (framework keys enriched with transforms/predicates, then the
    connector's own keys, which win on a clash) and the results: the framework's, then the
    connector's ``validate``. Render them with
    :func:`distconnect.api.config_rest.validation_response`. Raises ConfigError if
    ``connector.class`` is missing and NotFoundError if it names no connector.

    With ``providers``, placeholders are resolved first, as Apache does; one that cannot be is
    an error of its key, and results show each such key's raw placeholder, never its secret.

    ``worker_converters`` (the worker's ``key.converter``, ...) become the converter keys'
    defaults, as Apache 4.x shows them; pinned plugin versions are checked either way
    (:mod:`distconnect.runtime.plugin_versions`).
    """
    raw, unresolved = props, dict[str, str]()
    if providers:
        props, unresolved = providers.resolve_lenient(props)
    connector_class = props.get(CONNECTOR_CLASS_CONFIG)
    if connector_class is None:
        raise config_failure(CONNECTOR_CLASS_CONFIG, "Connector config contains no connector type")
    connector = registry.new_connector(str(connector_class))
    is_sink = isinstance(connector, SinkConnector)
    shown = dynamic_defaults(registry, props, worker_converters)
    base = sink_config_def(registry, shown) if is_sink else source_config_def(registry, shown)
    if not is_sink and topic_creation_enabled and tc.uses_topic_creation(props):
        try:
            base, _ = tc.with_topic_creation(base, props)
        except Exception:  # missing default-group settings: show them as that group's errors
            defaults = tc.default_group_config_def()
            embed_with_full_names(
                base, tc.DEFAULT_TOPIC_CREATION_PREFIX, tc.DEFAULT_TOPIC_CREATION_GROUP, 0, defaults
            )
    definition = enrich(registry, base, props, require_full=False)
    results = definition.validate_all(props)
    apply_versions(registry, props, shown, results)
    if is_sink:
        validate_sink(props, results)
    for key, value in props.items():
        if value is None:
            results.setdefault(key, ConfigValue(key)).add_error(
                "Null value can not be supplied as the configuration value."
            )
    own = connector.config()
    if not isinstance(own, ConfigDef):
        raise config_failure(
            CONNECTOR_CLASS_CONFIG,
            f"{type(connector).__qualname__}.config() must return a ConfigDef that is not null.",
        )
    merged = definition.merge(own)
    for key, error in unresolved.items():
        results.setdefault(key, ConfigValue(key)).add_error(error)
    values = [*results.values(), *connector.validate({k: v for k, v in props.items() if v is not None})]
    for value in values:
        if has_variables(raw.get(value.name)):
            value.value = raw[value.name]
    return merged, values


__all__ = [
    "ConnectorConfig",
    "SinkConnectorConfig",
    "SourceConnectorConfig",
    "TransformationStage",
    "validate_connector_config",
]
