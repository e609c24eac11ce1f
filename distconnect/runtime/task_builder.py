"""Building a task's runner from its connector and task configs (Java's ``Worker.buildWorkerTask``).

:class:`TaskBuilder` turns a connector config and a task config into a ready, not yet started
:class:`~distconnect.runtime.task_runner.TaskRunner`: converters chosen from the connector
config or else the worker's (never mixed), transformations, the error policy and reporters
(log, dead letter queue), and the task's own Kafka client (a producer for a source task, a
consumer in the connector's group for a sink task), with ``producer.override.*`` /
``consumer.override.*`` applied.

Lifecycle: owned by one :class:`~distconnect.runtime.worker.Worker`; :meth:`TaskBuilder.build`
is called from the worker's event loop; it may create topics (dead letter queue), nothing else
is started here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from distconnect.api.connector import SinkConnector
from distconnect.api.errors import ConfigError
from distconnect.api.plugins import Converter, HeaderConverter
from distconnect.api.task import SinkTask, SourceTask
from distconnect.runtime.active_topics import TopicTracker
from distconnect.runtime.connector_config import SinkConnectorConfig, SourceConnectorConfig
from distconnect.runtime.kafka_clients import consumer_kwargs, producer_kwargs
from distconnect.runtime.offsets import OffsetStore
from distconnect.runtime.offsets_parse import sink_group_id
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.sink_context import DeadLetterQueueReporter
from distconnect.runtime.sink_task import SinkTaskRunner
from distconnect.runtime.source_task import SourceTaskRunner
from distconnect.runtime.states import StatusListener, TargetState, TaskId
from distconnect.runtime.task_runner import TaskRunner, TaskSettings
from distconnect.runtime.tolerance import ErrorPolicy, ErrorReporter, LogReporter
from distconnect.runtime.topic_admin import TopicAdmin
from distconnect.runtime.worker_config import WorkerConfig


class TaskBuilder:
    """See the module docstring."""

    def __init__(
        self,
        worker_id: str,
        config: WorkerConfig,
        registry: PluginRegistry,
        offsets: OffsetStore,
        listener: StatusListener,
        admin: TopicAdmin,
        active_topics: TopicTracker,
    ) -> None:
        self.worker_id = worker_id
        self.config = config
        self.registry = registry
        self.offsets = offsets
        self.listener = listener
        self.admin = admin
        self.active_topics = active_topics

    def is_sink(self, connector_class: str) -> bool:
        return issubclass(self.registry.connector_class(connector_class), SinkConnector)

    def _required(self, key: str) -> str:
        value = self.config.get_string(key)
        if not value:
            raise ConfigError(key, value, "a value is required")
        return value

    def _converter_settings(self, props: Mapping[str, str], key: str) -> tuple[str, dict[str, Any]]:
        """The class and settings of a converter: from the connector config if it names the class,
        else from the worker config, never mixed (Java's ``Plugins.newConverter``)."""
        if props.get(key):
            return props[key], {**_with_prefix(props, f"{key}."), "converter.type": key.split(".", 1)[0]}
        return self._required(key), self.config.converter_settings(key)

    def _converter(self, props: Mapping[str, str], key: str, is_key: bool) -> Converter:
        name, settings = self._converter_settings(props, key)
        converter = self.registry.new_converter(name)
        converter.configure(settings, is_key)
        return converter

    def _header_converter(self, props: Mapping[str, str]) -> HeaderConverter:
        name, settings = self._converter_settings(props, "header.converter")
        converter = self.registry.new_header_converter(name)
        converter.configure(settings)
        return converter

    async def build(
        self,
        task_id: TaskId,
        connector_config: dict[str, str],
        task_config: dict[str, str],
        target: TargetState,
        generation: int,
    ) -> TaskRunner:
        cfg: SinkConnectorConfig | SourceConnectorConfig
        if self.is_sink(connector_config["connector.class"]):
            cfg = SinkConnectorConfig(self.registry, connector_config)
        else:
            cfg = SourceConnectorConfig(
                self.registry, connector_config, topic_creation_enabled=self.config.topic_creation_enable
            )
        policy = ErrorPolicy(
            cfg.errors_retry_timeout_ms,
            cfg.errors_retry_delay_max_ms,
            cfg.errors_tolerance_all,
            cfg.errors_log_enable,
            cfg.errors_log_include_messages,
        )
        settings = TaskSettings(
            task_id=task_id,
            task_config=task_config,
            worker_id=self.worker_id,
            key_converter=self._converter(connector_config, "key.converter", True),
            value_converter=self._converter(connector_config, "value.converter", False),
            header_converter=self._header_converter(connector_config),
            stages=cfg.transformation_stages(self.registry),
            policy=policy,
            offset_flush_interval_ms=self.config.offset_flush_interval_ms,
            offset_flush_timeout_ms=self.config.offset_flush_timeout_ms,
            shutdown_timeout_ms=self.config.task_shutdown_graceful_timeout_ms,
            generation=generation,
        )
        task_class = self.registry.connector_class(connector_config["connector.class"])().task_class()
        task = task_class()
        if isinstance(cfg, SinkConnectorConfig):
            assert isinstance(task, SinkTask)
            return await self._sink_runner(task_id, cfg, settings, task, connector_config, target)
        assert isinstance(task, SourceTask)
        producer_settings = {
            **self.config.client_configs("producer"),
            **_with_prefix(connector_config, "producer.override."),
        }
        producer = AIOKafkaProducer(
            **producer_kwargs(
                {
                    "acks": "all",
                    "linger.ms": "5",
                    **producer_settings,
                    "client.id": f"connector-producer-{task_id}",
                }
            )
        )
        groups = cfg.topic_creation_groups() if self.config.topic_creation_enable else []

        async def create_topic(topic: str) -> None:
            # Java's rule: the first listed group whose include/exclude matches, else the default.
            group = next(g for g in groups if g.matches(topic) or g is groups[-1])
            await self.admin.ensure_topic(
                topic,
                partitions=group.partitions,
                replication_factor=group.replication_factor,
                configs={k: str(v) for k, v in group.topic_configs.items()},
            )

        return SourceTaskRunner(
            settings,
            task,
            producer,
            self.offsets,
            self.listener,
            target,
            create_topic=create_topic if groups else None,
            reporters=[LogReporter(cfg.errors_log_include_messages)] if cfg.errors_log_enable else [],
            active_topics=self.active_topics,
        )

    async def _sink_runner(
        self,
        task_id: TaskId,
        cfg: SinkConnectorConfig,
        settings: TaskSettings,
        task: SinkTask,
        connector_config: dict[str, str],
        target: TargetState,
    ) -> SinkTaskRunner:
        consumer_settings = {
            "auto.offset.reset": "earliest",
            "max.poll.records": "500",
            **self.config.client_configs("consumer"),
            **_with_prefix(connector_config, "consumer.override."),
            "group.id": sink_group_id(task_id.connector, connector_config),
            "enable.auto.commit": "false",
            "client.id": f"connector-consumer-{task_id}",
        }
        consumer = AIOKafkaConsumer(**consumer_kwargs(consumer_settings))
        reporters: list[ErrorReporter] = []
        if cfg.errors_log_enable:
            reporters.append(LogReporter(cfg.errors_log_include_messages))
        if cfg.dlq_topic:
            await self.admin.ensure_topic(
                cfg.dlq_topic, partitions=1, replication_factor=cfg.dlq_replication_factor
            )
            reporters.append(
                DeadLetterQueueReporter(
                    cfg.dlq_topic, task_id.connector, cfg.dlq_context_headers_enable, self.admin.send
                )
            )
        return SinkTaskRunner(
            settings,
            task,
            consumer,
            topics=cfg.topics,
            topics_regex=cfg.topics_regex,
            listener=self.listener,
            reporters=reporters,
            max_poll_records=int(consumer_settings["max.poll.records"]),
            target=target,
            active_topics=self.active_topics,
        )


def _with_prefix(props: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}


__all__ = ["TaskBuilder"]
