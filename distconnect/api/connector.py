"""Connectors: the configuration-level half of a plugin, which splits a job into task configs.

A connector does not move data. It validates its configuration, inspects the external system if
it must (which tables, which files), and divides the work among up to ``tasks.max`` tasks; the tasks
(see :mod:`distconnect.api.task`) move the data.

Threading: every ``Connector`` method is a plain synchronous method, because connectors commonly
call blocking client libraries (JDBC-style drivers, cloud SDKs) to discover their work. The
runtime runs each call in a worker thread (``asyncio.to_thread``), so these methods *may block*
without stalling the event loop. The runtime never calls two methods of one instance at the same
time. A call that hangs past the runtime's timeout is abandoned (a thread cannot be killed) and the
connector is reported FAILED, so give blocking calls their own timeouts.

Errors: an exception from ``start``, ``task_configs`` or ``stop`` puts the connector in state
FAILED with the exception's trace visible through the status API; the worker and other connectors
carry on. Raise :class:`~distconnect.api.errors.ConnectError` (or a subclass) with a message that
names what went wrong. From a thread the connector started itself, report failures with
``self.context.raise_error(exc)``.

Naming: bundled plugins end their class names in ``SourceConnector`` / ``SinkConnector``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigDef, ConfigValue
from distconnect.api.context import ConnectorContext
from distconnect.api.errors import IllegalWorkerStateError
from distconnect.api.records import TopicPartition
from distconnect.api.task import SinkTask, SourceTask, Task


class Connector(ABC):
    """Base of :class:`SourceConnector` and :class:`SinkConnector`; subclass one of those.

    Lifecycle, in a worker thread each: ``initialize`` -> ``start`` -> ``task_configs`` (again
    whenever the runtime rebalances or the connector requests reconfiguration) -> ``stop``. The
    runtime also calls ``validate`` and ``config`` on instances that are never started, to check
    a configuration before it is accepted. Subclasses need no particular ``__init__``; the runtime
    creates them with no arguments.
    """

    __context: ConnectorContext | None = None

    @abstractmethod
    def version(self) -> str:
        """The plugin's version string, shown by the plugins and status APIs. Must not block."""

    def initialize(self, context: ConnectorContext) -> None:
        """Receive the connector's context. Called once, before :meth:`start`.

        Subclasses that override this must call ``super().initialize(context)``.
        """
        self.__context = context

    @property
    def context(self) -> ConnectorContext:
        """The context given to :meth:`initialize`; raises ``IllegalWorkerStateError`` before."""
        if self.__context is None:
            raise IllegalWorkerStateError(f"{type(self).__name__} used before initialize()")
        return self.__context

    @abstractmethod
    def start(self, props: Mapping[str, str]) -> None:
        """Start with the connector's configuration (already validated). Runs in a worker thread
        and may block, e.g. to connect to the external system and discover its partitions.

        Raising fails the connector; :class:`~distconnect.api.errors.RetriableError` does too
        (restart policies decide whether to try again).
        """

    def reconfigure(self, props: Mapping[str, str]) -> None:
        """Apply a changed configuration. Runs in a worker thread and may block.

        The default stops and starts the connector again; override it to reconfigure in place.
        """
        self.stop()
        self.start(props)

    @abstractmethod
    def task_class(self) -> type[Task]:
        """The task class this connector's tasks are instances of. Must not block."""

    @abstractmethod
    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """Split the work into at most ``max_tasks`` task configurations.

        Called after :meth:`start` and again after :meth:`ConnectorContext.request_task_reconfiguration`.
        Runs in a worker thread and may block. Returning fewer configs than ``max_tasks`` is fine
        (there may be less parallelism than allowed); returning more is an error. Each config is
        what one task's ``start`` receives, so values are strings. Partition the work here: give
        each task a disjoint share (files, tables, shards) so tasks never duplicate data.
        """

    @abstractmethod
    def stop(self) -> None:
        """Stop: release clients, stop threads the connector started. Runs in a worker thread.

        Called once after a successful :meth:`start`, also when the connector is paused, deleted
        or moved to another worker. It should return promptly; the connector's tasks are stopped
        separately.
        """

    @abstractmethod
    def config(self) -> ConfigDef:
        """The connector's configuration definition: used by :meth:`validate`, by the
        ``…/config/validate`` REST endpoint and to generate documentation. Must not block."""

    def validate(self, connector_configs: Mapping[str, str]) -> list[ConfigValue]:
        """Check a configuration and report, per key, its value, errors, recommended values and
        visibility (the shape of the REST ``…/config/validate`` response).

        Runs in a worker thread on an instance that may never be started. The default applies
        :meth:`config`'s ``ConfigDef.validate``; override it to add checks that span keys or need
        the external system (which may block), typically by calling ``super().validate`` and
        appending errors to the returned values. Problems are reported as errors in the result,
        not raised.
        """
        return self.config().validate(connector_configs)


class SourceConnector(Connector):
    """A connector whose tasks read an external system and produce records to Kafka."""

    @abstractmethod
    def task_class(self) -> type[SourceTask]:
        """The :class:`~distconnect.api.task.SourceTask` subclass to run. Must not block."""

    def alter_offsets(
        self,
        connector_config: Mapping[str, str],
        offsets: Mapping[Mapping[str, Any], Mapping[str, Any] | None],
    ) -> bool:
        """Called when a user alters or resets this connector's offsets through the REST API,
        with the connector stopped. Runs in a worker thread and may block.

        ``offsets`` maps source partitions (as :class:`~distconnect.api.records.FrozenMapping`) to
        the requested new offsets; a ``None`` offset means that partition's offset is reset
        (deleted). Raise :class:`~distconnect.api.errors.ConnectError` to reject the request
        (the REST call fails with its message and nothing is changed). Return ``True`` if this
        connector validated the request and updated any offsets it keeps outside Kafka; the
        default returns ``False``, meaning "not implemented": the runtime then alters its own
        offset store only and tells the user the connector did not confirm the change.
        """
        return False


class SinkConnector(Connector):
    """A connector whose tasks consume records from Kafka topics and write them elsewhere.

    Sinks get parallelism from Kafka's consumer group: the runtime spreads the partitions of the
    ``topics`` (or ``topics.regex``) among the tasks, so ``task_configs`` usually returns
    ``max_tasks`` copies of the same configuration.
    """

    #: The configuration key naming the topics to consume (comma-separated).
    TOPICS_CONFIG = "topics"
    #: The configuration key with a regular expression selecting topics to consume.
    TOPICS_REGEX_CONFIG = "topics.regex"

    @abstractmethod
    def task_class(self) -> type[SinkTask]:
        """The :class:`~distconnect.api.task.SinkTask` subclass to run. Must not block."""

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[TopicPartition, int | None]
    ) -> bool:
        """Called when a user alters or resets this connector's consumer offsets through the REST
        API, with the connector stopped. Runs in a worker thread and may block.

        ``offsets`` maps partitions to the requested next offset to consume; ``None`` resets the
        partition (its committed offset is deleted). Raise
        :class:`~distconnect.api.errors.ConnectError` to reject the request. Return ``True`` if
        this connector validated the request and updated offsets it keeps in the destination
        system; the default returns ``False`` ("not implemented"), and the runtime changes only
        the consumer group's offsets.
        """
        return False


__all__ = ["Connector", "SinkConnector", "SourceConnector"]
