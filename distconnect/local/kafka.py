"""A real single-node Apache Kafka (KRaft) on 127.0.0.1, started and stopped by distconnect.

The equivalent of ``confluent local``: ``distconnect local kafka start|stop|status``, the pytest
session fixture and ``make demo`` all go through :class:`LocalKafka`. Its state directory holds
the generated configs, the KRaft data, the broker's log and a pid file, so separate CLI calls find
the broker again. Every operation is idempotent: starting a running broker reports it, stopping a
stopped one is a no-op.

The methods are blocking (subprocesses, polling); call them from a CLI, a fixture or a thread,
never from a running event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from distconnect.local import kafka_layout as layout
from distconnect.local import process
from distconnect.local.errors import LocalServiceError
from distconnect.local.maven import require_tool

DEFAULT_PORT = 9092
#: Heap of the broker JVM; small, because the broker shares two cores and the machine with workers.
DEFAULT_HEAP = os.environ.get("DISTCONNECT_KAFKA_HEAP", "512m")


def default_state_dir() -> Path:
    home = os.environ.get("DISTCONNECT_HOME")
    return (Path(home) if home else Path.home() / ".local" / "state" / "distconnect") / "kafka"


@dataclass(frozen=True)
class KafkaStatus:
    running: bool
    pid: int | None
    bootstrap: str | None
    state_dir: Path


class LocalKafka:
    """One broker bound to one state directory."""

    def __init__(
        self,
        state_dir: Path | None = None,
        *,
        port: int | None = None,
        kafka_home: Path | None = None,
        heap: str = DEFAULT_HEAP,
        extra_listeners: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        self.state_dir = (state_dir or default_state_dir()).resolve()
        self._requested_port = port
        env_home = os.environ.get("KAFKA_HOME")
        self.kafka_home = kafka_home or (Path(env_home) if env_home else None)
        self.heap = heap
        #: Extra PLAINTEXT listeners, ``NAME -> (port, advertised port)``; see
        #: :func:`~distconnect.local.kafka_layout.server_properties`.
        self.extra_listeners = dict(extra_listeners or {})

    # Files in the state directory.
    @property
    def _pid_file(self) -> Path:
        return self.state_dir / "kafka.pid"

    @property
    def _state_file(self) -> Path:
        return self.state_dir / "kafka.json"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "logs" / "kafka.out"

    @property
    def _marker(self) -> str:
        # Our broker's command line names its server.properties inside this state directory.
        return str(self.state_dir / "server.properties")

    def _saved(self) -> dict[str, object]:
        try:
            data = json.loads(self._state_file.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def port(self) -> int:
        if self._requested_port is not None:
            return self._requested_port
        saved = self._saved().get("port")
        return saved if isinstance(saved, int) else DEFAULT_PORT

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def status(self) -> KafkaStatus:
        pid = process.running_pid(self._pid_file, self._marker)
        saved_port = self._saved().get("port")
        bootstrap = f"127.0.0.1:{saved_port}" if pid is not None else None
        return KafkaStatus(pid is not None, pid, bootstrap, self.state_dir)

    def start(self, timeout: float = 120.0) -> KafkaStatus:
        """Start the broker (or find it running) and wait until it answers an admin request."""
        current = self.status()
        if current.running:
            if self._requested_port is not None and current.bootstrap != self.bootstrap:
                raise LocalServiceError(
                    f"a broker from {self.state_dir} already runs at {current.bootstrap}; "
                    "stop it first or use another --dir"
                )
            return current
        java = require_tool(
            "java", "install a Java 17+ JDK (Debian/Ubuntu: `apt-get install openjdk-17-jdk-headless`)"
        )
        port = self.port
        if not process.port_is_free(port):
            raise LocalServiceError(
                f"port {port} on 127.0.0.1 is already in use (another Kafka?); choose one with --port N"
            )
        classpath = layout.resolve_classpath(self.kafka_home)
        controller_port = process.free_port()
        data_dir = self.state_dir / "data"
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "server.properties").write_text(
            layout.server_properties(
                port=port,
                controller_port=controller_port,
                data_dir=data_dir,
                extra_listeners=self.extra_listeners,
            )
        )
        log_name, log_content = layout.logging_config(classpath.major)
        (self.state_dir / log_name).write_text(log_content)
        jvm = [
            java,
            *layout.JVM_PERFORMANCE_OPTS,
            layout.logging_flag(classpath.major, self.state_dir / log_name),
            f"-Dkafka.logs.dir={self.state_dir / 'logs'}",
            "-cp",
            classpath.argument(),
        ]
        if not (data_dir / "meta.properties").exists():
            self._format(jvm, data_dir)
        self._state_file.write_text(
            json.dumps({"port": port, "controller_port": controller_port, "kafka_version": classpath.version})
        )
        argv = [jvm[0], f"-Xms{self.heap}", f"-Xmx{self.heap}", *jvm[1:], "kafka.Kafka", self._marker]
        pid = process.spawn(argv, log_file=self.log_file, cwd=self.state_dir)
        self._pid_file.write_text(f"{pid}\n")
        self._await_ready(pid, port, timeout)
        return KafkaStatus(True, pid, f"127.0.0.1:{port}", self.state_dir)

    def _format(self, jvm: list[str], data_dir: Path) -> None:
        cluster_id = layout.new_cluster_id()
        argv = [
            jvm[0],
            "-Xmx256m",
            *jvm[1:],
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id,
            "-c",
            self._marker,
        ]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=self.state_dir)
        if done.returncode != 0:
            lines = (done.stdout + done.stderr).strip().splitlines()
            raise LocalServiceError(
                f"formatting the KRaft log dir {data_dir} failed: {' | '.join(lines[-3:])}"
            )

    def _await_ready(self, pid: int, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not process.is_running(pid, self._marker):
                raise LocalServiceError(
                    f"the broker exited during start-up; see {self.log_file}: {process.tail(self.log_file)}"
                )
            # A plain connect first: aiokafka logs every refused connection as an error.
            if process.accepts_connections(port) and asyncio.run(_answers_admin_request(f"127.0.0.1:{port}")):
                return
            time.sleep(0.25)
        self.stop()
        raise LocalServiceError(f"the broker did not answer within {timeout:.0f} s; see {self.log_file}")

    def stop(self, grace: float = 30.0) -> bool:
        """Stop the broker: SIGTERM, then SIGKILL after ``grace`` seconds. True if one was running."""
        pid = process.read_pid(self._pid_file)
        ran = pid is not None and process.terminate(pid, self._marker, grace=grace)
        self._pid_file.unlink(missing_ok=True)
        return ran


async def _answers_admin_request(bootstrap: str) -> bool:
    """Whether the broker answers DescribeCluster (a real admin round trip, not just a socket)."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import KafkaError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        description = await admin.describe_cluster()
        return bool(description.get("brokers"))
    except (TimeoutError, KafkaError, OSError):
        return False
    finally:
        await admin.close()
