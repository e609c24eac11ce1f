"""SIGKILL a standalone worker mid-stream: on restart nothing is lost, and only records after the
last offset commit are delivered twice."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from distconnect.runtime.properties import format_properties
from tests.support import eventually


def _start(tmp_path: Path, worker: Path, connector: Path, attempt: int) -> subprocess.Popen[bytes]:
    with (tmp_path / f"worker-{attempt}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "distconnect", "standalone", str(worker), str(connector)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def _seqnos(bootstrap: str, topic: str) -> list[int]:
    """Every value in ``topic`` (VerifiableSource seqnos), read to the current end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in partitions]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        values: list[int] = []
        while [tp for tp in tps if await consumer.position(tp) < end[tp]]:
            batches = await consumer.getmany(timeout_ms=500)
            values.extend(int(r.value) for rs in batches.values() for r in rs)
        return values
    finally:
        await consumer.stop()


def _committed_seqno(offsets_file: Path) -> int:
    data = json.loads(offsets_file.read_text())
    ((key, value),) = data["offsets"]
    assert json.loads(key)[0] == "verifiable"
    return int(json.loads(value)["seqno"])


async def test_sigkill_mid_stream_loses_nothing(tmp_path: Path, kafka_bootstrap: str, topic: str) -> None:
    offsets = tmp_path / "offsets.json"
    worker = tmp_path / "worker.properties"
    worker.write_text(
        format_properties(
            {
                "bootstrap.servers": kafka_bootstrap,
                "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "key.converter.schemas.enable": "false",
                "value.converter.schemas.enable": "false",
                "offset.storage.file.filename": str(offsets),
                "offset.flush.interval.ms": "1000",
                "listeners": "http://127.0.0.1:0",  # the REST API on a free port
            }
        )
    )
    connector = tmp_path / "verifiable.properties"
    connector.write_text(
        format_properties(
            {
                "name": "verifiable",
                "connector.class": "org.apache.kafka.connect.tools.VerifiableSourceConnector",
                "tasks.max": "1",
                "topic": topic,
                "throughput": "2000",
                "batch.size": "20",
                "verifiable.log.file": str(tmp_path / "events.jsonl"),
            }
        )
    )

    first = _start(tmp_path, worker, connector, 1)
    try:
        await eventually(
            lambda: offsets.exists() and _committed_seqno(offsets) >= 3000,
            deadline_s=90,
            what="the first worker to commit offsets past seqno 3000",
        )
        assert first.poll() is None, (tmp_path / "worker-1.log").read_text()[-3000:]
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    committed_at_kill = _committed_seqno(offsets)
    before_restart = await _seqnos(kafka_bootstrap, topic)
    sent_at_kill = max(before_restart)
    assert sent_at_kill >= committed_at_kill

    second = _start(tmp_path, worker, connector, 2)
    try:

        async def progressed() -> bool:
            return max(await _seqnos(kafka_bootstrap, topic), default=-1) >= sent_at_kill + 2000

        await eventually(progressed, deadline_s=90, what="the restarted worker to produce 2000 more records")
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        assert second.wait(timeout=60) == 0, (tmp_path / "worker-2.log").read_text()[-3000:]

    seqnos = await _seqnos(kafka_bootstrap, topic)
    counts = collections.Counter(seqnos)
    highest = max(seqnos)
    missing = [s for s in range(highest + 1) if s not in counts]
    duplicated = sorted(s for s, n in counts.items() if n > 1)
    print(
        f"\nSIGKILL crash test: {len(seqnos)} records, highest seqno {highest}, committed at kill "
        f"{committed_at_kill}, sent at kill {sent_at_kill}, lost {len(missing)}, duplicated {len(duplicated)}"
    )
    assert missing == []
    assert all(counts[s] == 2 for s in duplicated)
    assert all(committed_at_kill < s <= sent_at_kill for s in duplicated)
    assert len(duplicated) <= sent_at_kill - committed_at_kill
