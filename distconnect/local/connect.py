"""Apache Kafka Connect's own distributed worker, run from Maven Central jars (interop tests, benchmarks).

:class:`ApacheConnectDistributed` is one ``org.apache.kafka.connect.cli.ConnectDistributed``
process: connect-runtime, connect-json, connect-file and connect-test-plugins
(:data:`~distconnect.local.kafka_layout.KAFKA_VERSION`) gathered from Maven Central with the shipped
``poms/connect.xml`` (cached after the first run, see :mod:`distconnect.local.maven`). It writes a
``worker.properties`` (:func:`worker_settings`: JSON converters, replication factor 1 for the three
internal topics, REST on a free loopback port, ``plugin.discovery=service_load``) and a log4j2
config into its work directory, starts the JVM in a session of its own with its output in
``connect.log``, and :meth:`~ApacheConnectDistributed.start` returns once ``GET /connectors``
answers 200, which Java does only after the herder has read the config topic. ``stop`` sends
SIGTERM (Java stops its tasks, commits their offsets and writes their last statuses) and SIGKILL
after a grace period.

The worker's internal topics are named ``<prefix>-configs``, ``<prefix>-offsets`` and
``<prefix>-status`` (the prefix defaults to the group id), so tests and benchmarks can read them and
point distconnect's stores (which take the same ``worker.properties``) at them.

Synchronous, like the rest of :mod:`distconnect.local`: from an event loop, call ``start``,
``stop`` and ``request`` through :func:`asyncio.to_thread`. Not thread-safe.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from distconnect.local import process
from distconnect.local.errors import LocalServiceError
from distconnect.local.kafka_layout import logging_config, logging_flag
from distconnect.local.maven import gather_classpath, require_tool, shipped_pom

MAIN_CLASS = "org.apache.kafka.connect.cli.ConnectDistributed"
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
#: JVM flags for a quick start on small machines (serial GC, C1 only); benchmarks pass
#: :data:`~distconnect.local.kafka_layout.JVM_PERFORMANCE_OPTS` instead.
QUICK_START_OPTS: tuple[str, ...] = (
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Djava.awt.headless=true",
)


def worker_settings(
    bootstrap: str, group_id: str, port: int, *, topic_prefix: str | None = None
) -> dict[str, str]:
    """A distributed worker's settings for a single loopback broker (Java names and values)."""
    prefix = topic_prefix or group_id
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group_id,
        "config.storage.topic": f"{prefix}-configs",
        "offset.storage.topic": f"{prefix}-offsets",
        "status.storage.topic": f"{prefix}-status",
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "key.converter": JSON_CONVERTER,
        "value.converter": JSON_CONVERTER,
        "key.converter.schemas.enable": "false",
        "value.converter.schemas.enable": "false",
        "listeners": f"http://127.0.0.1:{port}",
        "rest.advertised.host.name": "127.0.0.1",
        "rest.advertised.port": str(port),
        "offset.flush.interval.ms": "1000",
        # Kafka's connectors ship service manifests: skip the reflective scan of the classpath.
        "plugin.discovery": "service_load",
    }


def _escape(text: str, *, key: bool) -> str:
    """``java.util.Properties`` escaping of one key or value."""
    out = []
    for n, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char in "\n\r\t\f":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f"}[char])
        elif char in "=:#!" or (char == " " and (key or n == 0)):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def properties_text(settings: Mapping[str, str]) -> str:
    """``settings`` as a ``.properties`` file Java reads back unchanged."""
    return "".join(f"{_escape(k, key=True)}={_escape(v, key=False)}\n" for k, v in settings.items())


@dataclass(frozen=True)
class RestResponse:
    status: int
    #: The parsed JSON body; None when empty.
    body: Any


class ApacheConnectDistributed:
    """One Apache ``ConnectDistributed`` worker process; see the module docstring."""

    def __init__(
        self,
        work_dir: Path,
        bootstrap: str,
        group_id: str,
        *,
        topic_prefix: str | None = None,
        overrides: Mapping[str, str] | None = None,
        port: int | None = None,
        heap: str = "256m",
        jvm_options: Sequence[str] = QUICK_START_OPTS,
        java: str | None = None,
        libs: Path | None = None,
    ) -> None:
        self.work_dir = work_dir.resolve()
        self.port = port or process.free_port()
        self.settings = {
            **worker_settings(bootstrap, group_id, self.port, topic_prefix=topic_prefix),
            **(overrides or {}),
        }
        self.heap = heap
        self.jvm_options = tuple(jvm_options)
        self.java = java
        self.libs = libs
        self.pid: int | None = None
        self.startup_seconds: float | None = None

    # -- what it is --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def worker_id(self) -> str:
        """What Java writes as ``worker_id`` in the status topic: its advertised ``host:port``."""
        return f"{self.settings['rest.advertised.host.name']}:{self.settings['rest.advertised.port']}"

    @property
    def properties_file(self) -> Path:
        return self.work_dir / "worker.properties"

    @property
    def log_file(self) -> Path:
        return self.work_dir / "connect.log"

    @property
    def config_topic(self) -> str:
        return self.settings["config.storage.topic"]

    @property
    def offsets_topic(self) -> str:
        return self.settings["offset.storage.topic"]

    @property
    def status_topic(self) -> str:
        return self.settings["status.storage.topic"]

    @property
    def _marker(self) -> str:
        # the properties file's path is on the command line and unique to this worker
        return str(self.properties_file)

    def running(self) -> bool:
        return self.pid is not None and process.is_running(self.pid, self._marker)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 120.0) -> None:
        """Start the worker and wait until its herder answers ``GET /connectors``."""
        if self.running():
            return
        java = self.java or _default_java()
        libs = self.libs or gather_classpath(shipped_pom("connect.xml"))
        if not process.port_is_free(self.port):
            raise LocalServiceError(f"port {self.port} on 127.0.0.1 is already in use")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.properties_file.write_text(properties_text(self.settings))
        log_name, log_content = logging_config(4)
        (self.work_dir / log_name).write_text(log_content)
        argv = [
            java,
            "-Xms64m",
            f"-Xmx{self.heap}",
            *self.jvm_options,
            logging_flag(4, self.work_dir / log_name),
            "-cp",
            str(libs / "*"),
            MAIN_CLASS,
            str(self.properties_file),
        ]
        started = time.monotonic()
        self.pid = process.spawn(argv, log_file=self.log_file, cwd=self.work_dir)
        try:
            self._await_ready(self.pid, started + timeout, timeout)
        except BaseException:
            self.stop()  # never leave a half-started JVM behind
            raise
        self.startup_seconds = time.monotonic() - started

    def _await_ready(self, pid: int, deadline: float, timeout: float) -> None:
        while time.monotonic() < deadline:
            # alive at all: the marker shows only once the forked child has exec'd the JVM
            if not process.is_running(pid, ""):
                raise LocalServiceError(
                    f"Apache Kafka Connect exited during start-up; see {self.log_file}: "
                    f"{process.tail(self.log_file)}"
                )
            if process.accepts_connections(self.port) and self._answers():
                return
            time.sleep(0.2)
        raise LocalServiceError(
            f"Apache Kafka Connect did not answer GET /connectors within {timeout:.0f} s; see {self.log_file}"
        )

    def _answers(self) -> bool:
        try:
            return self.request("GET", "/connectors", timeout=5.0).status == 200
        except OSError:
            return False

    def stop(self, grace: float = 30.0) -> bool:
        """SIGTERM, then SIGKILL after ``grace`` seconds; True if the worker was running."""
        if self.pid is None:
            return False
        ran = process.terminate(self.pid, self._marker, grace=grace)
        self.pid = None
        return ran

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- REST --------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *, timeout: float = 30.0) -> RestResponse:
        """One REST call; HTTP errors are returned (with Java's error body), not raised."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return RestResponse(response.status, _json(response.read()))
        except urllib.error.HTTPError as err:
            return RestResponse(err.code, _json(err.read()))


def _json(data: bytes) -> Any:
    if not data.strip():
        return None
    try:
        return json.loads(data)
    except ValueError:
        return data.decode(errors="replace")


def _default_java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return require_tool(
        "java", "install a Java 17+ JDK (Debian/Ubuntu: `apt-get install openjdk-17-jdk-headless`)"
    )
