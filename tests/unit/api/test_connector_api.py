"""The connector developer API, exercised through a small test plugin and fake runtime contexts."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import pytest

from distconnect.api.config import ConfigDef, ConfigType, ConfigValue, Importance, Range
from distconnect.api.connector import Connector, SinkConnector, SourceConnector
from distconnect.api.context import (
    ConnectorContext,
    ErrantRecordReporter,
    OffsetStorageReader,
    SinkTaskContext,
    SourceTaskContext,
)
from distconnect.api.data import STRING_SCHEMA, SchemaAndValue
from distconnect.api.errors import IllegalWorkerStateError, RetriableError
from distconnect.api.headers import Headers
from distconnect.api.plugins import Converter, HeaderConverter, Predicate, Transformation
from distconnect.api.records import (
    FrozenMapping,
    OffsetAndMetadata,
    RecordMetadata,
    SinkRecord,
    SourceRecord,
    TopicPartition,
)
from distconnect.api.task import SinkTask, SourceTask, Task

# -- fake runtime side ---------------------------------------------------------------------------


class FakeConnectorContext(ConnectorContext):
    def __init__(self) -> None:
        self.reconfigurations = 0
        self.errors: list[Exception] = []

    def request_task_reconfiguration(self) -> None:
        self.reconfigurations += 1

    def raise_error(self, exc: Exception) -> None:
        self.errors.append(exc)


class FakeOffsetReader(OffsetStorageReader):
    def __init__(self, stored: Mapping[FrozenMapping, Mapping[str, Any]]) -> None:
        self.stored = dict(stored)

    async def offset(self, partition: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return self.stored.get(FrozenMapping(partition))

    async def offsets(
        self, partitions: Iterable[Mapping[str, Any]]
    ) -> dict[FrozenMapping, Mapping[str, Any]]:
        keys = [FrozenMapping(p) for p in partitions]
        return {k: self.stored[k] for k in keys if k in self.stored}


class FakeSourceTaskContext(SourceTaskContext):
    def __init__(self, props: Mapping[str, str], reader: OffsetStorageReader) -> None:
        self.props, self.reader = props, reader

    def configs(self) -> Mapping[str, str]:
        return self.props

    @property
    def offset_storage_reader(self) -> OffsetStorageReader:
        return self.reader


class FakeSinkTaskContext(SinkTaskContext):
    def __init__(self) -> None:
        self.rewinds: dict[TopicPartition, int] = {}
        self.timeout_ms: int | None = None
        self.commit_requested = False

    def configs(self) -> Mapping[str, str]:
        return {}

    def offset(
        self, tp_or_offsets: TopicPartition | Mapping[TopicPartition, int], offset: int | None = None, /
    ) -> None:
        if isinstance(tp_or_offsets, TopicPartition):
            assert offset is not None
            self.rewinds[tp_or_offsets] = offset
        else:
            self.rewinds.update(tp_or_offsets)

    def timeout(self, timeout_ms: int) -> None:
        self.timeout_ms = timeout_ms

    def assignment(self) -> set[TopicPartition]:
        return set()

    def pause(self, *partitions: TopicPartition) -> None:
        pass

    def resume(self, *partitions: TopicPartition) -> None:
        pass

    def request_commit(self) -> None:
        self.commit_requested = True

    @property
    def errant_record_reporter(self) -> ErrantRecordReporter | None:
        return None


# -- the test plugin -----------------------------------------------------------------------------

CONFIG = (
    ConfigDef()
    .define("topic", ConfigType.STRING, importance=Importance.HIGH, documentation="Target topic.")
    .define("shards", ConfigType.LIST, "s0", importance=Importance.MEDIUM, documentation="Shards.")
    .define("batch.size", ConfigType.INT, 3, Range.at_least(1), Importance.LOW, "Records per poll.")
)


class CounterSourceTask(SourceTask):
    """Counts upwards per shard, resuming after the stored offset."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}
        self.stopped = asyncio.Event()

    def version(self) -> str:
        return "1.0"

    async def start(self, props: Mapping[str, str]) -> None:
        self.topic, self.batch = props["topic"], int(props["batch.size"])
        shards = props["shards"].split(",")
        stored = await self.context.offset_storage_reader.offsets({"shard": s} for s in shards)
        self.next = {s: stored.get(FrozenMapping({"shard": s}), {"n": -1})["n"] + 1 for s in shards}

    async def poll(self) -> list[SourceRecord]:
        records = []
        for shard, start in self.next.items():
            records += [
                SourceRecord(
                    topic=self.topic, value=n, source_partition={"shard": shard}, source_offset={"n": n}
                )
                for n in range(start, start + self.batch)
            ]
            self.next[shard] = start + self.batch
        return records

    async def stop(self) -> None:
        self.stopped.set()


class CounterSourceConnector(SourceConnector):
    def __init__(self) -> None:
        self.calls: list[str] = []

    def version(self) -> str:
        return "1.0"

    def config(self) -> ConfigDef:
        return CONFIG

    def start(self, props: Mapping[str, str]) -> None:
        self.calls.append("start")
        self.props = dict(props)

    def task_class(self) -> type[SourceTask]:
        return CounterSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        shards = self.props["shards"].split(",")
        groups = [shards[i::max_tasks] for i in range(min(max_tasks, len(shards)))]
        return [{**self.props, "shards": ",".join(group)} for group in groups]

    def stop(self) -> None:
        self.calls.append("stop")


class MemorySinkTask(SinkTask):
    """Buffers in put, 'writes' in flush; fails put with RetriableError while `down`."""

    def __init__(self) -> None:
        self.buffer: list[SinkRecord] = []
        self.written: list[SinkRecord] = []
        self.flushed: list[Mapping[TopicPartition, OffsetAndMetadata]] = []
        self.down = False

    def version(self) -> str:
        return "1.0"

    async def start(self, props: Mapping[str, str]) -> None:
        pass

    async def put(self, records: list[SinkRecord]) -> None:
        if self.down:
            self.context.timeout(250)
            raise RetriableError("destination unavailable")
        self.buffer += records

    async def flush(self, current_offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
        self.flushed.append(current_offsets)
        self.written += self.buffer
        self.buffer = []

    async def stop(self) -> None:
        pass


def sink_records(n: int) -> list[SinkRecord]:
    return [SinkRecord(topic="in", kafka_partition=0, kafka_offset=i, value=i) for i in range(n)]


# -- tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "abstract",
    [
        Connector,
        SourceConnector,
        SinkConnector,
        Task,
        SourceTask,
        SinkTask,
        Converter,
        HeaderConverter,
        Transformation,
        Predicate,
        ConnectorContext,
        SourceTaskContext,
        SinkTaskContext,
        OffsetStorageReader,
        ErrantRecordReporter,
    ],
)
def test_api_bases_are_abstract(abstract: type) -> None:
    with pytest.raises(TypeError, match="abstract"):
        abstract()


def test_a_task_missing_poll_cannot_be_instantiated() -> None:
    class NoPoll(SourceTask):
        def version(self) -> str:
            return "0"

        async def start(self, props: Mapping[str, str]) -> None:
            pass

        async def stop(self) -> None:
            pass

    with pytest.raises(TypeError, match="poll"):
        NoPoll()  # type: ignore[abstract]


def errors_by_key(values: list[ConfigValue]) -> dict[str, list[str]]:
    return {v.name: v.errors for v in values}


def test_validate_defaults_to_the_config_def() -> None:
    connector = CounterSourceConnector()

    good = connector.validate({"topic": "t", "batch.size": "10"})
    bad = connector.validate({"batch.size": "0"})

    assert errors_by_key(good) == {"topic": [], "shards": [], "batch.size": []}
    assert {v.name: v.value for v in good}["batch.size"] == 10
    assert errors_by_key(bad)["topic"] != []
    assert errors_by_key(bad)["batch.size"] != []
    assert errors_by_key(bad)["shards"] == []
    assert connector.calls == []  # validate needs no start


async def test_connector_lifecycle_runs_in_worker_threads_like_the_runtime() -> None:
    connector = CounterSourceConnector()
    connector.initialize(FakeConnectorContext())
    props = {"topic": "t", "shards": "a,b,c", "batch.size": "2"}

    await asyncio.to_thread(connector.start, props)
    configs = await asyncio.to_thread(connector.task_configs, 2)
    await asyncio.to_thread(connector.stop)

    assert [c["shards"] for c in configs] == ["a,c", "b"]
    assert issubclass(connector.task_class(), SourceTask)
    assert connector.calls == ["start", "stop"]


def test_context_is_unavailable_before_initialize() -> None:
    with pytest.raises(IllegalWorkerStateError, match="CounterSourceConnector"):
        _ = CounterSourceConnector().context
    with pytest.raises(IllegalWorkerStateError):
        _ = CounterSourceTask().context
    with pytest.raises(IllegalWorkerStateError):
        _ = MemorySinkTask().context


def test_context_storage_does_not_clash_with_plugin_attributes() -> None:
    class OwnContext(CounterSourceConnector):
        def __init__(self) -> None:
            super().__init__()
            self._context = "the plugin's own"

    ctx = FakeConnectorContext()
    connector = OwnContext()
    connector.initialize(ctx)

    assert connector.context is ctx
    assert connector._context == "the plugin's own"
    connector.context.request_task_reconfiguration()
    assert ctx.reconfigurations == 1


def test_reconfigure_defaults_to_stop_then_start() -> None:
    connector = CounterSourceConnector()
    connector.start({"topic": "a"})

    connector.reconfigure({"topic": "b"})

    assert connector.calls == ["start", "stop", "start"]
    assert connector.props == {"topic": "b"}


def test_alter_offsets_defaults_to_not_implemented() -> None:
    class Sink(SinkConnector):
        def version(self) -> str:
            return "1"

        def config(self) -> ConfigDef:
            return ConfigDef()

        def start(self, props: Mapping[str, str]) -> None:
            pass

        def task_class(self) -> type[SinkTask]:
            return MemorySinkTask

        def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
            return [{}] * max_tasks

        def stop(self) -> None:
            pass

    source_offsets: dict[Mapping[str, Any], Mapping[str, Any] | None] = {FrozenMapping({"shard": "a"}): None}
    assert CounterSourceConnector().alter_offsets({}, source_offsets) is False
    assert Sink().alter_offsets({}, {TopicPartition("t", 0): 5, TopicPartition("t", 1): None}) is False
    assert Sink().task_configs(2) == [{}, {}]
    assert SinkConnector.TOPICS_CONFIG == SinkTask.TOPICS_CONFIG == "topics"


async def test_source_task_resumes_from_stored_offsets() -> None:
    reader = FakeOffsetReader({FrozenMapping({"shard": "a"}): {"n": 4}})
    props = {"topic": "t", "shards": "a,b", "batch.size": "2"}
    task = CounterSourceTask()
    task.initialize(FakeSourceTaskContext(props, reader))

    await task.start(props)
    batch = await task.poll()

    assert [(r.source_partition, r.value) for r in batch] == [
        ({"shard": "a"}, 5),
        ({"shard": "a"}, 6),
        ({"shard": "b"}, 0),
        ({"shard": "b"}, 1),
    ]
    assert task.context.configs() is props


async def test_source_task_commit_hooks_default_to_no_ops() -> None:
    task = CounterSourceTask()
    record = SourceRecord(topic="t", value=1)

    await task.commit()
    await task.commit_record(record, RecordMetadata("t", 0, 10, 1234))
    await task.commit_record(record, None)  # no context needed: the defaults touch nothing
    assert not {"commit", "commit_record"} & SourceTask.__abstractmethods__


async def test_stop_while_poll_is_pending_then_runtime_cancels_the_poll() -> None:
    class WaitingTask(CounterSourceTask):
        async def poll(self) -> list[SourceRecord]:
            await asyncio.Event().wait()  # no data, ever
            return []

    task = WaitingTask()
    pending = asyncio.create_task(task.poll())
    await asyncio.sleep(0)  # let poll reach its await

    await task.stop()
    pending.cancel()

    with pytest.raises(asyncio.CancelledError):
        await pending
    assert task.stopped.is_set()


async def test_pre_commit_default_flushes_and_returns_the_offsets() -> None:
    task = MemorySinkTask()
    task.initialize(FakeSinkTaskContext())
    await task.put(sink_records(3))
    offsets = {TopicPartition("in", 0): OffsetAndMetadata(3)}

    committed = await task.pre_commit(offsets)

    assert committed is offsets
    assert task.flushed == [offsets]
    assert [r.value for r in task.written] == [0, 1, 2]
    assert task.buffer == []


async def test_pre_commit_propagates_a_flush_failure() -> None:
    class BrokenFlush(MemorySinkTask):
        async def flush(self, current_offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
            raise RetriableError("disk full")

    with pytest.raises(RetriableError, match="disk full"):
        await BrokenFlush().pre_commit({TopicPartition("in", 0): OffsetAndMetadata(1)})


async def test_sink_task_defaults_and_context_requests() -> None:
    context = FakeSinkTaskContext()
    task = MemorySinkTask()
    task.initialize(context)
    partitions: Collection[TopicPartition] = {TopicPartition("in", 0)}

    await task.open(partitions)
    await task.close(partitions)
    await SinkTask.flush(task, {})
    assert not {"open", "close", "flush", "pre_commit"} & SinkTask.__abstractmethods__

    task.down = True
    with pytest.raises(RetriableError):
        await task.put(sink_records(1))
    assert context.timeout_ms == 250

    task.context.offset(TopicPartition("in", 0), 7)
    task.context.offset({TopicPartition("in", 1): 9})
    assert context.rewinds == {TopicPartition("in", 0): 7, TopicPartition("in", 1): 9}


# -- converters, transformations, predicates ----------------------------------------------------


class UpperConverter(Converter):
    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None:
        self.is_key = is_key

    def from_connect_data(
        self, topic: str, schema: Any, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        return None if value is None else str(value).upper().encode()

    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        return SchemaAndValue(STRING_SCHEMA, None if value is None else value.decode())


async def test_converter_defaults() -> None:
    converter = UpperConverter()
    converter.configure({}, is_key=False)

    assert list(converter.config().names()) == []
    await converter.prepare_from_connect("t", [STRING_SCHEMA, None])
    await converter.prepare_to_connect("t", [b"x", None])
    assert converter.from_connect_data("t", STRING_SCHEMA, "ab") == b"AB"
    assert converter.to_connect_data("t", b"AB") == SchemaAndValue(STRING_SCHEMA, "AB")
    await converter.aclose()


class RenameTopic(Transformation[SinkRecord]):
    def configure(self, configs: Mapping[str, Any]) -> None:
        self.topic = configs["topic"]

    def apply(self, record: SinkRecord) -> SinkRecord | None:
        return None if record.value is None else record.new_record(topic=self.topic)

    def config(self) -> ConfigDef:
        return ConfigDef().define("topic", ConfigType.STRING, documentation="New topic.")


class IsEven(Predicate[SinkRecord]):
    def configure(self, configs: Mapping[str, Any]) -> None:
        pass

    def test(self, record: SinkRecord) -> bool:
        return bool(record.value % 2 == 0)

    def config(self) -> ConfigDef:
        return ConfigDef()


def test_transformation_and_predicate_chain() -> None:
    transform, predicate = RenameTopic(), IsEven()
    transform.configure({"topic": "out"})
    records = [*sink_records(3), SinkRecord(topic="in", kafka_partition=0, kafka_offset=3, value=None)]

    results = [transform.apply(r) if r.value is None or predicate.test(r) else r for r in records]

    assert [(r.topic, r.original_topic) if r else None for r in results] == [
        ("out", "in"),
        ("in", "in"),
        ("out", "in"),
        None,
    ]
    assert records[0].topic == "in"  # the input record is untouched
    assert list(transform.config().names()) == ["topic"]
    transform.close()
    predicate.close()
