"""Connector-level settings: Apache's defaults, the sink topic rules, enriched transform and
predicate keys, validation for the REST endpoint, and the transformation chain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.config import ConfigDef, ConfigType, ConfigValue, Importance, Range
from distconnect.api.config_rest import validation_response
from distconnect.api.connector import SinkConnector, SourceConnector
from distconnect.api.errors import ConfigError, NotFoundError
from distconnect.api.plugins import Predicate, Transformation
from distconnect.api.records import ConnectRecord, SinkRecord, SourceRecord
from distconnect.api.task import SinkTask, SourceTask
from distconnect.runtime.connector_config import (
    SinkConnectorConfig,
    SourceConnectorConfig,
    TransformationStage,
    validate_connector_config,
)
from distconnect.runtime.plugins import PluginRegistry
from distconnect.transforms.insert_field import InsertField
from distconnect.transforms.predicates import TopicNameMatches


class AcmeSinkConnector(SinkConnector):
    def version(self) -> str:
        return "1"

    def start(self, props: Mapping[str, str]) -> None: ...

    def task_class(self) -> type[SinkTask]:
        return SinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return []

    def stop(self) -> None: ...

    def config(self) -> ConfigDef:
        return (
            ConfigDef()
            .define("file", ConfigType.STRING, importance=Importance.HIGH, documentation="Target file.")
            .define("topics", ConfigType.LIST, "", None, Importance.HIGH, "The connector's own words.")
        )

    def validate(self, connector_configs: Mapping[str, str]) -> list[ConfigValue]:
        values = super().validate(connector_configs)
        if connector_configs.get("file") == "/":
            values.append(ConfigValue("file", "/", errors=["cannot write to a directory"]))
        return values


class AcmeSourceConnector(SourceConnector):
    def version(self) -> str:
        return "1"

    def start(self, props: Mapping[str, str]) -> None: ...

    def task_class(self) -> type[SourceTask]:
        return SourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return []

    def stop(self) -> None: ...

    def config(self) -> ConfigDef:
        return ConfigDef()


class Scale(Transformation[Any]):
    """Multiplies an int value; records what it was configured with."""

    CONFIG = ConfigDef().define(
        "factor", ConfigType.INT, validator=Range.at_least(1), importance=Importance.HIGH
    )

    def __init__(self) -> None:
        self.configured: dict[str, Any] = {}
        self.closed = False

    def configure(self, configs: Mapping[str, Any]) -> None:
        self.configured = dict(configs)
        self.factor = self.CONFIG.parse(configs)["factor"]

    def apply(self, record: Any) -> Any:
        return record.new_record(value=record.value * self.factor)

    def config(self) -> ConfigDef:
        return self.CONFIG

    def close(self) -> None:
        self.closed = True


class IsEven(Predicate[Any]):
    def __init__(self) -> None:
        self.configured: dict[str, Any] = {}

    def configure(self, configs: Mapping[str, Any]) -> None:
        self.configured = dict(configs)

    def test(self, record: Any) -> bool:
        return bool(record.value % 2 == 0)

    def config(self) -> ConfigDef:
        return ConfigDef()


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry(
        [
            ("distconnect.connectors", "acme-sink", AcmeSinkConnector),
            ("distconnect.connectors", "acme-source", AcmeSourceConnector),
            (
                "distconnect.transforms",
                INSERT_VALUE,
                InsertField.Value,
            ),
            ("distconnect.transforms", "scale", Scale),
            (
                "distconnect.predicates",
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                TopicNameMatches,
            ),
            ("distconnect.predicates", "even", IsEven),
        ],
        include_installed=False,
    )


INSERT_VALUE = "org.apache.kafka.connect.transforms.InsertField$Value"
SINK = {"name": "s", "connector.class": "AcmeSink", "topics": "orders", "file": "/tmp/out"}
SOURCE = {"name": "src", "connector.class": "AcmeSourceConnector"}


def _errors(values: list[ConfigValue]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for value in values:
        if value.errors:
            found.setdefault(value.name, []).extend(value.errors)
    return found


# -- defaults and accessors ----------------------------------------------------------------------


def test_sink_defaults_match_apache(registry: PluginRegistry) -> None:
    config = SinkConnectorConfig(registry, SINK)
    assert config.name == "s"
    assert config.connector_class == "AcmeSink"
    assert config.tasks_max == 1
    assert config.tasks_max_enforce is True
    assert config.get("config.action.reload") == "restart"
    assert config.get("transforms") == []
    assert config.get("predicates") == []
    assert config.converter_class("key.converter") is None
    assert config.converter_class("header.converter") is None
    assert config.errors_retry_timeout_ms == 0
    assert config.errors_retry_delay_max_ms == 60000
    assert config.errors_tolerance_all is False
    assert config.errors_log_enable is False
    assert config.errors_log_include_messages is False
    assert config.topics == ["orders"]
    assert config.topics_regex is None
    assert config.dlq_topic is None
    assert config.dlq_replication_factor == 3
    assert config.dlq_context_headers_enable is False
    assert config.errant_record_reporter_enabled is False
    assert config.transformation_stages(registry) == []


def test_source_defaults_match_apache(registry: PluginRegistry) -> None:
    config = SourceConnectorConfig(registry, SOURCE)
    assert config.get("topic.creation.groups") == []
    assert config.exactly_once_support_required is False
    assert config.transaction_boundary == "poll"
    assert config.transaction_boundary_interval_ms is None
    assert config.offsets_storage_topic is None
    assert config.uses_topic_creation is False
    assert config.topic_creation_groups() == []


def test_error_handling_settings(registry: PluginRegistry) -> None:
    config = SinkConnectorConfig(
        registry,
        {
            **SINK,
            "errors.retry.timeout": "-1",
            "errors.retry.delay.max.ms": "1000",
            "errors.tolerance": "all",
            "errors.log.enable": "true",
            "errors.log.include.messages": "true",
            "errors.deadletterqueue.topic.name": "dlq",
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true",
            "consumer.override.max.poll.records": "10",
        },
    )
    assert config.errors_retry_timeout_ms == -1
    assert config.errors_retry_delay_max_ms == 1000
    assert config.errors_tolerance_all is True
    assert config.errors_log_enable is True
    assert config.errors_log_include_messages is True
    assert config.dlq_topic == "dlq"
    assert config.dlq_replication_factor == 1
    assert config.dlq_context_headers_enable is True
    assert config.errant_record_reporter_enabled is True
    assert config.consumer_overrides == {"max.poll.records": "10"}
    assert config.producer_overrides == {}


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("tasks.max", "0", "Value must be at least 1"),
        ("name", "", "String may not be empty"),
        ("errors.tolerance", "some", "String must be one of: none, all"),
        ("transforms", "a,a", "Duplicate alias provided."),
        ("key.converter", "NoSuchConverter", "Failed to find any class that implements Converter"),
    ],
)
def test_bad_values_fail_construction_naming_the_key(
    registry: PluginRegistry, key: str, value: str, fragment: str
) -> None:
    props = {**SINK, key: value}
    if key == "transforms":
        props |= {"transforms.a.type": "scale", "transforms.a.factor": "2"}
    with pytest.raises(ConfigError) as caught:
        SinkConnectorConfig(registry, props)
    assert caught.value.name == key
    assert fragment in str(caught.value)


# -- topics / topics.regex / DLQ -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "key", "message"),
    [
        ({"topics": ""}, "topics", "Must configure one of topics or topics.regex"),
        ({"topics": " "}, "topics", "Must configure one of topics or topics.regex"),
        (
            {"topics.regex": "or.*"},
            "topics",
            "topics and topics.regex are mutually exclusive options, but both are set.",
        ),
        (
            {"errors.deadletterqueue.topic.name": "orders"},
            "topics",
            "The DLQ topic 'orders' may not be included in the list of topics ('topics=[orders]') "
            "consumed by the connector",
        ),
        (
            {"topics": "", "topics.regex": "ord.*", "errors.deadletterqueue.topic.name": "orders"},
            "topics.regex",
            "The DLQ topic 'orders' may not be matched by the regex for the topics ('topics.regex=ord.*') "
            "consumed by the connector",
        ),
    ],
)
def test_sink_topic_rules(registry: PluginRegistry, extra: dict[str, str], key: str, message: str) -> None:
    props = {**SINK, **extra}
    with pytest.raises(ConfigError) as caught:
        SinkConnectorConfig(registry, props)
    assert caught.value.name == key
    assert message in str(caught.value)
    _, values = validate_connector_config(registry, props)
    assert message in _errors(values)[key]


def test_both_topic_keys_get_the_error_in_validation(registry: PluginRegistry) -> None:
    _, values = validate_connector_config(registry, {**SINK, "topics": "", "topics.regex": ""})
    errors = _errors(values)
    assert errors["topics"] == errors["topics.regex"] == ["Must configure one of topics or topics.regex"]


def test_topics_regex_and_a_dlq_elsewhere_are_fine(registry: PluginRegistry) -> None:
    config = SinkConnectorConfig(
        registry,
        {**SINK, "topics": "", "topics.regex": "ord.*", "errors.deadletterqueue.topic.name": "dlq-orders"},
    )
    assert config.topics == []
    assert config.topics_regex == "ord.*"
    assert config.dlq_topic == "dlq-orders"


def test_topics_are_split_trimmed_and_deduplicated(registry: PluginRegistry) -> None:
    assert SinkConnectorConfig(registry, {**SINK, "topics": "a, b,,a"}).topics == ["a", "b"]


def test_invalid_topics_regex(registry: PluginRegistry) -> None:
    with pytest.raises(ConfigError, match="Invalid regex"):
        SinkConnectorConfig(registry, {**SINK, "topics": "", "topics.regex": "("})


# -- enriched validation -------------------------------------------------------------------------


def test_validation_reports_unknown_transform_type(registry: PluginRegistry) -> None:
    definition, values = validate_connector_config(
        registry, {**SINK, "transforms": "x", "transforms.x.type": "NoSuchTransform"}
    )
    errors = _errors(values)
    assert list(errors) == ["transforms.x.type"]
    assert errors["transforms.x.type"][0].startswith(
        "Invalid value NoSuchTransform for configuration transforms.x.type: Failed to find any class"
    )
    assert "transforms.x.predicate" not in definition.config_keys  # nothing embedded for an unknown type
    value = next(v for v in values if v.name == "transforms.x.type")
    assert "distconnect.transforms.insert_field.InsertField.Value" in value.recommended_values


def test_validation_reports_a_transforms_own_setting_under_its_full_name(registry: PluginRegistry) -> None:
    definition, values = validate_connector_config(
        registry,
        {
            **SINK,
            "transforms": "x,y",
            "transforms.x.type": "Scale",
            "transforms.x.factor": "abc",
            "transforms.y.type": "scale",
        },
    )
    errors = _errors(values)
    # as in Kafka, the validator also runs on the unparsable value (as null) and adds its own error
    assert errors["transforms.x.factor"] == [
        "Invalid value abc for configuration transforms.x.factor: Not a number of type INT",
        "Invalid value null for configuration transforms.x.factor: Value must be non-null",
    ]
    assert errors["transforms.y.factor"][0] == (
        'Missing required configuration "transforms.y.factor" which has no default value.'
    )
    _, values = validate_connector_config(
        registry, {**SINK, "transforms": "x", "transforms.x.type": "Scale", "transforms.x.factor": "0"}
    )
    assert _errors(values) == {
        "transforms.x.factor": [
            "Invalid value 0 for configuration transforms.x.factor: Value must be at least 1"
        ]
    }
    key = definition.config_keys["transforms.x.factor"]
    assert key.group == "Transforms: x"
    assert {"transforms.x.type", "transforms.x.predicate", "transforms.x.negate"} <= set(
        definition.config_keys
    )


def test_a_transforms_bad_setting_fails_construction_naming_the_full_key(registry: PluginRegistry) -> None:
    with pytest.raises(ConfigError) as caught:
        SinkConnectorConfig(
            registry, {**SINK, "transforms": "x", "transforms.x.type": "Scale", "transforms.x.factor": "0"}
        )
    assert caught.value.name == "transforms.x.factor"
    with pytest.raises(ConfigError) as caught:
        SinkConnectorConfig(registry, {**SINK, "transforms": "x", "transforms.x.type": "Nope"})
    assert caught.value.name == "transforms.x.type"


def test_validation_reports_apache_transform_settings(registry: PluginRegistry) -> None:
    _, values = validate_connector_config(
        registry,
        {
            **SINK,
            "transforms": "ins",
            "transforms.ins.type": INSERT_VALUE,
            "transforms.ins.timestamp.field": "ts",
            "predicates": "p",
            "predicates.p.type": "TopicNameMatches",
            "predicates.p.pattern": "",
        },
    )
    errors = _errors(values)
    assert list(errors) == ["predicates.p.pattern"]


def test_negate_without_predicate_is_an_error(registry: PluginRegistry) -> None:
    props = {
        **SINK,
        "transforms": "x",
        "transforms.x.type": "scale",
        "transforms.x.factor": "2",
        "transforms.x.negate": "true",
    }
    _, values = validate_connector_config(registry, props)
    assert _errors(values)["transforms.x.type"] == [
        "Config 'transforms.x.negate' was provided but there is no config 'transforms.x.predicate' "
        "defining a predicate to be negated."
    ]
    with pytest.raises(ConfigError) as caught:
        SinkConnectorConfig(registry, props)
    assert caught.value.name == "transforms.x.type"


def test_predicate_must_be_a_listed_alias(registry: PluginRegistry) -> None:
    props = {
        **SINK,
        "transforms": "x",
        "transforms.x.type": "scale",
        "transforms.x.factor": "2",
        "transforms.x.predicate": "p",
    }
    _, values = validate_connector_config(registry, props)
    assert (
        "the predicate alias 'p' is not listed in 'predicates'"
        in _errors(values)["transforms.x.predicate"][0]
    )
    _, values = validate_connector_config(
        registry, {**props, "predicates": "p", "predicates.p.type": "NoSuchPredicate"}
    )
    assert list(_errors(values)) == ["predicates.p.type"]


def test_validation_merges_the_connectors_own_definition_and_results(registry: PluginRegistry) -> None:
    definition, values = validate_connector_config(registry, {**SINK, "file": "/"})
    assert _errors(values) == {"file": ["cannot write to a directory"]}
    assert definition.config_keys["topics"].documentation == "The connector's own words."  # plugin wins
    names = list(definition.config_keys)
    assert names.index("name") < names.index("topics") < names.index("file")
    body = validation_response("AcmeSink", definition, values)
    assert body["name"] == "AcmeSink"
    assert body["error_count"] == 1
    _, values = validate_connector_config(registry, {k: v for k, v in SINK.items() if k != "file"})
    assert _errors(values) == {"file": ['Missing required configuration "file" which has no default value.']}


def test_validation_flags_null_values(registry: PluginRegistry) -> None:
    _, values = validate_connector_config(registry, {**SINK, "custom": None})
    assert _errors(values)["custom"] == ["Null value can not be supplied as the configuration value."]


def test_validation_needs_a_known_connector(registry: PluginRegistry) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_connector_config(registry, {"name": "x"})
    assert caught.value.name == "connector.class"
    with pytest.raises(NotFoundError):
        validate_connector_config(registry, {"name": "x", "connector.class": "Nope"})


def test_source_validation_reports_missing_topic_creation_defaults(registry: PluginRegistry) -> None:
    _, values = validate_connector_config(registry, {**SOURCE, "topic.creation.groups": "g"})
    errors = _errors(values)
    assert set(errors) == {"topic.creation.default.replication.factor", "topic.creation.default.partitions"}


# -- transformation stages -----------------------------------------------------------------------


CHAIN = {
    **SINK,
    "transforms": "double,triple",
    "transforms.double.type": "Scale",
    "transforms.double.factor": "2",
    "transforms.double.predicate": "even",
    "transforms.triple.type": f"{__name__}.Scale",
    "transforms.triple.factor": "3",
    "transforms.triple.predicate": "even",
    "transforms.triple.negate": "true",
    "predicates": "even",
    "predicates.even.type": "even",
    "predicates.even.extra": "x",
}


def _record(value: int) -> SinkRecord:
    return SinkRecord(topic="orders", kafka_partition=0, value=value, kafka_offset=0)


def test_stages_apply_predicates_and_negate(registry: PluginRegistry) -> None:
    stages = SinkConnectorConfig(registry, CHAIN).transformation_stages(registry)
    assert [(s.alias, s.negate) for s in stages] == [("double", False), ("triple", True)]
    assert stages[0].executing_class == f"{__name__}.Scale"
    results = []
    for value in (4, 5):
        record: ConnectRecord | None = _record(value)
        for stage in stages:
            assert record is not None
            record = stage.apply(record)
        assert record is not None
        results.append(record.value)
    # 4 is even: doubled to 8, which is even, so the negated triple is skipped.
    # 5 is odd: not doubled; the negated predicate lets triple run.
    assert results == [8, 15]


def test_stages_get_their_prefix_stripped_settings(registry: PluginRegistry) -> None:
    stages = SinkConnectorConfig(registry, CHAIN).transformation_stages(registry)
    transformation = stages[1].transformation
    assert isinstance(transformation, Scale)
    assert transformation.configured == {"type": f"{__name__}.Scale", "factor": "3"}
    predicate = stages[1].predicate
    assert isinstance(predicate, IsEven)
    assert predicate.configured == {"type": "even", "extra": "x"}
    assert stages[0].predicate is not stages[1].predicate  # each stage owns its plugins
    stages[0].close()
    assert isinstance(stages[0].transformation, Scale)
    assert stages[0].transformation.closed


def test_apache_named_transform_runs(registry: PluginRegistry) -> None:
    props = {
        **SINK,
        "transforms": "ins",
        "transforms.ins.type": INSERT_VALUE,
        "transforms.ins.static.field": "origin",
        "transforms.ins.static.value": "eu",
    }
    (stage,) = SinkConnectorConfig(registry, props).transformation_stages(registry)
    out = stage.apply(SourceRecord(topic="t", value={"id": 1}, source_partition={}, source_offset={}))
    assert out is not None
    assert out.value == {"id": 1, "origin": "eu"}


@given(matches=st.booleans(), negate=st.booleans(), with_predicate=st.booleans())
def test_stage_runs_the_transformation_exactly_when_the_predicate_says(
    matches: bool, negate: bool, with_predicate: bool
) -> None:
    transformation = Scale()
    transformation.configure({"factor": "10"})
    predicate = IsEven() if with_predicate else None
    stage = TransformationStage("t", transformation, predicate, negate)
    out = stage.apply(_record(2 if matches else 1))
    assert out is not None
    applied = out.value >= 10
    assert applied == (predicate is None or matches != negate)


# -- topic creation ------------------------------------------------------------------------------


def test_topic_creation_groups(registry: PluginRegistry) -> None:
    config = SourceConnectorConfig(
        registry,
        {
            **SOURCE,
            "topic.creation.groups": "compacted, default",
            "topic.creation.default.replication.factor": "3",
            "topic.creation.default.partitions": "-1",
            "topic.creation.default.include": "ignored-.*",
            "topic.creation.compacted.include": "state-.*",
            "topic.creation.compacted.exclude": "state-tmp.*",
            "topic.creation.compacted.partitions": "1",
            "topic.creation.compacted.cleanup.policy": "compact",
        },
    )
    assert config.uses_topic_creation
    compacted, default = config.topic_creation_groups()
    assert (compacted.name, compacted.replication_factor, compacted.partitions) == ("compacted", 3, 1)
    assert dict(compacted.topic_configs) == {"cleanup.policy": "compact"}
    assert compacted.matches("state-orders")
    assert not compacted.matches("state-tmp1")
    assert not compacted.matches("orders")
    assert (default.name, default.replication_factor, default.partitions) == ("default", 3, -1)
    assert default.include == (".*",)  # the default group's include/exclude are ignored, as in Java
    assert default.matches("anything")


def test_topic_creation_needs_default_group_settings(registry: PluginRegistry) -> None:
    with pytest.raises(ConfigError) as caught:
        SourceConnectorConfig(registry, {**SOURCE, "topic.creation.default.partitions": "1"})
    assert caught.value.name == "topic.creation.default.replication.factor"
    with pytest.raises(ConfigError) as caught:
        SourceConnectorConfig(
            registry,
            {
                **SOURCE,
                "topic.creation.default.partitions": "0",
                "topic.creation.default.replication.factor": "1",
            },
        )
    assert caught.value.name == "topic.creation.default.partitions"


def test_topic_creation_is_ignored_when_the_worker_disables_it(registry: PluginRegistry) -> None:
    config = SourceConnectorConfig(
        registry, {**SOURCE, "topic.creation.groups": "g"}, topic_creation_enabled=False
    )
    assert not config.uses_topic_creation
    assert config.topic_creation_groups() == []
