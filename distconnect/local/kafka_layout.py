"""What a local single-node KRaft broker needs on disk: classpath, server.properties, logging.

Pure functions of their inputs apart from reading a distribution's ``libs/`` folder; the process
lifecycle lives in :mod:`distconnect.local.kafka`.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from distconnect.local.errors import LocalServiceError
from distconnect.local.maven import gather_classpath, shipped_pom

#: The Apache Kafka release gathered from Maven Central when no distribution is given.
KAFKA_VERSION = "4.3.0"

# Jars a distribution ships in libs/ that its own scripts leave off the broker's classpath.
_EXCLUDED_JARS = re.compile(r"(-test|-sources|-src|-javadoc|-scaladoc)\.jar$|^connect-file")


@dataclass(frozen=True)
class Classpath:
    """A broker classpath and the Kafka version it holds (decides the logging setup)."""

    entries: tuple[str, ...]
    version: str

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0])

    def argument(self) -> str:
        return ":".join(self.entries)


def resolve_classpath(kafka_home: Path | None) -> Classpath:
    """The broker classpath: a distribution's ``libs/`` if given, else jars gathered from Maven."""
    if kafka_home is None:
        libs = gather_classpath(shipped_pom("broker.xml"), properties={"kafka.version": KAFKA_VERSION})
        return Classpath((str(libs / "*"),), KAFKA_VERSION)
    libs = kafka_home / "libs"
    if not libs.is_dir():
        raise LocalServiceError(
            f"{kafka_home} is not an Apache Kafka distribution (no libs/ folder); "
            "point --kafka-home or KAFKA_HOME at the unpacked kafka_2.13-<version> directory"
        )
    jars = sorted(p for p in libs.glob("*.jar") if not _EXCLUDED_JARS.search(p.name))
    version = next(
        (m.group(1) for p in jars if (m := re.fullmatch(r"kafka-clients-(\d+\.\d+\.\d+).*\.jar", p.name))),
        None,
    )
    if version is None:
        raise LocalServiceError(f"no kafka-clients jar in {libs}; is KAFKA_HOME a Kafka distribution?")
    return Classpath(tuple(str(p) for p in jars), version)


def new_cluster_id() -> str:
    """A KRaft cluster id as Kafka's ``Uuid.randomUuid()`` makes it (never starting with '-')."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def server_properties(
    *,
    port: int,
    controller_port: int,
    data_dir: Path,
    extra_listeners: Mapping[str, tuple[int, int]] | None = None,
) -> str:
    """A combined broker+controller config on 127.0.0.1 that works on Kafka 3.7 through 4.x.

    Static voters (``controller.quorum.voters``) avoid the ``--standalone`` format flag that 3.7
    lacks and let the ports change between restarts of the same data directory.
    ``extra_listeners`` adds PLAINTEXT listeners ``NAME -> (port, advertised port)``: a client
    that bootstraps through a TCP proxy on the advertised port is told to keep using the proxy
    (the system tests cut one worker off the broker that way).
    """
    extra = dict(extra_listeners or {})
    listeners = "".join(f",{name}://127.0.0.1:{bound}" for name, (bound, _) in extra.items())
    advertised = "".join(f",{name}://127.0.0.1:{adv}" for name, (_, adv) in extra.items())
    protocols = "".join(f",{name}:PLAINTEXT" for name in extra)
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}{listeners}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}{advertised}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": f"CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT{protocols}",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "5",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Tests and demos form groups constantly; the default 3 s delay would only slow them down.
        "group.initial.rebalance.delay.ms": "0",
        # Let the log cleaner compact internal Connect topics promptly in long tests.
        "log.cleaner.backoff.ms": "5000",
    }
    return "".join(f"{k}={v}\n" for k, v in settings.items())


def logging_config(major: int) -> tuple[str, str]:
    """(file name, content) of a console logging config for the broker's Kafka major version."""
    if major >= 4:
        return (
            "log4j2.properties",
            "status = warn\n"
            "appender.console.type = Console\n"
            "appender.console.name = STDOUT\n"
            "appender.console.layout.type = PatternLayout\n"
            "appender.console.layout.pattern = [%d] %p %m (%c)%n\n"
            "rootLogger.level = INFO\n"
            "rootLogger.appenderRef.stdout.ref = STDOUT\n"
            "logger.state.name = state.change.logger\n"
            "logger.state.level = WARN\n",
        )
    return (
        "log4j.properties",
        "log4j.rootLogger=INFO, stdout\n"
        "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
        "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
        "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
        "log4j.logger.state.change.logger=WARN\n",
    )


def logging_flag(major: int, path: Path) -> str:
    return f"-Dlog4j2.configurationFile={path}" if major >= 4 else f"-Dlog4j.configuration=file:{path}"


#: JVM flags of ``kafka-server-start.sh`` with a modest heap for 2-core, shared machines.
JVM_PERFORMANCE_OPTS = (
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
)
