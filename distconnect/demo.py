"""``make demo``: a local Kafka, a 3-worker distributed Connect cluster, a pipeline and a failover.

1. starts the local Apache Kafka (``distconnect local kafka start``; it is left running);
2. starts three ``distconnect worker`` processes (one group, REST on free ports of 127.0.0.1) and
   creates, through REST, FileStreamSource (a 20,000-line file -> topic), FileStreamSink (topic ->
   another file) and a VerifiableSource with ``tasks.max=6``, then prints the REST URLs and each
   worker's connectors and tasks (``GET /connectors?expand=status``);
3. checks the copied file is identical to the input;
4. SIGKILLs a worker that is not the leader, times until all of its work is RUNNING on the other
   two, prints the new assignment, appends lines to the input file and checks they arrive too;
5. stops the two remaining workers with SIGTERM (each must exit 0).

The workers' ``.properties`` files and logs stay in the demo directory, so one can be started
again by hand (``distconnect worker <dir>/worker-0.properties``) and resumes the connectors.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import time
import uuid
from pathlib import Path

from distconnect.local.assignments import Placement, leader_of, rebalances_since, render, wait_placement
from distconnect.local.cluster import LocalCluster, WorkerProcess
from distconnect.local.errors import LocalServiceError
from distconnect.local.kafka import LocalKafka

WORKERS = 3
VERIFIABLE_TASKS = 6
#: Apache's default is 300000 (5 minutes): the leader holds a vanished worker's work back that long
#: in case it restarts. The demo wants to see the work move.
REBALANCE_DELAY_MS = 3000
SESSION_TIMEOUT_MS = 10000  # Apache's default
FLUSH_INTERVAL_MS = 1000

WHY_IT_TAKES_A_WHILE = """\
  Why it takes a while: the group coordinator declares a worker dead after session.timeout.ms={session}
  without a heartbeat; the leader then holds its work back for scheduled.rebalance.max.delay.ms={delay}
  in case it comes back. Apache's default delay is 300000: 5 minutes in which that work runs nowhere.
  The demo sets it low to watch the work move. (On Kubernetes, static membership, group.instance.id,
  lets a restarted pod keep its work without a rebalance: see docs/distributed.md.)"""


# -- files -------------------------------------------------------------------------------------------
def _append_lines(path: Path, start: int, count: int) -> None:
    with path.open("a") as out:
        out.writelines(
            f"line {i:06d}: the quick brown fox jumps over the lazy dog\n"
            for i in range(start, start + count)
        )


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


def _identical(source: Path, sink: Path) -> bool:
    return sink.exists() and sink.read_bytes() == source.read_bytes()


def _fresh_directory(work: Path, lines: int) -> None:
    """Empty ``work`` (a previous run's files) and write the input file."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    _append_lines(work / "input.txt", 0, lines)


async def _wait_copy(source: Path, sink: Path, timeout_s: float = 60.0) -> bool:
    """Wait until ``sink`` has as many lines as ``source`` (and a moment longer, in which a
    duplicate would show); whether the two files are identical."""
    want, deadline = _count_lines(source), time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _count_lines(sink) >= want:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2 * FLUSH_INTERVAL_MS / 1000)
    return _identical(source, sink)


# -- the cluster -------------------------------------------------------------------------------------
def _connectors(group: str, work: Path) -> dict[str, dict[str, str]]:
    return {
        "file-source": {
            "connector.class": "FileStreamSource",
            "tasks.max": "1",
            "file": str(work / "input.txt"),
            "topic": f"{group}-lines",
        },
        "file-sink": {
            "connector.class": "FileStreamSink",
            "tasks.max": "1",
            "file": str(work / "output.txt"),
            "topics": f"{group}-lines",
        },
        "verifiable": {
            "connector.class": "VerifiableSource",
            "tasks.max": str(VERIFIABLE_TASKS),
            "topic": f"{group}-verifiable",
            "throughput": "10",
            "verifiable.log.file": str(work / "verifiable-events.jsonl"),
        },
    }


async def _leader(cluster: LocalCluster, timeout_s: float = 10.0) -> WorkerProcess | None:
    """The leader once every worker's log names the same one (None if they do not agree in time)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (leader := leader_of(cluster)) is not None:
            return leader
        await asyncio.sleep(0.1)
    return None


def _victim(cluster: LocalCluster, now: Placement, leader: WorkerProcess | None) -> WorkerProcess:
    """A worker that is not the leader (a new leader would reassign the lost work at once, without
    the delay), preferably one running a file task, so the failover moves the pipeline too."""
    followers = [w for w in cluster.running() if w is not leader] or cluster.running()

    def interest(w: WorkerProcess) -> tuple[bool, int]:
        mine = now.on(w.worker_id)
        return any(i.startswith("file-") for i in mine), len(mine)

    return max(followers, key=interest)


async def run_demo(
    bootstrap: str, work: Path, *, lines: int = 20000, session_timeout_ms: int = SESSION_TIMEOUT_MS
) -> int:
    """Steps 2-5 of the module docstring on the broker at ``bootstrap``; 0 if every check held."""
    _fresh_directory(work, lines)
    source, sink = work / "input.txt", work / "output.txt"
    group = f"demo-{uuid.uuid4().hex[:8]}"
    settings = {
        "session.timeout.ms": str(session_timeout_ms),
        "scheduled.rebalance.max.delay.ms": str(REBALANCE_DELAY_MS),
        "offset.flush.interval.ms": str(FLUSH_INTERVAL_MS),
    }
    cluster = LocalCluster(bootstrap, work, group=group, settings=settings)
    try:
        return await _run(cluster, source, sink, lines, session_timeout_ms)
    except LocalServiceError as err:
        print(f"\ndemo failed: {err}\nworker logs: {work}/worker-*.log", file=sys.stderr)
        return 1
    finally:
        await cluster.stop(grace_s=20)
        print(
            f"\nThe workers' configs and logs stay in {work}/ (worker-N.properties, worker-N.log);\n"
            f"`distconnect worker {work / 'worker-0.properties'}` starts a worker of this cluster\n"
            "again, and it resumes the connectors stored in Kafka."
        )


async def _run(cluster: LocalCluster, source: Path, sink: Path, lines: int, session_ms: int) -> int:
    ok = True
    started = time.monotonic()
    workers = [cluster.start_worker() for _ in range(WORKERS)]
    await asyncio.gather(*(cluster.wait_ready(w) for w in workers))
    print(f"\n{WORKERS} workers of group {cluster.group} up in {time.monotonic() - started:.1f} s:")
    for w in workers:
        print(f"  worker {w.index}: REST {w.url}  (pid {w.process.pid}, log {w.log})")

    configs = _connectors(cluster.group, cluster.directory)
    print("\nCreating the pipeline through REST (any worker takes writes; a follower forwards them):")
    for w, (name, config) in zip(workers, configs.items(), strict=True):
        code, body = await cluster.rest("POST", "/connectors", {"name": name, "config": config}, worker=w)
        kind = f"{config['connector.class']}, tasks.max={config['tasks.max']}"
        print(f"  POST {w.url}/connectors {name} ({kind}) -> {code}")
        if code != 201:
            raise LocalServiceError(f"creating {name} failed: {code} {body}")
    total = len(configs) + sum(int(c["tasks.max"]) for c in configs.values())
    everyone = {w.worker_id for w in workers}
    now = await wait_placement(cluster, lambda p: p.running_on(everyone, total), what=f"{total} RUNNING")
    leader = await _leader(cluster)
    print(f"\nAll {total} connectors and tasks RUNNING {time.monotonic() - started:.1f} s after the start")
    print("(GET /connectors?expand=status on any worker; a task is <connector>/<task id>):")
    print(render(now, cluster, leader=leader))

    copied = await _wait_copy(source, sink)
    ok &= copied
    verdict = "identical." if copied else "NOT identical!"
    print(f"\n{source.name}: {lines} lines -> topic {cluster.group}-lines -> {sink.name}: {verdict}")

    victim = _victim(cluster, now, leader)
    survivors = [w for w in cluster.running() if w is not victim]
    print(f"\nFailover: SIGKILL worker {victim.index} (pid {victim.process.pid}), which runs ", end="")
    print(" ".join(now.on(victim.worker_id)) or "nothing")
    print(WHY_IT_TAKES_A_WHILE.format(session=session_ms, delay=REBALANCE_DELAY_MS))
    killed_at, killed_wall = time.monotonic(), time.time()
    victim.signal(signal.SIGKILL)
    ids = {w.worker_id for w in survivors}
    after = await wait_placement(
        cluster,
        lambda p: p.running_on(ids, total),
        timeout_s=(session_ms + REBALANCE_DELAY_MS) / 1000 + 60,
        worker=survivors[0],
        what=f"work RUNNING on workers {sorted(ids)}",
    )
    took = time.monotonic() - killed_at
    print(f"  All {total} connectors and tasks RUNNING on the survivors {took:.1f} s after the kill.")
    rebalances = [f"+{t - killed_wall:.1f} s" for t in rebalances_since(survivors, killed_wall)]
    if len(rebalances) == 2:
        print(
            f"  Rebalances: at {rebalances[0]} the worker is gone and its work held back; at {rebalances[1]}"
        )
        print("  the hold is over and its work is given to the survivors:")
    else:
        print(f"  Rebalances at {', '.join(rebalances)}:")
    print(render(after, cluster, leader=leader_of(cluster)))
    moved = after.moved(now)
    print(f"  Moved: {' '.join(moved)}; the other {total - len(moved)} stayed where they were.")

    more = max(lines // 10, 1)
    _append_lines(source, lines, more)
    copied = await _wait_copy(source, sink)
    ok &= copied
    verdict = "identical to the input." if copied else "NOT identical to the input (see the worker logs)."
    print(f"\nAppended {more} lines to {source.name} after the failover: {sink.name} is {verdict}")

    print(f"\nStopping the other {len(survivors)} workers with SIGTERM (tasks stop, offsets commit):")
    stopping = time.monotonic()
    for w in survivors:
        w.signal(signal.SIGTERM)
    for w in survivors:
        code = await cluster.wait_exit(w, 60)
        ok &= code == 0
        print(f"  worker {w.index}: exit code {code} after {time.monotonic() - stopping:.1f} s")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, default=Path(".distconnect"), help="state and demo directory")
    parser.add_argument("--lines", type=int, default=20000)
    args = parser.parse_args(argv)
    try:
        status = LocalKafka(args.dir / "kafka").start()
    except LocalServiceError as err:
        print(f"distconnect: {err}", file=sys.stderr)
        return 1
    assert status.bootstrap is not None
    print(f"Kafka is running: bootstrap.servers={status.bootstrap} (pid {status.pid})")
    started = time.monotonic()
    code = asyncio.run(run_demo(status.bootstrap, (args.dir / "demo").resolve(), lines=args.lines))
    print(f"\nDemo {'done' if code == 0 else 'FAILED'} in {time.monotonic() - started:.0f} s.")
    print("Kafka is still running for you to explore; `make clean` stops it.")
    return code


if __name__ == "__main__":
    sys.exit(main())
