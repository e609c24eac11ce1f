"""Connector and task configurations, target states, the session key and restart requests.

:class:`KafkaConfigStore` keeps them in the config topic, in Apache Kafka Connect's record format
(:mod:`~distconnect.storage.config_records`), so a Java worker and ours can read each other's
configurations. Every worker tails the topic (:class:`~distconnect.storage.kafka_log.KafkaBasedLog`)
and folds it into a :class:`~distconnect.storage.cluster_state.ConfigLogState`; :meth:`snapshot`
hands out an immutable copy. The topic must have exactly one partition, so every worker reads the
records in the same order.

Writes return once the records are acknowledged *and read back* (except target states, which
only wait for the acknowledgement, as in Java), each within a 30 s budget.
:meth:`ConfigStore.put_task_configs` writes the task records, reads them back, then writes the
commit record that makes them visible: a reader never sees part of a task set.

:class:`MemoryConfigStore` is the same fold over an in-memory list of encoded records
(:class:`MemoryConfigLog`), which several stores may share: herder tests get multi-worker
behaviour, compaction and half-written commits without a broker.

Concurrency contract: one event loop; writes may be issued concurrently but each is a sequence of
awaits, so callers that need ordering between writes (the leader) issue them one at a time.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from distconnect.api.errors import ConnectError
from distconnect.api.plugins import Converter
from distconnect.runtime.states import TargetState, TaskId
from distconnect.storage.cluster_state import ClusterConfigState, ConfigLogState, ConfigUpdateListener
from distconnect.storage.config_records import (
    LOGGER_CLUSTER_PREFIX,
    SESSION_KEY_KEY,
    ConfigRecordCodec,
    commit_key,
    connector_key,
    restart_key,
    target_state_key,
    task_key,
)
from distconnect.storage.config_types import Properties, RestartRequest, SessionKey
from distconnect.storage.kafka_log import KafkaBasedLog, LogRecord
from distconnect.storage.records import internal_converter
from distconnect.storage.topics import TopicSpec

log = logging.getLogger(__name__)

#: Java's ``READ_WRITE_TOTAL_TIMEOUT_MS``: the budget of one write, read-backs included.
READ_WRITE_TOTAL_TIMEOUT_S = 30.0

Record = tuple[str, bytes | None]


class ConfigStore(ABC):
    """The cluster's configuration, shared through a log every worker reads in the same order."""

    def __init__(self, converter: Converter | None = None) -> None:
        self.codec = ConfigRecordCodec(converter or internal_converter())
        self._state = ConfigLogState()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Read the whole log; listener calls and restart requests start after this."""
        self._state.started = True

    async def stop(self) -> None:  # noqa: B027  (an optional hook)
        """Stop reading; acknowledged writes are durable."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def set_listener(self, listener: ConfigUpdateListener) -> None:
        self._state.listener = listener

    # -- reading -------------------------------------------------------------------------------

    def snapshot(self) -> ClusterConfigState:
        """An immutable copy of everything read so far."""
        return self._state.snapshot()

    def contains(self, connector: str) -> bool:
        return connector in self._state.connector_configs

    @property
    def offset(self) -> int:
        """The config offset: the offset of the next record to read (-1 before any)."""
        return self._state.offset

    async def refresh(self, timeout_s: float | None = None) -> None:
        """Read everything written before this call (``TimeoutError`` after ``timeout_s``)."""
        async with asyncio.timeout(timeout_s):
            await self._read_to_end()

    @abstractmethod
    async def _read_to_end(self) -> None: ...

    @abstractmethod
    async def _send(self, records: Sequence[Record]) -> None:
        """Write ``records`` in order and wait for their acknowledgement."""

    # -- writing -------------------------------------------------------------------------------

    async def _write(self, what: str, records: Sequence[Record], read_back: bool = True) -> None:
        try:
            async with asyncio.timeout(READ_WRITE_TOTAL_TIMEOUT_S):
                await self._send(records)
                if read_back:
                    await self._read_to_end()
        except (TimeoutError, ConnectError) as err:
            log.error("Failed to write %s: %s", what, err)
            raise ConnectError(f"Error writing {what} to Kafka: {err}") from err

    async def put_connector_config(
        self, connector: str, properties: Properties, target_state: TargetState | None = None
    ) -> None:
        """Create or update a connector, optionally with its initial target state (written first)."""
        records: list[Record] = []
        if target_state is not None:
            records.append((target_state_key(connector), self.codec.target_state(target_state)))
        records.append((connector_key(connector), self.codec.connector_config(properties)))
        await self._write("connector configuration", records)

    async def remove_connector_config(self, connector: str) -> None:
        """Delete a connector: tombstones for its config and its target state (as Java; task and
        commit records stay until a new connector of that name overwrites them)."""
        records: list[Record] = [(connector_key(connector), None), (target_state_key(connector), None)]
        await self._write("connector removal", records)

    async def put_task_configs(self, connector: str, configs: Sequence[Properties]) -> None:
        """Replace the connector's task configs: task records, read back, then the commit record."""
        what = "task configurations"
        try:
            async with asyncio.timeout(READ_WRITE_TOTAL_TIMEOUT_S):
                await self._read_to_end()
                tasks = [
                    (task_key(TaskId(connector, n)), self.codec.task_config(config))
                    for n, config in enumerate(configs)
                ]
                if tasks:
                    await self._send(tasks)
                    await self._read_to_end()
                await self._send([(commit_key(connector), self.codec.commit(len(tasks)))])
                await self._read_to_end()
        except (TimeoutError, ConnectError) as err:
            log.error("Failed to write %s: %s", what, err)
            raise ConnectError(f"Error writing {what} to Kafka: {err}") from err

    async def put_target_state(self, connector: str, state: TargetState) -> None:
        """Pause, resume or stop a connector; any worker may write this (no read-back)."""
        await self._write(
            "target state", [(target_state_key(connector), self.codec.target_state(state))], False
        )

    async def put_session_key(self, session_key: SessionKey) -> None:
        await self._write("session key", [(SESSION_KEY_KEY, self.codec.session_key(session_key))])

    async def put_restart_request(self, request: RestartRequest) -> None:
        record = (restart_key(request.connector), self.codec.restart_request(request))
        await self._write(f"restart request for {request.connector}", [record])

    async def put_logger_level(self, namespace: str, level: str) -> None:
        """A cluster-wide log level (KIP-976), ``logger-cluster-<namespace>``; any worker may write
        it, every started worker applies it when it reads it (no read-back, as Java)."""
        record = (LOGGER_CLUSTER_PREFIX + namespace, self.codec.logger_level(level))
        await self._write("logger level", [record], False)

    # -- applying records ----------------------------------------------------------------------

    def _apply(self, offset: int, key: bytes | str | None, value: bytes | None) -> None:
        if isinstance(key, bytes):
            try:
                key = key.decode("utf-8")
            except UnicodeDecodeError:
                log.error("Discarding config record at offset %d: key is not UTF-8", offset)
                key = None
        self._state.apply(offset, self.codec.decode(key, value) if key is not None else None)


class KafkaConfigStore(ConfigStore):
    """The config topic (``config.storage.topic``); see the module docstring."""

    def __init__(
        self,
        spec: TopicSpec,
        settings: Mapping[str, Any],
        converter: Converter | None = None,
        *,
        client_id: str | None = None,
    ) -> None:
        super().__init__(converter)
        if spec.partitions not in (1, -1):
            log.warning("Ignoring %d partitions for %s: the config topic has one", spec.partitions, spec.name)
        self.spec = TopicSpec(spec.name, 1, spec.replication_factor, spec.setting, spec.purpose, spec.configs)
        self.log = KafkaBasedLog(self.spec, settings, self._on_record, client_id=client_id)

    def _on_record(self, record: LogRecord) -> None:
        self._apply(record.offset, record.key, record.value)

    async def start(self) -> None:
        log.info("Starting KafkaConfigStore on %s", self.spec.name)
        await self.log.start()
        if self.log.partition_count > 1:
            count = self.log.partition_count
            await self.log.stop()
            raise ConnectError(
                f"Topic '{self.spec.name}' supplied via the '{self.spec.setting}' property is required to "
                "have a single partition in order to guarantee consistency of connector configurations, "
                f"but found {count} partitions."
            )
        await super().start()
        log.info("Started KafkaConfigStore at config offset %d", self.offset)

    async def stop(self) -> None:
        await self.log.stop()

    async def _read_to_end(self) -> None:
        await self.log.read_to_end()

    async def _send(self, records: Sequence[Record]) -> None:
        await self.log.send_all((key.encode("utf-8"), value) for key, value in records)


class MemoryConfigLog:
    """An in-memory config topic: encoded records in write order, shareable between stores."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def append(self, records: Iterable[Record]) -> None:
        self.records.extend(records)


class MemoryConfigStore(ConfigStore):
    """The config store without Kafka: same records, same fold, same visibility rules."""

    def __init__(self, shared: MemoryConfigLog | None = None, converter: Converter | None = None) -> None:
        super().__init__(converter)
        self.topic = shared if shared is not None else MemoryConfigLog()
        self._position = 0

    async def start(self) -> None:
        await self._read_to_end()
        await super().start()

    async def _read_to_end(self) -> None:
        while self._position < len(self.topic.records):
            key, value = self.topic.records[self._position]
            self._apply(self._position, key, value)
            self._position += 1

    async def _send(self, records: Sequence[Record]) -> None:
        self.topic.append(records)
        await self._read_to_end()  # an instantly caught-up reader
