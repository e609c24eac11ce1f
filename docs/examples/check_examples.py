"""Run the two example connectors end to end on a local broker and check what they did.

    .venv/bin/python docs/examples/check_examples.py [--keep-broker]

1. starts a local Apache Kafka (``distconnect local kafka start --dir /tmp/docs-kafka --port 29092``);
2. runs ``distconnect standalone`` with a worker config and two connector configs: the example
   source (three streams, 2 tasks, 40 ticks per stream) and the example sink writing them to files;
3. waits until every tick is in the sink's files, stops the worker with SIGTERM and checks the
   exit code, the files (each tick exactly once, offsets contiguous) and the offsets file;
4. runs the worker again with 60 ticks per stream and checks that the source resumed from its
   committed offsets and the sink from its files: ticks 40..59 are added, nothing is repeated;
5. stops the broker (unless ``--keep-broker``).

The connector classes are named by their dotted paths, ``examples.example_source.
ExampleSourceConnector`` and ``examples.example_sink.ExampleSinkConnector``; the worker
imports them because ``docs/`` is put on ``PYTHONPATH`` (the same path ``docs/generate.py``
imports the source connector by, to render its configuration reference).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KAFKA_DIR = "/tmp/docs-kafka"
PORT = 29092
STREAMS = ("alpha", "beta", "gamma")


def write_properties(path: Path, props: dict[str, str]) -> Path:
    path.write_text("".join(f"{key}={value}\n" for key, value in props.items()))
    return path


def sink_lines(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for f in sorted(out.glob("*.jsonl")) for line in f.read_text().splitlines()]


def run_worker(work: Path, topic: str, out: Path, ticks: int) -> list[dict[str, object]]:
    worker = write_properties(
        work / "worker.properties",
        {
            "bootstrap.servers": f"127.0.0.1:{PORT}",
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename": str(work / "connect.offsets"),
            "offset.flush.interval.ms": "1000",
        },
    )
    source = write_properties(
        work / "example-source.properties",
        {
            "name": "example-source",
            "connector.class": "examples.example_source.ExampleSourceConnector",
            "tasks.max": "2",
            "topic": topic,
            "streams": ",".join(STREAMS),
            "batch.size": "15",
            "poll.interval.ms": "200",
            "max.ticks.per.stream": str(ticks),
            "api.token": "s3cr3t",
            "topic.creation.default.partitions": "3",
            "topic.creation.default.replication.factor": "1",
        },
    )
    sink = write_properties(
        work / "example-sink.properties",
        {
            "name": "example-sink",
            "connector.class": "examples.example_sink.ExampleSinkConnector",
            "tasks.max": "1",
            "topics": topic,
            "output.dir": str(out),
        },
    )
    env = {**os.environ, "PYTHONPATH": str(DOCS)}
    cmd = [str(BIN / "distconnect"), "standalone", str(worker), str(source), str(sink)]
    log_path = work / f"worker-{ticks}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        expected = len(STREAMS) * ticks
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                if out.exists() and len(sink_lines(out)) >= expected:
                    break
                time.sleep(0.5)
            time.sleep(2.5)  # let a periodic offset commit happen; anything extra would show up
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
    print(f"worker with {ticks} ticks per stream exited with {code}")
    for line in log_path.read_text().splitlines():
        if "resum" in line or "stopping" in line:
            print("  log:", line)
    if code != 0:
        print(log_path.read_text()[-4000:])
        raise SystemExit("the worker did not exit cleanly")
    return sink_lines(out)


def check(lines: list[dict[str, object]], ticks: int) -> None:
    seen = Counter((str(line["key"]), line["value"]["seq"]) for line in lines)  # type: ignore[index]
    wanted = {(stream, seq) for stream in STREAMS for seq in range(ticks)}
    missing = wanted - set(seen)
    repeated = {tick: n for tick, n in seen.items() if n > 1}
    print(
        f"  {len(lines)} lines, {len(seen)} distinct ticks, {len(missing)} missing, {len(repeated)} repeated"
    )
    assert not missing, f"missing ticks: {sorted(missing)[:10]}"
    assert not repeated, f"repeated ticks: {sorted(repeated.items())[:10]}"
    by_partition: dict[object, list[int]] = {}
    for line in lines:
        by_partition.setdefault(line["partition"], []).append(int(str(line["offset"])))
    for partition, offsets in by_partition.items():
        assert offsets == list(range(offsets[0], offsets[0] + len(offsets))), f"gap in partition {partition}"


def main() -> None:
    keep = "--keep-broker" in sys.argv
    subprocess.run(
        [str(BIN / "distconnect"), "local", "kafka", "start", "--dir", KAFKA_DIR, "--port", str(PORT)],
        check=True,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="docs-examples-") as tmp:
            work = Path(tmp)
            out = work / "out"
            topic = f"docs-example-ticks-{uuid.uuid4().hex[:8]}"
            check(run_worker(work, topic, out, ticks=40), ticks=40)
            offsets = json.loads((work / "connect.offsets").read_text())
            print("  offsets file:", json.dumps(offsets))
            stored = {json.loads(k)[1]["stream"]: json.loads(v)["seq"] for k, v in offsets["offsets"]}
            assert stored == dict.fromkeys(STREAMS, 39), stored
            check(run_worker(work, topic, out, ticks=60), ticks=60)
            print("OK: both examples ran; the source and the sink resumed without loss or repeats")
    finally:
        if not keep:
            subprocess.run(
                [str(BIN / "distconnect"), "local", "kafka", "stop", "--dir", KAFKA_DIR], check=False
            )


if __name__ == "__main__":
    main()
