"""The framework's connector-level ConfigDefs (Java's ``ConnectorConfig``, ``SinkConnectorConfig``,
``SourceConnectorConfig``): names, types, defaults, importance, groups and order as in Apache
Kafka Connect; documentation in our own words; error messages in Java's wording.

Use them through :mod:`distconnect.runtime.connector_config`. The definitions depend on a
:class:`~distconnect.runtime.plugins.PluginRegistry` only to check that converter classes exist
(``registry=None`` skips that, e.g. for docs). Pure and synchronous.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from distconnect.api.config import (
    CaseInsensitiveValidString,
    CompositeValidator,
    ConfigDef,
    ConfigType,
    ConfigValue,
    Importance,
    LambdaValidator,
    NonEmptyString,
    NonEmptyStringWithoutControlChars,
    NonNullValidator,
    Range,
    ValidString,
    Width,
)
from distconnect.api.config_key import ConfigKey
from distconnect.api.config_types import invalid_value
from distconnect.api.config_validators import ValidatorFn, describe_validator
from distconnect.runtime.plugin_kinds import class_validator

if TYPE_CHECKING:
    from distconnect.runtime.plugins import PluginRegistry

COMMON_GROUP: Final = "Common"
TRANSFORMS_GROUP: Final = "Transforms"
PREDICATES_GROUP: Final = "Predicates"
ERROR_GROUP: Final = "Error Handling"
TOPIC_CREATION_GROUP: Final = "Topic Creation"
EXACTLY_ONCE_SUPPORT_GROUP: Final = "Exactly Once Support"

NAME_CONFIG: Final = "name"
CONNECTOR_CLASS_CONFIG: Final = "connector.class"
TASKS_MAX_CONFIG: Final = "tasks.max"
TRANSFORMS_CONFIG: Final = "transforms"
PREDICATES_CONFIG: Final = "predicates"
TOPICS_CONFIG: Final = "topics"
TOPICS_REGEX_CONFIG: Final = "topics.regex"
DLQ_TOPIC_NAME_CONFIG: Final = "errors.deadletterqueue.topic.name"
TOPIC_CREATION_GROUPS_CONFIG: Final = "topic.creation.groups"
PRODUCER_OVERRIDES_PREFIX: Final = "producer.override."
CONSUMER_OVERRIDES_PREFIX: Final = "consumer.override."
ADMIN_OVERRIDES_PREFIX: Final = "admin.override."

_CONVERTER_DOC = (
    "Converter between Connect's data format and the bytes of the record {} in Kafka for this "
    "connector. Unset: the worker's {} setting applies."
)


def _unique_aliases(kind: str) -> CompositeValidator:
    def ensure(name: str, value: Any) -> None:
        if len(value) != len(set(value)):
            raise invalid_value(name, value, "Duplicate alias provided.")

    return CompositeValidator.of(NonNullValidator(), LambdaValidator.with_(ensure, f"unique {kind} aliases"))


def _ensure_regex(name: str, value: Any) -> None:
    try:
        re.compile(value or "")
    except re.error as e:
        raise invalid_value(name, value, f"Invalid regex: {e}") from e


def _non_negative_or_null(name: str, value: Any) -> None:
    if value is not None:
        Range.at_least(0)(name, value)


def embed_with_full_names(d: ConfigDef, prefix: str, group: str, order: int, child: ConfigDef) -> None:
    """``d.embed(...)``, except that the child's validators see the full prefixed key names, so
    their errors name ``transforms.x.factor`` rather than ``factor`` (Java passes the bare name).
    Recommenders still see bare names: they look up sibling values by them."""

    def full_name(base: ValidatorFn) -> LambdaValidator:
        return LambdaValidator.with_(
            lambda name, value: base(prefix + name, value), lambda: describe_validator(base)
        )

    renamed = ConfigDef()
    for key in child.sorted_configs():
        if key.validator is not None:
            key = ConfigKey(**{**vars(key), "validator": full_name(key.validator)})
        renamed.define_key(key)
    d.embed(prefix, group, order, renamed)


#: The KIP-891 version keys, each after the key of the plugin it pins.
PLUGIN_VERSION_KEYS = (
    "connector.plugin.version",
    "key.converter.plugin.version",
    "value.converter.plugin.version",
    "header.converter.plugin.version",
)


def connector_config_def(
    registry: PluginRegistry | None = None, defaults: Mapping[str, Any] | None = None
) -> ConfigDef:
    """The keys every connector has, in Apache 4.x's groups and orders.

    ``defaults`` replaces the declared default of the keys whose default depends on the worker
    and the installed plugins (Apache 4.1+): the converters (the worker's settings) and the
    ``*.plugin.version`` keys (the installed version); see :mod:`distconnect.runtime.herder_admin`.
    """
    dyn = dict(defaults or {})

    def converter_check(kind: str) -> Any:
        if registry is None:
            return None
        lookup = registry.header_converter_class if kind == "header" else registry.converter_class
        return class_validator(lookup, "")

    low, medium, high = Importance.LOW, Importance.MEDIUM, Importance.HIGH
    s, cls = ConfigType.STRING, ConfigType.CLASS
    d = ConfigDef()
    # fmt: off
    d.define(NAME_CONFIG, s, validator=NonEmptyStringWithoutControlChars(), importance=high,
             documentation="Name of the connector, unique within the Connect cluster.", group=COMMON_GROUP,
             order_in_group=1, width=Width.MEDIUM, display_name="Connector name")
    d.define(CONNECTOR_CLASS_CONFIG, s, importance=high,
             documentation="The connector's class: its Python path or an alias. For "
             "org.apache.kafka.connect.file.FileStreamSinkConnector, 'FileStreamSinkConnector' and "
             "'FileStreamSink' work too.", group=COMMON_GROUP, order_in_group=2, width=Width.LONG,
             display_name="Connector class")
    d.define("connector.plugin.version", s, dyn.get("connector.plugin.version"), None, medium,
             "Version of the connector plugin. distconnect installs one version of each plugin, so this "
             "may only name that version (Apache Kafka Connect 4.1+ can pick among several).",
             group=COMMON_GROUP, order_in_group=3, width=Width.MEDIUM, display_name="Connector version")
    d.define(TASKS_MAX_CONFIG, ConfigType.INT, 1, Range.at_least(1), high,
             "Most tasks this connector may run.", group=COMMON_GROUP, order_in_group=4,
             width=Width.SHORT, display_name="Tasks max")
    d.define("tasks.max.enforce", ConfigType.BOOLEAN, True, None, low,
             "(Deprecated) Whether generating more task configs than tasks.max fails the connector (the "
             "default), and an existing larger set of tasks fails too. false allows more tasks.",
             group=COMMON_GROUP, order_in_group=5, width=Width.SHORT, display_name="Enforce tasks max")
    order = 6
    converters = (("key", "keys", "Key"), ("value", "values", "Value"), ("header", "header values", "Header"))
    for prop, what, title in converters:
        name = f"{prop}.converter"
        doc = (
            "HeaderConverter between Connect's data format and the bytes of header values for this "
            "connector. Unset: the worker's header.converter setting applies."
            if prop == "header"
            else _CONVERTER_DOC.format(what, name)
        )
        d.define(name, cls, dyn.get(name), converter_check(prop), low, doc, group=COMMON_GROUP,
                 order_in_group=order, width=Width.SHORT, display_name=f"{title} converter class")
        d.define(f"{name}.plugin.version", s, dyn.get(f"{name}.plugin.version"), None, low,
                 f"Version of the {prop} converter plugin (only the installed version is accepted).",
                 group=COMMON_GROUP, order_in_group=order + 1, width=Width.SHORT,
                 display_name=f"{title} converter version")
        order += 2
    d.define(TRANSFORMS_CONFIG, ConfigType.LIST, [], _unique_aliases("transformation"), low,
             "Aliases of the transformations applied to records, in order.", group=TRANSFORMS_GROUP,
             order_in_group=12, width=Width.LONG, display_name="Transforms")
    d.define(PREDICATES_CONFIG, ConfigType.LIST, [], _unique_aliases("predicate"), low,
             "Aliases of the predicates the transformations may use.", group=PREDICATES_GROUP,
             order_in_group=13, width=Width.LONG, display_name="Predicates")
    d.define("config.action.reload", s, "restart", ValidString.in_("none", "restart"), low,
             "What to do when values from config providers change: 'restart' restarts the connector with "
             "the new values (possibly later, if the provider says when they expire); 'none' does nothing.",
             group=COMMON_GROUP, order_in_group=14, width=Width.MEDIUM, display_name="Reload Action")
    d.define("errors.retry.timeout", ConfigType.LONG, 0, None, medium,
             "How long, in ms, a failed operation is retried. 0 (the default) means no retries; -1 retries "
             "forever.", group=ERROR_GROUP, order_in_group=1, width=Width.MEDIUM,
             display_name="Retry Timeout for Errors")
    d.define("errors.retry.delay.max.ms", ConfigType.LONG, 60000, None, medium,
             "Longest wait, in ms, between two retries; once reached, jitter is added so that many tasks do "
             "not retry in step.", group=ERROR_GROUP, order_in_group=2, width=Width.MEDIUM,
             display_name="Maximum Delay Between Retries for Errors")
    d.define("errors.tolerance", s, "none", ValidString.in_("none", "all"), medium,
             "'none' (the default): any error fails the task at once. 'all': problematic records are "
             "skipped.", group=ERROR_GROUP, order_in_group=3, width=Width.SHORT,
             display_name="Error Tolerance")
    d.define("errors.log.enable", ConfigType.BOOLEAN, False, None, medium,
             "Whether to log every error with the failed operation and record. Off by default, so only "
             "errors that are not tolerated are reported.", group=ERROR_GROUP, order_in_group=4,
             width=Width.SHORT, display_name="Log Errors")
    d.define("errors.log.include.messages", ConfigType.BOOLEAN, False, None, medium,
             "Whether error logs include the failed record: topic, partition, offset and timestamp for sink "
             "records; key, value, headers, their schemas, timestamp, topic, partition and source "
             "partition and offset for source records. Off by default, keeping record contents out of logs.",
             group=ERROR_GROUP, order_in_group=5, width=Width.SHORT, display_name="Log Error Details")
    # fmt: on
    return d


def sink_config_def(
    registry: PluginRegistry | None = None, defaults: Mapping[str, Any] | None = None
) -> ConfigDef:
    """:func:`connector_config_def` plus the sink keys."""
    medium, high = Importance.MEDIUM, Importance.HIGH
    d = connector_config_def(registry, defaults)
    # fmt: off
    d.define(TOPICS_CONFIG, ConfigType.LIST, "", None, high, "Comma-separated topics to consume.",
             group=COMMON_GROUP, order_in_group=4, width=Width.LONG, display_name="Topics")
    d.define(TOPICS_REGEX_CONFIG, ConfigType.STRING, "", LambdaValidator.with_(_ensure_regex, "valid regex"),
             high, "Regular expression selecting the topics to consume. Set either topics or topics.regex, "
             "not both.", group=COMMON_GROUP, order_in_group=4, width=Width.LONG, display_name="Topics regex")
    d.define(DLQ_TOPIC_NAME_CONFIG, ConfigType.STRING, "", None, medium,
             "Topic that records failing in this sink connector, its transformations or converters are "
             "written to (the dead letter queue). Empty (the default): no dead letter queue.",
             group=ERROR_GROUP, order_in_group=6, width=Width.MEDIUM,
             display_name="Dead Letter Queue Topic Name")
    d.define("errors.deadletterqueue.topic.replication.factor", ConfigType.SHORT, 3, None, medium,
             "Replication factor of the dead letter queue topic when it has to be created.",
             group=ERROR_GROUP, order_in_group=7, width=Width.MEDIUM,
             display_name="Dead Letter Queue Topic Replication Factor")
    d.define("errors.deadletterqueue.context.headers.enable", ConfigType.BOOLEAN, False, None, medium,
             "Whether records written to the dead letter queue get headers describing the error; their keys "
             "start with __connect.errors. so they cannot clash with the record's own headers.",
             group=ERROR_GROUP, order_in_group=8, width=Width.MEDIUM,
             display_name="Enable Error Context Headers")
    # fmt: on
    return d


def source_config_def(
    registry: PluginRegistry | None = None, defaults: Mapping[str, Any] | None = None
) -> ConfigDef:
    """:func:`connector_config_def` plus the source keys (topic creation groups, exactly once)."""
    low, medium = Importance.LOW, Importance.MEDIUM
    d = connector_config_def(registry, defaults)
    # fmt: off
    d.define(TOPIC_CREATION_GROUPS_CONFIG, ConfigType.LIST, [], _unique_aliases("topic creation group"), low,
             "Groups of settings for the topics this source connector creates.", group=TOPIC_CREATION_GROUP,
             order_in_group=1, width=Width.LONG, display_name="Topic Creation Groups")
    d.define("exactly.once.support", ConfigType.STRING, "requested",
             CaseInsensitiveValidString.in_("requested", "required"), medium,
             "'required' makes validation check that the connector can give exactly-once delivery with this "
             "configuration and that the worker has it enabled; 'requested' (the default) skips the check.",
             group=EXACTLY_ONCE_SUPPORT_GROUP, order_in_group=2, width=Width.SHORT,
             display_name="Exactly once support")
    d.define("transaction.boundary", ConfigType.STRING, "poll",
             CaseInsensitiveValidString.in_("poll", "interval", "connector"), medium,
             "With exactly-once support, where transactions end: 'poll' after every batch a task returns, "
             "'interval' every transaction.boundary.interval.ms, 'connector' where the connector says.",
             group=EXACTLY_ONCE_SUPPORT_GROUP, order_in_group=3, width=Width.SHORT,
             display_name="Transaction Boundary")
    d.define("transaction.boundary.interval.ms", ConfigType.LONG, None,
             LambdaValidator.with_(_non_negative_or_null, "[0,...]"), low,
             "Transaction commit interval for transaction.boundary=interval; unset uses the worker's "
             "offset.flush.interval.ms.", group=EXACTLY_ONCE_SUPPORT_GROUP, order_in_group=4,
             width=Width.SHORT, display_name="Transaction boundary interval")
    d.define("offsets.storage.topic", ConfigType.STRING, None, NonEmptyString(), low,
             "A separate offsets topic for this connector (distributed mode only); unset uses the worker's.",
             group="offsets.topic", order_in_group=1, width=Width.LONG, display_name="Offsets topic")
    # fmt: on
    return d


def _add_error(results: dict[str, ConfigValue], name: str, value: Any, message: str) -> None:
    results.setdefault(name, ConfigValue(name, value)).add_error(message)


def validate_sink(props: Mapping[str, Any], results: dict[str, ConfigValue]) -> None:
    """Java's ``SinkConnectorConfig.validate``: exactly one of ``topics``/``topics.regex``, and the
    dead letter queue topic must not be consumed. Errors are added to ``results``."""
    topics_raw, regex = props.get(TOPICS_CONFIG), props.get(TOPICS_REGEX_CONFIG)
    has_topics = _not_blank(topics_raw)
    has_regex = _not_blank(regex)
    dlq = str(props.get(DLQ_TOPIC_NAME_CONFIG) or "").strip()
    if has_topics and has_regex:
        message = (
            f"{TOPICS_CONFIG} and {TOPICS_REGEX_CONFIG} are mutually exclusive options, but both are set."
        )
        _add_error(results, TOPICS_CONFIG, topics_raw, message)
        _add_error(results, TOPICS_REGEX_CONFIG, regex, message)
    if not has_topics and not has_regex:
        message = f"Must configure one of {TOPICS_CONFIG} or {TOPICS_REGEX_CONFIG}"
        _add_error(results, TOPICS_CONFIG, topics_raw, message)
        _add_error(results, TOPICS_REGEX_CONFIG, regex, message)
    if not dlq:
        return
    topics = parse_topics(topics_raw)
    if has_topics and dlq in topics:
        message = (
            f"The DLQ topic '{dlq}' may not be included in the list of topics "
            f"('{TOPICS_CONFIG}=[{', '.join(topics)}]') consumed by the connector"
        )
        _add_error(results, TOPICS_CONFIG, topics_raw, message)
    if has_regex:
        try:
            matched = re.fullmatch(str(regex), dlq) is not None
        except re.error:
            return  # the regex validator reports it
        if matched:
            message = (
                f"The DLQ topic '{dlq}' may not be matched by the regex for the topics "
                f"('{TOPICS_REGEX_CONFIG}={regex}') consumed by the connector"
            )
            _add_error(results, TOPICS_REGEX_CONFIG, regex, message)


def parse_topics(raw: Any) -> list[str]:
    """``topics`` as a list: split on commas, blanks dropped, duplicates removed (order kept)."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return list(dict.fromkeys(t.strip() for t in items if str(t).strip()))


def _not_blank(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, list | tuple):
        return bool(parse_topics(value))
    return bool(str(value).strip())


__all__ = [
    "ADMIN_OVERRIDES_PREFIX",
    "CONNECTOR_CLASS_CONFIG",
    "CONSUMER_OVERRIDES_PREFIX",
    "DLQ_TOPIC_NAME_CONFIG",
    "NAME_CONFIG",
    "PREDICATES_CONFIG",
    "PRODUCER_OVERRIDES_PREFIX",
    "TASKS_MAX_CONFIG",
    "TOPICS_CONFIG",
    "TOPICS_REGEX_CONFIG",
    "TOPIC_CREATION_GROUPS_CONFIG",
    "TRANSFORMS_CONFIG",
    "connector_config_def",
    "embed_with_full_names",
    "parse_topics",
    "sink_config_def",
    "source_config_def",
    "validate_sink",
]
