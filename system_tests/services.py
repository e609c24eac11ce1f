"""A small ducktape-style service model for the system tests: a broker, N workers, a TCP proxy.

Every service has ``start`` / ``stop`` (clean: SIGTERM and wait) / ``kill`` (SIGKILL) / ``clean``
(remove its state and logs), like ducktape's ``Service``. Each keeps its logs in a directory of
the test's results directory, so a failed scenario leaves the broker's and every worker's log
behind (``system_tests/results/logs/<module>/<test>/``).

* :class:`KafkaService` is one real KRaft broker (:class:`~distconnect.local.kafka.LocalKafka`) on
  a fixed port, so it can be stopped and started again on the same data (the broker-restart
  scenario); blocking calls, run them through :func:`asyncio.to_thread` from a test.
* :class:`ConnectService` is a :class:`~distconnect.local.cluster.LocalCluster` with node-level
  operations: start a node and wait until it serves REST, stop it cleanly or kill it and wait for
  the process to end, bounce it.
* :class:`TcpProxy` forwards one port to another inside the test's event loop and can *cut* the
  link: bytes are no longer forwarded in either direction and new connections are accepted but
  never served, as if the packets were dropped (a network partition, not a refused connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp

from distconnect.local.cluster import LocalCluster, WorkerProcess
from distconnect.local.kafka import LocalKafka
from distconnect.local.process import free_port


class KafkaService:
    """One broker with its state under ``directory``; the port stays the same across restarts."""

    def __init__(
        self, directory: Path, *, extra_listeners: Mapping[str, tuple[int, int]] | None = None
    ) -> None:
        self.directory = directory
        self.port = free_port()
        self._broker = LocalKafka(directory, port=self.port, extra_listeners=extra_listeners)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self._broker.log_file

    def alive(self) -> bool:
        return self._broker.status().running

    def start(self) -> None:
        self._broker.start(timeout=120)

    def stop(self) -> None:
        """Clean shutdown (SIGTERM: the broker flushes its logs and leaves the quorum)."""
        self._broker.stop(grace=60)

    def kill(self) -> None:
        pid = self._broker.status().pid
        if pid is not None:
            os.killpg(pid, signal.SIGKILL)
        self._broker.stop(grace=10)

    def clean(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class ConnectService(LocalCluster):
    """Distributed workers as OS processes (see :class:`LocalCluster`) plus ducktape's node
    operations. A bounced node comes back on a *new* REST port: a worker's id is its host:port,
    and a fresh id makes "RUNNING on a live worker" unambiguous in statuses written by the old
    process."""

    async def start_node(self, **overrides: str) -> WorkerProcess:
        worker = self.start_worker(**overrides)
        await self.wait_ready(worker, timeout_s=90)
        return worker

    async def stop_node(self, worker: WorkerProcess, *, clean: bool = True, timeout_s: float = 60) -> float:
        """SIGTERM (clean) or SIGKILL the node and wait for its process to end; seconds it took."""
        began = time.monotonic()
        worker.signal(signal.SIGTERM if clean else signal.SIGKILL)
        code = await self.wait_exit(worker, timeout_s)
        if clean:
            assert code == 0, f"worker {worker.index} exited with {code} after SIGTERM"
        return time.monotonic() - began

    async def kill_node(self, worker: WorkerProcess) -> float:
        return await self.stop_node(worker, clean=False)

    async def bounce(self, worker: WorkerProcess, *, clean: bool) -> WorkerProcess:
        """Stop ``worker`` and start a replacement with the same settings overrides."""
        await self.stop_node(worker, clean=clean)
        overrides = {
            k: v for k, v in worker.settings.items() if k not in self.worker_settings(0, worker.port)
        }
        return await self.start_node(**overrides)

    def random_node(self) -> WorkerProcess:
        """A random live worker: like ducktape's REST helper, spreads calls (and forwarding)."""
        return random.choice(self.running())

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        worker: WorkerProcess | None = None,
        retry_s: float = 30,
    ) -> tuple[int, Any]:
        """A REST call retried on 409 (rebalance in progress) and connection errors, as ducktape's
        "retrying" helpers do; other statuses are returned."""
        deadline = time.monotonic() + retry_s
        while True:
            try:
                code, body_out = await self.rest(method, path, body, worker=worker or self.random_node())
            except (aiohttp.ClientError, OSError) as err:
                code, body_out = -1, str(err)
            if code not in (-1, 409) or time.monotonic() > deadline:
                return code, body_out
            await asyncio.sleep(0.25)

    def clean(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


class TcpProxy:
    """Forwards ``127.0.0.1:port`` to ``127.0.0.1:target``; :meth:`cut` drops all traffic."""

    def __init__(self, port: int, target: int) -> None:
        self.port = port
        self.target = target
        self._open = asyncio.Event()
        self._open.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    def cut(self) -> None:
        self._open.clear()

    def heal(self) -> None:
        """Close every connection held during the cut (their peers reconnect) and forward again."""
        for writer in list(self._writers):
            writer.close()
        self._open.set()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        self.heal()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._open.wait()
            if writer.is_closing():  # held during a cut and closed by heal()
                return
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            self._writers.discard(writer)
            writer.close()
            return
        self._writers.add(up_writer)
        pumps = [
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        self._tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
            self._tasks.discard(pump)
        for w in (writer, up_writer):
            self._writers.discard(w)
            w.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                # During a cut the bytes read are held back, not forwarded: like dropped packets,
                # the peer sees silence until its own timeouts fire.
                await self._open.wait()
                if writer.is_closing():
                    return
                writer.write(data)
                await writer.drain()
