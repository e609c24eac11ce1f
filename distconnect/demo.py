"""``make demo``: a local Kafka and a standalone worker moving a file through it into another file.

1. starts the local Apache Kafka (``distconnect local kafka start``) and round-trips a few records
   through aiokafka to show the broker works;
2. writes a worker config and two connector configs (FileStreamSource → topic → FileStreamSink)
   into the demo directory, and runs ``distconnect standalone`` on them as a separate process;
3. waits until the sink file holds every line, stops the worker with SIGTERM (it commits offsets
   and exits cleanly) and checks the copy is identical.

Everything it wrote stays in the demo directory so it can be rerun by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from distconnect.local.demo import round_trip
from distconnect.local.errors import LocalServiceError
from distconnect.local.kafka import LocalKafka
from distconnect.runtime.properties import format_properties


def _write_configs(work: Path, bootstrap: str, topic: str) -> tuple[Path, Path, Path, Path, Path]:
    source, sink = work / "input.txt", work / "output.txt"
    worker = work / "worker.properties"
    worker.write_text(
        format_properties(
            {
                "bootstrap.servers": bootstrap,
                "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "offset.storage.file.filename": str(work / "offsets.json"),
                "offset.flush.interval.ms": "1000",
                "listeners": "http://127.0.0.1:0",  # the REST API on a free port
            }
        )
    )
    source_cfg = work / "file-source.properties"
    source_cfg.write_text(
        format_properties(
            {
                "name": "demo-file-source",
                "connector.class": "FileStreamSource",
                "tasks.max": "1",
                "file": str(source),
                "topic": topic,
            }
        )
    )
    sink_cfg = work / "file-sink.properties"
    sink_cfg.write_text(
        format_properties(
            {
                "name": "demo-file-sink",
                "connector.class": "FileStreamSink",
                "tasks.max": "1",
                "file": str(sink),
                "topics": topic,
            }
        )
    )
    return source, sink, worker, source_cfg, sink_cfg


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


def run_pipeline(work: Path, bootstrap: str, lines: int) -> int:
    topic = f"demo-lines-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True, exist_ok=True)
    source, sink, worker, source_cfg, sink_cfg = _write_configs(work, bootstrap, topic)
    for stale in (sink, work / "offsets.json"):
        stale.unlink(missing_ok=True)
    source.write_text(
        "".join(f"line {i:06d}: the quick brown fox jumps over the lazy dog\n" for i in range(lines))
    )
    log = work / "worker.log"
    print(f"Running: distconnect standalone {worker} {source_cfg} {sink_cfg}  (log: {log})")
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "distconnect", "standalone", str(worker), str(source_cfg), str(sink_cfg)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while _count_lines(sink) < lines and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.2)
            elapsed = time.monotonic() - started
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
    copied = _count_lines(sink)
    identical = sink.exists() and sink.read_bytes() == source.read_bytes()
    print(
        f"  {source.name}: {lines} lines -> topic {topic} -> {sink.name}: {copied} lines "
        f"in {elapsed:.1f} s (worker start-up included); worker exited with {code}"
    )
    print(f"  offsets committed by the source task: {(work / 'offsets.json').read_text().strip()[:160]}")
    if not identical or code != 0:
        print(f"MISMATCH or unclean exit; see {log}", file=sys.stderr)
        return 1
    print(f"  {sink} is identical to {source}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, default=Path(".distconnect"), help="state and demo directory")
    parser.add_argument("--lines", type=int, default=20000)
    args = parser.parse_args(argv)
    broker = LocalKafka(args.dir / "kafka")
    try:
        status = broker.start()
    except LocalServiceError as err:
        print(f"distconnect: {err}", file=sys.stderr)
        return 1
    assert status.bootstrap is not None
    print(f"Kafka is running: bootstrap.servers={status.bootstrap} (pid {status.pid})")
    received = asyncio.run(round_trip(status.bootstrap, f"demo-{uuid.uuid4().hex[:8]}", 1000))
    print(f"  aiokafka round trip: produced 1000 records, consumed {len(received)} back")
    code = run_pipeline(args.dir / "demo", status.bootstrap, args.lines)
    print("Kafka is still running for you to explore; `make clean` stops it.")
    return code


if __name__ == "__main__":
    sys.exit(main())
