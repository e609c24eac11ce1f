"""Fake runtime contexts for driving bundled connector tasks directly, without a worker."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

from distconnect.api.context import (
    ErrantRecordReporter,
    OffsetStorageReader,
    SinkTaskContext,
    SourceTaskContext,
)
from distconnect.api.records import FrozenMapping, TopicPartition


class MemoryOffsetReader(OffsetStorageReader):
    """Offsets kept in a dict keyed by source partition; counts reads."""

    def __init__(self, stored: Mapping[FrozenMapping, Mapping[str, Any]] | None = None) -> None:
        self.stored: dict[FrozenMapping, Mapping[str, Any]] = dict(stored or {})
        self.reads = 0

    def store(self, partition: Mapping[str, Any], offset: Mapping[str, Any]) -> None:
        self.stored[FrozenMapping(partition)] = offset

    async def offset(self, partition: Mapping[str, Any]) -> Mapping[str, Any] | None:
        self.reads += 1
        return self.stored.get(FrozenMapping(partition))

    async def offsets(
        self, partitions: Iterable[Mapping[str, Any]]
    ) -> dict[FrozenMapping, Mapping[str, Any]]:
        self.reads += 1
        keys = [FrozenMapping(p) for p in partitions]
        return {key: self.stored[key] for key in keys if key in self.stored}


class FakeSourceTaskContext(SourceTaskContext):
    def __init__(self, props: Mapping[str, str], reader: MemoryOffsetReader) -> None:
        self.props = dict(props)
        self.reader = reader

    def configs(self) -> Mapping[str, str]:
        return self.props

    @property
    def offset_storage_reader(self) -> OffsetStorageReader:
        return self.reader


class FakeSinkTaskContext(SinkTaskContext):
    def __init__(self, props: Mapping[str, str], assignment: Iterable[TopicPartition] = ()) -> None:
        self.props = dict(props)
        self.assigned = set(assignment)
        self.rewinds: dict[TopicPartition, int] = {}
        self.timeout_ms: int | None = None
        self.commits_requested = 0

    def configs(self) -> Mapping[str, str]:
        return self.props

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
        return set(self.assigned)

    def pause(self, *partitions: TopicPartition) -> None:
        pass

    def resume(self, *partitions: TopicPartition) -> None:
        pass

    def request_commit(self) -> None:
        self.commits_requested += 1

    @property
    def errant_record_reporter(self) -> ErrantRecordReporter | None:
        return None


SourceContextFactory = Callable[..., FakeSourceTaskContext]


@pytest.fixture
def offsets() -> MemoryOffsetReader:
    return MemoryOffsetReader()


@pytest.fixture
def source_context(offsets: MemoryOffsetReader) -> Callable[[Mapping[str, str]], FakeSourceTaskContext]:
    """``source_context(props)``: a context whose offset reader is the ``offsets`` fixture."""

    def make(props: Mapping[str, str]) -> FakeSourceTaskContext:
        return FakeSourceTaskContext(props, offsets)

    return make


@pytest.fixture
def sink_context() -> Callable[..., FakeSinkTaskContext]:
    def make(props: Mapping[str, str], assignment: Iterable[TopicPartition] = ()) -> FakeSinkTaskContext:
        return FakeSinkTaskContext(props, assignment)

    return make
