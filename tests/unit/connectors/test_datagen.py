"""Datagen driven directly: record limits, sizes, shapes, source partitions and resuming."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distconnect.api.errors import ConnectError
from distconnect.api.records import FrozenMapping
from distconnect.api.struct import Struct
from distconnect.connectors.datagen.payload import VALUE_SCHEMA, PayloadFactory, min_record_size
from distconnect.connectors.datagen.source import DatagenSourceConnector, DatagenSourceTask


async def started(source_context: Any, **extra: str) -> DatagenSourceTask:
    props = {"topic": "bench", "task.id": "1", **extra}
    task = DatagenSourceTask()
    task.initialize(source_context(props))
    await task.start(props)
    return task


def compact_json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def test_connector_makes_tasks_max_tasks_with_ids() -> None:
    connector = DatagenSourceConnector()
    connector.start({"topic": "bench"})
    assert [c["task.id"] for c in connector.task_configs(4)] == ["0", "1", "2", "3"]
    errors = {v.name: v.errors for v in connector.validate({"topic": "bench", "partitions": "0"})}
    assert errors["partitions"]
    assert not errors["topic"]


def test_connector_alter_offsets_checks_the_seqno() -> None:
    connector = DatagenSourceConnector()
    partition = FrozenMapping({"task": 0, "partition": 0})
    assert connector.alter_offsets({}, {partition: {"seqno": 3}, FrozenMapping({"x": 1}): None})
    with pytest.raises(ConnectError, match="seqno"):
        connector.alter_offsets({}, {partition: {"seqno": -1}})


async def test_max_records_stops_production(source_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("distconnect.connectors.datagen.source.POLL_INTERVAL_S", 0.0)
    task = await started(source_context, **{"max.records": "25", "batch.size": "10"})
    sizes = [len(await task.poll()) for _ in range(5)]
    assert sizes == [10, 10, 5, 0, 0]
    await task.stop()


async def test_idle_after_the_limit_until_stopped(
    source_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("distconnect.connectors.datagen.source.POLL_INTERVAL_S", 3600.0)
    task = await started(source_context, **{"max.records": "0"})
    pending = asyncio.create_task(task.poll())
    await task.stop()
    assert await asyncio.wait_for(pending, 5) == []


async def test_records_round_robin_over_source_partitions(source_context: Any) -> None:
    task = await started(source_context, partitions="3", **{"batch.size": "7"})
    records = await task.poll()
    assert [r.source_partition for r in records] == [{"task": 1, "partition": p % 3} for p in range(7)]
    assert [r.source_offset for r in records] == [{"seqno": n // 3} for n in range(7)]
    assert all(r.topic == "bench" and r.key is None and r.value_schema is None for r in records)
    assert [r.value["seq"] for r in records] == [n // 3 for n in range(7)]
    await task.stop()


async def test_resumes_each_partition_and_counts_earlier_runs_toward_the_limit(
    source_context: Any, offsets: Any
) -> None:
    offsets.store({"task": 1, "partition": 0}, {"seqno": 4})
    offsets.store({"task": 1, "partition": 1}, {"seqno": 3})
    task = await started(source_context, partitions="2", **{"max.records": "12", "batch.size": "100"})
    records = await task.poll()
    # 9 already produced (5 + 4); 3 more, continuing each partition's own sequence.
    assert [(dict(r.source_partition or {})["partition"], r.source_offset) for r in records] == [
        (1, {"seqno": 4}),
        (0, {"seqno": 5}),
        (1, {"seqno": 5}),
    ]
    assert offsets.reads == 1  # one batched read for all partitions
    await task.stop()


@settings(max_examples=50, deadline=None)
@given(
    size=st.integers(min_value=min_record_size(), max_value=5000),
    seqno=st.integers(min_value=0, max_value=10**12),
    partition=st.integers(min_value=0, max_value=999),
)
def test_record_size_is_met_up_to_the_digits_of_the_numbers(size: int, seqno: int, partition: int) -> None:
    value = PayloadFactory(3, size, schema_enabled=False).value(partition, seqno, 1_700_000_000_000)
    expected = size + (len(str(seqno)) - 7) + (len(str(partition)) - 1)
    assert abs(compact_json_size(value) - expected) <= 1  # "true" is a byte shorter than "false"


def test_small_sizes_give_the_fixed_fields_only() -> None:
    value = PayloadFactory(0, 10, schema_enabled=False).value(0, 1_234_567, 1_700_000_000_000)
    assert value["pad"] == ""
    assert compact_json_size(value) == min_record_size()


async def test_schema_enabled_produces_valid_structs(source_context: Any) -> None:
    task = await started(
        source_context, **{"schema.enabled": "true", "record.size": "500", "batch.size": "4"}
    )
    records = await task.poll()
    assert len(records) == 4
    for n, record in enumerate(records):
        assert record.value_schema == VALUE_SCHEMA
        assert isinstance(record.value, Struct)
        record.value.validate()
        assert len(VALUE_SCHEMA.fields) == 10
        assert (record.value.get("task"), record.value.get("seq")) == (1, n)
        assert len(record.value.get("pad")) > 300
    await task.stop()


async def test_rate_paces_production(source_context: Any) -> None:
    # At 1 record/s only the first record is due right after start; the pacer arithmetic itself is
    # tested in test_verifiable.py.
    task = await started(source_context, rate="1", **{"batch.size": "100"})
    assert len(await task.poll()) == 1
    await task.stop()
