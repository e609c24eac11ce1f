"""Verifiable connectors driven directly: seqnos, resuming, pacing, and the event log they write."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from distconnect.api.data import INT32_SCHEMA, INT64_SCHEMA
from distconnect.api.errors import ConnectError
from distconnect.api.records import (
    OffsetAndMetadata,
    RecordMetadata,
    SinkRecord,
    SourceRecord,
    TopicPartition,
)
from distconnect.api.struct import Struct
from distconnect.connectors.common import Pacer
from distconnect.connectors.verifiable import eventlog as eventlog_module
from distconnect.connectors.verifiable.analysis import analyze, read_events
from distconnect.connectors.verifiable.eventlog import EventLog
from distconnect.connectors.verifiable.sink import (
    VerifiableSinkConnector,
    VerifiableSinkTask,
    source_coordinates,
)
from distconnect.connectors.verifiable.source import (
    COMPLETE_VALUE_SCHEMA,
    VerifiableSourceConnector,
    VerifiableSourceTask,
)


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def started_source(source_context: Any, log: Path, **extra: str) -> VerifiableSourceTask:
    props = {"name": "vsrc", "topic": "v", "id": "2", "verifiable.log.file": str(log), **extra}
    task = VerifiableSourceTask()
    task.initialize(source_context(props))
    await task.start(props)
    return task


async def started_sink(sink_context: Any, log: Path, task_id: int = 0) -> VerifiableSinkTask:
    props = {"name": "vsink", "topics": "v", "id": str(task_id), "verifiable.log.file": str(log)}
    task = VerifiableSinkTask()
    task.initialize(sink_context(props))
    await task.start(props)
    return task


# -- connectors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("connector_class", [VerifiableSourceConnector, VerifiableSinkConnector])
def test_connectors_number_their_tasks(connector_class: Any) -> None:
    connector = connector_class()
    connector.start({"name": "n", "topic": "v", "topics": "v"})
    configs = connector.task_configs(3)
    assert [c["id"] for c in configs] == ["0", "1", "2"]
    assert all(c["name"] == "n" for c in configs)
    assert connector.version()


def test_source_connector_requires_a_topic() -> None:
    errors = {v.name: v.errors for v in VerifiableSourceConnector().validate({"throughput": "10"})}
    assert errors["topic"]
    assert not errors["throughput"]


# -- source task -----------------------------------------------------------------------------------


async def test_source_counts_from_zero_with_java_shapes(tmp_path: Path, source_context: Any) -> None:
    log = tmp_path / "events.jsonl"
    task = await started_source(source_context, log, **{"batch.size": "3"})
    first, second = await task.poll(), await task.poll()
    records = first + second
    assert [r.value for r in records] == [0, 1, 2, 3, 4, 5]
    assert all(
        r.key == 2 and r.key_schema == INT32_SCHEMA and r.value_schema == INT64_SCHEMA for r in records
    )
    assert all(r.source_partition == {"id": 2} for r in records)
    assert [r.source_offset for r in records] == [{"seqno": n} for n in range(6)]
    events = read_log(log)
    assert [(e["event"], e["seqno"], e["task"], e["name"]) for e in events] == [
        ("sent", n, 2, "vsrc") for n in range(6)
    ]
    assert {e["pid"] for e in events} == {os.getpid()}
    await task.stop()


async def test_source_resumes_after_the_stored_seqno(
    tmp_path: Path, source_context: Any, offsets: Any
) -> None:
    offsets.store({"id": 2}, {"seqno": 41})
    task = await started_source(source_context, tmp_path / "log")
    assert [r.value for r in await task.poll()] == [42]
    await task.stop()


async def test_source_rejects_a_malformed_stored_offset(
    tmp_path: Path, source_context: Any, offsets: Any
) -> None:
    offsets.store({"id": 2}, {"seqno": "41"})
    with pytest.raises(ConnectError, match="seqno"):
        await started_source(source_context, tmp_path / "log")


async def test_commit_record_logs_committed_with_where_it_was_written(
    tmp_path: Path, source_context: Any
) -> None:
    log = tmp_path / "events.jsonl"
    task = await started_source(source_context, log, **{"batch.size": "2"})
    records = await task.poll()
    await asyncio.gather(
        task.commit_record(records[0], RecordMetadata("v", 0, 17)), task.commit_record(records[1], None)
    )
    committed = [e for e in read_log(log) if e["event"] == "committed"]
    assert [(e["seqno"], e["partition"], e["offset"], e["committed"]) for e in committed] == [
        (0, 0, 17, True),
        (1, None, None, True),
    ]
    await task.stop()


async def test_complete_record_data_sends_a_struct(tmp_path: Path, source_context: Any) -> None:
    task = await started_source(source_context, tmp_path / "log", **{"complete.record.data": "true"})
    (record,) = await task.poll()
    assert record.value_schema == COMPLETE_VALUE_SCHEMA
    assert isinstance(record.value, Struct)
    assert (record.value.get("name"), record.value.get("task"), record.value.get("seqno")) == ("vsrc", 2, 0)
    await task.stop()


async def test_zero_throughput_produces_nothing_until_stopped(
    tmp_path: Path, source_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("distconnect.connectors.verifiable.source.POLL_INTERVAL_S", 3600.0)
    task = await started_source(source_context, tmp_path / "log", throughput="0")
    pending = asyncio.create_task(task.poll())
    await task.stop()
    assert await asyncio.wait_for(pending, 5) == []


def test_pacer_spreads_events_evenly() -> None:
    pacer = Pacer(100, start=10.0)
    assert pacer.allowance(0, 10.0) == 1  # the first one is due at once
    assert pacer.allowance(1, 10.0) == 0
    assert pacer.delay(1, 10.0) == pytest.approx(0.01)
    assert pacer.allowance(1, 10.5) == 50  # events 1..50 are due by t=0.5 s
    assert pacer.allowance(51, 10.5) == 0
    assert Pacer(-1, 0.0).allowance(10**9, 0.0) > 10**9
    assert Pacer(0, 0.0).allowance(0, 1e9) == 0
    assert Pacer(0, 0.0).delay(0, 0.0) == float("inf")


# -- sink task -------------------------------------------------------------------------------------


def sink_record(task: Any, seqno: Any, offset: int, partition: int = 0, topic: str = "v") -> SinkRecord:
    return SinkRecord(topic=topic, kafka_partition=partition, kafka_offset=offset, key=task, value=seqno)


async def test_sink_logs_received_then_flushed_per_partition(tmp_path: Path, sink_context: Any) -> None:
    log = tmp_path / "events.jsonl"
    task = await started_sink(sink_context, log, task_id=1)
    await task.put([sink_record(0, 5, 100, partition=0), sink_record(1, 7, 200, partition=1)])
    await task.flush({TopicPartition("v", 0): OffsetAndMetadata(101)})
    events = read_log(log)
    assert [(e["event"], e["task"], e["seqno"], e["offset"], e["sinkTask"]) for e in events] == [
        ("received", 0, 5, 100, 1),
        ("received", 1, 7, 200, 1),
        ("flushed", 0, 5, 100, 1),
    ]
    assert events[-1]["flushed"] is True
    await task.close([TopicPartition("v", 1)])  # partition 1 is taken away unflushed
    await task.flush(
        {TopicPartition("v", 0): OffsetAndMetadata(101), TopicPartition("v", 1): OffsetAndMetadata(201)}
    )
    assert len(read_log(log)) == 3  # nothing left to flush
    await task.stop()


async def test_sink_keys_records_by_the_partition_they_were_read_from(
    tmp_path: Path, sink_context: Any
) -> None:
    log = tmp_path / "events.jsonl"
    task = await started_sink(sink_context, log)
    renamed = sink_record(0, 1, 9).new_record(topic="renamed")
    await task.put([renamed])
    await task.flush({TopicPartition("v", 0): OffsetAndMetadata(10)})
    assert [e["event"] for e in read_log(log)] == ["received", "flushed"]
    await task.stop()


def test_source_coordinates_read_every_value_form() -> None:
    struct = Struct(COMPLETE_VALUE_SCHEMA).put("name", "n").put("task", 3).put("topic", "v")
    struct.put("time_ms", 1).put("seqno", 9)
    assert source_coordinates(sink_record(None, struct, 0)) == (3, 9)
    assert source_coordinates(sink_record(None, {"task": 4, "seqno": 8}, 0)) == (4, 8)
    assert source_coordinates(sink_record("5", "6", 0)) == (5, 6)
    assert source_coordinates(sink_record(b"x", 1.5, 0)) == (None, None)


# -- event log -------------------------------------------------------------------------------------


async def test_concurrent_writes_share_one_thread_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = EventLog(str(tmp_path / "log"))
    calls: list[bytes] = []
    real = EventLog._write_bytes

    def counting(self: EventLog, data: bytes) -> None:
        calls.append(data)
        real(self, data)

    monkeypatch.setattr(EventLog, "_write_bytes", counting)

    async def one(n: int) -> None:
        log.append({"seqno": n})
        await log.write()

    await asyncio.gather(*(one(n) for n in range(50)))
    assert 1 <= len(calls) <= 2  # the first call may start before the others appended
    assert [json.loads(line)["seqno"] for line in (tmp_path / "log").read_text().splitlines()] == list(
        range(50)
    )
    await log.write()  # nothing pending: returns without writing
    assert len(calls) <= 2


async def test_a_failed_write_is_reported_and_does_not_wedge_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = EventLog(str(tmp_path / "no-such-dir" / "log"))
    log.append({"seqno": 1})
    with pytest.raises(FileNotFoundError):
        await log.write()
    monkeypatch.setattr(log, "_path", str(tmp_path / "log"))
    log.append({"seqno": 2})
    await asyncio.wait_for(log.write(), 5)
    assert read_log(tmp_path / "log") == [{"seqno": 2}]


async def test_log_defaults_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    log = EventLog(None)
    log.append({"seqno": 3, "event": eventlog_module.SENT})
    await log.write()
    assert json.loads(capsys.readouterr().out) == {"seqno": 3, "event": "sent"}


# -- source -> "Kafka" -> sink, checked by the analysis ---------------------------------------------


async def test_a_pipeline_without_faults_passes_the_analysis(
    tmp_path: Path, source_context: Any, sink_context: Any
) -> None:
    log = tmp_path / "events.jsonl"
    source = await started_source(source_context, log, **{"batch.size": "10"})
    sink = await started_sink(sink_context, log)
    topic: list[SourceRecord] = []
    for _ in range(5):
        batch = await source.poll()
        for record in batch:
            await source.commit_record(record, RecordMetadata("v", 0, len(topic)))
            topic.append(record)
    await sink.put([sink_record(r.key, r.value, offset) for offset, r in enumerate(topic)])
    await sink.flush({TopicPartition("v", 0): OffsetAndMetadata(len(topic))})
    await source.stop()
    await sink.stop()
    events, skipped = read_events([str(log)])
    report = analyze(events, source_name="vsrc", sink_name="vsink").report(2)
    assert skipped == 0
    assert (report.sent, report.committed, report.received, report.flushed) == (50, 50, 50, 50)
    assert report.errors(min_progress=49, require_complete=True) == []
