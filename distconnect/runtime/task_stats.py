"""Plain counters the runtime keeps, read by the metrics collector when it is scraped.

A runner updates them once per *batch* (a poll, a put, an offset commit), never per record, with
a few integer operations and no locks: everything runs on the worker's event loop, and a scrape
reads them on the same loop. The distributed herder updates :class:`RebalanceStats` around each
rebalance. :mod:`distconnect.metrics` turns them all into Prometheus families.
"""

from __future__ import annotations

import time
from bisect import bisect_left

#: Upper bounds of the batch-size histogram buckets (records); one more bucket is ``+Inf``.
BATCH_SIZE_BOUNDS: tuple[int, ...] = (1, 5, 10, 50, 100, 500, 1000, 5000, 10000)


class SizeHistogram:
    """Sizes of the batches a task moved: per-bucket counts (not cumulative), count, sum and max."""

    __slots__ = ("buckets", "count", "max", "sum")

    def __init__(self) -> None:
        self.buckets = [0] * (len(BATCH_SIZE_BOUNDS) + 1)
        self.count = 0
        self.sum = 0
        self.max = 0

    def observe(self, size: int) -> None:
        self.buckets[bisect_left(BATCH_SIZE_BOUNDS, size)] += 1
        self.count += 1
        self.sum += size
        if size > self.max:
            self.max = size

    def cumulative(self) -> list[tuple[str, int]]:
        """``(le, count)`` pairs as Prometheus histograms expose them, ending with ``+Inf``."""
        out: list[tuple[str, int]] = []
        total = 0
        for bound, count in zip(
            (*(str(float(b)) for b in BATCH_SIZE_BOUNDS), "+Inf"), self.buckets, strict=True
        ):
            total += count
            out.append((bound, total))
        return out


class Timing:
    """Durations of one operation (seconds): count, sum and max."""

    __slots__ = ("count", "max", "sum")

    def __init__(self) -> None:
        self.count = 0
        self.sum = 0.0
        self.max = 0.0

    def observe(self, seconds: float) -> None:
        self.count += 1
        self.sum += seconds
        if seconds > self.max:
            self.max = seconds


class CommitStats:
    """Offset commits of one task: successes, failures and how long each attempt took."""

    __slots__ = ("failures", "successes", "time")

    def __init__(self) -> None:
        self.successes = 0
        self.failures = 0
        self.time = Timing()

    def record(self, ok: bool, seconds: float) -> None:
        if ok:
            self.successes += 1
        else:
            self.failures += 1
        self.time.observe(seconds)


class RebalanceStats:
    """A group member's rebalances (Apache's connect-worker-rebalance-metrics); times are monotonic.

    ``member`` stays False in standalone mode, where there is no group and nothing is exposed.
    """

    __slots__ = ("completed", "generation", "last_completed_at", "leader", "member", "started_at", "time")

    def __init__(self) -> None:
        self.member = False
        self.completed = 0
        self.started_at: float | None = None
        self.last_completed_at: float | None = None
        self.time = Timing()
        self.leader = False
        self.generation = -1

    @property
    def in_progress(self) -> bool:
        return self.started_at is not None

    def started(self) -> None:
        """A rebalance began (kept from the first attempt if joining has to be retried)."""
        self.member = True
        if self.started_at is None:
            self.started_at = time.monotonic()

    def completed_now(self, *, leader: bool, generation: int) -> None:
        """The worker applied the assignment of ``generation``."""
        now = time.monotonic()
        if self.started_at is not None:
            self.time.observe(now - self.started_at)
        self.started_at = None
        self.last_completed_at = now
        self.completed += 1
        self.leader = leader
        self.generation = generation


__all__ = ["BATCH_SIZE_BOUNDS", "CommitStats", "RebalanceStats", "SizeHistogram", "Timing"]
