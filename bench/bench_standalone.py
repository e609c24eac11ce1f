"""Single-worker throughput: distconnect's standalone worker next to Apache Kafka Connect's.

One run, one broker, one machine, the same settings for both workers. The script starts a real
KRaft broker (:class:`distconnect.local.kafka.LocalKafka`) in a temporary directory on a free port
and measures, for values of 100 B and 1 KiB:

* **source**: ``FileStreamSource`` -> Kafka, from a prepared file of N lines, on ``distconnect
  standalone`` and on Apache's ``ConnectStandalone`` (``connect-runtime`` + ``connect-file`` 4.3.0
  from Maven Central); ``DatagenSourceConnector`` -> Kafka on distconnect only (Apache Kafka has no
  datagen connector, so Apache is compared on FileStreamSource alone);
* **sink**: Kafka -> ``FileStreamSink`` from a topic preloaded with 2 N such lines (sinks are
  faster), each worker with its own connector name (so its own consumer group ``connect-<name>``);
* **broker limit**: Kafka's ``ProducerPerformance`` (``kafka-tools``, ``acks=all linger.ms=5``)
  for the same value sizes, so every figure is also a fraction of what the broker takes.

Both workers get the same worker and connector ``.properties`` files: JSON values without schema
envelope (``JsonConverter``, ``schemas.enable=false``), ``batch.size=2000``,
``offset.flush.interval.ms=10000``, one task, one-partition topics. A rate is the steady state:
the topic's end offset (or the sink file's line count) is sampled every 0.5 s and the rate is
taken between the moments 5 % and 95 % of the records had arrived (interpolated), so JVM and
Python start-up are excluded. MB/s counts value bytes, 1 MB = 10^6 bytes. Each run must deliver
exactly N records (sink files must equal the input byte for byte); a failure is shown in the table.

Finally the distconnect 100 B FileStreamSource run is repeated (N/2 records) under ``py-spy
record --nonblocking`` from its first record to its last, with the cyclic GC timed through
``gc.callbacks``, and the hot spots go into the results file, ``bench/results/standalone-<date>.md``
(py-spy is needed for this step only: ``.venv/bin/pip install py-spy``; ``--no-profile`` skips it).

Run: ``.venv/bin/python bench/bench_standalone.py [--quick] [--records-100b N] [--records-1k N]
[--only source datagen sink broker profile]`` (defaults N = 1,000,000 and 300,000: each run takes
10-20 s on the faster worker on 2 cores, the whole bench 4-6 minutes; ``--quick`` is a
one-minute smoke run whose figures mean little). Needs ``java`` (17+) and ``mvn`` (the jars are
gathered once from Maven Central and cached under ``~/.cache/distconnect``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import filecmp
import itertools
import json
import os
import platform
import random
import re
import shlex
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiokafka
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from distconnect import __version__
from distconnect.local import process
from distconnect.local.kafka import LocalKafka
from distconnect.local.kafka_layout import JVM_PERFORMANCE_OPTS, KAFKA_VERSION
from distconnect.local.maven import gather_classpath, shipped_pom

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TOOLS_POM = HERE / "poms" / "kafka-tools.xml"

SIZES = (100, 1024)
SCENARIOS = ("source", "datagen", "sink", "broker", "profile")
SIZE_LABEL = {100: "100 B", 1024: "1 KiB"}
DC, APACHE = "distconnect", "apache"

POLL_S = 0.5  # sampling period of end offsets / file line counts
LOW, HIGH = 0.05, 0.95  # the steady-state window: between 5 % and 95 % of the records
START_TIMEOUT_S = 120.0  # no first record by then: the run failed
STALL_TIMEOUT_S = 60.0  # no progress for this long after the first record: the run failed
JAVA_HEAP = "512m"
PYSPY_RATE = 200  # samples per second
PYSPY = Path(sys.executable).parent / "py-spy"
# --nonblocking: py-spy's default stops the process for each sample, which on this kind of VM lands
# mostly on syscall exits and inflates anything that makes a syscall (a getpid() inside asyncio's
# get_running_loop showed as 14 % instead of about 1 %); reading without stopping has no such bias.
PYSPY_OPTIONS = ("--rate", str(PYSPY_RATE), "--nonblocking", "--format", "raw", "--threads")

#: Runs `python -m distconnect ...` after hooking gc.callbacks, and at exit writes every collection
#: as [end (time.monotonic), seconds, generation] to a JSON file (profiled run only).
GC_TIMING = """\
import atexit, gc, json, runpy, time
collections, started = [], [0.0]
def timing(phase, info):
    now = time.monotonic()
    if phase == "start":
        started[0] = now
    else:
        collections.append((now, now - started[0], info["generation"]))
gc.callbacks.append(timing)
atexit.register(lambda: open({log!r}, "w").write(json.dumps(collections)))
runpy.run_module("distconnect", run_name="__main__", alter_sys=True)
"""

CONNECT_LOG4J2 = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
"""


# -- results --------------------------------------------------------------------------------------


@dataclass
class Run:
    """One measurement: a worker (or ProducerPerformance) moving ``expected`` records."""

    scenario: str
    impl: str
    size: int
    expected: int
    delivered: int = 0
    rate: float | None = None  # steady-state records/s
    value_bytes: float = 0.0  # mean value size in bytes
    wall_s: float = 0.0  # process start -> last record
    first_s: float | None = None  # process start -> first record
    error: str | None = None
    note: str = ""
    profile_from_s: float | None = None  # when py-spy started sampling (profiled run only)
    started_at: float = 0.0  # time.monotonic() when the process started
    other_cpu: float | None = None  # CPU share of the machine used by processes not in this bench
    samples: list[tuple[float, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.rate is not None

    @property
    def mbps(self) -> float | None:
        return None if self.rate is None else self.rate * self.value_bytes / 1e6


def steady_rate(samples: Sequence[tuple[float, int]], expected: int) -> float | None:
    """Records/s between the moments LOW and HIGH of ``expected`` had arrived (interpolated)."""

    def crossing(target: float) -> float | None:
        for (t0, n0), (t1, n1) in itertools.pairwise(samples):
            if n0 < target <= n1:
                return t0 + (t1 - t0) * (target - n0) / (n1 - n0)
        return None

    lo, hi = crossing(LOW * expected), crossing(HIGH * expected)
    if lo is None or hi is None or hi - lo < 2 * POLL_S:
        return None  # too few samples in the window to call it a rate
    return (HIGH - LOW) * expected / (hi - lo)


# -- processes ------------------------------------------------------------------------------------


class Proc:
    """A child process in its own session, output to a log file, stopped by its own pid."""

    def __init__(self, name: str, argv: list[str], log_file: Path, cwd: Path) -> None:
        self.name, self.argv, self.log_file, self.cwd = name, argv, log_file, cwd
        self.proc: asyncio.subprocess.Process | None = None
        self.started = 0.0

    async def start(self) -> None:
        with self.log_file.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.returncode

    async def stop(self, grace: float = 30.0) -> int | None:
        """SIGTERM the process group, SIGKILL it after ``grace`` seconds; the exit status."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self._signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), grace)
            except TimeoutError:
                self._signal(signal.SIGKILL)
                await self.proc.wait()
        return self.proc.returncode

    async def wait_or_signal(self, patience: float, sig: signal.Signals) -> None:
        """Wait up to ``patience`` seconds for the process to exit, then send it ``sig`` once."""
        if self.proc is None or self.proc.returncode is not None:
            return
        try:
            await asyncio.wait_for(self.proc.wait(), patience)
        except TimeoutError:
            self._signal(sig)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), patience)

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)

    def tail(self, lines: int = 4) -> str:
        return process.tail(self.log_file, lines)


# -- the bench ------------------------------------------------------------------------------------


def make_line(size: int, i: int) -> str:
    """Line ``i`` of an input file: ASCII whose JSON string encoding is exactly ``size`` bytes."""
    pad = _PADS.get(size)
    if pad is None:
        rng = random.Random(size)
        pad = _PADS[size] = "".join(rng.choices(string.ascii_letters + string.digits, k=size + 64))
    head = f"{i:010d} "
    start = i % 61
    return head + pad[start : start + size - 2 - len(head)]  # JsonConverter adds two quotes


_PADS: dict[int, str] = {}


@dataclass
class Setup:
    bootstrap: str
    broker_pid: int
    work: Path
    connect_libs: Path
    tools_libs: Path | None
    java: str
    records: dict[int, int]
    broker_factor: float
    sink_factor: float
    profile_records: int
    scenarios: frozenset[str]


class Bench:
    def __init__(self, setup: Setup) -> None:
        self.s = setup
        self.inputs: dict[int, Path] = {}  # the source's input file per value size
        self.sink_inputs: dict[int, Path] = {}  # what the sink must write, per value size
        self.runs: list[Run] = []
        self.hotspots: str = ""
        self._admin: AIOKafkaAdminClient | None = None
        self._offsets: AIOKafkaConsumer | None = None
        self._serial = 0

    # ---- helpers

    def _dir(self, name: str) -> Path:
        self._serial += 1
        path = self.s.work / f"{self._serial:02d}-{name}"
        path.mkdir(parents=True)
        return path

    async def _create_topic(self, topic: str) -> None:
        assert self._admin is not None
        await self._admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            described = await self._admin.describe_topics([topic])
            leaders = [p.get("leader", -1) for t in described for p in t.get("partitions", [])]
            if leaders and all(leader >= 0 for leader in leaders):
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"topic {topic} has no leader after 30 s")

    async def _end_offset(self, topic: str) -> int:
        assert self._offsets is not None
        tp = TopicPartition(topic, 0)
        return int((await self._offsets.end_offsets([tp]))[tp])

    async def _sample_values(self, topic: str, end: int, count: int = 2000) -> list[bytes]:
        """The values of the last ``count`` records before ``end``."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.s.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            tp = TopicPartition(topic, 0)
            consumer.assign([tp])
            consumer.seek(tp, max(0, end - count))
            values: list[bytes] = []
            deadline = time.monotonic() + 30
            while len(values) < min(count, end) and time.monotonic() < deadline:
                for records in (await consumer.getmany(tp, timeout_ms=1000)).values():
                    values.extend(r.value or b"" for r in records if r.offset < end)
            return values
        finally:
            await consumer.stop()

    def _worker_properties(self, run_dir: Path) -> Path:
        path = run_dir / "worker.properties"
        path.write_text(
            f"bootstrap.servers={self.s.bootstrap}\n"
            "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
            "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
            "key.converter.schemas.enable=false\n"
            "value.converter.schemas.enable=false\n"
            f"offset.storage.file.filename={run_dir / 'connect.offsets'}\n"
            "offset.flush.interval.ms=10000\n"
            f"listeners=http://127.0.0.1:{process.free_port()}\n"
            "plugin.discovery=service_load\n"
        )
        return path

    def _worker(self, impl: str, run_dir: Path, connector: Path, *, gc_log: Path | None = None) -> Proc:
        worker = self._worker_properties(run_dir)
        if impl == DC:
            # `python -m distconnect`, or the same through runpy with GC timing installed first.
            start = ["-m", "distconnect"] if gc_log is None else ["-c", GC_TIMING.format(log=str(gc_log))]
            argv = [sys.executable, *start, "standalone", str(worker), str(connector)]
            argv += ["--log-level", "INFO"]
        else:
            log4j = run_dir / "log4j2.properties"
            log4j.write_text(CONNECT_LOG4J2)
            argv = [
                self.s.java,
                "-Xms256m",
                f"-Xmx{JAVA_HEAP}",
                *JVM_PERFORMANCE_OPTS,
                f"-Dlog4j2.configurationFile={log4j}",
                "-cp",
                str(self.s.connect_libs / "*"),
                "org.apache.kafka.connect.cli.ConnectStandalone",
                str(worker),
                str(connector),
            ]
        return Proc(impl, argv, run_dir / "worker.log", run_dir)

    async def _track(
        self,
        run: Run,
        proc: Proc,
        count: Callable[[], Awaitable[int]],
        on_first: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Sample ``count`` every POLL_S until ``run.expected`` arrived, the process died or stalled.

        ``on_first`` is awaited once, when the first records have arrived."""
        run.samples = [(0.0, 0)]
        run.started_at = proc.started
        others = OtherCpu(self.s.broker_pid, proc.pid)
        last_progress = proc.started
        tick = proc.started
        while True:
            tick += POLL_S
            await asyncio.sleep(max(0.0, tick - time.monotonic()))
            n = await count()
            now = time.monotonic()
            elapsed = now - proc.started
            if n > run.samples[-1][1]:
                last_progress = now
                if run.first_s is None:
                    run.first_s = elapsed
                    if on_first is not None:
                        await on_first()
            run.samples.append((elapsed, n))
            run.delivered = n
            if n >= run.expected:
                run.wall_s = elapsed
                break
            if proc.exited is not None:
                run.error = f"{proc.name} exited with status {proc.exited} after {n:,}/{run.expected:,}"
                run.note = proc.tail()
                break
            if n == 0 and elapsed > START_TIMEOUT_S:
                run.error = f"no record within {START_TIMEOUT_S:.0f} s"
                run.note = proc.tail()
                break
            if n > 0 and now - last_progress > STALL_TIMEOUT_S:
                run.error = f"stalled at {n:,}/{run.expected:,} for {STALL_TIMEOUT_S:.0f} s"
                run.note = proc.tail()
                break
        run.other_cpu = others.share()
        if run.error is None:
            run.rate = steady_rate(run.samples, run.expected)
            if run.rate is None:
                run.error = "too fast to measure (fewer than 2 samples in the 5-95 % window): raise N"

    def _log(self, run: Run) -> None:
        if run.ok:
            assert run.rate is not None
            assert run.mbps is not None
            what = f"{run.rate:,.0f} records/s, {run.mbps:.1f} MB/s (first record after {run.first_s:.1f} s)"
        else:
            what = f"FAILED: {run.error} {run.note}"
        print(f"  {run.scenario} {SIZE_LABEL[run.size]} {run.impl}: {what}", flush=True)

    # ---- scenarios

    def sink_records(self, size: int) -> int:
        return int(self.s.records[size] * self.s.sink_factor)

    async def prepare_inputs(self) -> None:
        for size in SIZES:
            self.inputs[size] = self.s.work / f"input-{size}.txt"
            await asyncio.to_thread(_write_lines, self.inputs[size], size, self.s.records[size])
            self.sink_inputs[size] = self.s.work / f"sink-expected-{size}.txt"
            await asyncio.to_thread(_write_lines, self.sink_inputs[size], size, self.sink_records(size))

    async def source(self, impl: str, size: int, *, datagen: bool = False, profile: bool = False) -> Run:
        scenario = "Datagen source" if datagen else "FileStreamSource"
        expected = self.s.records[size]
        source_file = self.inputs[size]
        if profile:
            expected = min(expected, self.s.profile_records)
            source_file = self.s.work / f"profile-input-{size}.txt"
            await asyncio.to_thread(_write_lines, source_file, size, expected)
        run = Run(scenario, impl, size, expected)
        tag = "datagen" if datagen else "file"
        run_dir = self._dir(f"source-{tag}-{impl}-{size}{'-profile' if profile else ''}")
        profile_to = run_dir / "py-spy.txt"
        topic = run_dir.name
        await self._create_topic(topic)
        connector = run_dir / "connector.properties"
        if datagen:
            connector.write_text(
                f"name=bench-datagen\nconnector.class=DatagenSourceConnector\ntasks.max=1\ntopic={topic}\n"
                f"rate=-1\nrecord.size={size}\nschema.enabled=false\nmax.records={expected}\n"
                "partitions=1\nbatch.size=2000\n"
            )
        else:
            connector.write_text(
                "name=bench-file-source\n"
                "connector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\n"
                f"tasks.max=1\nfile={source_file}\ntopic={topic}\nbatch.size=2000\n"
            )
        proc = self._worker(impl, run_dir, connector, gc_log=run_dir / "gc.json" if profile else None)
        spy = Proc(
            "py-spy",
            [str(PYSPY), "record", "--pid", "PID", *PYSPY_OPTIONS, "-o", str(profile_to)],
            run_dir / "py-spy.log",
            run_dir,
        )

        async def start_profiler() -> None:
            # Sample the steady state only: from the first records on, not imports and start-up.
            spy.argv[spy.argv.index("PID")] = str(proc.pid)
            await spy.start()
            run.profile_from_s = time.monotonic() - proc.started

        try:
            await proc.start()
            await self._track(run, proc, lambda: self._end_offset(topic), start_profiler if profile else None)
        finally:
            if spy.proc is not None:
                # SIGINT makes py-spy write what it sampled and exit (SIGTERM would lose it), so
                # the worker's shutdown is left out too.
                spy._signal(signal.SIGINT)
                await spy.wait_or_signal(30.0, signal.SIGKILL)
            status = await proc.stop()
        final = await self._end_offset(topic)
        if run.error is None and final != expected:
            run.error = f"{final:,} records in the topic, expected {expected:,}"
        if not _clean_exit(impl, status) and run.error is None:
            run.note = f"exit status {status} on SIGTERM"
        if final:
            values = await self._sample_values(topic, final)
            run.value_bytes = sum(map(len, values)) / max(1, len(values))
            if not datagen and values and final == expected:
                last = json.dumps(make_line(size, expected - 1)).encode()
                if values[-1] != last:
                    run.error = f"the last record is {values[-1][:40]!r}..., expected {last[:40]!r}..."
        self._log(run)
        return run

    async def preload(self, topic: str, size: int) -> None:
        """Fill ``topic`` with the JSON string of every line the sink must write, batched."""
        started = time.monotonic()
        expected = self.sink_records(size)
        await self._create_topic(topic)
        producer = AIOKafkaProducer(
            bootstrap_servers=self.s.bootstrap, acks="all", linger_ms=5, max_batch_size=512 * 1024
        )
        await producer.start()
        try:
            futures = []
            batch = producer.create_batch()
            for i in range(expected):
                value = json.dumps(make_line(size, i)).encode()
                if batch.append(key=None, value=value, timestamp=None) is None:
                    futures.append(await producer.send_batch(batch, topic, partition=0))
                    batch = producer.create_batch()
                    batch.append(key=None, value=value, timestamp=None)
            futures.append(await producer.send_batch(batch, topic, partition=0))
            await asyncio.gather(*futures)
        finally:
            await producer.stop()
        loaded = await self._end_offset(topic)
        if loaded != expected:
            raise RuntimeError(f"preloading {topic} wrote {loaded} records, expected {expected}")
        print(
            f"  preloaded {expected:,} x {SIZE_LABEL[size]} in {time.monotonic() - started:.1f} s", flush=True
        )

    async def sink(self, impl: str, size: int, topic: str) -> Run:
        expected = self.sink_records(size)
        run = Run("FileStreamSink", impl, size, expected, value_bytes=float(size))
        run_dir = self._dir(f"sink-{impl}-{size}")
        out = run_dir / "out.txt"
        connector = run_dir / "connector.properties"
        connector.write_text(
            f"name=bench-sink-{impl}-{size}\n"
            "connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\n"
            f"tasks.max=1\nfile={out}\ntopics={topic}\n"
        )
        counter = LineCounter(out)
        proc = self._worker(impl, run_dir, connector)
        try:
            await proc.start()
            await self._track(run, proc, lambda: asyncio.to_thread(counter.count))
        finally:
            status = await proc.stop()
        if run.error is None:
            lines = await asyncio.to_thread(counter.count)
            same = await asyncio.to_thread(filecmp.cmp, out, self.sink_inputs[size], False)
            if lines != expected:
                run.error = f"{lines:,} lines written, expected {expected:,}"
            elif not same:
                run.error = "the output file differs from the input lines"
            elif not _clean_exit(impl, status):
                run.note = f"exit status {status} on SIGTERM"
        self._log(run)
        return run

    async def broker_limit(self, size: int) -> Run:
        expected = int(self.s.records[size] * self.s.broker_factor)
        run = Run("broker (ProducerPerformance)", "kafka", size, expected, value_bytes=float(size))
        if self.s.tools_libs is None:
            run.error = "kafka-tools classpath unavailable"
            return run
        run_dir = self._dir(f"broker-{size}")
        topic = run_dir.name
        await self._create_topic(topic)
        log4j = run_dir / "log4j2.properties"
        log4j.write_text(CONNECT_LOG4J2.replace("rootLogger.level = INFO", "rootLogger.level = WARN"))
        argv = [
            self.s.java,
            f"-Xmx{JAVA_HEAP}",
            *JVM_PERFORMANCE_OPTS,
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            str(self.s.tools_libs / "*"),
            "org.apache.kafka.tools.ProducerPerformance",
            "--topic",
            topic,
            "--num-records",
            str(expected),
            "--record-size",
            str(size),
            "--throughput",
            "-1",
            "--producer-props",
            f"bootstrap.servers={self.s.bootstrap}",
            "acks=all",
            "linger.ms=5",
        ]
        proc = Proc("ProducerPerformance", argv, run_dir / "perf.log", run_dir)
        try:
            await proc.start()
            await self._track(run, proc, lambda: self._end_offset(topic))
            if proc.proc is not None and run.error is None:
                await asyncio.wait_for(proc.proc.wait(), 60)
        finally:
            await proc.stop()
        summary = re.findall(r"^\d+ records sent, ([\d.]+) records/sec.*$", proc.log_file.read_text(), re.M)
        if summary:
            run.note = f"ProducerPerformance's own average: {float(summary[-1]):,.0f} records/s"
        self._log(run)
        return run

    async def run(self) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=self.s.bootstrap)
        await self._admin.start()
        self._offsets = AIOKafkaConsumer(bootstrap_servers=self.s.bootstrap, enable_auto_commit=False)
        await self._offsets.start()
        try:
            await self.prepare_inputs()
            only = self.s.scenarios
            if "source" in only:
                print("source: FileStreamSource -> Kafka", flush=True)
                for size in SIZES:
                    for impl in (DC, APACHE):
                        self.runs.append(await self.source(impl, size))
            if "datagen" in only:
                print("source: Datagen -> Kafka (distconnect only)", flush=True)
                for size in SIZES:
                    self.runs.append(await self.source(DC, size, datagen=True))
            if "sink" in only:
                print("sink: Kafka -> FileStreamSink", flush=True)
                for size in SIZES:
                    topic = f"sink-input-{size}"
                    await self.preload(topic, size)
                    for impl in (DC, APACHE):
                        self.runs.append(await self.sink(impl, size, topic))
            if "broker" in only:
                print("broker limit: ProducerPerformance", flush=True)
                for size in SIZES:
                    self.runs.append(await self.broker_limit(size))
            if "profile" in only:
                print("profile: distconnect FileStreamSource 100 B under py-spy", flush=True)
                await self.profile()
        finally:
            await self._offsets.stop()
            await self._admin.close()

    async def profile(self) -> None:
        if not PYSPY.exists():
            self.hotspots = "Not profiled: py-spy is not installed (`.venv/bin/pip install py-spy`).\n"
            print("  " + self.hotspots.strip())
            return
        run = await self.source(DC, 100, profile=True)
        run_dir = next(self.s.work.glob("*-profile"))
        raw = run_dir / "py-spy.txt"
        if not raw.exists():
            spy_log = process.tail(run_dir / "py-spy.log")
            self.hotspots = f"py-spy wrote no profile: {spy_log} {run.error or ''}\n"
            return
        gc_log = run_dir / "gc.json"
        collections = json.loads(gc_log.read_text()) if gc_log.exists() else None
        self.hotspots = render_profile(raw.read_text(), run, collections)


# -- small sync helpers (run in threads) ----------------------------------------------------------


def _clean_exit(impl: str, status: int | None) -> bool:
    """A JVM stopped by SIGTERM runs its shutdown hooks and exits 143 (128 + 15): that is clean."""
    return status in (None, 0) or (impl == APACHE and status == 128 + signal.SIGTERM)


def _write_lines(path: Path, size: int, count: int) -> None:
    with path.open("w", buffering=1 << 20) as out:
        for i in range(count):
            out.write(make_line(size, i))
            out.write("\n")


class OtherCpu:
    """CPU time used by processes outside this bench between construction and :meth:`share`.

    The machine is shared (other engineers' tests, brokers); a run whose figure is low next to a
    high share here was disturbed. Processes that start and exit within the run are missed."""

    def __init__(self, *own: int) -> None:
        self.own = {os.getpid(), *own}
        self.started = time.monotonic()
        self.before = self._ticks()

    def _ticks(self) -> dict[int, int]:
        ticks: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                pid, ppid = int(stat.parent.name), int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
            if pid not in self.own and ppid not in self.own:
                ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
        return ticks

    def share(self) -> float | None:
        if not self.before:
            return None  # no /proc
        after = self._ticks()
        used = sum(t - self.before.get(pid, 0) for pid, t in after.items())
        seconds = used / os.sysconf("SC_CLK_TCK")
        return max(0.0, seconds / ((time.monotonic() - self.started) * (os.cpu_count() or 1)))


class LineCounter:
    """Counts the lines of a growing file, reading only what was appended since the last call."""

    def __init__(self, path: Path) -> None:
        self.path, self.position, self.lines = path, 0, 0

    def count(self) -> int:
        try:
            with self.path.open("rb") as f:
                f.seek(self.position)
                while chunk := f.read(1 << 22):
                    self.lines += chunk.count(b"\n")
                    self.position += len(chunk)
        except FileNotFoundError:
            pass
        return self.lines


# -- profile --------------------------------------------------------------------------------------

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_PATH_PREFIXES = ("site-packages/", "/work/main/")
#: Frames that only carry the program (runpy, the CLI, asyncio's loop, thread start-up).
_PLUMBING = re.compile(
    r"\((<frozen runpy>|runpy\.py|threading\.py|asyncio/(base_events|runners|events)\.py"
    r"|distconnect/cli\.py|distconnect/__main__\.py)\)$|^<module> \(<string>\)$"
)


def _short_path(path: str) -> str:
    for marker in _PATH_PREFIXES:
        if marker in path:
            return path.split(marker, 1)[1]
    m = re.search(r"/lib/python3\.\d+/(.*)$", path)
    return m.group(1) if m else path


def _frames(stack: list[str]) -> list[tuple[str, str]]:
    """py-spy frames as (function-level name, line-level name); ``<string>`` frames (namedtuple and
    dataclass constructors) are named after their caller, since that is what can be changed."""
    out: list[tuple[str, str]] = []
    for frame in stack:
        m = _FRAME.match(frame)
        if not m:
            out.append((frame, frame))
            continue
        path, func, line = _short_path(m.group("file")), m.group("func"), m.group("line")
        if path == "<string>" and out:
            func = f"{func} <generated, called from {out[-1][0].split(' (')[0]}>"
        out.append((f"{func} ({path})", f"{func} ({path}:{line})" if line else f"{func} ({path})"))
    return out


def _is_idle(frames: list[tuple[str, str]]) -> bool:
    """A thread-pool worker waiting for work or the loop waiting in select (py-spy counts some of
    these waits as busy)."""
    leaf = frames[-1][0]
    return leaf in ("_worker (concurrent/futures/thread.py)", "EpollSelector.select (selectors.py)")


def render_gc(collections: list[list[float]], run: Run) -> list[str]:
    """How much of the sampled window the worker spent in the cyclic garbage collector."""
    lo = run.started_at + (run.profile_from_s or 0.0)
    hi = run.started_at + run.wall_s
    inside = [(end, seconds, int(gen)) for end, seconds, gen in collections if lo <= end <= hi]
    if hi <= lo:
        return []
    total = sum(seconds for _, seconds, _ in inside)
    per_gen = [
        f"gen {g}: {sum(1 for *_, x in inside if x == g):,} collections, "
        f"{sum(t for _, t, x in inside if x == g):.2f} s"
        for g in (0, 1, 2)
    ]
    return [
        f"Cyclic garbage collector (timed with `gc.callbacks` in the same run): {total:.2f} s of the "
        f"{hi - lo:.1f} s sampled, **{total / (hi - lo):.0%} of the event loop's wall time** "
        f"({'; '.join(per_gen)}). py-spy charges this time to whichever Python line was allocating "
        "when a collection started, often a generated `<lambda>` or `__init__` (namedtuple, "
        "dataclass): part of those rows is GC.",
        "",
    ]


def render_profile(raw: str, run: Run, collections: list[list[float]] | None, top: int = 15) -> str:
    """Markdown hot spots from py-spy's collapsed stacks (``--threads``; idle threads not sampled).

    The tables cover the event loop's thread (``MainThread``), where all of the pipeline but file
    reads runs and which saturates first; the pool threads get one line each."""
    self_time: Counter[str] = Counter()
    total_time: Counter[str] = Counter()
    line_time: Counter[str] = Counter()
    module_time: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    pool_leaves: dict[str, Counter[str]] = {}
    loop = idle = 0
    for entry in raw.splitlines():
        stack, _, n = entry.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        count = int(n)
        thread, *rest = stack.split(";")
        frames = _frames(rest)
        if not frames:
            continue
        if _is_idle(frames):
            idle += count
            continue
        name = re.sub(r"^thread \(\d+\):?\s*", "", thread) or "MainThread"
        threads[name] += count
        if name != "MainThread":
            pool_leaves.setdefault(name, Counter())[frames[-1][0]] += count
            continue
        loop += count
        self_time[frames[-1][0]] += count
        line_time[frames[-1][1]] += count
        module_time[frames[-1][0].rsplit(" (", 1)[1].rstrip(")")] += count
        for func in {f for f, _ in frames}:
            total_time[func] += count
    if not loop:
        return "py-spy recorded no busy samples of the event loop's thread.\n"
    span = max(run.wall_s - (run.profile_from_s or 0.0), 1.0)
    rate = f"{run.rate:,.0f} records/s under the profiler" if run.rate else f"failed: {run.error}"

    def pct(count: int) -> str:
        return f"{count / loop:.1%}"

    inclusive = [(n, c) for n, c in total_time.most_common() if not _PLUMBING.search(n)]

    def busy(thread: str, count: int) -> str:
        line = f"- `{thread}`: {count / (PYSPY_RATE * span):.0%}"
        if thread in pool_leaves:
            leaves = pool_leaves[thread].most_common(3)
            line += " (mostly " + ", ".join(f"`{f}` {c / count:.0%}" for f, c in leaves) + ")"
        return line

    out = [
        f"`distconnect standalone`, FileStreamSource -> Kafka, 100 B values, {run.expected:,} records "
        f"({rate}), sampled by `py-spy record {' '.join(PYSPY_OPTIONS[:3])} --threads` from the first "
        f"record to the last. Samples of a thread waiting ({idle:,}: pool thread waiting for work, "
        "loop in `select`) are left out.",
        "",
        *(render_gc(collections, run) if collections is not None else []),
        "CPU busy per thread while sampling (100 % = one core):",
        "",
        *(busy(thread, count) for thread, count in threads.most_common(4)),
        "",
        f"The tables below are shares of the event loop thread's {loop:,} busy samples. "
        f"Top {top} functions by self time:",
        "",
        "| function | self % | total % |",
        "|---|---:|---:|",
        *(f"| `{n}` | {pct(c)} | {pct(total_time[n])} |" for n, c in self_time.most_common(top)),
        "",
        f"Top {top} functions by total (inclusive) time, leaving out plumbing (runpy, CLI, asyncio loop):",
        "",
        "| function | total % | self % |",
        "|---|---:|---:|",
        *(f"| `{n}` | {pct(c)} | {pct(self_time[n])} |" for n, c in inclusive[:top]),
        "",
        "Self time by module:",
        "",
        "| module | self % |",
        "|---|---:|",
        *(f"| `{n}` | {pct(c)} |" for n, c in module_time.most_common(10)),
        "",
        "Hottest source lines (self time):",
        "",
        "| line | self % |",
        "|---|---:|",
        *(f"| `{n}` | {pct(c)} |" for n, c in line_time.most_common(10)),
    ]
    return "\n".join(out) + "\n"


# -- report ---------------------------------------------------------------------------------------


def _fmt_rate(run: Run | None) -> tuple[str, str]:
    if run is None:
        return "n/a", "n/a"
    if not run.ok:
        return f"FAILED ({run.error})", "-"
    assert run.rate is not None
    assert run.mbps is not None
    return f"{run.rate:,.0f}", f"{run.mbps:.1f}"


def render_table(runs: list[Run]) -> str:
    def find(scenario: str, impl: str, size: int) -> Run | None:
        return next((r for r in runs if (r.scenario, r.impl, r.size) == (scenario, impl, size)), None)

    rows = [
        "| scenario | record size | distconnect records/s | distconnect MB/s | Apache records/s "
        "| Apache MB/s | distconnect / Apache | broker limit records/s | distconnect / broker "
        "| Apache / broker |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in ("FileStreamSource", "Datagen source", "FileStreamSink"):
        for size in SIZES:
            dc, ap = find(scenario, DC, size), find(scenario, APACHE, size)
            broker = find("broker (ProducerPerformance)", "kafka", size)
            if dc is None and ap is None:
                continue
            dc_rate, dc_mb = _fmt_rate(dc)
            if scenario == "Datagen source":
                ap_rate, ap_mb = "n/a (no datagen in Apache Kafka)", "n/a"
            else:
                ap_rate, ap_mb = _fmt_rate(ap)
            ratio = "-"
            if dc and ap and dc.ok and ap.ok and dc.rate and ap.rate:
                ratio = f"{dc.rate / ap.rate:.2f}x"
            b_rate, dc_frac, ap_frac = "-", "-", "-"
            if broker and broker.ok and broker.rate:
                b_rate = f"{broker.rate:,.0f}"
                if dc and dc.ok and dc.rate:
                    dc_frac = f"{dc.rate / broker.rate:.0%}"
                if ap and ap.ok and ap.rate and scenario != "Datagen source":
                    ap_frac = f"{ap.rate / broker.rate:.0%}"
            elif broker:
                b_rate = f"FAILED ({broker.error})"
            label = SIZE_LABEL[size]
            if dc and dc.value_bytes and abs(dc.value_bytes - size) > 2:
                label += f" (values {dc.value_bytes:.0f} B)"
            rows.append(
                f"| {scenario} | {label} | {dc_rate} | {dc_mb} | {ap_rate} | {ap_mb} | {ratio} "
                f"| {b_rate} | {dc_frac} | {ap_frac} |"
            )
    return "\n".join(rows)


def render_details(runs: list[Run]) -> str:
    rows = [
        "| run | record size | delivered / expected | first record after | last record after "
        "| steady records/s | other processes' CPU | notes |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        first = f"{r.first_s:.1f} s" if r.first_s is not None else "-"
        last = f"{r.wall_s:.1f} s" if r.wall_s else "-"
        rate = f"{r.rate:,.0f}" if r.rate else "-"
        other = f"{r.other_cpu:.0%}" if r.other_cpu is not None else "-"
        notes = "; ".join(x for x in (f"FAILED: {r.error}" if r.error else "", r.note) if x)
        rows.append(
            f"| {r.scenario} / {r.impl} | {SIZE_LABEL[r.size]} | {r.delivered:,} / {r.expected:,} "
            f"| {first} | {last} | {rate} | {other} | {notes.replace('|', '/')} |"
        )
    return "\n".join(rows)


def source_state() -> str:
    """The commit measured and any uncommitted changes to the package (the install is editable)."""
    repo = HERE.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
        return done.stdout.rstrip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    changed = [line[3:] for line in git("status", "--porcelain", "--", "distconnect").splitlines()]
    if not changed:
        return f"git {commit}, clean"
    return f"git {commit} plus uncommitted changes to {', '.join(changed)}"


def machine_info(java: str) -> dict[str, str]:
    java_version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()
    mem_kb = 0
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        meminfo = Path("/proc/meminfo").read_text()
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))  # type: ignore[union-attr]
    with contextlib.suppress(OSError, AttributeError):
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1)  # type: ignore[union-attr]
    return {
        "distconnect": f"{__version__} ({source_state()})",
        "python": f"{platform.python_version()} ({platform.python_implementation()}), "
        f"aiokafka {aiokafka.__version__}",
        "kafka": f"{KAFKA_VERSION} (broker, connect-runtime, connect-file, kafka-tools from Maven Central)",
        "java": java_version[0] if java_version else "unknown",
        "machine": f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.1f} GiB RAM, {platform.system()} "
        f"{platform.release()}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records-100b", type=int, help="N for 100 B values (default 1,000,000)")
    parser.add_argument("--records-1k", type=int, help="N for 1 KiB values (default 300,000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: N = 100,000 and 50,000")
    parser.add_argument(
        "--sink-factor", type=float, default=2.0, help="the sinks get this many times N (they are faster)"
    )
    parser.add_argument(
        "--broker-factor", type=float, default=2.0, help="ProducerPerformance sends this many times N"
    )
    parser.add_argument("--profile-records", type=int, help="records of the profiled run (default N/2)")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SCENARIOS,
        default=SCENARIOS,
        help="run only these parts (default: all); the table shows n/a for the others",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, files)")
    parser.add_argument("--output", type=Path, help="results file (default bench/results/standalone-DATE.md)")
    args = parser.parse_args()
    defaults = (100_000, 50_000) if args.quick else (1_000_000, 300_000)
    records = {100: args.records_100b or defaults[0], 1024: args.records_1k or defaults[1]}
    java = shutil.which("java")
    if java is None:
        print("bench: `java` (17+) is needed to run Apache Kafka Connect", file=sys.stderr)
        return 1

    started = time.monotonic()
    load_before = os.getloadavg()
    print("gathering jars (cached after the first run) ...", flush=True)
    connect_libs = gather_classpath(shipped_pom("connect.xml"))
    tools_libs = gather_classpath(TOOLS_POM)
    work = Path(tempfile.mkdtemp(prefix="distconnect-bench-"))
    broker = LocalKafka(work / "kafka", port=process.free_port())
    bench: Bench | None = None
    try:
        status = broker.start()
        assert status.bootstrap is not None
        print(f"broker at {status.bootstrap} (pid {status.pid}), work dir {work}", flush=True)
        setup = Setup(
            bootstrap=status.bootstrap,
            broker_pid=status.pid or 0,
            work=work,
            connect_libs=connect_libs,
            tools_libs=tools_libs,
            java=java,
            records=records,
            broker_factor=args.broker_factor,
            sink_factor=args.sink_factor,
            profile_records=args.profile_records or records[100] // 2,
            scenarios=frozenset(args.only) - ({"profile"} if args.no_profile else set()),
        )
        bench = Bench(setup)
        asyncio.run(bench.run())
    finally:
        broker.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    assert bench is not None
    duration = time.monotonic() - started
    info = machine_info(java)
    load_after = os.getloadavg()
    table = render_table(bench.runs)
    header = [
        f"# Standalone worker throughput ({datetime.date.today().isoformat()})",
        "",
        f"Command: `{shlex.join(['.venv/bin/python', 'bench/bench_standalone.py', *sys.argv[1:]])}` "
        f"({duration / 60:.1f} min in all)",
        "",
        *(f"- {k}: {v}" for k, v in info.items()),
        f"- load average (1 min) before / after: {load_before[0]:.2f} / {load_after[0]:.2f}",
        f"- records per run (N): {records[100]:,} x 100 B, {records[1024]:,} x 1 KiB for the sources; "
        f"{args.sink_factor:g} N for the sinks, {args.broker_factor:g} N for ProducerPerformance",
        "",
        "One broker and both workers on the same machine, one task, one-partition topics, the same "
        "worker and connector properties for both workers: `JsonConverter` with "
        "`schemas.enable=false`, `batch.size=2000`, `offset.flush.interval.ms=10000`; Apache's "
        f"worker runs with `-Xmx{JAVA_HEAP}`. Rates are steady state: end offsets (or the sink file's "
        "lines) sampled every 0.5 s, rate between the moments 5 % and 95 % of the records had "
        "arrived, so start-up is excluded. MB/s counts value bytes (1 MB = 10^6 B). The broker limit "
        "is `ProducerPerformance --throughput -1 acks=all linger.ms=5` on the same broker, measured "
        "the same way; sink rates are compared with it too although a sink's ceiling is the "
        "consumer side. Apache Kafka has no datagen connector, so Apache is compared on "
        "FileStreamSource only. The machine is shared: the runs table shows how much of its CPU other "
        "processes (not this bench, its broker or its workers) used during each run.",
        "",
    ]
    body = [
        table,
        "",
        "## Runs",
        "",
        render_details(bench.runs),
        "",
    ]
    if bench.hotspots:
        body += ["## Hot spots (distconnect, FileStreamSource 100 B)", "", bench.hotspots]
    text = "\n".join(header + body)
    print()
    print(text)
    suffix = "-quick" if args.quick else ""
    saved = args.output or RESULTS / f"standalone-{datetime.date.today().isoformat()}{suffix}.md"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(text)
    print(f"saved {saved}")
    failed = [r for r in bench.runs if not r.ok]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
