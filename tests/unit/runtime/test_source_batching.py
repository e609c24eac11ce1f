"""The batch-oriented source data path: producer batches, per-batch acks, partitioning, offsets.

A fake producer with aiokafka's batch API (real ``BatchBuilder``s, futures resolved by the test)
drives ``SourceTaskRunner._send`` / ``_process_acks`` / ``commit_offsets`` without a broker.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError
from aiokafka.partitioner import DefaultPartitioner

from distconnect.api import SourceRecord, SourceTask
from distconnect.api.records import FrozenMapping, RecordMetadata
from distconnect.converters.string import StringConverter
from distconnect.runtime.offsets import MemoryOffsetStore
from distconnect.runtime.source_task import SourceTaskRunner
from distconnect.runtime.states import Status, StatusListener, TaskId
from distconnect.runtime.submitted import ACKED, SubmittedBatch, SubmittedRecords
from distconnect.runtime.task_runner import TaskSettings
from distconnect.runtime.tolerance import ErrorPolicy
from tests.support import eventually
from tests.unit.runtime.fake_producer import BatchProducer

TASK = TaskId("conn", 0)


# -- SubmittedRecords' bulk API ---------------------------------------------------------------------
def test_batches_interleaved_over_one_source_partition_commit_only_the_acked_prefix() -> None:
    submitted = SubmittedRecords()
    b1, b2 = SubmittedBatch(), SubmittedBatch()
    # poll order: 0 -> b1, 1 -> b2, 2 -> b1, 3 dropped, 4 -> b2
    for seq, batch in enumerate([b1, b2, b1, ACKED, b2]):
        submitted.add(batch, {"file": "a"}, {"pos": seq})
    b1.ack()
    snapshot = submitted.committable()
    assert snapshot.offsets == {FrozenMapping({"file": "a"}): {"pos": 0}}, "record 1 (b2) is in flight"
    assert snapshot.pending == 4
    b2.ack()
    assert submitted.committable().offsets == {FrozenMapping({"file": "a"}): {"pos": 4}}
    assert submitted.pending == 0


def test_one_run_per_partition_and_batch_counts_every_record() -> None:
    submitted = SubmittedRecords()
    batch = SubmittedBatch()
    for seq in range(1000):
        submitted.add(batch, {"file": "a"}, {"pos": seq})
    submitted.add(batch, None, None)
    assert submitted.pending == 1001
    snapshot = submitted.committable()
    assert snapshot.pending == 1001
    assert snapshot.largest_pending == 1000
    batch.ack()
    assert submitted.committable().offsets == {FrozenMapping({"file": "a"}): {"pos": 999}}


class _Listener(StatusListener):
    def on_task_status(self, task: TaskId, status: Status) -> None:
        return None

    def on_connector_status(self, connector: str, status: Status) -> None:  # pragma: no cover
        return None


class _Task(SourceTask):
    def version(self) -> str:
        return "1"

    async def start(self, props: Mapping[str, str]) -> None:
        return None

    async def poll(self) -> list[SourceRecord]:  # pragma: no cover - the tests call _send
        return []

    async def stop(self) -> None:
        return None


class _CommittingTask(_Task):
    def __init__(self) -> None:
        self.committed: list[tuple[str, RecordMetadata | None]] = []

    async def commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:
        self.committed.append((record.value, metadata))


def _settings(tolerate_all: bool = False, stages: tuple[Any, ...] = ()) -> TaskSettings:
    converters = []
    for is_key in (True, False, False):
        converter = StringConverter()
        converter.configure({}, is_key)
        converters.append(converter)
    return TaskSettings(
        task_id=TASK,
        task_config={},
        worker_id="w1",
        key_converter=converters[0],
        value_converter=converters[1],
        header_converter=converters[2],
        stages=stages,
        policy=ErrorPolicy(tolerate_all=tolerate_all),
    )


def _records(n: int, start: int = 0, **extra: Any) -> list[SourceRecord]:
    return [
        SourceRecord(
            topic="t",
            value=f"v{i}",
            timestamp=1000 + i,
            source_partition={"file": "a"},
            source_offset={"pos": i},
            **extra,
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
async def acks() -> AsyncIterator[list[asyncio.Task[None]]]:
    tasks: list[asyncio.Task[None]] = []
    yield tasks
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _runner(task: SourceTask, producer: BatchProducer, acks: list[Any], **kw: Any) -> SourceTaskRunner:
    runner = SourceTaskRunner(_settings(**kw), task, producer, MemoryOffsetStore(), _Listener())  # type: ignore[arg-type]
    acks.append(asyncio.ensure_future(runner._process_acks()))
    return runner


async def _stored(runner: SourceTaskRunner) -> Any:
    return (await runner.offsets.read("conn", [{"file": "a"}])).get(FrozenMapping({"file": "a"}))


async def test_records_go_out_in_batches_and_commit_record_gets_base_offset_plus_index(
    acks: list[Any],
) -> None:
    producer = BatchProducer(batch_bytes=80)  # a few records per batch
    task = _CommittingTask()
    runner = _runner(task, producer, acks)
    await runner._send(_records(20))
    assert len(producer.batches) > 2
    assert [v for b in producer.batches for v in b.values] == [f"v{i}".encode() for i in range(20)]
    assert producer.single_sends == 0
    for sent in producer.batches:
        producer.ack(sent)
    await eventually(lambda: len(task.committed) == 20, deadline_s=5, interval=0.01)
    assert task.committed == [(f"v{i}", RecordMetadata("t", 0, i, 1000 + i)) for i in range(20)]
    assert runner.records_written == 20
    assert await runner.commit_offsets()
    assert await _stored(runner) == {"pos": 19}


async def test_an_offset_is_not_committed_while_an_earlier_batch_is_in_flight(acks: list[Any]) -> None:
    producer = BatchProducer(batch_bytes=80)
    runner = _runner(_Task(), producer, acks)
    await runner._send(_records(20))
    first, *rest = producer.batches
    for sent in rest:  # later batches acknowledged first: nothing may be committed
        producer.ack(sent)
    await asyncio.sleep(0.05)
    await runner.commit_offsets()
    assert await _stored(runner) is None
    producer.ack(first)
    await eventually(lambda: not runner._in_flight, deadline_s=5, interval=0.01)
    await runner.commit_offsets()
    assert await _stored(runner) == {"pos": 19}


async def test_failed_batch_with_tolerance_all_skips_its_records_and_advances(acks: list[Any]) -> None:
    producer = BatchProducer(batch_bytes=80)
    task = _CommittingTask()
    runner = _runner(task, producer, acks, tolerate_all=True)
    await runner._send(_records(20))
    failed = producer.batches[0]
    failed.future.set_exception(KafkaTimeoutError())
    for sent in producer.batches[1:]:
        producer.ack(sent)
    await eventually(lambda: len(task.committed) == 20, deadline_s=5, interval=0.01)
    assert [m for _, m in task.committed[: len(failed.values)]] == [None] * len(failed.values)
    assert runner.tolerance.total_errors == len(failed.values)
    await runner.commit_offsets()
    assert await _stored(runner) == {"pos": 19}


async def test_failed_batch_without_tolerance_fails_the_ack_processor(acks: list[Any]) -> None:
    producer = BatchProducer()
    runner = _runner(_Task(), producer, acks)
    await runner._send(_records(5))
    producer.batches[0].future.set_exception(KafkaTimeoutError())
    with pytest.raises(Exception, match="Tolerance exceeded"):
        await asyncio.wait_for(acks[0], 5)
    await runner.commit_offsets()
    assert await _stored(runner) is None


async def test_partitions_follow_explicit_partition_then_murmur2_key_then_sticky(acks: list[Any]) -> None:
    producer = BatchProducer(partitions=6, batch_bytes=100)
    runner = _runner(_Task(), producer, acks)
    explicit = _records(3, kafka_partition=4)
    keyed = [
        SourceRecord(
            topic="t", key=f"k{i}", value="x", source_partition={"file": "a"}, source_offset={"pos": i}
        )
        for i in range(30)
    ]
    await runner._send([*explicit, *keyed])
    by_partition: dict[int, list[bytes | None]] = {}
    for sent in producer.batches:
        by_partition.setdefault(sent.partition, []).extend(sent.keys)
    assert all(k is None for k in by_partition[4][:3])
    partitioner = DefaultPartitioner()
    for partition, keys in by_partition.items():
        for key in keys:
            if key is not None:
                assert partitioner(key, list(range(6)), list(range(6))) == partition

    producer.batches.clear()
    await runner._send(_records(40, start=100))  # null keys: one partition per batch
    assert len(producer.batches) > 2
    assert all(len(sent.values) > 1 for sent in producer.batches[:-1])
    partitions = [sent.partition for sent in producer.batches]
    assert all(a != b for a, b in itertools.pairwise(partitions)), "sticks per batch"


async def test_in_flight_is_bounded_in_records(acks: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("distconnect.runtime.source_task.MAX_IN_FLIGHT", 10)
    producer = BatchProducer(batch_bytes=60)
    runner = _runner(_Task(), producer, acks)
    sending = asyncio.ensure_future(runner._send(_records(40)))
    await asyncio.sleep(0.05)
    assert not sending.done()
    assert 0 < runner._in_flight_records <= 10
    while not sending.done():
        for sent in producer.batches:
            if not sent.future.done():
                producer.ack(sent)
        await asyncio.sleep(0.01)
    await sending
    assert sum(len(sent.values) for sent in producer.batches) == 40


class _DropOdd:
    """A transformation stage that drops records with an odd position."""

    def apply(self, record: SourceRecord) -> SourceRecord | None:
        return None if record.source_offset["pos"] % 2 else record  # type: ignore[index]


async def test_a_dropped_record_does_not_commit_past_an_earlier_record_in_flight(acks: list[Any]) -> None:
    producer = BatchProducer()
    runner = _runner(_Task(), producer, acks, stages=(_DropOdd(),))
    await runner._send(_records(4))  # 0 and 2 go out, 1 and 3 are dropped (acked at once)
    assert producer.batches[0].values == [b"v0", b"v2"]
    await runner.commit_offsets()
    assert await _stored(runner) is None, "record 0 is in flight: dropping 1 must not commit it"
    producer.ack(producer.batches[0])
    await eventually(lambda: not runner._in_flight, deadline_s=5, interval=0.01)
    await runner.commit_offsets()
    assert await _stored(runner) == {"pos": 3}
