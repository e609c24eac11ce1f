"""KafkaOffsetStore on the real broker: offsets shared across workers, Java's bytes and partitioning."""

from __future__ import annotations

from typing import Any

from distconnect.api.records import FrozenMapping
from distconnect.storage.offset_store import DEFAULT_PARTITIONS, KafkaOffsetStore
from tests.integration.storage.storage_support import SpecFactory, raw_records


def java_murmur2(data: bytes) -> int:
    """``org.apache.kafka.common.utils.Utils.murmur2``, written out independently of aiokafka."""
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    whole = len(data) // 4
    for i in range(whole):
        k = int.from_bytes(data[4 * i : 4 * i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = data[4 * whole :]
    if len(tail) == 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if len(tail) >= 1:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def java_partition(key: bytes, partitions: int) -> int:
    """``BuiltInPartitioner.partitionForKey``: ``toPositive(murmur2(key)) % partitions``."""
    return (java_murmur2(key) & 0x7FFFFFFF) % partitions


def test_the_murmur2_here_matches_kafkas_test_vectors() -> None:
    # from clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java testMurmur2
    vectors = {
        b"21": -973932308,
        b"foobar": -790332482,
        b"a-little-bit-long-string": -985981536,
        b"a-little-bit-longer-string": -1486304829,
        b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
        b"abc": 479470107,
    }
    assert {data: java_murmur2(data) for data in vectors} == vectors


async def test_offsets_written_by_one_worker_are_read_by_another(
    kafka_bootstrap: str, settings: dict[str, Any], spec: SpecFactory
) -> None:
    topic = spec("offsets", partitions=DEFAULT_PARTITIONS, setting="offset.storage.topic")
    files = [FrozenMapping({"filename": f"/data/file-{n}.txt"}) for n in range(40)]
    async with KafkaOffsetStore(topic, settings) as first, KafkaOffsetStore(topic, settings) as second:
        await first.write("src", {part: {"position": n} for n, part in enumerate(files)})
        await first.write("src", {files[0]: {"position": 1000}, files[1]: None})
        await first.write("other", {FrozenMapping({"table": "t", "shard": 2}): {"lsn": 7, "done": False}})

        found = await second.read("src", [*files, FrozenMapping({"filename": "never"})])  # read() syncs first
        assert found[files[0]] == {"position": 1000}
        assert files[1] not in found  # the tombstone deleted it
        assert {part: off["position"] for part, off in found.items()} == {
            part: 1000 if n == 0 else n for n, part in enumerate(files) if n != 1
        }
        assert second.connector_offsets("other") == {
            FrozenMapping({"table": "t", "shard": 2}): {"lsn": 7, "done": False}
        }

    # a worker started later sees the same offsets
    async with KafkaOffsetStore(topic, settings) as late:
        assert (await late.read("src", [files[2]])) == {files[2]: {"position": 2}}

    records = await raw_records(kafka_bootstrap, topic.name)
    assert len(records) == 43
    by_key = {r.key: r for r in records}
    first_key = b'["src",{"filename":"/data/file-0.txt"}]'
    assert [r.value for r in records if r.key == first_key] == [b'{"position":0}', b'{"position":1000}']
    assert by_key[b'["src",{"filename":"/data/file-1.txt"}]'].value is None
    assert by_key[b'["other",{"shard":2,"table":"t"}]'].value == b'{"lsn":7,"done":false}'
    # every key sits in the partition Java's producer would choose for it
    for record in records:
        assert record.key is not None
        assert record.partition == java_partition(record.key, DEFAULT_PARTITIONS), record.key
    assert len({r.partition for r in records}) > 10
