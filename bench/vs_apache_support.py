"""One interface over a distconnect cluster and an Apache Kafka Connect cluster, for bench_vs_apache.

:class:`Cluster` starts workers of either implementation on the same broker with the same
settings, talks to them over their (identical) REST APIs and stops them. Also: resident memory
of a process and a short py-spy profile of one.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiokafka import AIOKafkaConsumer, TopicPartition

from distconnect.local.cluster import LocalCluster
from distconnect.local.connect import ApacheConnectDistributed
from distconnect.local.kafka_layout import JVM_PERFORMANCE_OPTS

PYSPY = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "py-spy"


@dataclass
class Node:
    url: str
    worker_id: str
    pid: int
    handle: Any


class Cluster:
    """Workers of ``impl`` ("distconnect" or "apache") sharing ``group``; nodes[0] starts first."""

    def __init__(
        self, impl: str, bootstrap: str, directory: Path, group: str, settings: dict[str, str], libs: Path
    ) -> None:
        self.impl, self.bootstrap, self.directory, self.group = impl, bootstrap, directory, group
        self.settings, self.libs = settings, libs
        self.nodes: list[Node] = []
        self._local = LocalCluster(bootstrap, directory, group=group, settings=settings)
        self._http: aiohttp.ClientSession | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def _spawn(self) -> Node:
        if self.impl == "distconnect":
            worker = self._local.start_worker()
            node = Node(worker.url, worker.worker_id, worker.process.pid, worker)
            await self._local.wait_ready(worker, timeout_s=120)
        else:
            java = ApacheConnectDistributed(
                self.directory / f"w{len(self.nodes)}",
                self.bootstrap,
                self.group,
                overrides=self.settings,
                heap="2g",
                jvm_options=JVM_PERFORMANCE_OPTS,
                libs=self.libs,
            )
            await asyncio.to_thread(java.start, 180)
            assert java.pid is not None
            node = Node(java.url, java.worker_id, java.pid, java)
        self.nodes.append(node)
        return node

    async def start(self, count: int) -> None:
        for _ in range(count):
            await self._spawn()

    async def add_node(self) -> float:
        """Start one more worker; the monotonic time its REST API answered."""
        await self._spawn()
        return time.monotonic()

    async def start_timed(self) -> float:
        """Start one worker; seconds from the spawn to ``GET /health`` 200."""
        began = time.monotonic()
        if self.impl == "distconnect":
            worker = self._local.start_worker()
            node = Node(worker.url, worker.worker_id, worker.process.pid, worker)
        else:
            node = await self._spawn()
        while True:
            code, _ = await self.rest("GET", "/health", node=node, quiet=True)
            if code == 200:
                break
            if time.monotonic() - began > 120:
                raise RuntimeError(f"{self.impl}: /health not 200 in 120 s")
            await asyncio.sleep(0.05)
        if self.impl == "distconnect":
            self.nodes.append(node)
        return time.monotonic() - began

    async def rest(
        self, method: str, path: str, body: Any = None, *, node: Node | None = None, quiet: bool = False
    ) -> tuple[int, Any]:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        target = node or self.nodes[0]
        try:
            async with self._http.request(method, target.url + path, json=body) as response:
                text = await response.text()
                try:
                    return response.status, (await response.json(content_type=None)) if text else None
                except ValueError:
                    return response.status, text
        except (aiohttp.ClientError, OSError):
            if quiet:
                return -1, None
            raise

    async def _retrying(self, method: str, path: str, body: Any, ok: set[int]) -> None:
        deadline = time.monotonic() + 90
        while True:
            code, answer = await self.rest(method, path, body)
            if code in ok:
                return
            if code != 409 or time.monotonic() > deadline:  # 409: rebalance in progress
                raise RuntimeError(f"{self.impl} {method} {path}: {code} {answer}")
            await asyncio.sleep(0.25)

    async def create(self, name: str, config: dict[str, str]) -> None:
        await self._retrying("POST", "/connectors", {"name": name, "config": config}, {201})

    async def delete(self, name: str) -> None:
        await self._retrying("DELETE", f"/connectors/{name}", None, {204})

    async def wait(
        self,
        done: Callable[[dict[str, Any] | None], bool],
        deadline_s: float,
        what: str,
        interval: float = 0.25,
    ) -> None:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            code, body = await self.rest("GET", "/connectors?expand=status", quiet=True)
            if code == 200 and done(body):
                return
            await asyncio.sleep(interval)
        raise RuntimeError(f"{self.impl}: not {what} within {deadline_s:.0f} s")

    async def end_offsets(self, topics: list[str]) -> int:
        if self._consumer is None:
            self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
            await self._consumer.start()
        ends = await self._consumer.end_offsets([TopicPartition(t, 0) for t in topics])
        return sum(ends.values())

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._http is not None:
            await self._http.close()
        if self.impl == "distconnect":
            await self._local.stop(grace_s=30)
        else:
            await asyncio.gather(*(asyncio.to_thread(n.handle.stop, 30) for n in self.nodes))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


_IDLE = ("select (selectors.py", "epoll", "_worker (concurrent/futures/thread.py", "wait (threading.py")


async def profile_top(pid: int, seconds: int, out: Path, top: int = 15) -> str:
    """py-spy the process for ``seconds``; markdown table of the busiest functions (self time)."""
    proc = await asyncio.create_subprocess_exec(
        str(PYSPY),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(seconds),
        "--rate",
        "100",
        "--nonblocking",
        "--format",
        "raw",
        "-o",
        str(out),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await proc.wait()
    return await asyncio.to_thread(_summarise, out, seconds, top)


def _summarise(out: Path, seconds: int, top: int) -> str:
    if not out.exists():
        return "(py-spy produced no profile)"
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    busy = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not count.isdigit() or any(marker in frames[-1] for marker in _IDLE):
            continue
        busy += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            total[frame] += int(count)
    lines = [
        f"py-spy, {seconds} s at 100 Hz during the run, {busy} busy samples (idle waits left out).",
        "",
        "| function | self % | total % |",
        "|---|---:|---:|",
    ]
    for frame, n in own.most_common(top):
        lines.append(f"| `{frame}` | {n / busy:.1%} | {total[frame] / busy:.1%} |")
    return "\n".join(lines)
