"""Which source offsets are safe to commit: only those of records the broker acknowledged.

A source task hands records to the producer in poll order, but acknowledgements arrive per Kafka
partition and may overtake each other. Committing the offset of an acknowledged record while an
earlier record of the *same source partition* is still in flight would lose that earlier record
on a crash. So records are kept per source partition in submission order, and the committable
offset of a source partition is the offset of the last record of its fully acknowledged prefix.
A record that is dropped on purpose (filtered by a transform, skipped by ``errors.tolerance``)
counts as acknowledged at submission.

The data path submits records a producer batch at a time: :meth:`SubmittedRecords.add` files a
record under a :class:`SubmittedBatch` (one acknowledgement for the whole batch), and consecutive
records of one source partition in the same batch share a single entry (a run), so the per-record
cost is one dict lookup. Runs are appended in submission order, so the invariant is unchanged.

Pure and synchronous; owned by one source task runner on one event loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from distconnect.api.records import FrozenMapping

SourcePartition = FrozenMapping
SourceOffset = Mapping[str, Any]


@dataclass(slots=True)
class SubmittedRecord:
    """One record in flight; :meth:`ack` marks it acknowledged (idempotent)."""

    partition: SourcePartition | None
    offset: SourceOffset | None
    acked: bool = False

    def ack(self) -> None:
        self.acked = True

    @property
    def count(self) -> int:
        return 1


class SubmittedBatch:
    """Records acknowledged together (one producer batch); :meth:`ack` marks all of them."""

    __slots__ = ("acked",)

    def __init__(self, acked: bool = False) -> None:
        self.acked = acked

    def ack(self) -> None:
        self.acked = True


class _Run:
    """Consecutive records of one source partition in one batch: the offset of the last one."""

    __slots__ = ("batch", "count", "offset")

    def __init__(self, batch: SubmittedBatch, offset: SourceOffset | None) -> None:
        self.batch = batch
        self.offset = offset
        self.count = 1

    @property
    def acked(self) -> bool:
        return self.batch.acked


class _Entry(Protocol):
    @property
    def acked(self) -> bool: ...
    @property
    def offset(self) -> SourceOffset | None: ...
    @property
    def count(self) -> int: ...


#: The batch of records acknowledged at submission (dropped by a transform, skipped on error).
ACKED = SubmittedBatch(acked=True)


@dataclass(slots=True)
class CommittableOffsets:
    """A snapshot of what may be committed now and how much is still in flight."""

    offsets: dict[SourcePartition, SourceOffset | None] = field(default_factory=dict)
    #: Records submitted but not yet acknowledged, over all source partitions.
    pending: int = 0
    #: The source partition with the most unacknowledged records, for diagnostics.
    largest_pending_partition: SourcePartition | None = None
    largest_pending: int = 0


class SubmittedRecords:
    """In-flight records per source partition, in submission order."""

    def __init__(self) -> None:
        self._records: dict[SourcePartition | None, deque[_Entry]] = {}
        # The last source partition seen (a copy) and its key: sources mostly repeat one partition.
        self._last_partition: dict[str, Any] | None = None
        self._last_key: SourcePartition | None = None

    def _key(self, partition: Mapping[str, Any] | None) -> SourcePartition | None:
        if partition is None or isinstance(partition, FrozenMapping):
            return partition
        if partition == self._last_partition:
            return self._last_key
        key = FrozenMapping(partition)
        self._last_partition, self._last_key = dict(partition), key
        return key

    def submit(self, partition: Mapping[str, Any] | None, offset: SourceOffset | None) -> SubmittedRecord:
        key = self._key(partition)
        record = SubmittedRecord(key, offset)
        self._records.setdefault(key, deque()).append(record)
        return record

    def add(
        self, batch: SubmittedBatch, partition: Mapping[str, Any] | None, offset: SourceOffset | None
    ) -> None:
        """Submit one record, acknowledged when ``batch`` is (records are added in poll order)."""
        key = self._key(partition)
        queue = self._records.get(key)
        if queue is None:
            queue = self._records[key] = deque()
        elif queue:
            tail = queue[-1]
            if type(tail) is _Run and tail.batch is batch:
                tail.offset = offset
                tail.count += 1
                return
        queue.append(_Run(batch, offset))

    def committable(self) -> CommittableOffsets:
        """Remove the acknowledged prefix of every partition and return the offsets it reaches.

        Records without a source partition (or offset) are never committed, only counted.
        """
        result = CommittableOffsets()
        for partition in list(self._records):
            queue = self._records[partition]
            last: _Entry | None = None
            while queue and queue[0].acked:
                last = queue.popleft()
            if last is not None and partition is not None and last.offset is not None:
                result.offsets[partition] = last.offset
            if queue:
                waiting = sum(entry.count for entry in queue)
                result.pending += waiting
                if waiting > result.largest_pending:
                    result.largest_pending = waiting
                    result.largest_pending_partition = partition
            else:
                del self._records[partition]
        return result

    @property
    def pending(self) -> int:
        return sum(e.count for queue in self._records.values() for e in queue if not e.acked)
