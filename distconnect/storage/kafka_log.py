"""KafkaBasedLog: a compacted topic every worker tails to the end and writes to.

Design note. Each store (config, offsets, status) keeps its state in memory as the fold of one
compacted topic. This class owns the two clients that make that work, as Java's ``KafkaBasedLog``:

* a consumer with no group that is assigned *all* partitions, starts at the beginning and hands
  every record, in offset order per partition, to one synchronous callback. The callback runs on
  the event loop between two polls, so a store that mutates its state only in the callback and
  reads it only after :meth:`read_to_end` needs no locks;
* a producer with ``acks=all`` whose :meth:`send` returns once the record is acknowledged.

:meth:`read_to_end` is the barrier the stores are built on: it asks the broker for the end offset
of every partition *now* and returns once every record below those offsets has been applied. A
write followed by ``read_to_end`` therefore returns after this worker has seen its own write and
everything before it. :meth:`start` creates the topic when missing (``cleanup.policy=compact``),
refuses one that is not compacted, and returns after a first ``read_to_end``.

aiokafka errors are translated to :class:`~distconnect.api.errors.ConnectError` here. A failure
of the tailing consumer that cannot be retried fails every pending ``read_to_end`` and crashes
the service (:meth:`~distconnect.runtime.service.Service.wait_crashed`).

Concurrency contract: all methods are called from the event loop that started the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from distconnect.api.errors import ConnectError
from distconnect.runtime.kafka_clients import (
    admin_kwargs,
    consumer_kwargs,
    kafka_errors,
    producer_kwargs,
    translate_kafka_error,
)
from distconnect.runtime.service import Service
from distconnect.storage.topics import TopicSpec, connection_settings, ensure_topic

log = logging.getLogger(__name__)

_POLL_TIMEOUT_MS = 500
_ERROR_BACKOFF_S = 0.5


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One record of the log as the consume callback sees it."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


ConsumeCallback = Callable[[LogRecord], None]


class KafkaBasedLog(Service):
    """Tail and write one compacted topic (see the module docstring).

    ``settings`` are the worker's Java-named client settings; only the connection ones are used
    (:func:`~distconnect.storage.topics.connection_settings`). ``consume`` is called for every
    record, in order, on the event loop; it must not block, and an exception it raises is logged
    and the record skipped.
    """

    def __init__(
        self,
        spec: TopicSpec,
        settings: Mapping[str, Any],
        consume: ConsumeCallback,
        *,
        client_id: str | None = None,
    ) -> None:
        super().__init__(f"KafkaBasedLog[{spec.name}]")
        self.spec = spec
        self._settings = connection_settings(settings)
        if client_id is not None:
            self._settings["client.id"] = client_id
        self._consume = consume
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        #: A second connection for end offsets: a broker answers one connection's requests in order,
        #: so asking through the tailing consumer would wait out its long-polling fetch.
        self._offsets: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        #: partition -> offset of the next record the callback will see
        self._applied: dict[int, int] = {}
        self._waiters: list[tuple[dict[int, int], asyncio.Future[None]]] = []
        self._tail: asyncio.Task[None] | None = None
        self._failure: ConnectError | None = None

    @property
    def topic(self) -> str:
        return self.spec.name

    @property
    def partition_count(self) -> int:
        """Partitions of the topic (known once started)."""
        return len(self._partitions)

    def positions(self) -> dict[int, int]:
        """Per partition, the offset of the next record the callback will be given."""
        return dict(self._applied)

    # -- lifecycle -----------------------------------------------------------------------------

    async def on_start(self) -> None:
        try:
            await self._open()
            await self._catch_up()
        except BaseException:
            await self._close_clients()
            raise

    async def _open(self) -> None:
        admin = AIOKafkaAdminClient(**admin_kwargs(self._settings))
        with kafka_errors(f"connecting to Kafka for topic {self.topic}"):
            await admin.start()
        try:
            count = await ensure_topic(admin, self.spec)
        finally:
            await admin.close()
        self._partitions = [TopicPartition(self.topic, p) for p in range(count)]
        producer_settings = {**self._settings, "acks": "all", "enable.idempotence": "false"}
        self._producer = AIOKafkaProducer(**producer_kwargs(producer_settings))
        consumer_settings = {**self._settings, "enable.auto.commit": "false", "auto.offset.reset": "earliest"}
        self._consumer = AIOKafkaConsumer(**consumer_kwargs(consumer_settings))
        self._offsets = AIOKafkaConsumer(**consumer_kwargs(consumer_settings))
        with kafka_errors(f"starting the clients of topic {self.topic}"):
            await self._producer.start()
            await self._consumer.start()
            await self._offsets.start()
            self._consumer.assign(self._partitions)
            await self._consumer.seek_to_beginning(*self._partitions)
            for tp in self._partitions:
                self._applied[tp.partition] = await self._consumer.position(tp)

    async def _catch_up(self) -> None:
        """Start-up's first read to the end, before the tailing task exists."""
        target = await self._end_offsets()
        while not self._reached(target):
            with kafka_errors(f"reading topic {self.topic}"):
                await self._poll(_POLL_TIMEOUT_MS)

    async def on_started(self) -> None:
        self._tail = self.spawn(self._tail_loop(), name=f"{self.name}-tail")

    async def on_stop(self) -> None:
        self._fail_waiters(ConnectError(f"the log of topic {self.topic} was stopped"))
        if self._tail is not None:
            self._tail.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # a crash is already recorded
                await self._tail
        await self._close_clients()

    async def _close_clients(self) -> None:
        producer, consumer, offsets = self._producer, self._consumer, self._offsets
        self._producer = self._consumer = self._offsets = None
        for client in (producer, consumer, offsets):
            if client is not None:
                try:
                    await client.stop()
                except Exception:  # closing must not mask why we stop
                    log.warning("error closing a client of topic %s", self.topic, exc_info=True)

    # -- reading -------------------------------------------------------------------------------

    async def _tail_loop(self) -> None:
        while True:
            try:
                await self._poll(_POLL_TIMEOUT_MS)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                error = translate_kafka_error(err, f"reading topic {self.topic}")
                if not error.retriable:
                    self._failure = error
                    self._fail_waiters(error)
                    raise error from err
                log.warning("%s; retrying", error)
                await asyncio.sleep(_ERROR_BACKOFF_S)

    async def _poll(self, timeout_ms: int) -> None:
        consumer = self._consumer
        assert consumer is not None
        batches = await consumer.getmany(*self._partitions, timeout_ms=timeout_ms)
        for tp, records in batches.items():
            for record in records:
                entry = LogRecord(tp.partition, record.offset, record.key, record.value)
                try:
                    self._consume(entry)
                except Exception:
                    log.exception("could not apply record %s-%d@%d", self.topic, tp.partition, record.offset)
        # The position only moves when getmany hands records out, so it now equals what was applied
        # (it may also have skipped transaction markers, which carry no records).
        for tp in self._partitions:
            self._applied[tp.partition] = max(self._applied[tp.partition], await consumer.position(tp))
        self._release_waiters()

    def _reached(self, target: Mapping[int, int]) -> bool:
        return all(self._applied.get(p, 0) >= offset for p, offset in target.items())

    def _release_waiters(self) -> None:
        pending = []
        for target, future in self._waiters:
            if future.done():
                continue
            if self._reached(target):
                future.set_result(None)
            else:
                pending.append((target, future))
        self._waiters = pending

    def _fail_waiters(self, error: ConnectError) -> None:
        for _, future in self._waiters:
            if not future.done():
                future.set_exception(error)
        self._waiters = []

    async def _end_offsets(self) -> dict[int, int]:
        assert self._offsets is not None
        with kafka_errors(f"reading the end offsets of topic {self.topic}"):
            ends = await self._offsets.end_offsets(self._partitions)
        return {tp.partition: int(offset) for tp, offset in ends.items()}

    def _check_usable(self) -> None:
        if self._failure is not None:
            raise self._failure
        if not self.running or self._offsets is None or self._producer is None:
            raise ConnectError(f"the log of topic {self.topic} is not running")

    async def read_to_end(self) -> None:
        """Return once every record written before this call has been given to the callback."""
        self._check_usable()
        target = await self._end_offsets()
        if self._reached(target):
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((target, future))
        await future

    # -- writing -------------------------------------------------------------------------------

    async def send(self, key: bytes | None, value: bytes | None) -> None:
        """Write one record and return once the broker acknowledged it (``acks=all``)."""
        await self.send_all([(key, value)])

    async def send_all(self, records: Iterable[tuple[bytes | None, bytes | None]]) -> None:
        """Write records in order and return once all are acknowledged; raise if any failed.

        Records with the same key land in the same partition (Kafka's murmur2 partitioner), in
        the order given.
        """
        self._check_usable()
        producer = self._producer
        assert producer is not None
        with kafka_errors(f"writing to topic {self.topic}"):
            acks = [await producer.send(self.topic, key=key, value=value) for key, value in records]
            results = await asyncio.gather(*acks, return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise result
