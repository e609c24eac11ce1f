"""distconnect's distributed worker next to Apache Kafka Connect's, on one broker and one machine.

Both implementations run as real worker processes (``distconnect worker`` through
:class:`~distconnect.local.cluster.LocalCluster`; Apache's ``ConnectDistributed`` from Maven
Central jars through :class:`~distconnect.local.connect.ApacheConnectDistributed`, JVM flags of
``kafka-run-class.sh`` and ``-Xmx2g`` as ``connect-distributed.sh``) with the same worker
settings (:data:`COMMON`) and the same connector configs, against one KRaft broker started by the
bench. Measured, in this order:

* **broker limit**: Kafka's ``ProducerPerformance`` (``acks=all linger.ms=5``) at 100 B and 1 KiB;
* **source throughput**: k ``FileStreamSource`` connectors (one task each, ``batch.size=2000``)
  on k workers (k = 1 and 3), each reading its own file of N/k lines into its own topic; the rate
  is the steady state of the topics' summed end offsets (between 5 % and 95 % of N, sampled
  every 0.5 s, as ``bench_standalone.py``);
* **sink throughput**: k ``FileStreamSink`` connectors reading those topics back (each
  implementation its own consumer groups), rate of the output files' summed line counts;
* **failover**: 3 workers, one VerifiableSource with 6 tasks (10 records/s each); SIGKILL the
  youngest worker (a follower); time until the connector and all 6 tasks are RUNNING on the
  survivors, polled every 100 ms with ``GET /connectors?expand=status``; with
  ``scheduled.rebalance.max.delay.ms=0`` and with Apache's default (300000, both run at once:
  that case is all timers);
* **join**: 2 workers running 50 VerifiableSource connectors x 2 tasks, a third starts: time from
  its process start (and from its REST answering) to a balanced cluster (connectors and tasks
  each within one per worker, all RUNNING);
* **idle**: one worker with no connectors: time from process start to ``GET /health`` 200, and
  its resident memory (VmRSS) 5 s later.

Run: ``.venv/bin/python bench/bench_vs_apache.py [--quick] [--no-defaults-failover]`` (about
15 minutes; ``--quick`` takes about 4 and skips the 5-minute default-delay failover). Results:
``bench/results/vs-apache-<date>.md``. Needs ``java`` and ``mvn``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_standalone import LineCounter, _write_lines, machine_info, steady_rate
from vs_apache_support import Cluster, profile_top, rss_mb

from distconnect.local import process
from distconnect.local.kafka import LocalKafka
from distconnect.local.kafka_layout import JVM_PERFORMANCE_OPTS
from distconnect.local.maven import gather_classpath, shipped_pom

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TOOLS_POM = HERE / "poms" / "kafka-tools.xml"
SIZES = (100, 1024)
IMPLS = ("distconnect", "apache")
VERIFIABLE = "org.apache.kafka.connect.tools.VerifiableSourceConnector"
#: Worker settings both implementations get (Apache's names; defaults spelled out where the
#: two could differ).
COMMON = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "false",
    "value.converter.schemas.enable": "false",
    "config.storage.replication.factor": "1",
    "offset.storage.replication.factor": "1",
    "status.storage.replication.factor": "1",
    "offset.storage.partitions": "5",
    "status.storage.partitions": "3",
    "offset.flush.interval.ms": "10000",
    "session.timeout.ms": "10000",
    "heartbeat.interval.ms": "3000",
}


@dataclass
class Row:
    metric: str
    unit: str
    values: dict[str, float | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    higher_is_better: bool = True
    target: float | None = None  # distconnect / Apache must be >= (or <= when lower is better)
    broker: float | None = None


class Bench:
    def __init__(self, bootstrap: str, work: Path, connect_libs: Path, quick: bool) -> None:
        self.bootstrap, self.work, self.connect_libs, self.quick = bootstrap, work, connect_libs, quick
        self.rows: list[Row] = []
        self.failures: list[str] = []
        self.profiles: list[str] = []

    def cluster(self, impl: str, label: str, **settings: str) -> Cluster:
        group = f"{impl[:2]}-{label}-{uuid.uuid4().hex[:6]}"
        return Cluster(
            impl, self.bootstrap, self.work / group, group, {**COMMON, **settings}, self.connect_libs
        )

    async def topics(self, names: list[str], partitions: int = 1) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await admin.create_topics(
                [NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names]
            )
        finally:
            await admin.close()

    async def guarded(self, what: str, step: Callable[[], Awaitable[Any]]) -> Any:
        print(f"-- {what}", flush=True)
        try:
            return await step()
        except Exception as err:  # one failed measurement must not lose the others
            self.failures.append(f"{what}: {type(err).__name__}: {err}")
            print(f"   FAILED: {err}", flush=True)
            return None

    # -- throughput ------------------------------------------------------------------------
    async def rate(self, measure: Callable[[], int], expected: int, stall_s: float = 60) -> float | None:
        samples: list[tuple[float, int]] = []
        began = last_change = time.monotonic()
        while True:
            n = measure() if not asyncio.iscoroutinefunction(measure) else await measure()  # type: ignore[misc]
            now = time.monotonic()
            if not samples or n != samples[-1][1]:
                last_change = now
            samples.append((now, n))
            if n >= expected:
                return steady_rate(samples, expected)
            if now - last_change > stall_s or now - began > 600:
                raise RuntimeError(f"stalled at {n:,} of {expected:,} records")
            await asyncio.sleep(0.5)

    async def throughput(
        self, impl: str, k: int, sizes: dict[int, int], inputs: dict[int, list[Path]]
    ) -> None:
        cluster = self.cluster(impl, f"tp{k}")
        try:
            await cluster.start(k)
            pid = cluster.nodes[0].pid
            for size, n in sizes.items():
                tag = f"{impl[:2]}-{size}-{k}"
                topics = [f"src-{tag}-{i}-{uuid.uuid4().hex[:4]}" for i in range(k)]
                await self.topics(topics)
                for i in range(k):
                    await cluster.create(
                        f"src-{tag}-{i}",
                        {
                            "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
                            "tasks.max": "1",
                            "file": str(inputs[size][i]),
                            "topic": topics[i],
                            "batch.size": "2000",
                        },
                    )
                profiling = impl == "distconnect" and k == 1 and size == 100 and not self.quick
                profiler = (
                    asyncio.create_task(profile_top(pid, 8, self.work / f"profile-{tag}.txt"))
                    if profiling
                    else None
                )

                async def ends(topics: list[str] = topics) -> int:
                    return await cluster.end_offsets(topics)

                value = await self.rate(ends, n)  # type: ignore[arg-type]
                if profiler is not None:
                    self.profiles.append(await profiler)
                self.put(f"source, {size} B, {k} worker(s)", impl, value, size)
                for i in range(k):
                    await cluster.delete(f"src-{tag}-{i}")
                # The sink reads back what this source wrote (so each sink has exactly n records).
                outputs = [self.work / f"sink-{tag}-{i}.txt" for i in range(k)]
                for i in range(k):
                    await cluster.create(
                        f"sink-{tag}-{i}",
                        {
                            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                            "tasks.max": "1",
                            "file": str(outputs[i]),
                            "topics": topics[i],
                        },
                    )
                counters = [LineCounter(p) for p in outputs]
                value = await self.rate(lambda counters=counters: sum(c.count() for c in counters), n)
                self.put(f"sink, {size} B, {k} worker(s)", impl, value, size)
                for i in range(k):
                    await cluster.delete(f"sink-{tag}-{i}")
                    outputs[i].unlink(missing_ok=True)
        finally:
            await cluster.stop()

    def put(self, metric: str, impl: str, value: float | None, size: int) -> None:
        row = next((r for r in self.rows if r.metric == metric), None)
        if row is None:
            row = Row(metric, "records/s", target=1.0)
            row.notes["size"] = str(size)
            self.rows.append(row)
        row.values[impl] = value
        print(f"   {metric} {impl}: {value or 0:,.0f} records/s", flush=True)

    # -- failover, join, idle --------------------------------------------------------------
    async def failover(self, impl: str, delay: str) -> float:
        cluster = self.cluster(impl, f"fo{delay}", **{"scheduled.rebalance.max.delay.ms": delay})
        try:
            await cluster.start(3)
            topic = f"fo-{uuid.uuid4().hex[:6]}"
            await self.topics([topic])
            config = {"connector.class": VERIFIABLE, "tasks.max": "6", "topic": topic, "throughput": "10"}
            await cluster.create("vsrc", config)
            everyone = {n.worker_id for n in cluster.nodes}
            await cluster.wait(lambda s: _balanced(s, everyone, 7), 120, "6 tasks RUNNING, balanced")
            await asyncio.sleep(3)  # settled: heartbeats in their steady rhythm
            victim = cluster.nodes[-1]
            survivors = {n.worker_id for n in cluster.nodes if n is not victim}
            os.kill(victim.pid, signal.SIGKILL)
            began = time.monotonic()
            await cluster.wait(
                lambda s: _running_on(s, survivors, 7), 400, "all RUNNING on the survivors", 0.1
            )
            return time.monotonic() - began
        finally:
            await cluster.stop()

    async def join(self, impl: str, connectors: int) -> tuple[float, float]:
        cluster = self.cluster(impl, "join", **{"scheduled.rebalance.max.delay.ms": "0"})
        try:
            await cluster.start(2)
            topic = f"join-{uuid.uuid4().hex[:6]}"
            await self.topics([topic])
            for i in range(connectors):
                config = {"connector.class": VERIFIABLE, "tasks.max": "2", "topic": topic, "throughput": "1"}
                await cluster.create(f"c{i:02d}", config)
            instances = 3 * connectors
            two = {n.worker_id for n in cluster.nodes}
            await cluster.wait(lambda s: _balanced(s, two, instances), 300, f"{instances} RUNNING on 2")
            began = time.monotonic()
            ready = await cluster.add_node()
            three = {n.worker_id for n in cluster.nodes}
            await cluster.wait(lambda s: _balanced(s, three, instances), 300, "balanced over 3", 0.1)
            done = time.monotonic()
            return done - began, done - ready
        finally:
            await cluster.stop()

    async def idle(self, impl: str) -> tuple[float, float]:
        cluster = self.cluster(impl, "idle")
        try:
            healthy_s = await cluster.start_timed()
            await asyncio.sleep(5)
            return healthy_s, rss_mb(cluster.nodes[0].pid)
        finally:
            await cluster.stop()


def _instances(status: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for entry in status.values():
        s = entry["status"]
        found += [s["connector"], *s["tasks"]]
    return found


def _running_on(status: dict[str, Any] | None, workers: set[str], count: int) -> bool:
    if not status:
        return False
    found = _instances(status)
    return len(found) == count and all(i["state"] == "RUNNING" and i["worker_id"] in workers for i in found)


def _balanced(status: dict[str, Any] | None, workers: set[str], count: int) -> bool:
    if not _running_on(status, workers, count):
        return False
    assert status is not None
    for kind in ("connector", "tasks"):
        per = dict.fromkeys(workers, 0)
        for entry in status.values():
            s = entry["status"]
            for i in [s["connector"]] if kind == "connector" else s["tasks"]:
                per[i["worker_id"]] += 1
        if max(per.values()) - min(per.values()) > 1:
            return False
    return True


async def producer_performance(bench: Bench, tools: Path, size: int, records: int) -> float | None:
    """ProducerPerformance's steady rate into a pre-created topic, measured like the workers'."""
    topic = f"perf-{size}-{uuid.uuid4().hex[:4]}"
    await bench.topics([topic])
    argv = [
        shutil.which("java") or "java",
        "-Xmx512m",
        *JVM_PERFORMANCE_OPTS,
        "-cp",
        str(tools / "*"),
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(records),
        "--record-size",
        str(size),
        "--throughput",
        "-1",
        "--producer-props",
        f"bootstrap.servers={bench.bootstrap}",
        "acks=all",
        "linger.ms=5",
    ]
    log = (bench.work / f"perf-{size}.log").open("wb")
    proc = await asyncio.create_subprocess_exec(*argv, stdout=log, stderr=subprocess.STDOUT, cwd=bench.work)
    probe = Cluster("apache", bench.bootstrap, bench.work, "probe", {}, bench.connect_libs)
    try:

        async def ends() -> int:
            return await probe.end_offsets([topic])

        return await bench.rate(ends, records)  # type: ignore[arg-type]
    finally:
        await probe.stop()
        if proc.returncode is None:
            await asyncio.wait_for(proc.wait(), 120)
        log.close()


def ratio_cell(row: Row) -> tuple[str, str]:
    ours, theirs = row.values.get("distconnect"), row.values.get("apache")
    if not ours or not theirs:
        return "-", "-"
    ratio = ours / theirs
    if row.target is None:
        return f"{ratio:.2f}x", ""
    met = ratio >= row.target if row.higher_is_better else ratio <= row.target
    sign = ">=" if row.higher_is_better else "<="
    return f"{ratio:.2f}x", f"{sign} {row.target:g}x: {'met' if met else 'MISSED'}"


def render(rows: list[Row]) -> list[str]:
    lines = [
        "| metric | distconnect | Apache Connect | distconnect / Apache | target "
        "| distconnect / broker | Apache / broker |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for row in rows:
        cells = []
        for impl in IMPLS:
            v = row.values.get(impl)
            if v is None:
                cells.append("failed")
            elif row.unit == "records/s":
                mb = v * int(row.notes["size"]) / 1e6
                cells.append(f"{v:,.0f} rec/s ({mb:.1f} MB/s)")
            else:
                cells.append(f"{v:,.1f} {row.unit}")
        ratio, target = ratio_cell(row)
        fractions = ["-", "-"]
        if row.broker:
            fractions = [f"{v / row.broker:.0%}" if (v := row.values.get(i)) else "-" for i in IMPLS]
        lines.append(
            f"| {row.metric} | {cells[0]} | {cells[1]} | {ratio} | {target} "
            f"| {fractions[0]} | {fractions[1]} |"
        )
    return lines


async def run(bench: Bench, args: argparse.Namespace, tools: Path) -> None:
    sizes = {100: 100_000, 1024: 30_000} if args.quick else {100: 600_000, 1024: 200_000}
    broker: dict[int, float] = {}
    for size, n in sizes.items():
        value = await bench.guarded(
            f"broker limit {size} B", lambda size=size, n=n: producer_performance(bench, tools, size, 2 * n)
        )
        if value:
            broker[size] = value
            print(f"   ProducerPerformance {size} B: {value:,.0f} records/s", flush=True)
    inputs: dict[int, dict[int, list[Path]]] = {}
    for k in (1, 3):
        inputs[k] = {}
        for size, n in sizes.items():
            inputs[k][size] = [bench.work / f"in-{size}-{k}-{i}.txt" for i in range(k)]
            for path in inputs[k][size]:
                _write_lines(path, size, n // k)
    for k in (1, 3):
        for impl in IMPLS:
            counts = {size: (n // k) * k for size, n in sizes.items()}
            await bench.guarded(
                f"throughput {impl} {k} worker(s)",
                lambda impl=impl, k=k, counts=counts: bench.throughput(impl, k, counts, inputs[k]),
            )
    for row in bench.rows:
        row.broker = broker.get(int(row.notes["size"]))

    def timed(metric: str, unit: str, target: float) -> Row:
        row = Row(metric, unit, higher_is_better=False, target=target)
        bench.rows.append(row)
        return row

    row = timed("failover, SIGKILL 1 of 3, scheduled.rebalance.max.delay.ms=0", "s", 1.0)
    for impl in IMPLS:
        row.values[impl] = await bench.guarded(
            f"failover {impl} delay 0", lambda impl=impl: bench.failover(impl, "0")
        )
    if not args.quick and not args.no_defaults_failover:
        row = timed("failover, SIGKILL 1 of 3, Apache defaults (delay 300000)", "s", 1.0)
        both = await asyncio.gather(
            *(bench.guarded(f"failover {i} defaults", lambda i=i: bench.failover(i, "300000")) for i in IMPLS)
        )
        row.values = dict(zip(IMPLS, both, strict=True))
    connectors = 20 if args.quick else 50
    row_start = timed(f"rebalance on join, {connectors} connectors x 2 tasks, from process start", "s", 1.0)
    row_ready = timed(f"rebalance on join, {connectors} connectors x 2 tasks, from REST ready", "s", 1.0)
    for impl in IMPLS:
        got = await bench.guarded(f"join {impl}", lambda impl=impl: bench.join(impl, connectors))
        row_start.values[impl], row_ready.values[impl] = got if got else (None, None)
    row_health = timed("start to /health 200 (1 worker, idle)", "s", 0.2)
    row_rss = timed("idle RSS per worker", "MB", 0.25)
    for impl in IMPLS:
        got = await bench.guarded(f"idle {impl}", lambda impl=impl: bench.idle(impl))
        row_health.values[impl], row_rss.values[impl] = got if got else (None, None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="small N, 20 connectors, no default-delay failover"
    )
    parser.add_argument(
        "--no-defaults-failover", action="store_true", help="skip the 5-minute default-delay failover"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (worker logs)")
    parser.add_argument("--output", type=Path, help="results file (default bench/results/vs-apache-DATE.md)")
    args = parser.parse_args()
    began = time.monotonic()
    load_before = os.getloadavg()
    connect_libs = gather_classpath(shipped_pom("connect.xml"))
    tools = gather_classpath(TOOLS_POM)
    work = Path(tempfile.mkdtemp(prefix="distconnect-vs-apache-"))
    broker = LocalKafka(work / "kafka", port=process.free_port())
    try:
        bootstrap = broker.start().bootstrap
        assert bootstrap is not None
        print(f"broker at {bootstrap}, work dir {work}", flush=True)
        bench = Bench(bootstrap, work, connect_libs, args.quick)
        asyncio.run(run(bench, args, tools))
    finally:
        broker.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    minutes = (time.monotonic() - began) / 60
    info = machine_info(shutil.which("java") or "java")
    load_after = os.getloadavg()
    text = "\n".join(
        [
            "# distconnect vs Apache Kafka Connect, distributed workers "
            f"({datetime.date.today().isoformat()})",
            "",
            f"Command: `.venv/bin/python bench/bench_vs_apache.py {' '.join(sys.argv[1:])}` "
            f"({minutes:.1f} min)",
            "",
            *(f"- {k}: {v}" for k, v in info.items()),
            f"- load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; after: "
            f"{', '.join(f'{x:.2f}' for x in load_after)} (the machine is shared with other work)",
            "- Apache worker JVM: `-Xms64m -Xmx2g` and kafka-run-class.sh's G1 flags; "
            "worker settings for both: "
            f"{', '.join(f'`{k}={v}`' for k, v in COMMON.items() if 'replication' not in k)}",
            "",
            "Method: see the docstring of `bench/bench_vs_apache.py`. Ratios are distconnect / Apache "
            "(for times and memory lower is better). Broker limit: `ProducerPerformance --throughput -1 "
            "acks=all linger.ms=5` with 2 N records of the same size on the same broker.",
            "",
            *render(bench.rows),
            "",
            *(["## Failures", "", *(f"- {f}" for f in bench.failures), ""] if bench.failures else []),
            *(
                ["## Profile (distconnect, FileStreamSource 100 B, 1 worker)", "", *bench.profiles]
                if bench.profiles
                else []
            ),
        ]
    )
    print()
    print(text)
    suffix = "-quick" if args.quick else ""
    saved = args.output or RESULTS / f"vs-apache-{datetime.date.today().isoformat()}{suffix}.md"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(text + "\n")
    print(f"saved {saved}")
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
