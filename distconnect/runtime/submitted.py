"""Which source offsets are safe to commit: only those of records the broker acknowledged.

A source task hands records to the producer in poll order, but acknowledgements arrive per Kafka
partition and may overtake each other. Committing the offset of an acknowledged record while an
earlier record of the *same source partition* is still in flight would lose that earlier record
on a crash. So records are kept per source partition in submission order, and the committable
offset of a source partition is the offset of the last record of its fully acknowledged prefix.
A record that is dropped on purpose (filtered by a transform, skipped by ``errors.tolerance``)
counts as acknowledged at submission.

Pure and synchronous; owned by one source task runner on one event loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
        self._records: dict[SourcePartition | None, deque[SubmittedRecord]] = {}

    def submit(self, partition: Mapping[str, Any] | None, offset: SourceOffset | None) -> SubmittedRecord:
        key = (
            partition
            if partition is None or isinstance(partition, FrozenMapping)
            else FrozenMapping(partition)
        )
        record = SubmittedRecord(key, offset)
        self._records.setdefault(key, deque()).append(record)
        return record

    def committable(self) -> CommittableOffsets:
        """Remove the acknowledged prefix of every partition and return the offsets it reaches.

        Records without a source partition (or offset) are never committed, only counted.
        """
        result = CommittableOffsets()
        for partition in list(self._records):
            queue = self._records[partition]
            last: SubmittedRecord | None = None
            while queue and queue[0].acked:
                last = queue.popleft()
            if last is not None and partition is not None and last.offset is not None:
                result.offsets[partition] = last.offset
            if queue:
                result.pending += len(queue)
                if len(queue) > result.largest_pending:
                    result.largest_pending = len(queue)
                    result.largest_pending_partition = partition
            else:
                del self._records[partition]
        return result

    @property
    def pending(self) -> int:
        return sum(1 for queue in self._records.values() for r in queue if not r.acked)
