"""A standalone worker wired as ``distconnect standalone`` wires it — REST server with its metrics
registry, herder, auto-restarter — in the test's event loop, plus a connector that fails on cue.

:class:`FlakySourceConnector` fails its first ``fail.connector.starts`` starts and its task's first
``fail.task.runs`` runs (in ``poll``), then produces one record per poll; what happened is kept per
``flaky.id`` in :data:`FLAKY` so a test can count starts and see when they happened.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from distconnect.api import ConfigDef, SourceConnector, SourceRecord, SourceTask
from distconnect.metrics import register_worker
from distconnect.rest import RestServer
from distconnect.runtime.auto_restart import AutoRestarter
from distconnect.runtime.offsets import FileOffsetStore
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.standalone import StandaloneHerder
from distconnect.runtime.states import MemoryStatusListener
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import StandaloneConfig
from distconnect.standalone_cmd import offset_codec

JSON = "org.apache.kafka.connect.json.JsonConverter"


@dataclass
class Flaky:
    connector_starts: list[float] = field(default_factory=list)
    task_starts: list[float] = field(default_factory=list)


FLAKY: dict[str, Flaky] = {}


def new_flaky() -> str:
    key = uuid.uuid4().hex
    FLAKY[key] = Flaky()
    return key


class FlakySourceTask(SourceTask):
    async def start(self, props: Mapping[str, str]) -> None:
        self.flaky = FLAKY[props["flaky.id"]]
        self.flaky.task_starts.append(time.monotonic())
        self.fails = len(self.flaky.task_starts) <= int(props.get("fail.task.runs", "0"))
        self.topic = props["topic"]
        self.seq = 0

    async def poll(self) -> list[SourceRecord]:
        if self.fails:
            raise RuntimeError("the upstream system refused the connection")
        await asyncio.sleep(0.05)  # one record per 50 ms: a rate limit, not synchronisation
        self.seq += 1
        return [
            SourceRecord(topic=self.topic, value=self.seq, source_partition={}, source_offset={"n": self.seq})
        ]

    async def stop(self) -> None:
        pass

    def version(self) -> str:
        return "1.0"


class FlakySourceConnector(SourceConnector):
    def start(self, props: Mapping[str, str]) -> None:
        self.props = dict(props)
        flaky = FLAKY[props["flaky.id"]]
        flaky.connector_starts.append(time.monotonic())
        if len(flaky.connector_starts) <= int(props.get("fail.connector.starts", "0")):
            raise RuntimeError("the upstream system is not reachable yet")

    def task_class(self) -> type[SourceTask]:
        return FlakySourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.props)]

    def stop(self) -> None:
        pass

    def config(self) -> ConfigDef:
        return ConfigDef()

    def version(self) -> str:
        return "1.0"


PLUGINS = (("distconnect.connectors", "tests.FlakySource", FlakySourceConnector),)


@dataclass
class RestWorker:
    url: str
    herder: StandaloneHerder
    restarter: AutoRestarter


@asynccontextmanager
async def rest_worker(bootstrap: str, tmp_path: Path, **props: str) -> AsyncIterator[RestWorker]:
    """``props`` are worker settings with ``_`` for ``.`` (``auto_restart_enable="true"``)."""
    config = StandaloneConfig(
        {
            "bootstrap.servers": bootstrap,
            "key.converter": JSON,
            "value.converter": JSON,
            "offset.storage.file.filename": str(tmp_path / "offsets.json"),
            "offset.flush.interval.ms": "300",
            "listeners": "http://127.0.0.1:0",
            **{k.replace("_", "."): v for k, v in props.items()},
        }
    )
    registry = PluginRegistry(PLUGINS)
    statuses = MemoryStatusListener()
    metrics = CollectorRegistry()
    async with RestServer(config, metrics=metrics) as server:
        offsets = FileOffsetStore(tmp_path / "offsets.json", offset_codec(registry))
        worker = Worker(server.worker_id, config, registry, offsets, statuses)
        herder = StandaloneHerder(worker, statuses)
        restarter = AutoRestarter.from_config(config, herder, worker, statuses)
        register_worker(metrics, worker, statuses, restarter)
        async with herder, restarter:
            server.set_herder(herder)
            yield RestWorker(server.advertised_url, herder, restarter)
            await server.stop()


async def scrape(
    http: aiohttp.ClientSession, url: str
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``GET /metrics`` parsed: (sample name, sorted labels) -> value."""
    async with http.get(f"{url}metrics") as response:
        assert response.status == 200, await response.text()
        text = await response.text()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sample(
    samples: Mapping[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: Any
) -> float | None:
    return samples.get((name, tuple(sorted((k, str(v)) for k, v in labels.items()))))
