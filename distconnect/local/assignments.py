"""Where a :class:`~distconnect.local.cluster.LocalCluster` runs its connectors and tasks.

A :class:`Placement` is one snapshot of ``GET /connectors?expand=status``: for every connector
and task (an *instance*: ``"name"`` or ``"name/3"``) its state and the worker id its status names.
``make demo`` prints them as a table and the failover benchmarks poll them until the work has
moved. Statuses come from the status topic, so a dead worker's instances stay RUNNING "on" it
until they are started elsewhere; "all RUNNING on the survivors" is the condition that counts.

The leader is not in REST: each worker logs ``Generation N (leader URL)`` after every rebalance it
completes, and :func:`leader_of` / :func:`rebalances_since` read those lines.
"""

from __future__ import annotations

import asyncio
import datetime
import re
import signal
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from distconnect.local.cluster import LocalCluster, WorkerProcess
from distconnect.local.errors import LocalServiceError

RUNNING = "RUNNING"


@dataclass(frozen=True)
class Placement:
    """Instance (``"name"`` or ``"name/<task>"``) -> (state, worker id)."""

    states: Mapping[str, tuple[str, str]]

    @classmethod
    def of(cls, expanded: Mapping[str, Any]) -> Placement:
        """From the body of ``GET /connectors?expand=status``."""
        states: dict[str, tuple[str, str]] = {}
        for name, entry in expanded.items():
            status = entry["status"]
            states[name] = (status["connector"]["state"], status["connector"]["worker_id"])
            for task in status["tasks"]:
                states[f"{name}/{task['id']}"] = (task["state"], task["worker_id"])
        return cls(states)

    def __len__(self) -> int:
        return len(self.states)

    def worker(self, instance: str) -> str:
        return self.states[instance][1]

    def tasks(self) -> list[str]:
        return [i for i in self.states if "/" in i]

    def running_on(self, workers: Collection[str], expected: int | None = None) -> bool:
        """Every instance RUNNING on one of ``workers`` (and, if given, exactly ``expected`` of them)."""
        return (expected is None or len(self.states) == expected) and all(
            state == RUNNING and worker in workers for state, worker in self.states.values()
        )

    def on(self, worker_id: str) -> list[str]:
        """The instances whose status names ``worker_id``, connectors before their tasks."""
        return sorted((i for i, (_, w) in self.states.items() if w == worker_id), key=_instance_order)

    def moved(self, before: Placement) -> list[str]:
        """Instances present in both snapshots whose worker changed."""
        moved = (i for i, (_, w) in self.states.items() if i in before.states and before.worker(i) != w)
        return sorted(moved, key=_instance_order)

    def counts(self, workers: Iterable[str]) -> dict[str, int]:
        """Instances per worker id, 0 for a worker with none."""
        out = dict.fromkeys(workers, 0)
        for _, worker in self.states.values():
            out[worker] = out.get(worker, 0) + 1
        return out


async def placement(cluster: LocalCluster, worker: WorkerProcess | None = None) -> Placement | None:
    """The current placement as ``worker`` reports it, or None if it does not answer with 200."""
    try:
        code, body = await cluster.rest("GET", "/connectors?expand=status", worker=worker)
    except (TimeoutError, aiohttp.ClientError, OSError):
        return None
    return Placement.of(body) if code == 200 and isinstance(body, dict) else None


async def wait_placement(
    cluster: LocalCluster,
    done: Callable[[Placement], bool],
    *,
    timeout_s: float = 60.0,
    poll_s: float = 0.1,
    worker: WorkerProcess | None = None,
    what: str = "the expected placement",
) -> Placement:
    """Poll :func:`placement` every ``poll_s`` until ``done`` holds; return that snapshot."""
    deadline = time.monotonic() + timeout_s
    last: Placement | None = None
    while time.monotonic() < deadline:
        current = await placement(cluster, worker)
        if current is not None:
            last = current
            if done(current):
                return current
        await asyncio.sleep(poll_s)
    raise LocalServiceError(f"no {what} after {timeout_s:.0f} s; last seen: {last.states if last else None}")


# -- what the workers' logs say ----------------------------------------------------------------------
_GENERATION = re.compile(r"^\[([\d-]+ [\d:,]+)\] INFO \S+: Generation (\d+) \(leader (\S+?)/?\)", re.M)


def _generations(worker: WorkerProcess) -> list[tuple[float, int, str]]:
    """(wall-clock time, generation, leader URL) of every rebalance ``worker`` completed."""
    try:
        text = worker.log.read_text(errors="replace")
    except OSError:
        return []
    out = []
    for stamp, generation, url in _GENERATION.findall(text):
        when = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
        out.append((when, int(generation), url))
    return out


def leader_of(cluster: LocalCluster) -> WorkerProcess | None:
    """The running worker that every running worker's newest rebalance names as leader, if they agree."""
    newest = set()
    for worker in cluster.running():
        found = _generations(worker)
        if not found:
            return None
        newest.add(found[-1][1:])
    if len(newest) != 1:
        return None
    [(_, url)] = newest
    return next((w for w in cluster.running() if w.url == url), None)


def rebalances_since(workers: Iterable[WorkerProcess], wall_time: float) -> list[float]:
    """Wall-clock times of the rebalances any of ``workers`` completed after ``wall_time``, sorted
    (one per generation: the earliest worker to complete it)."""
    first: dict[int, float] = {}
    for worker in workers:
        for when, generation, _ in _generations(worker):
            if when > wall_time:
                first[generation] = min(when, first.get(generation, when))
    return sorted(first.values())


# -- the table ---------------------------------------------------------------------------------------
def render(placement: Placement, cluster: LocalCluster, *, leader: WorkerProcess | None = None) -> str:
    """One row per worker of ``cluster`` (dead ones too): REST URL, connectors and tasks it runs."""
    rows = [("worker", "REST URL", "connectors", "tasks")]
    for worker in cluster.workers:
        mine = placement.on(worker.worker_id)
        label = str(worker.index) + (" (leader)" if worker is leader else "")
        if not worker.alive:
            code = worker.process.returncode
            label += f" ({signal.Signals(-code).name})" if code < 0 else f" (exited {code})"
            mine = []  # its statuses are stale until the instances run elsewhere
        connectors = " ".join(i for i in mine if "/" not in i) or "-"
        tasks = " ".join(i for i in mine if "/" in i) or "-"
        rows.append((label, worker.url, connectors, tasks))
    widths = [max(len(row[c]) for row in rows) for c in range(3)]
    return "\n".join(
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    )


def _instance_order(instance: str) -> tuple[str, int]:
    name, _, task = instance.partition("/")
    return name, int(task) if task else -1
