"""Reads Verifiable connector event logs and tells, per source task, what was lost or duplicated.

The checks are those of Apache Kafka's system test ``ConnectDistributedTest.test_bounce``, done per
source task id because seqnos are only unique within a task:

* ``source_gaps``: seqnos in ``0 .. max_committed - 1`` with no ``committed`` event. Always an
  error: the source skipped data.
* ``lost``: seqnos in ``0 .. max_flushed - 1`` with no ``flushed`` event, ``max_flushed`` being the
  largest flushed seqno of that task. This is the ducktape test's sink check: the sink committed
  past a record it never flushed. Always an error.
* ``source_duplicates`` / ``sink_duplicates``: seqnos committed / flushed more than once. Expected
  after hard kills (at-least-once), an error after clean shutdowns.
* ``sink_ahead``: ``max_flushed > max_committed``: the sink saw data the source never committed.
* progress: both maxima must reach a threshold (the ducktape test asks for 1000).

``undelivered`` (committed but never flushed) is stricter than the ducktape test, which tolerates
a tail the sink had not consumed yet; require it empty only after the sink has drained the topic.
The maxima of a task without events count as 0, as in the ducktape test.

Everything but :func:`read_events` and :func:`main` is pure. Lines that are not JSON objects with
an integer ``task`` and ``seqno`` are skipped (stdout also carries other output) and counted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

KINDS: Final = ("sent", "committed", "received", "flushed")
_SHOWN: Final = 20  # seqnos listed per problem in error messages


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    kind: str
    task: int
    seqno: int
    pid: int | None = None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_line(line: str | bytes) -> Event | None:
    """One event, or ``None`` for a line that is not a readable event. Lines without an
    ``event`` key are classified the way Apache's connectors mark them."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    task, seqno = _integer(obj.get("task")), _integer(obj.get("seqno"))
    if task is None or seqno is None:
        return None
    kind = obj.get("event")
    if kind not in KINDS:
        if obj.get("flushed") is True:
            kind = "flushed"
        elif obj.get("committed") is True:
            kind = "committed"
        else:
            kind = "received" if "sinkTask" in obj else "sent"
    return Event(str(obj.get("name", "")), kind, task, seqno, _integer(obj.get("pid")))


def parse_events(lines: Iterable[str | bytes]) -> tuple[list[Event], int]:
    """The events among ``lines`` and how many non-blank lines were skipped."""
    events: list[Event] = []
    skipped = 0
    for line in lines:
        if not line.strip():
            continue
        event = parse_line(line)
        if event is None:
            skipped += 1
        else:
            events.append(event)
    return events, skipped


def read_events(paths: Iterable[str]) -> tuple[list[Event], int]:
    """Parse every line of the given log files (e.g. one per worker)."""
    events: list[Event] = []
    skipped = 0
    for path in paths:
        with open(path, "rb") as lines:
            found, bad = parse_events(lines)
        events += found
        skipped += bad
    return events, skipped


def _duplicates(counts: Counter[int]) -> tuple[int, ...]:
    return tuple(sorted(seqno for seqno, count in counts.items() if count > 1))


def _gaps(seen: Iterable[int], maximum: int) -> tuple[int, ...]:
    return tuple(sorted(set(range(maximum)).difference(seen)))


def _show(seqnos: Sequence[int]) -> str:
    more = f" ... ({len(seqnos)} in all)" if len(seqnos) > _SHOWN else ""
    return str(list(seqnos[:_SHOWN])) + more


@dataclass(frozen=True, slots=True)
class TaskReport:
    """What happened to the records of one source task. Counts are events, not distinct seqnos."""

    task: int
    sent: int = 0
    committed: int = 0
    received: int = 0
    flushed: int = 0
    max_committed: int = 0
    max_flushed: int = 0
    source_gaps: tuple[int, ...] = ()
    lost: tuple[int, ...] = ()
    undelivered: tuple[int, ...] = ()
    source_duplicates: tuple[int, ...] = ()
    sink_duplicates: tuple[int, ...] = ()
    pids: tuple[int, ...] = ()

    @property
    def sink_ahead(self) -> bool:
        return self.max_flushed > self.max_committed

    def errors(
        self, *, allow_duplicates: bool = False, min_progress: int = 0, require_complete: bool = False
    ) -> list[str]:
        """Problems found, as readable sentences (empty if the task passes)."""
        t = self.task
        found: list[str] = []
        if self.source_gaps:
            found.append(f"task {t}: committed seqnos missing: {_show(self.source_gaps)}")
        if self.lost:
            below = f"below the max flushed {self.max_flushed}"
            found.append(f"task {t}: seqnos lost (never flushed, {below}): {_show(self.lost)}")
        if not allow_duplicates and self.source_duplicates:
            found.append(f"task {t}: seqnos committed more than once: {_show(self.source_duplicates)}")
        if not allow_duplicates and self.sink_duplicates:
            found.append(f"task {t}: seqnos flushed more than once: {_show(self.sink_duplicates)}")
        if self.sink_ahead:
            found.append(f"task {t}: sink max seqno {self.max_flushed} > source max {self.max_committed}")
        if self.max_committed < min_progress or self.max_flushed < min_progress:
            found.append(
                f"task {t}: too little progress: source max {self.max_committed}, "
                f"sink max {self.max_flushed}, wanted {min_progress}"
            )
        if require_complete and self.undelivered:
            found.append(f"task {t}: committed but never flushed: {_show(self.undelivered)}")
        return found


@dataclass(frozen=True, slots=True)
class Analysis:
    tasks: dict[int, TaskReport] = field(default_factory=dict)
    skipped_lines: int = 0

    def report(self, task: int) -> TaskReport:
        """The task's report; an empty one if it has no events (maxima 0, as ducktape counts)."""
        return self.tasks.get(task) or TaskReport(task)

    def errors(self, tasks: Iterable[int] | None = None, **checks: Any) -> list[str]:
        """Problems of the given tasks (default: every task seen); ``checks`` as for
        :meth:`TaskReport.errors`."""
        wanted = sorted(self.tasks) if tasks is None else list(tasks)
        return [problem for task in wanted for problem in self.report(task).errors(**checks)]


def analyze(
    events: Iterable[Event], *, source_name: str | None = None, sink_name: str | None = None, skipped: int = 0
) -> Analysis:
    """Per-task reports from events; source events are kept only if their ``name`` is
    ``source_name`` and sink events if it is ``sink_name`` (``None`` keeps all)."""
    counts: dict[int, dict[str, Counter[int]]] = defaultdict(lambda: {kind: Counter() for kind in KINDS})
    pids: dict[int, set[int]] = defaultdict(set)
    for event in events:
        wanted = source_name if event.kind in ("sent", "committed") else sink_name
        if wanted is not None and event.name != wanted:
            continue
        counts[event.task][event.kind][event.seqno] += 1
        if event.pid is not None:
            pids[event.task].add(event.pid)
    reports = {}
    for task, by_kind in sorted(counts.items()):
        committed, flushed = by_kind["committed"], by_kind["flushed"]
        max_committed, max_flushed = max(committed, default=0), max(flushed, default=0)
        reports[task] = TaskReport(
            task=task,
            sent=by_kind["sent"].total(),
            committed=committed.total(),
            received=by_kind["received"].total(),
            flushed=flushed.total(),
            max_committed=max_committed,
            max_flushed=max_flushed,
            source_gaps=_gaps(committed, max_committed),
            lost=_gaps(flushed, max_flushed),
            undelivered=tuple(sorted(committed.keys() - flushed.keys())),
            source_duplicates=_duplicates(committed),
            sink_duplicates=_duplicates(flushed),
            pids=tuple(sorted(pids[task])),
        )
    return Analysis(reports, skipped)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m distconnect.connectors.verifiable.analysis LOG...``: print the reports as JSON
    and exit 1 if any check fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("logs", nargs="+", help="event log files (one per worker is fine)")
    parser.add_argument("--source-name", help="name of the VerifiableSource connector")
    parser.add_argument("--sink-name", help="name of the VerifiableSink connector")
    parser.add_argument("--tasks", type=int, help="number of source tasks expected (ids 0..n-1)")
    parser.add_argument("--allow-duplicates", action="store_true", help="after hard kills")
    parser.add_argument("--min-progress", type=int, default=0, help="required max seqno (ducktape: 1000)")
    parser.add_argument("--require-complete", action="store_true", help="every committed seqno flushed")
    args = parser.parse_args(argv)
    events, skipped = read_events(args.logs)
    result = analyze(events, source_name=args.source_name, sink_name=args.sink_name, skipped=skipped)
    errors = result.errors(
        None if args.tasks is None else range(args.tasks),
        allow_duplicates=args.allow_duplicates,
        min_progress=args.min_progress,
        require_complete=args.require_complete,
    )
    summary = {
        "tasks": {task: dataclasses.asdict(report) for task, report in result.tasks.items()},
        "skipped_lines": result.skipped_lines,
        "errors": errors,
    }
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
