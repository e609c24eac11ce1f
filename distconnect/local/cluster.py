"""A local distributed Connect cluster: ``distconnect worker`` processes on one machine.

Each worker is a separate OS process (its own session, so a signal reaches all of it) with its
own ``worker.properties`` and log file in the cluster's directory and a REST listener on a free
port of 127.0.0.1. The multi-process tests, ``make demo`` and the failover benchmarks drive
clusters through this class; it can kill workers with SIGTERM or SIGKILL for real.

Lifecycle: nothing starts in ``__init__``; :meth:`LocalCluster.start_worker` spawns one worker,
:meth:`LocalCluster.stop` stops every worker still running (SIGTERM, then SIGKILL after a grace
period). ``async with LocalCluster(...)`` stops them on exit. One event loop; not thread-safe.
"""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp
import orjson

from distconnect.local.errors import LocalServiceError
from distconnect.local.process import free_port, tail

#: Settings a small local cluster wants that differ from Apache's production defaults.
LOCAL_DEFAULTS: dict[str, str] = {
    "config.storage.replication.factor": "1",
    "offset.storage.replication.factor": "1",
    "status.storage.replication.factor": "1",
    "offset.storage.partitions": "5",
    "status.storage.partitions": "3",
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "offset.flush.interval.ms": "1000",
}


def _escape(text: str, key: bool) -> str:
    out = text.replace("\\", "\\\\").replace("\n", "\\n")
    if key:
        out = out.replace("=", "\\=").replace(":", "\\:").replace(" ", "\\ ")
    return out


def properties_text(props: Mapping[str, str]) -> str:
    """``props`` as a Java ``.properties`` file."""
    return "".join(f"{_escape(k, True)}={_escape(v, False)}\n" for k, v in props.items())


@dataclass
class WorkerProcess:
    """One worker process of a :class:`LocalCluster`."""

    index: int
    port: int
    properties: Path
    log: Path
    process: subprocess.Popen[bytes]
    settings: dict[str, str] = field(default_factory=dict)
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def worker_id(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, sig: signal.Signals) -> None:
        if self.alive:
            os.killpg(self.process.pid, sig)


class LocalCluster:
    """Worker processes sharing a group and internal topics; see the module docstring."""

    def __init__(
        self,
        bootstrap: str,
        directory: Path,
        *,
        group: str | None = None,
        settings: Mapping[str, str] | None = None,
        python: str = sys.executable,
        scheme: str = "http",
        ssl_context: ssl.SSLContext | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """``scheme="https"`` gives every worker an HTTPS listener (``settings`` must then hold
        the ``ssl.*`` keys); ``ssl_context`` and ``headers`` (e.g. basic-auth credentials) are
        used by :meth:`rest`."""
        self.bootstrap = bootstrap
        self.directory = directory
        self.group = group or f"connect-{uuid.uuid4().hex[:8]}"
        self.settings = {**LOCAL_DEFAULTS, **(settings or {})}
        self.python = python
        self.scheme = scheme
        self.ssl_context = ssl_context
        self.headers = dict(headers or {})
        self.workers: list[WorkerProcess] = []
        self._session: aiohttp.ClientSession | None = None

    # -- workers ---------------------------------------------------------------------------------
    def worker_settings(self, index: int, port: int, **overrides: str) -> dict[str, str]:
        return {
            "bootstrap.servers": self.bootstrap,
            "group.id": self.group,
            "config.storage.topic": f"{self.group}-configs",
            "offset.storage.topic": f"{self.group}-offsets",
            "status.storage.topic": f"{self.group}-status",
            "listeners": f"{self.scheme}://127.0.0.1:{port}",
            **self.settings,
            **overrides,
        }

    def start_worker(self, *, port: int | None = None, **overrides: str) -> WorkerProcess:
        """Spawn one more worker (``overrides`` are worker settings; ``port`` reuses a REST port)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        index = len(self.workers)
        port = port or free_port()
        settings = self.worker_settings(index, port, **overrides)
        props = self.directory / f"worker-{index}.properties"
        props.write_text(properties_text(settings))
        log = self.directory / f"worker-{index}.log"
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [self.python, "-m", "distconnect", "worker", str(props)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        worker = WorkerProcess(index, port, props, log, process, settings, self.scheme)
        self.workers.append(worker)
        return worker

    def restart_worker(self, worker: WorkerProcess) -> WorkerProcess:
        """Start a new process with the same settings and REST port as a stopped ``worker``."""
        if worker.alive:
            raise LocalServiceError(f"worker {worker.index} is still running")
        overrides = {
            k: v for k, v in worker.settings.items() if k not in self.worker_settings(0, worker.port)
        }
        return self.start_worker(port=worker.port, **overrides)

    def running(self) -> list[WorkerProcess]:
        return [w for w in self.workers if w.alive]

    async def wait_ready(self, worker: WorkerProcess, timeout_s: float = 60.0) -> None:
        """Wait until ``worker`` serves ``GET /connectors``: its REST server is up and its herder
        attached. It may not have completed its first rebalance yet (writes wait for that)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not worker.alive:
                raise LocalServiceError(f"worker {worker.index} exited:\n{tail(worker.log, 20)}")
            try:
                status, _ = await self.rest("GET", "/connectors", worker=worker)
                if status == 200:
                    return
            except (aiohttp.ClientError, OSError):
                pass
            await asyncio.sleep(0.2)
        raise LocalServiceError(
            f"worker {worker.index} not ready in {timeout_s:.0f} s:\n{tail(worker.log, 20)}"
        )

    async def wait_exit(self, worker: WorkerProcess, timeout_s: float = 60.0) -> int:
        try:
            return await asyncio.to_thread(worker.process.wait, timeout_s)
        except subprocess.TimeoutExpired:
            raise LocalServiceError(f"worker {worker.index} still running after {timeout_s:.0f} s") from None

    async def stop(self, grace_s: float = 30.0) -> None:
        for worker in self.running():
            worker.signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                await self.wait_exit(worker, grace_s)
            except LocalServiceError:
                worker.signal(signal.SIGKILL)
                worker.process.wait()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- REST ------------------------------------------------------------------------------------
    async def rest(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        worker: WorkerProcess | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One REST call to ``worker`` (default: the first running one); ``(status, JSON or None)``.
        ``headers`` replace the cluster's :attr:`headers` for this call."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        target = worker or self.running()[0]
        data = None if body is None else orjson.dumps(body)
        sent = dict(self.headers if headers is None else headers)
        if data is not None:
            sent["Content-Type"] = "application/json"
        tls: ssl.SSLContext | bool = self.ssl_context or True
        async with self._session.request(
            method, target.url + path, data=data, headers=sent, ssl=tls
        ) as response:
            raw = await response.read()
            return response.status, (orjson.loads(raw) if raw else None)

    async def status(self, connector: str, worker: WorkerProcess | None = None) -> dict[str, Any] | None:
        code, body = await self.rest("GET", f"/connectors/{connector}/status", worker=worker)
        return body if code == 200 else None

    async def wait_running(
        self, connector: str, tasks: int, timeout_s: float = 60.0, *, on: set[str] | None = None
    ) -> dict[str, Any]:
        """Wait until ``connector`` and exactly ``tasks`` tasks are RUNNING (on workers in ``on``)."""
        deadline = time.monotonic() + timeout_s
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = await self.status(connector)
            except (aiohttp.ClientError, OSError):
                last = None
            if last is not None and _all_running(last, tasks, on):
                return dict(last)
            await asyncio.sleep(0.2)
        raise LocalServiceError(
            f"{connector}: not {tasks} tasks RUNNING in {timeout_s:.0f} s; last status {last}"
        )


def _all_running(status: Mapping[str, Any], tasks: int, on: set[str] | None) -> bool:
    states = [status["connector"], *status["tasks"]]
    return (
        len(status["tasks"]) == tasks
        and all(s["state"] == "RUNNING" for s in states)
        and (on is None or all(s["worker_id"] in on for s in states))
    )
